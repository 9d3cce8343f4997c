#include "ExchangeServer.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerParams.h>
#include <Poco/String.h>
#include <Poco/Thread.h>
#include <Poco/URI.h>

#include "RequestHead.h"
#include "cxxacme/AcmeProblem.h"

namespace cxxacme::mock_acme {

namespace {

Poco::Logger& logger() {
    static Poco::Logger& instance = Poco::Logger::get("cxxacme.mock_acme.server");
    return instance;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7), formatted once a second
// per thread and in English whatever the locale.
const std::string& httpDate() {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    thread_local std::time_t second = -1;
    thread_local std::string text;
    const std::time_t now = std::time(nullptr);
    if (now != second) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7], tm.tm_mday,
                      kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        text = buffer;
        second = now;
    }
    return text;
}

// Nothing that would end the header line or the header early.
bool fitsHeader(const std::string& text) {
    return std::none_of(text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

HttpResponse problem(int status, const std::string& detail) {
    return HttpResponse::fromProblem(AcmeProblem(status == 500 ? "serverInternal" : "malformed", detail, status));
}

// POCO's server session, with the byte-level reads its own body streams use
// (they are lenient: a chunk size that does not parse ends the body there).
class WireSession final : public Poco::Net::HTTPServerSession {
public:
    using HTTPServerSession::HTTPServerSession;
    using HTTPServerSession::get;
    using HTTPServerSession::read;
};

enum class Body { Complete, TooLarge, Malformed, Truncated };

// 1*DIGIT (RFC 9110 §8.6), at most 18 of them; -1 otherwise.
std::int64_t contentLength(const RequestHead& head) {
    const std::string& text = head.get("Content-Length");
    if (text.empty() || text.size() > 18) return -1;
    std::int64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

// Reads `length` bytes of body, keeping them if they fit in `limit`. A body
// larger than that is read on (at most 4 × limit more, so that the client
// can finish sending and read the 413) and dropped.
Body readFixed(WireSession& session, std::uint64_t length, std::size_t limit, std::string& body) {
    const std::uint64_t toRead = length <= limit ? length : std::min<std::uint64_t>(length, 5 * std::uint64_t{limit});
    if (length <= limit) body.reserve(static_cast<std::size_t>(length));
    char buffer[8192];
    for (std::uint64_t done = 0; done < toRead;) {
        const int n = session.read(buffer, static_cast<std::streamsize>(std::min<std::uint64_t>(sizeof buffer, toRead - done)));
        if (n <= 0) return Body::Truncated;
        if (length <= limit) body.append(buffer, static_cast<std::size_t>(n));
        done += static_cast<std::uint64_t>(n);
    }
    return length <= limit ? Body::Complete : Body::TooLarge;
}

// One line up to LF, without its CR LF. 1: a line; 0: the stream ended
// first; -1: longer than `max`.
int readLine(WireSession& session, std::string& line, std::size_t max) {
    line.clear();
    for (;;) {
        const int c = session.get();
        if (c == std::char_traits<char>::eof()) return 0;
        if (c == '\n') {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return 1;
        }
        if (line.size() >= max + 1) return -1;  // + 1: room for the CR
        line += static_cast<char>(c);
    }
}

// RFC 9112 §7.1: chunk-size [; extensions] CRLF, data CRLF, …, "0" CRLF,
// trailer fields, CRLF. Strict where POCO's stream is not: a size that is
// not hex, data not followed by CRLF, or a missing last chunk is Malformed.
Body readChunked(WireSession& session, std::size_t limit, std::string& body) {
    const std::uint64_t give = 5 * std::uint64_t{limit};  // read no more than this (see readFixed)
    std::uint64_t seen = 0;
    std::string line;
    char buffer[8192];
    for (;;) {
        if (const int r = readLine(session, line, 1024); r <= 0) return r == 0 ? Body::Truncated : Body::Malformed;
        std::size_t digits = 0;
        std::uint64_t size = 0;
        for (; digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits])); ++digits) {
            if (digits == 15) return Body::Malformed;
            const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(line[digits])));
            size = size * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        const std::size_t extension = line.find_first_not_of(" \t", digits);
        if (digits == 0 || (extension != std::string::npos && line[extension] != ';')) return Body::Malformed;
        if (size == 0) break;
        if (seen + size > give) return Body::TooLarge;
        while (size > 0) {
            const int n = session.read(buffer, static_cast<std::streamsize>(std::min<std::uint64_t>(sizeof buffer, size)));
            if (n <= 0) return Body::Truncated;
            if (seen + static_cast<std::uint64_t>(n) <= limit) body.append(buffer, static_cast<std::size_t>(n));
            seen += static_cast<std::uint64_t>(n);
            size -= static_cast<std::uint64_t>(n);
        }
        if (const int r = readLine(session, line, 0); r <= 0 || !line.empty()) return r == 0 ? Body::Truncated : Body::Malformed;
    }
    for (int fields = 0;; ++fields) {  // the trailer section, read and dropped
        if (const int r = readLine(session, line, 8192); r <= 0 || fields > 100) return r == 0 ? Body::Truncated : Body::Malformed;
        if (line.empty()) break;
    }
    return seen > limit ? Body::TooLarge : Body::Complete;
}

}  // namespace

class ExchangeServer::Connection final : public Poco::Net::TCPServerConnection {
public:
    Connection(const Poco::Net::StreamSocket& socket, ExchangeServer& server)
        : TCPServerConnection(socket), server_(server), fd_(static_cast<int>(this->socket().impl()->sockfd())) {
        entered_ = server_.enter(this);
        try {
            clientAddress_ = this->socket().peerAddress().host().toString();
        } catch (const Poco::Exception&) {
            // gone already: run() finds nothing to read
        }
    }
    ~Connection() override { server_.leave(this); }

    void run() override {
        if (!entered_) return;
        try {
            WireSession session(socket(), server_.sessionParams_);
            // Out of the stopper's reach before the session closes the socket
            // (this goes first, being made last), so that it never shuts down a
            // descriptor that someone else has been given since.
            const LeaveOnExit leaving{server_, this};
            socket().setReceiveTimeout(server_.options_.idleTimeout);
            socket().setSendTimeout(server_.options_.idleTimeout);
            while (serveOne(session)) {
            }
            if (closeInStages_ && !server_.stopping()) drainBeforeClose();
        } catch (const Poco::Exception&) {
            // The connection failed (reset, timed out, TLS alert): nothing to answer on.
        } catch (const std::exception& e) {
            logger().error(std::string("connection dropped: ") + e.what());
        }
    }

    /// From the stopping thread, under the server's mutex: wakes a read or
    /// write in progress. The raw shutdown(2), not the socket's own (which
    /// would write a TLS alert from this thread while the connection's own
    /// thread is using the TLS state).
    void abort() noexcept { ::shutdown(fd_, SHUT_RDWR); }

private:
    struct LeaveOnExit {
        ExchangeServer& server;
        Connection* connection;
        ~LeaveOnExit() { server.leave(connection); }
    };

    // Reads one request, answers it; false when the connection is to close.
    bool serveOne(WireSession& session) {
        std::string line;
        int read = 0;
        // RFC 9112 §2.2: an empty line or two before a request line is let be
        for (int empty = 0; (read = readLine(session, line, RequestHead::kMaxRequestLine)) == 1 && line.empty() && empty < 4;)
            ++empty;
        if (read == 0) return false;  // closed between requests, or inside a request line: nobody to answer
        if (read < 0) return refuse(414, "the request line is longer than " + std::to_string(RequestHead::kMaxRequestLine) + " bytes");
        const std::string requestLine = std::move(line);
        std::vector<std::string> fieldLines;
        for (;;) {
            read = readLine(session, line, RequestHead::kMaxFieldLine);
            if (read == 0) return false;
            if (read < 0) return refuse(431, "a header line is longer than " + std::to_string(RequestHead::kMaxFieldLine) + " bytes");
            if (line.empty()) break;
            if (fieldLines.size() == RequestHead::kMaxFields)
                return refuse(431, "more than " + std::to_string(RequestHead::kMaxFields) + " header fields");
            fieldLines.push_back(std::move(line));
        }
        RequestHead head;
        try {
            head = RequestHead::parse(requestLine, fieldLines);
        } catch (const AcmeProblem& p) {
            return refuse(HttpResponse::fromProblem(p), false);
        }

        // RFC 9112 §6.1, §6.3: chunked must be the last coding and come once;
        // other codings are not understood here.
        const bool chunked = head.has("Transfer-Encoding");
        if (chunked) {
            const auto codings = head.list("Transfer-Encoding");
            const auto isChunked = [](std::string_view c) { return Poco::icompare(std::string(c), "chunked") == 0; };
            if (codings.empty() || !isChunked(codings.back()) || std::count_if(codings.begin(), codings.end(), isChunked) > 1)
                return refuse(400, "a Transfer-Encoding whose last coding is not chunked, once");
            if (codings.size() > 1) return refuse(501, "only the chunked transfer coding is understood");
        }
        const std::size_t lengths = head.count("Content-Length");
        if (lengths > 1) return refuse(400, "more than one Content-Length");
        std::int64_t length = 0;
        if (!chunked && lengths == 1) {
            length = contentLength(head);
            if (length < 0) return refuse(400, "malformed Content-Length");
        }
        const bool headOnly = head.method() == "HEAD";
        // A request carrying both framings is answered by the chunked one and
        // its connection closed: what follows cannot be trusted (RFC 9112 §6.3);
        // so is an HTTP/1.0 one with Transfer-Encoding (§6.1).
        bool keepAlive = head.keepAlive() && !(chunked && (lengths > 0 || head.http10()));
        closeInStages_ = head.keepAlive() && !keepAlive;  // the client may have sent more behind it
        const std::size_t maxBody = server_.options_.maxBody;

        HttpRequest request;
        request.method = head.method();
        try {
            const Poco::URI uri(head.target());
            request.path = uri.getPath();
            request.query = uri.getRawQuery();
            // RFC 9112 §3.2.2: an absolute target's authority wins over Host
            request.host = uri.getHost().empty() ? head.get("Host") : uri.getAuthority();
        } catch (const Poco::Exception&) {
            return refuse(400, "the request target is not a URI");
        }
        request.contentType = head.get("Content-Type");
        request.clientAddress = clientAddress_;
        request.origin = head.get("Origin");
        request.accessControlRequestMethod = head.get("Access-Control-Request-Method");
        request.contentLengthGiven = !chunked && lengths == 1;
        request.replayNonceField = head.has("Replay-Nonce");

        if (chunked || length > 0) {
            const bool expectContinue = Poco::icompare(head.get("Expect"), "100-continue") == 0;
            if (expectContinue && !chunked && static_cast<std::uint64_t>(length) > maxBody) {
                // The client waits before sending it: refuse now (it may send
                // the body anyway when tired of waiting; the close drains it).
                return refuse(problem(413, "request body too large"), headOnly);
            }
            if (expectContinue) send("HTTP/1.1 100 Continue\r\n\r\n");
            switch (chunked ? readChunked(session, maxBody, request.body)
                            : readFixed(session, static_cast<std::uint64_t>(length), maxBody, request.body)) {
            case Body::Complete:
                break;
            case Body::TooLarge:
                return refuse(problem(413, "request body too large"), headOnly);
            case Body::Malformed:
                return refuse(problem(400, "malformed chunked request body"), headOnly);
            case Body::Truncated:
                return false;  // the client went away mid-body: nobody to answer
            }
        }

        HttpResponse response;
        try {
            response = server_.handler_(request);
        } catch (const std::exception& e) {
            logger().error(std::string("internal error: ") + e.what());
            response = problem(500, "internal error");
        }
        // held back on purpose: nobody to answer if the client gave up meanwhile, or the server stops
        if (response.holdFor.count() > 0 && !holdBack(response.holdFor)) return false;
        if (server_.stopping()) keepAlive = false;
        answer(response, headOnly, keepAlive, head.http10());
        return keepAlive && !response.cutShort;
    }

    // Waits `delay` before an answer held back on purpose (HttpResponse::holdFor).
    // False when the client closed its side meanwhile (it gave up waiting: the
    // thread is free again at once) or the server is stopping (its abort() shuts
    // the socket, which wakes the wait). What else the client sends meanwhile
    // waits in the socket, as it would behind a slow answer.
    bool holdBack(std::chrono::milliseconds delay) {
        const auto until = std::chrono::steady_clock::now() + delay;
        for (;;) {
            if (server_.stopping()) return false;
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
            if (left.count() <= 0) return true;
            pollfd closed{fd_, POLLRDHUP, 0};
            const int polled = ::poll(&closed, 1, static_cast<int>(std::min<std::chrono::milliseconds::rep>(left.count(), INT_MAX)));
            if (polled < 0 && errno == EINTR) continue;
            if (polled != 0) return false;  // closed, reset, or the wait itself failed
        }
    }

    // Answers a request that cannot be read on with a problem document and
    // closes; false, for serveOne to return.
    bool refuse(int status, const std::string& why) {
        return refuse(problem(status, "malformed HTTP request: " + why), false);
    }
    bool refuse(const HttpResponse& response, bool headOnly) {
        answer(response, headOnly, false);
        closeInStages_ = true;
        return false;
    }

    // RFC 9112 §9.6: closing at once while the client may still be sending
    // (the rest of a refused request, requests behind it) would make the
    // kernel answer its next bytes with a reset, which can fail the client's
    // write, or destroy the answer, before the answer is read. So the close
    // comes in stages: the sending side is shut first (over TLS, POCO's close
    // sends close_notify and then shuts both sides at once, so there the
    // client learns of the close from the Connection header alone), and what
    // arrives is read and dropped until the client closes, falls silent for
    // kLingerQuiet, or kLingerLimit has passed.
    void drainBeforeClose() {
        if (!socket().secure()) ::shutdown(fd_, SHUT_WR);
        const auto limit = std::chrono::steady_clock::now() + kLingerLimit;
        char sink[16384];
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(limit - std::chrono::steady_clock::now());
            if (left.count() <= 0) return;
            pollfd ready{fd_, POLLIN, 0};
            const int polled = ::poll(&ready, 1, static_cast<int>(std::min(left, kLingerQuiet).count()));
            if (polled < 0 && errno == EINTR) continue;
            if (polled <= 0) return;  // silent (or failed): the client has finished sending
            const ssize_t n = ::recv(fd_, sink, sizeof sink, MSG_DONTWAIT);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) return;  // the client closed too (or reset)
        }
    }

    void answer(const HttpResponse& response, bool headOnly, bool keepAlive, bool http10 = false) {
        const int status = response.status >= 100 && response.status <= 599 ? response.status : 500;
        const bool bodiless = status < 200 || status == 204 || status == 304;
        std::string out;
        out.reserve(256 + response.body.size() + 64 * response.headers.size());
        out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
        out.append(Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status)));
        out.append("\r\nDate: ").append(httpDate()).append("\r\n");
        if (!response.contentType.empty() && fitsHeader(response.contentType))
            out.append("Content-Type: ").append(response.contentType).append("\r\n");
        if (!bodiless) out.append("Content-Length: ").append(std::to_string(response.body.size())).append("\r\n");
        for (const auto& [name, value] : response.headers) {
            if (name.empty() || name.find(':') != std::string::npos || !fitsHeader(name) || !fitsHeader(value)) {
                logger().error("a response header that would break the message was left out: " +
                               std::to_string(name.size()) + "-byte name");
                continue;
            }
            out.append(name).append(": ").append(value).append("\r\n");
        }
        if (!keepAlive)
            out.append("Connection: close\r\n");
        else if (http10)
            out.append("Connection: Keep-Alive\r\n");
        out.append("\r\n");
        if (response.cutShort) {  // the head and half the body, or half the head
            if (headOnly || bodiless || response.body.empty()) out.resize(out.size() / 2);
            else out.append(response.body, 0, response.body.size() / 2);
            send(out);
            return;
        }
        if (!headOnly && !bodiless) out.append(response.body);
        send(out);
    }

    void send(const std::string& data) {
        const char* at = data.data();
        std::size_t left = data.size();
        while (left > 0) {
            const int sent = socket().sendBytes(at, static_cast<int>(std::min<std::size_t>(left, INT_MAX)));
            if (sent <= 0) throw Poco::Net::NetException("connection closed while answering");
            at += sent;
            left -= static_cast<std::size_t>(sent);
        }
    }

    static constexpr std::chrono::milliseconds kLingerQuiet{250};
    static constexpr std::chrono::milliseconds kLingerLimit{2000};

    ExchangeServer& server_;
    const int fd_;
    bool entered_ = false;
    std::string clientAddress_;  ///< the peer's address, for HttpRequest::clientAddress
    bool closeInStages_ = false;  // the server closes while the client may still be sending
};

class ExchangeServer::ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
public:
    explicit ConnectionFactory(ExchangeServer& server) : server_(server) {}
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
        return new Connection(socket, server_);
    }

private:
    ExchangeServer& server_;
};

ExchangeServer::ExchangeServer(const Poco::Net::ServerSocket& socket, Handler handler, const Options& options)
    : handler_(std::move(handler)),
      options_(options),
      sessionParams_(new Poco::Net::HTTPServerParams),
      threads_(1, std::max(1, options.maxConnections)) {
    sessionParams_->setTimeout(options_.idleTimeout);
    sessionParams_->setKeepAlive(true);
    Poco::Net::TCPServerParams::Ptr params = new Poco::Net::TCPServerParams;
    params->setMaxThreads(std::max(1, options_.maxConnections));
    params->setMaxQueued(256);
    server_ = std::make_unique<Poco::Net::TCPServer>(new ConnectionFactory(*this), threads_, socket, params);
    server_->start();
}

ExchangeServer::~ExchangeServer() {
    server_->stop();  // no more connections accepted; those queued are dropped
    shutDownConnections();
    // Every connection thread returns before the server goes (each holds the
    // dispatcher); bounded, so that a handler that never returns delays the
    // stop by 10 s instead of hanging it.
    for (int waited = 0; threads_.used() > 0 && waited < 10000; ++waited) Poco::Thread::sleep(1);
}

bool ExchangeServer::enter(Connection* connection) {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    live_.insert(connection);
    return true;
}

void ExchangeServer::leave(Connection* connection) {
    std::lock_guard lock(mutex_);
    live_.erase(connection);
}

void ExchangeServer::shutDownConnections() {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
    for (Connection* connection : live_) connection->abort();
}

}  // namespace cxxacme::mock_acme
