#pragma once

// The body of an HTTP/1.1 answer, read whole or not at all, for the ACME
// client (AcmeHttpClient) and mock-acme's http-01 validator. Internal.

#include <cstddef>
#include <functional>
#include <ios>
#include <string>

#include "cxxacme/Error.h"

namespace Poco::Net {
class HTTPClientSession;
class HTTPResponse;
}

namespace cxxacme::detail {

/// Reads the body of an answer whose head was just read, as RFC 9112 §6.3
/// delimits it: none (a HEAD request's answer, 1xx, 204, 304), exactly its
/// Content-Length, its chunks up to the zero-size one and the end of the
/// trailer section (§7.1), or, with neither, up to the connection's end.
/// POCO 1.11's own body streams end quietly where the connection ends, so that
/// an answer cut short inside its Content-Length or anywhere in its chunks
/// would pass for a whole one; here it is refused.
class HttpBodyReader {
public:
    /// Up to `length` bytes of the connection into `buffer` (an HTTP session's
    /// buffered read); 0 or less at the connection's end. Its exceptions (a
    /// timeout, a reset) pass through the reader.
    using Read = std::function<int(char* buffer, std::streamsize length)>;

    /// A body refused: its reason (what()), and why.
    class Refused : public Error {
    public:
        enum class Why {
            CutShort,  ///< the connection ended before the body did
            TooLarge,  ///< over the limit (reading stopped there)
            Malformed  ///< chunks that do not read
        };
        Refused(Why why, const std::string& reason) : Error(reason), why_(why) {}
        Why why() const noexcept { return why_; }

    private:
        Why why_;
    };

    /// `read` gives the connection's bytes that follow the head; `limit` is the
    /// most body bytes taken.
    HttpBodyReader(Read read, std::size_t limit);

    /// The body of `head`, the answer to a request of `method`. Throws Refused.
    std::string body(const Poco::Net::HTTPResponse& head, const std::string& method);

    /// The head of the answer to the request just sent on `session`, into `head`
    /// (POCO's receiveResponse, whose body stream goes unused). POCO parses the
    /// Content-Length there for its stream and throws its own syntax error on one
    /// that does not read; the body() that follows refuses it, in words of its own.
    static void receiveHead(Poco::Net::HTTPClientSession& session, Poco::Net::HTTPResponse& head);

private:
    std::string untilLength(std::size_t length);
    std::string untilEnd();
    std::string chunked();
    std::string line(const char* where);
    Refused cut(const std::string& where) const;
    Refused tooLarge() const;

    Read read_;
    std::size_t limit_;
};

}  // namespace cxxacme::detail
