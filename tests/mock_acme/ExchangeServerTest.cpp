#define BOOST_TEST_MODULE mock_acme_exchange_server
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>

#include "../support/LoggerCapture.h"
#include "ExchangeServer.h"
#include "RequestHead.h"
#include "cxxacme/Certificate.h"
#include "cxxacme/mock_acme/MockAcmeServer.h"

using namespace cxxacme::mock_acme;

namespace {

// One HTTP response as it came off the wire.
struct RawResponse {
    int status = 0;  ///< 0: the connection closed before a response
    std::map<std::string, std::string> headers;  ///< names lower-cased
    std::string body;
    bool has(const std::string& name) const { return headers.count(name) != 0; }
    std::string header(const std::string& name) const { return has(name) ? headers.at(name) : std::string(); }
};

// Raw bytes over a socket, and responses read back one by one by their
// framing (Content-Length), so that what the server writes is seen exactly.
class RawConnection {
public:
    /// `receive`: up to n bytes into the buffer, 0 at the end of the stream.
    explicit RawConnection(std::function<int(char*, int)> receive) : receive_(std::move(receive)) {}
    explicit RawConnection(const Poco::Net::StreamSocket& socket) : socket_(socket) {
        socket_.setReceiveTimeout(Poco::Timespan(30, 0));  // a server that never answers fails the test
        receive_ = [this](char* buffer, int n) { return socket_.receiveBytes(buffer, n); };
    }
    RawConnection(RawConnection&&) = delete;

    void send(const std::string& bytes) {
        std::size_t at = 0;
        while (at < bytes.size()) at += static_cast<std::size_t>(socket_.sendBytes(bytes.data() + at, static_cast<int>(bytes.size() - at)));
    }

    /// The next response; `head`: the request was HEAD (no body follows).
    RawResponse read(bool head = false) {
        RawResponse r;
        std::size_t end;
        while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return r;
        const std::string text = buffer_.substr(0, end);
        buffer_.erase(0, end + 4);
        std::size_t line = text.find("\r\n");
        r.status = std::stoi(text.substr(9, 3));
        while (line != std::string::npos) {
            const std::size_t next = text.find("\r\n", line + 2);
            const std::string field = text.substr(line + 2, next == std::string::npos ? std::string::npos : next - line - 2);
            const std::size_t colon = field.find(':');
            std::string name = field.substr(0, colon);
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            r.headers[name] = field.substr(colon + 2);
            line = next;
        }
        const std::size_t length = r.has("content-length") && !head ? std::stoul(r.header("content-length")) : 0;
        while (buffer_.size() < length)
            if (!fill()) throw std::runtime_error("the connection closed inside a body");
        r.body = buffer_.substr(0, length);
        buffer_.erase(0, length);
        return r;
    }

    /// True when the server has closed the connection with nothing more sent.
    bool closedByServer() { return buffer_.empty() && !fill(); }

private:
    bool fill() {
        char chunk[4096];
        int n = 0;
        try {
            n = receive_(chunk, sizeof chunk);
        } catch (const Poco::TimeoutException&) {
            throw;
        } catch (const Poco::Exception&) {
            return false;  // reset, or TLS closed without close_notify
        }
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    Poco::Net::StreamSocket socket_;
    std::function<int(char*, int)> receive_;
    std::string buffer_;
};

// A TLS client on raw OpenSSL that can put several records on the wire in
// one write(2), as a pipelining client's kernel may deliver them.
class TlsClient {
public:
    TlsClient(std::uint16_t port, const std::string& caPem)
        : context_(SSL_CTX_new(TLS_client_method())),
          socket_(Poco::Net::SocketAddress("127.0.0.1", port)) {
        BOOST_REQUIRE(context_ != nullptr);
        X509_STORE_add_cert(SSL_CTX_get_cert_store(context_), cxxacme::Certificate::fromPem(caPem).native());
        SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
        socket_.setReceiveTimeout(Poco::Timespan(30, 0));
        ssl_ = SSL_new(context_);
        BOOST_REQUIRE(ssl_ != nullptr);
        BOOST_REQUIRE(SSL_set_fd(ssl_, static_cast<int>(socket_.impl()->sockfd())) == 1);
        BOOST_REQUIRE(SSL_connect(ssl_) == 1);
    }
    ~TlsClient() {
        SSL_free(ssl_);
        SSL_CTX_free(context_);
    }
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    /// Each string in a TLS record of its own, all of them in one write.
    void sendRecords(const std::vector<std::string>& records) {
        BIO* wire = SSL_get_wbio(ssl_);
        BIO_up_ref(wire);
        BIO* memory = BIO_new(BIO_s_mem());
        SSL_set0_wbio(ssl_, memory);
        for (const std::string& r : records) BOOST_REQUIRE(SSL_write(ssl_, r.data(), static_cast<int>(r.size())) == static_cast<int>(r.size()));
        char* data = nullptr;
        const long size = BIO_get_mem_data(memory, &data);
        const std::string bytes(data, static_cast<std::size_t>(size));
        SSL_set0_wbio(ssl_, wire);  // frees the memory BIO
        std::size_t at = 0;
        while (at < bytes.size()) at += static_cast<std::size_t>(socket_.sendBytes(bytes.data() + at, static_cast<int>(bytes.size() - at)));
    }
    /// All of `bytes`, in records of up to 16 KiB; false when the connection
    /// failed first.
    bool send(const std::string& bytes) {
        for (std::size_t at = 0; at < bytes.size();) {
            const int n = SSL_write(ssl_, bytes.data() + at, static_cast<int>(std::min<std::size_t>(bytes.size() - at, 1 << 20)));
            if (n <= 0) return false;
            at += static_cast<std::size_t>(n);
        }
        return true;
    }
    int receive(char* buffer, int n) {
        const int got = SSL_read(ssl_, buffer, n);
        return got > 0 ? got : 0;
    }

private:
    SSL_CTX* context_;
    Poco::Net::StreamSocket socket_;
    SSL* ssl_ = nullptr;
};

// An ExchangeServer on a free loopback port whose handler says back what it
// was given; "/status/N" answers N, "/throw" throws, "/split-header" returns
// a header value that would end the header early.
struct EchoServer {
    explicit EchoServer(const ExchangeServer::Options& options = {}) : socket(Poco::Net::SocketAddress("127.0.0.1", 0)) {
        port = socket.address().port();
        server = std::make_unique<ExchangeServer>(
            socket,
            [this](const HttpRequest& in) {
                ++calls;
                if (in.path == "/throw") throw std::runtime_error("the handler failed");
                HttpResponse out;
                if (in.path.rfind("/status/", 0) == 0) out.status = std::stoi(in.path.substr(8));
                out.contentType = "text/plain";
                out.body = in.method + "|" + in.path + "|" + in.query + "|" + in.contentType + "|" + in.body;
                out.addHeader("X-Seen", std::to_string(in.body.size()));
                if (in.path == "/split-header") out.addHeader("X-Split", "a\r\nSet-Cookie: injected");
                out.cutShort = in.path == "/cut";
                if (in.path.rfind("/hold/", 0) == 0) out.holdFor = std::chrono::milliseconds(std::stol(in.path.substr(6)));
                return out;
            },
            options);
    }
    RawConnection connect() { return RawConnection(Poco::Net::StreamSocket(Poco::Net::SocketAddress("127.0.0.1", port))); }
    /// True once the handler has been called n times (false after 10 s without).
    bool called(int n) {
        for (int i = 0; i < 1000 && calls < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return calls >= n;
    }

    Poco::Net::ServerSocket socket;
    std::uint16_t port = 0;
    std::atomic<int> calls{0};
    std::unique_ptr<ExchangeServer> server;
};

}  // namespace

BOOST_AUTO_TEST_CASE(requests_on_a_kept_alive_connection_are_answered_in_order_even_when_sent_together) {
    EchoServer s;
    RawConnection c = s.connect();
    c.send("GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"
           "POST /b HTTP/1.1\r\nHost: h\r\nContent-Type: application/jose+json\r\nContent-Length: 5\r\n\r\nhello"
           "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;name=value\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n");
    const RawResponse a = c.read(), b = c.read(), d = c.read();
    BOOST_TEST(a.status == 200);
    BOOST_TEST(a.body == "GET|/a|x=1||");
    BOOST_TEST(a.header("content-type") == "text/plain");
    BOOST_TEST(a.header("content-length") == "12");
    BOOST_TEST(!a.has("connection"));
    BOOST_TEST(a.header("date").size() == 29u);  // "Sun, 06 Nov 1994 08:49:37 GMT"
    BOOST_TEST(a.header("date").substr(25) == " GMT");
    BOOST_TEST(b.body == "POST|/b||application/jose+json|hello");
    BOOST_TEST(d.body == "POST|/c|||abc0123456789");
    BOOST_TEST(d.header("x-seen") == "13");
    // and the connection is still open for more
    c.send("GET /%7Eme HTTP/1.1\r\nHost: h\r\n\r\n");
    BOOST_TEST(c.read().body == "GET|/~me|||");
    BOOST_TEST(s.calls == 4);
}

BOOST_AUTO_TEST_CASE(head_204_and_connection_close_are_framed_as_http_says) {
    EchoServer s;
    RawConnection c = s.connect();
    c.send("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\nGET /status/204 HTTP/1.1\r\nHost: h\r\n\r\n");
    const RawResponse head = c.read(true);
    BOOST_TEST(head.status == 200);
    BOOST_TEST(head.header("content-length") == "10");  // what GET would carry: "HEAD|/h|||"
    const RawResponse empty = c.read();                  // had HEAD's body been sent, this would read it
    BOOST_TEST(empty.status == 204);
    BOOST_TEST(!empty.has("content-length"));
    BOOST_TEST(empty.body.empty());

    c.send("GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    const RawResponse last = c.read();
    BOOST_TEST(last.body == "GET|/last|||");
    BOOST_TEST(last.header("connection") == "close");
    BOOST_TEST(c.closedByServer());

    RawConnection old = s.connect();
    old.send("GET /one HTTP/1.0\r\n\r\n");
    BOOST_TEST(old.read().header("connection") == "close");
    BOOST_TEST(old.closedByServer());
    RawConnection kept = s.connect();
    kept.send("GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    BOOST_TEST(kept.read().header("connection") == "Keep-Alive");
    kept.send("GET /two HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    BOOST_TEST(kept.read().body == "GET|/two|||");
}

// HttpResponse::cutShort (mock-acme's --truncated-responses): the head, half
// the body, and the connection closed; half the head when there is no body.
BOOST_AUTO_TEST_CASE(an_answer_cut_short_ends_its_connection_midway) {
    EchoServer s;
    RawConnection c = s.connect();
    c.send("GET /cut HTTP/1.1\r\nHost: h\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n");
    try {
        (void)c.read();
        BOOST_FAIL("a whole body came");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()) == "the connection closed inside a body");  // 5 of "GET|/cut|||"
    }
    BOOST_TEST(s.calls == 1);  // the request behind it was not served
    RawConnection h = s.connect();
    h.send("HEAD /cut HTTP/1.1\r\nHost: h\r\n\r\n");
    BOOST_TEST(h.read(true).status == 0);  // closed before the head ended
    RawConnection whole = s.connect();  // others are answered whole
    whole.send("GET /whole HTTP/1.1\r\nHost: h\r\n\r\n");
    BOOST_TEST(whole.read().body == "GET|/whole|||");
}

// HttpResponse::holdFor (mock-acme's --delayed-responses): the answer waits,
// whole, and the connection goes on after it; what the client sent behind it
// waits its turn.
BOOST_AUTO_TEST_CASE(an_answer_held_back_comes_whole_after_its_delay) {
    EchoServer s;
    RawConnection c = s.connect();
    c.send("GET /hold/300 HTTP/1.1\r\nHost: h\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n");
    const RawResponse held = c.read();
    BOOST_TEST(held.status == 200);
    BOOST_TEST(held.body == "GET|/hold/300|||");
    BOOST_TEST(c.read().body == "GET|/after|||");
    BOOST_TEST(s.calls == 2);
}

// A client that gives up on a held answer and closes frees its connection's
// thread at once: with one connection allowed, the next client is served (its
// 30 s receive timeout would throw if the hour-long hold kept the thread).
BOOST_AUTO_TEST_CASE(a_client_that_gives_up_on_a_held_answer_frees_its_connection) {
    EchoServer s(ExchangeServer::Options{std::size_t{64} * 1024, 1});
    {
        RawConnection gaveUp = s.connect();
        gaveUp.send("POST /hold/3600000 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}");
        BOOST_REQUIRE(s.called(1));  // the request has had its effect; its answer waits
    }  // closed
    RawConnection next = s.connect();
    next.send("GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
    BOOST_TEST(next.read().body == "GET|/next|||");
}

BOOST_AUTO_TEST_CASE(expect_100_continue_is_answered_before_the_body) {
    EchoServer s;
    RawConnection c = s.connect();
    c.send("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    BOOST_TEST(c.read().status == 100);
    c.send("body");
    BOOST_TEST(c.read().body == "POST|/e|||body");

    // too large announced: refused at once, the body never asked for
    EchoServer small(ExchangeServer::Options{16, 8});
    RawConnection d = small.connect();
    d.send("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\nExpect: 100-continue\r\n\r\n");
    const RawResponse refused = d.read();
    BOOST_TEST(refused.status == 413);
    BOOST_TEST(refused.header("content-type") == "application/problem+json");
    BOOST_TEST(refused.body.find("urn:ietf:params:acme:error:malformed") != std::string::npos);
    BOOST_TEST(d.closedByServer());
    BOOST_TEST(small.calls == 0);
}

BOOST_AUTO_TEST_CASE(bodies_too_large_are_refused_and_the_connection_closed) {
    EchoServer s(ExchangeServer::Options{16, 8});
    RawConnection exact = s.connect();
    exact.send("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 16\r\n\r\n" + std::string(16, 'a'));
    BOOST_TEST(exact.read().header("x-seen") == "16");
    for (const std::string& request :
         {"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'a'),
          "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n" + std::string(17, 'a') + "\r\n0\r\n\r\n"}) {
        RawConnection c = s.connect();
        c.send(request);
        const RawResponse r = c.read();
        BOOST_TEST(r.status == 413);
        BOOST_TEST(r.header("connection") == "close");
        BOOST_TEST(c.closedByServer());
    }
    BOOST_TEST(s.calls == 1);
}

// Sends all of `bytes` on the socket; 0, or the errno that stopped it
// (ECONNRESET, EPIPE: the server's kernel reset the connection).
int sendAll(Poco::Net::StreamSocket& socket, const std::string& bytes) {
    const int fd = static_cast<int>(socket.impl()->sockfd());
    for (std::size_t at = 0; at < bytes.size();) {
        const ssize_t n = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n < 0 ? errno : EPIPE;
        at += static_cast<std::size_t>(n);
    }
    return 0;
}

// More than the two kernels' socket buffers on loopback hold between them
// (tcp_wmem's and tcp_rmem's largest are 4 and 6 MiB by default).
const std::string kFlood(32 << 20, 'x');

BOOST_AUTO_TEST_CASE(a_client_still_sending_behind_a_refusal_finishes_and_reads_it) {
    // RFC 9112 §9.6: a server that closed at once with the client's bytes
    // unread would make its kernel answer them with a reset; the client's
    // sending would fail before it read the answer. mock-acme half-closes
    // and reads on until the client has finished.
    EchoServer s(ExchangeServer::Options{16, 8});
    for (const std::string& head : {std::string("GET / HTTP/1.1\r\nHost: h\r\nNo colon here\r\n\r\n"),
                                    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(kFlood.size()) + "\r\n\r\n"}) {
        Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", s.port));
        const int error = sendAll(socket, head + kFlood);
        BOOST_TEST(error == 0, head.substr(0, head.find('\r')) << ": sending failed: " << std::strerror(error));
        RawConnection c(socket);
        const RawResponse refused = c.read();
        BOOST_TEST((refused.status == 400 || refused.status == 413));
        BOOST_TEST(refused.header("content-type") == "application/problem+json");
        BOOST_TEST(refused.header("connection") == "close");
        BOOST_TEST(c.closedByServer());
    }
    BOOST_TEST(s.calls == 0);
}

BOOST_AUTO_TEST_CASE(malformed_requests_are_refused_with_the_status_rfc_9112_names_and_reach_no_handler) {
    EchoServer s;
    const std::string h = "Host: h\r\n";
    const std::pair<std::string, int> cases[] = {
        // the request line (§3)
        {"NONSENSE\r\n\r\n", 400},
        {"GET  / HTTP/1.1\r\n" + h + "\r\n", 400},  // two spaces
        {"GET / HTTP/1.1 \r\n" + h + "\r\n", 400},
        {"G(T / HTTP/1.1\r\n" + h + "\r\n", 400},   // the method is not a token
        {"GET /a\x01z HTTP/1.1\r\n" + h + "\r\n", 400},
        {"GET /\xc3\xa9 HTTP/1.1\r\n" + h + "\r\n", 400},  // not ASCII: a URI would percent-encode it
        {"GET / HTTP/1\r\n" + h + "\r\n", 400},
        {"GET / http/1.1\r\n" + h + "\r\n", 400},
        {"GET / HTTP/2.0\r\n" + h + "\r\n", 505},
        {"GET / HTTP/0.9\r\n" + h + "\r\n", 505},
        {"GET /" + std::string(RequestHead::kMaxRequestLine, 'a') + " HTTP/1.1\r\n" + h + "\r\n", 414},
        {"GET http://[x HTTP/1.1\r\n" + h + "\r\n", 400},  // not a URI
        // field lines (§5)
        {"GET / HTTP/1.1\r\n" + h + "No token: here\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n" + h + "Space : before the colon\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n" + h + "No colon at all\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n" + h + "X-Fold: a\r\n  folded\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n" + h + "X-Bell: a\x07" "b\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n" + h + "X-Bare: a\rb\r\n\r\n", 400},  // a bare CR
        {"GET / HTTP/1.1\r\n" + h + "X-Long: " + std::string(RequestHead::kMaxFieldLine, 'v') + "\r\n\r\n", 431},
        // Host (§3.2)
        {"GET / HTTP/1.1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n" + h + h + "\r\n", 400},
        {"GET / HTTP/1.0\r\n" + h + "Host: other\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
        // framing (§6)
        {"POST / HTTP/1.1\r\n" + h + "Content-Length: -5\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\n" + h + "Content-Length: 12abc\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\n" + h + "Content-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400},
        {"POST / HTTP/1.1\r\n" + h + "Content-Length: +1\r\n\r\nx", 400},
        {"POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\n\r\nxx", 400},  // chunked is not last
        {"POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, gzip\r\n\r\nxx", 400},
        {"POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: \r\n\r\n", 400},
        {"POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
        {"POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
        {"POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", 400},  // data past its size
        {"POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n0\r\n\r\n", 400},
    };
    for (const auto& [request, status] : cases) {
        RawConnection c = s.connect();
        c.send(request);
        const RawResponse r = c.read();
        BOOST_TEST(r.status == status, request.substr(0, 48));
        BOOST_TEST(r.header("content-type") == "application/problem+json");
        BOOST_TEST(r.header("connection") == "close");
        BOOST_TEST(c.closedByServer());
    }
    std::string manyFields = "GET / HTTP/1.1\r\n" + h;
    for (std::size_t i = 1; i <= RequestHead::kMaxFields; ++i) manyFields += "X-" + std::to_string(i) + ": v\r\n";
    RawConnection c = s.connect();
    c.send(manyFields + "\r\n");
    BOOST_TEST(c.read().status == 431);
    BOOST_TEST(s.calls == 0);
}

BOOST_AUTO_TEST_CASE(what_rfc_9112_lets_a_server_accept_is_accepted) {
    EchoServer s;
    RawConnection c = s.connect();
    // empty lines before a request line (§2.2), bare LF line ends, whitespace
    // around values, names in any case, an absolute-form target (§3.2.2),
    // obs-text in a value, list elements over two lines, the longest lines
    c.send("\r\n\r\nGET http://h/abs?q HTTP/1.1\nhOsT:h\nCONTENT-type: \t text/x \t\n\n");
    const RawResponse a = c.read();
    BOOST_TEST(a.status == 200);
    BOOST_TEST(a.body == "GET|/abs|q|text/x|");
    c.send("GET /o HTTP/1.1\r\nHost: h\r\nX-Latin: caf\xe9\r\nConnection: x\r\nConnection: ,, close\r\n\r\n");
    const RawResponse b = c.read();
    BOOST_TEST(b.body == "GET|/o|||");
    BOOST_TEST(b.header("connection") == "close");  // the second line's element counts
    BOOST_TEST(c.closedByServer());

    // HTTP/1.0 with Transfer-Encoding: served, then closed (§6.1)
    RawConnection old = s.connect();
    old.send("POST /c HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    const RawResponse served = old.read();
    BOOST_TEST(served.body == "POST|/c|||ok");
    BOOST_TEST(served.header("connection") == "close");
    BOOST_TEST(old.closedByServer());

    RawConnection d = s.connect();
    std::string longest = "GET /" + std::string(RequestHead::kMaxRequestLine - 14, 'a') + " HTTP/1.1\r\n";
    BOOST_REQUIRE(longest.size() == RequestHead::kMaxRequestLine + 2);
    longest += "Host: h\r\nX-Long: " + std::string(RequestHead::kMaxFieldLine - 8, 'v') + "\r\n";
    for (std::size_t i = 2; i < RequestHead::kMaxFields; ++i) longest += "X-" + std::to_string(i) + ": v\r\n";
    d.send(longest + "\r\n");
    BOOST_TEST(d.read().status == 200);
    BOOST_TEST(s.calls == 4);
}

BOOST_AUTO_TEST_CASE(a_client_gone_mid_body_is_not_served) {
    EchoServer s;
    {
        RawConnection c = s.connect();
        c.send("POST /cut HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly part");
    }  // closed here
    // a request after it, on a new connection, is served: the server is still there
    RawConnection d = s.connect();
    d.send("GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
    BOOST_TEST(d.read().body == "GET|/after|||");
    BOOST_TEST(s.calls == 1);
}

BOOST_AUTO_TEST_CASE(a_failing_handler_gets_500_and_a_split_header_is_left_out) {
    cxxacme::test::LoggerCapture log("cxxacme.mock_acme.server");
    EchoServer s;
    RawConnection c = s.connect();
    c.send("GET /throw HTTP/1.1\r\nHost: h\r\n\r\n");
    const RawResponse failed = c.read();
    BOOST_TEST(failed.status == 500);
    BOOST_TEST(failed.body.find("serverInternal") != std::string::npos);
    BOOST_TEST(!failed.has("connection"));  // the connection goes on
    c.send("GET /split-header HTTP/1.1\r\nHost: h\r\n\r\n");
    const RawResponse split = c.read();
    BOOST_TEST(split.status == 200);
    BOOST_TEST(!split.has("x-split"));
    BOOST_TEST(!split.has("set-cookie"));
    BOOST_TEST(split.header("x-seen") == "0");
    BOOST_TEST(log.count([](const std::string& l) { return l.find("the handler failed") != std::string::npos; }) == 1u);
    BOOST_TEST(log.count([](const std::string& l) { return l.find("left out") != std::string::npos; }) == 1u);
}

BOOST_AUTO_TEST_CASE(an_idle_or_half_sent_request_is_closed_after_the_timeout) {
    ExchangeServer::Options options;
    options.idleTimeout = Poco::Timespan(1, 0);
    EchoServer s(options);
    RawConnection half = s.connect();
    half.send("GET / HTTP/1.1\r\nHost: h\r\n");  // and nothing more
    RawConnection idle = s.connect();
    idle.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
    BOOST_TEST(idle.read().status == 200);
    // both are closed by the server, without an answer (the client's own
    // timeout, 30 s, would throw if they were not)
    BOOST_TEST(half.closedByServer());
    BOOST_TEST(idle.closedByServer());
    BOOST_TEST(s.calls == 1);
}

BOOST_AUTO_TEST_CASE(stopping_closes_connections_that_wait_for_a_request) {
    ExchangeServer::Options options;
    options.idleTimeout = Poco::Timespan(120, 0);  // far beyond the client's 30 s
    EchoServer s(options);
    RawConnection c = s.connect();
    c.send("GET /one HTTP/1.1\r\nHost: h\r\n\r\n");
    BOOST_TEST(c.read().status == 200);
    std::atomic<bool> closed{false};
    std::thread reader([&] {
        try {
            closed = c.closedByServer();
        } catch (const Poco::TimeoutException&) {  // still open after 30 s
        }
    });
    s.server.reset();  // returns once every connection thread has
    reader.join();
    BOOST_TEST(closed.load());
}

BOOST_AUTO_TEST_CASE(stopping_closes_connections_whose_answer_is_held_back) {
    EchoServer s;
    RawConnection c = s.connect();
    c.send("GET /hold/3600000 HTTP/1.1\r\nHost: h\r\n\r\n");
    BOOST_REQUIRE(s.called(1));
    std::atomic<bool> closed{false};
    std::thread reader([&] {
        try {
            closed = c.closedByServer();  // closed, and nothing sent: no answer after the stop
        } catch (const Poco::TimeoutException&) {  // still open after 30 s
        }
    });
    s.server.reset();
    reader.join();
    BOOST_TEST(closed.load());
}

// mock-acme on free loopback ports, and a raw TLS connection to its ACME
// listener whose responses are read back as they came off the wire.
struct MockAcmeOverTls {
    static MockAcmeConfig onFreePorts() {
        MockAcmeConfig config;
        config.listenPort = 0;
        config.managementPort = 0;
        config.randomDirectoryEntry = false;  // the same directory each time: answers compare whole
        return config;
    }
    MockAcmeServer server{onFreePorts()};
    TlsClient tls{server.port(), server.httpsCaPem()};
    RawConnection c{[this](char* buffer, int n) { return tls.receive(buffer, n); }};
};

BOOST_FIXTURE_TEST_CASE(requests_sent_together_over_tls_are_all_answered, MockAcmeOverTls) {
    // mock-acme reads ahead on TLS (all that has arrived, in one read): the
    // records behind the first are then inside OpenSSL, not on the socket,
    // and must be answered without more bytes arriving. A server that polled
    // the socket between requests (as POCO's HTTPServer does) would wait there.
    const std::string get = "GET " + Poco::URI(server.directoryUrl()).getPath() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const std::string head = "HEAD /nonce-plz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    tls.sendRecords({get, head, get});
    const RawResponse first = c.read(), nonce = c.read(true), last = c.read();
    BOOST_TEST(first.status == 200);
    BOOST_TEST(first.body.find("newNonce") != std::string::npos);
    BOOST_TEST(nonce.status == 200);
    BOOST_TEST(!nonce.header("replay-nonce").empty());
    BOOST_TEST(nonce.header("cache-control") == "no-store");
    BOOST_TEST(last.body == first.body);
    BOOST_TEST(last.header("replay-nonce") != nonce.header("replay-nonce"));
}

BOOST_FIXTURE_TEST_CASE(a_request_refused_over_tls_gets_its_answer_before_the_close, MockAcmeOverTls) {
    // The refusal is answered in a TLS record and the connection closed with
    // bytes still unread behind it (the rest of the client's records).
    tls.sendRecords({"GET /dir HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n",
                     "GET /dir HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + std::string(20000, 'x')});
    const RawResponse refused = c.read();
    BOOST_TEST(refused.status == 400);
    BOOST_TEST(refused.header("content-type") == "application/problem+json");
    BOOST_TEST(refused.body.find("a header line without a colon") != std::string::npos, refused.body);
    BOOST_TEST(refused.header("connection") == "close");
    BOOST_TEST(c.closedByServer());  // and the request behind it was not served
}

BOOST_FIXTURE_TEST_CASE(a_client_still_sending_behind_a_refusal_over_tls_finishes_and_reads_it, MockAcmeOverTls) {
    std::signal(SIGPIPE, SIG_IGN);  // a reset connection fails the write instead of ending the test run
    BOOST_TEST(tls.send("GET /dir HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n" + kFlood));
    const RawResponse refused = c.read();
    BOOST_TEST(refused.status == 400);
    BOOST_TEST(refused.header("connection") == "close");
    BOOST_TEST(c.closedByServer());
}
