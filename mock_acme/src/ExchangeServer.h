#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <set>

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>

#include "cxxacme/mock_acme/HttpExchange.h"

namespace Poco::Net {
class TCPServer;
}

namespace cxxacme::mock_acme {

/// The HTTP/1.1 server under mock-acme's two listeners. Each request is read
/// whole into an `HttpRequest` value, handed to a function, and the
/// `HttpResponse` it returns is written back in one write (one TLS record
/// over HTTPS). Connections are kept alive; each is served on a thread of
/// the server's own pool, up to `maxConnections` at once.
///
/// It takes the place of POCO's `HTTPServer` on this path. What it leaves
/// out is what cost system calls on every request of a kept-alive
/// connection: POCO polls the socket before each request (epoll_create,
/// epoll_ctl, epoll_wait and close, four calls) and asks the kernel for both
/// of the connection's addresses (two more). Here a connection waits in its
/// read, bounded by the socket's receive timeout, so TLS read-ahead is safe
/// too (a poll would not see a request that OpenSSL has already read).
///
/// HTTP rules kept (RFC 9112):
/// - the request line and header fields are read by `RequestHead`, strictly:
///   what it refuses gets 400 (505 for a version other than 1.0 and 1.1)
///   and the connection is closed; a request line over 16 KiB gets 414, a
///   field line over 8 KiB or more than 100 fields 431;
/// - a body comes with Content-Length or chunked Transfer-Encoding; a request
///   with neither has none (§6.3). Transfer-Encoding whose last coding is not
///   chunked, or with chunked twice, is 400; other codings before chunked
///   are not understood (501); a request with both framings, or an HTTP/1.0
///   one with Transfer-Encoding, is answered and its connection closed;
/// - a body larger than `maxBody` is answered 413 (an ACME problem document)
///   and the connection closed, after reading at most four times that much
///   more (none when the client waits for `100 Continue`);
/// - `Expect: 100-continue` is answered before the body is read;
/// - a Content-Length that is not digits or comes twice, and a chunked body
///   that breaks its framing, get 400 (POCO's own chunked stream would end
///   the body there and read the rest as a request);
/// - `Connection: close`, and HTTP/1.0 without `keep-alive`, close after the
///   answer; a HEAD answer carries the headers of the GET one but no body;
///   204 and 304 carry no Content-Length;
/// - an answer the function holds back (`HttpResponse::holdFor`) waits that
///   long, whole, unless the client closes first (then it is not sent, and
///   the thread is free at once) or the server stops;
/// - every answer carries Date (the cached text of the current second);
///   a header the function returns with CR, LF or NUL in it is not sent;
/// - when the server closes a connection on its own (a refusal, both
///   framings) the client may still be sending, so the close comes in
///   stages (§9.6): the sending side is shut (plain TCP), then what arrives
///   is read and dropped until the client closes, is silent for 250 ms, or
///   2 s have passed. Closing at once would make the kernel answer the
///   client's next bytes with a reset, failing its write before it reads
///   the answer.
///
/// The destructor stops accepting, shuts down every open connection and
/// waits (at most 10 s) for the threads to return.
class ExchangeServer {
public:
    using Handler = std::function<HttpResponse(const HttpRequest&)>;

    struct Options {
        std::size_t maxBody = std::size_t{64} * 1024;
        int maxConnections = 64;
        /// How long a connection may wait for the next request, or for more
        /// of one, before it is closed: the socket's receive timeout. Over
        /// TLS it is twice that, since POCO's TLS read, once the socket has
        /// timed out, polls for as long again.
        Poco::Timespan idleTimeout{15, 0};
    };

    ExchangeServer(const Poco::Net::ServerSocket& socket, Handler handler, const Options& options);
    ~ExchangeServer();
    ExchangeServer(const ExchangeServer&) = delete;
    ExchangeServer& operator=(const ExchangeServer&) = delete;

private:
    class Connection;
    class ConnectionFactory;

    /// False when the server is stopping: the connection must not serve.
    bool enter(Connection* connection);
    void leave(Connection* connection);
    void shutDownConnections();
    bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }

    Handler handler_;
    Options options_;
    std::mutex mutex_;
    std::set<Connection*> live_;
    std::atomic<bool> stopping_{false};  // set under mutex_, read without it
    Poco::Net::HTTPServerParams::Ptr sessionParams_;
    Poco::ThreadPool threads_;
    std::unique_ptr<Poco::Net::TCPServer> server_;
};

}  // namespace cxxacme::mock_acme
