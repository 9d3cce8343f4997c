// libFuzzer target for HttpBodyReader, which reads the bodies of a CA's answers
// (the client) and of the http-01 answers that clients' responders give
// (mock-acme's validator). Input: byte 0 the framing (0 chunked, 1 a
// Content-Length in bytes 2-3, 2 a Content-Length and 3 a Transfer-Encoding
// field whose value is the first (byte 2 % 16) bytes after byte 3, else none),
// byte 1 how many bytes a read gives at most, then the connection's bytes
// after the head. A field's value reads as one only when whole: a
// Content-Length of digits alike, chunked alone. Only Refused may be
// thrown; a body is at most the limit; a body read whole is read again, the
// same, from exactly the bytes taken, and is refused as cut short from one
// byte fewer (so nothing past its end was taken, and its end was needed);
// chunked, the body it reads is what its chunks hold.
// Built with scripts/fuzz.sh (clang only); never run by the test suite.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <Poco/Net/HTTPResponse.h>

#include "cxxacme/detail/HttpBodyReader.h"

using cxxacme::detail::HttpBodyReader;

namespace {

constexpr std::size_t kLimit = 1024;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "http_body_fuzzer: %s\n", what);
    std::abort();
}

struct Outcome {
    bool whole = false;
    std::string body;
    HttpBodyReader::Refused::Why why = HttpBodyReader::Refused::Why::Malformed;
    std::size_t taken = 0;  // bytes of the connection read
};

Outcome readFrom(const std::string& bytes, std::size_t piece, const Poco::Net::HTTPResponse& head) {
    Outcome o;
    const HttpBodyReader::Read read = [&](char* buffer, std::streamsize length) {
        if (length <= 0) fail("a read of no bytes was asked for");
        const std::size_t n = std::min({piece, static_cast<std::size_t>(length), bytes.size() - o.taken});
        bytes.copy(buffer, n, o.taken);
        o.taken += n;
        return static_cast<int>(n);
    };
    try {
        o.body = HttpBodyReader(read, kLimit).body(head, "GET");
        o.whole = true;
    } catch (const HttpBodyReader::Refused& e) {
        o.why = e.why();
        if (std::string(e.what()).empty()) fail("a refusal without words");
    }
    return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) return 0;
    Poco::Net::HTTPResponse head(Poco::Net::HTTPResponse::HTTP_OK);
    if (data[0] == 0) head.setChunkedTransferEncoding(true);
    if (data[0] == 1) head.setContentLength64(data[2] << 8 | data[3]);
    std::string value;  // a field's value, as the input gives it
    std::size_t from = 4;
    if (data[0] == 2 || data[0] == 3) {
        from = std::min(size, 4 + std::size_t{data[2]} % 16);
        value.assign(reinterpret_cast<const char*>(data) + 4, from - 4);
        head.add(data[0] == 2 ? "Content-Length" : "Transfer-Encoding", value);
    }
    const std::size_t piece = data[1] == 0 ? 1 : data[1];
    const std::string bytes(reinterpret_cast<const char*>(data) + from, size - from);

    const Outcome o = readFrom(bytes, piece, head);
    if (o.taken > bytes.size()) fail("more was taken than the connection gave");
    if (data[0] == 2 && !o.whole && o.why == HttpBodyReader::Refused::Why::Malformed && o.taken > 0)
        fail("a Content-Length refused after the body was read");
    if (!o.whole) return 0;
    if (o.body.size() > kLimit) fail("a body over the limit");
    if (data[0] == 2) {
        // digits, or a list of the same digits: that many bytes, as they came
        const std::size_t first = value.find_first_of("0123456789");
        if (value.find_first_not_of("0123456789 \t,") != std::string::npos || first == std::string::npos ||
            std::strtoull(value.c_str() + first, nullptr, 10) != o.body.size())
            fail("a Content-Length that does not read was taken");
        if (o.body != bytes.substr(0, o.body.size()) || o.taken != o.body.size())
            fail("a Content-Length body is not the bytes that came");
    }
    if (data[0] == 3) {
        std::string lower;
        for (const char c : value)
            if (c != ' ' && c != '\t') lower += static_cast<char>(c | 0x20);
        if (lower != "chunked") fail("a transfer coding other than chunked alone was read");
    }
    if (data[0] == 1 && o.body != bytes.substr(0, o.body.size())) fail("a Content-Length body is not the bytes that came");
    if (data[0] == 1 && static_cast<std::int64_t>(o.body.size()) != head.getContentLength64())
        fail("a Content-Length body of another length");
    if (data[0] > 3 && o.taken != bytes.size()) fail("a body without framing ended before the connection");

    // read again from exactly the bytes taken, a byte at a time: the same body
    const Outcome again = readFrom(bytes.substr(0, o.taken), 1, head);
    if (!again.whole || again.body != o.body || again.taken != o.taken) fail("the bytes taken do not read the same again");
    // and from one byte fewer: cut short (a framed body needed its last byte)
    if (data[0] <= 3 && o.taken > 0) {
        const Outcome shorter = readFrom(bytes.substr(0, o.taken - 1), piece, head);
        if (shorter.whole || shorter.why != HttpBodyReader::Refused::Why::CutShort)
            fail("one byte fewer is not a body cut short");
    }
    // chunked: what the chunks hold, in one chunk, reads the same
    if ((data[0] == 0 || data[0] == 3) && !o.body.empty()) {
        char sizeLine[32];
        std::snprintf(sizeLine, sizeof sizeLine, "%zx\r\n", o.body.size());
        const Outcome one = readFrom(std::string(sizeLine) + o.body + "\r\n0\r\n\r\n", piece, head);
        if (!one.whole || one.body != o.body) fail("the body in one chunk does not read the same");
    }
    return 0;
}
