#include "cxxacme/AcmeHttpClient.h"

#include <openssl/ssl.h>

#include <locale.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <string_view>
#include <type_traits>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/URI.h>

#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"
#include "cxxacme/detail/HttpBodyReader.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/detail/PocoSslScope.h"

namespace cxxacme {

namespace {

bool sameName(const std::string& a, const std::string& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

// Whether the parameters after one link's "<URL>" (";rel=...;type=...") give
// it the relation type `rel`: RFC 8288 §3.3, a quoted list of types or a
// single token, names compared case-insensitively.
bool hasRelation(std::string_view params, const std::string& rel) {
    const auto trim = [](std::string_view v) {
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        return v;
    };
    while (!params.empty()) {
        std::size_t end = params.find(';');
        std::string_view param = trim(params.substr(0, end));
        params = end == std::string_view::npos ? std::string_view{} : params.substr(end + 1);
        const std::size_t eq = param.find('=');
        if (eq == std::string_view::npos || !sameName(std::string(trim(param.substr(0, eq))), "rel")) continue;
        std::string_view value = trim(param.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        while (!value.empty()) {
            const std::size_t space = value.find(' ');
            if (sameName(std::string(value.substr(0, space)), rel)) return true;
            value = space == std::string_view::npos ? std::string_view{} : trim(value.substr(space + 1));
        }
        return false;  // only the first rel parameter counts (RFC 8288 §3.3)
    }
    return false;
}

// An HTTP-date (RFC 9110 §5.6.7) in any of its three forms, the whole text.
// Day and month names are English whatever locale the embedding program set.
std::optional<TimePoint> parseHttpDate(const std::string& text) {
    static const locale_t english = newlocale(LC_ALL_MASK, "C", nullptr);
    if (english == nullptr) return std::nullopt;
    for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
        std::tm tm{};
        const char* end = strptime_l(text.c_str(), format, &tm, english);
        if (end != nullptr && *end == '\0') return timePointFromUnixSeconds(timegm(&tm));
    }
    return std::nullopt;
}

// Whether `e` says TLS ended without its close_notify: POCO's own exception, or
// OpenSSL 3's error for it (SSL_R_UNEXPECTED_EOF_WHILE_READING), which POCO passes
// on as a plain SSLException carrying OpenSSL's reason text.
bool tlsCutShort(const Poco::Exception& e) {
    return dynamic_cast<const Poco::Net::SSLConnectionUnexpectedlyClosedException*>(&e) ||
           (dynamic_cast<const Poco::Net::SSLException*>(&e) &&
            e.displayText().find("unexpected eof while reading") != std::string::npos);
}

// Whether `e` says the connection ended, as a server ends a kept-alive one it
// has let idle: closed before an answer, reset, TLS cut short.
bool connectionEnded(const Poco::Exception& e) {
    using namespace Poco::Net;
    return dynamic_cast<const NoMessageException*>(&e) || dynamic_cast<const ConnectionResetException*>(&e) ||
           tlsCutShort(e);
}

// Whether `e` says the connection was refused, or broke before the answer was
// whole (NetworkError::transient): reset, aborted, closed before an answer or
// inside its head, TLS closed without close_notify.
bool brokenConnection(const Poco::Exception& e) {
    using namespace Poco::Net;
    return connectionEnded(e) || dynamic_cast<const ConnectionRefusedException*>(&e) ||
           dynamic_cast<const ConnectionAbortedException*>(&e) || dynamic_cast<const MessageException*>(&e);
}

// A session that sets a new connection up at once, TCP and (for HTTPS) TLS, within
// a time of its own, and only when told to. POCO's own would connect inside
// sendRequest and set TLS up on the first write, both under the request's timeout;
// it would also connect again by itself, inside sendRequest, after 8 s of keep-alive,
// and inside a write that failed, going on on the new connection with the rest of a
// request whose start went to the old one. Here the pool decides when a connection
// is too old, and a request that could not go out is sent again whole (exchange).
//
// Its buffered read is open to HttpBodyReader, which reads bodies whole or not at all.
class PromptConnect {
public:
    virtual ~PromptConnect() = default;
    virtual void connectWithin(std::chrono::steady_clock::duration timeout) = 0;
    /// Up to `length` bytes of the connection (the session's buffer first); 0 at its end.
    virtual int readSome(char* buffer, std::streamsize length) = 0;
};

// What is left until `deadline`, as a socket timeout (1 ms at least: 0 would be none).
Poco::Timespan leftUntil(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::max<std::chrono::steady_clock::duration>(deadline - std::chrono::steady_clock::now(),
                                                                     std::chrono::milliseconds(1));
    return Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(left).count());
}

// A connection to `proxy` through which a CONNECT tunnel to `host`:`port` is open
// (RFC 9110 §9.3.6), all within `deadline`. The proxy's refusal is an HTTPException
// whose code is its status; its answer's head is read a byte at a time, so that
// nothing of what follows it is taken from the socket.
Poco::Net::StreamSocket openTunnel(const HttpProxy& proxy, const std::string& host, std::uint16_t port,
                                   std::chrono::steady_clock::time_point deadline) {
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress(proxy.host(), proxy.port()), leftUntil(deadline));
    socket.setNoDelay(true);
    const std::string authority = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
    std::string request = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
    if (!proxy.username().empty() || !proxy.password().empty())
        request += "Proxy-Authorization: Basic " + detail::base64Encode(proxy.username() + ":" + proxy.password()) + "\r\n";
    request += "\r\n";
    for (std::size_t sentBytes = 0; sentBytes < request.size();) {
        socket.setSendTimeout(leftUntil(deadline));
        sentBytes += static_cast<std::size_t>(
            socket.sendBytes(request.data() + sentBytes, static_cast<int>(request.size() - sentBytes)));
    }
    std::string head;
    while (!head.ends_with("\r\n\r\n")) {
        if (head.size() >= 16384) throw Poco::Net::HTTPException("the proxy's answer to CONNECT has a head over 16 KB");
        socket.setReceiveTimeout(leftUntil(deadline));
        char c = 0;
        if (socket.receiveBytes(&c, 1) <= 0)
            throw Poco::Net::NoMessageException("the proxy closed the connection without answering CONNECT");
        head += c;
    }
    // "HTTP/1.1 200 Connection established"
    const std::string statusLine = head.substr(0, head.find("\r\n"));
    const auto firstSpace = statusLine.find(' ');
    const std::string code = firstSpace == std::string::npos ? "" : statusLine.substr(firstSpace + 1, 3);
    if (!statusLine.starts_with("HTTP/1.") || code.size() != 3 || code.find_first_not_of("0123456789") != std::string::npos)
        throw Poco::Net::HTTPException("the proxy's answer to CONNECT does not read: \"" +
                                       InvalidNameError::printable(statusLine) + "\"");
    const int status = std::stoi(code);
    if (status < 200 || status > 299)
        throw Poco::Net::HTTPException("answered CONNECT with " + InvalidNameError::printable(statusLine.substr(firstSpace + 1)),
                                       status);
    socket.setReceiveTimeout(leftUntil(deadline));  // for the TLS handshake that follows
    socket.setSendTimeout(leftUntil(deadline));
    return socket;
}

template <class Session>
class PromptSession final : public Session, public PromptConnect {
public:
    template <class... Args>
    explicit PromptSession(Args&&... args) : Session(std::forward<Args>(args)...) {
        this->setKeepAlive(true);
        this->setKeepAliveTimeout(Poco::Timespan(Poco::Timespan::DAYS * 36500));  // never, by itself
    }

    /// HTTPS only: connect through a CONNECT tunnel of `proxy` (which must outlive this).
    void tunnelThrough(const HttpProxy* proxy, Poco::Net::Context::Ptr context) {
        tunnel_ = proxy;
        context_ = std::move(context);
    }

    void connectWithin(std::chrono::steady_clock::duration timeout) override {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        if constexpr (std::is_base_of_v<Poco::Net::HTTPSClientSession, Session>) {
            if (tunnel_ != nullptr) {
                const Poco::Net::StreamSocket through = openTunnel(*tunnel_, this->getHost(), this->getPort(), deadline);
                this->attachSocket(Poco::Net::SecureStreamSocket::attach(through, this->getHost(), context_));  // TLS
            } else {
                this->reconnect();  // TCP, within the session's connection timeout
            }
            const Poco::Timespan span = leftUntil(deadline);
            Poco::Net::SecureStreamSocket tls(this->socket());
            const Poco::Timespan receive = tls.getReceiveTimeout();
            const Poco::Timespan send = tls.getSendTimeout();
            tls.setReceiveTimeout(span);
            tls.setSendTimeout(span);
            tls.completeHandshake();
            tls.setReceiveTimeout(receive);
            tls.setSendTimeout(send);
        } else {
            this->reconnect();  // TCP, to the server or its proxy (ProxyConfig), within the connection timeout
        }
    }

    int readSome(char* buffer, std::streamsize length) override { return this->read(buffer, length); }

protected:
    int write(const char* buffer, std::streamsize length) override {
        // past HTTPClientSession::write, which connects again after a failure and sends the rest on a new
        // connection: a failure is the caller's, connected again by no one
        return Poco::Net::HTTPSession::write(buffer, length);  // NOLINT(bugprone-parent-virtual-call)
    }

private:
    const HttpProxy* tunnel_ = nullptr;
    Poco::Net::Context::Ptr context_;
};

// How long a connection may idle in the pool before it is taken for closed:
// servers close idle ones after 10 s or more (POCO's, Go's: 90 s and up)
constexpr auto kPoolIdleLimit = std::chrono::seconds(8);

// Whether `e` says a time limit passed: POCO reports a receive that timed out as
// a TimeoutException, and a send that did (SO_SNDTIMEO) as EAGAIN.
bool timedOutException(const Poco::Exception& e) {
    return dynamic_cast<const Poco::TimeoutException*>(&e) ||
           (dynamic_cast<const Poco::IOException*>(&e) && (e.code() == EAGAIN || e.code() == EWOULDBLOCK));
}

}  // namespace

std::string HttpReply::header(const std::string& name) const {
    for (const auto& [n, v] : headers)
        if (sameName(n, name)) return v;
    return {};
}

std::vector<std::string> HttpReply::links(const std::string& rel) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : headers) {
        if (!sameName(n, "Link")) continue;
        // a header may hold several comma-separated links: <URL>;params, <URL>;params
        std::size_t pos = 0;
        while ((pos = v.find('<', pos)) != std::string::npos) {
            const std::size_t close = v.find('>', pos);
            if (close == std::string::npos) break;
            const std::size_t next = v.find('<', close);
            std::string_view params =
                std::string_view(v).substr(close + 1, next == std::string::npos ? std::string::npos : next - close - 1);
            while (!params.empty() && (params.back() == ',' || params.back() == ' ' || params.back() == '\t'))
                params.remove_suffix(1);  // the comma before the next link
            if (hasRelation(params, rel)) out.push_back(v.substr(pos + 1, close - pos - 1));
            pos = close;
        }
    }
    return out;
}

std::optional<std::string> HttpReply::replayNonce() const {
    std::string nonce = header("Replay-Nonce");
    if (nonce.empty() || nonce.size() > 256 || !Base64Url::isAlphabet(nonce)) return std::nullopt;
    return nonce;
}

std::optional<Duration> HttpReply::retryAfter(TimePoint now) const {
    const std::string value = header("Retry-After");
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
        value.size() < 10)
        return std::chrono::seconds(std::stol(value));
    const auto when = parseHttpDate(value);
    if (!when) return std::nullopt;
    return *when > now ? *when - now : Duration::zero();
}

struct AcmeHttpClient::Pool {
    cxxacme::detail::PocoSslScope ssl;
    Poco::Net::Context::Ptr context;
    std::mutex mutex;
    struct Idle {
        std::unique_ptr<Poco::Net::HTTPClientSession> session;
        std::chrono::steady_clock::time_point since;
    };
    std::map<std::string, std::vector<Idle>> idle;  // newest last
};

AcmeHttpClient::AcmeHttpClient(Options options) : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.loadDefaultCAs = options_.caBundleFile.empty();
    params.caLocation = options_.caBundleFile;
    params.cipherList = "HIGH:!aNULL:!MD5";
    // POCO sets up a 1024-bit DH group unless told 2048: OpenSSL 3 refuses it and leaves
    // "dh key too small" on this thread's error queue, where later messages would pick it up
    params.dhUse2048Bits = true;
    try {
        pool_->context = new Poco::Net::Context(Poco::Net::Context::CLIENT_USE, params);
    } catch (const Poco::Exception& e) {
        throw Error("cannot set up TLS with CA bundle \"" + options_.caBundleFile + "\": " + e.displayText());
    }
    SSL_CTX_set_min_proto_version(pool_->context->sslContext(), TLS1_2_VERSION);
    // A record in one read(2), not two (its header, then the rest). Safe: a
    // client session reads only after sending, never polls for an answer
    // OpenSSL may already hold.
    SSL_CTX_set_read_ahead(pool_->context->sslContext(), 1);
}

AcmeHttpClient::~AcmeHttpClient() = default;

HttpReply AcmeHttpClient::get(const std::string& url) { return exchange("GET", url, "", ""); }
HttpReply AcmeHttpClient::head(const std::string& url) { return exchange("HEAD", url, "", ""); }
HttpReply AcmeHttpClient::post(const std::string& url, const std::string& contentType, const std::string& body) {
    return exchange("POST", url, contentType, body);
}

HttpReply AcmeHttpClient::exchange(const std::string& method, const std::string& url, const std::string& contentType,
                                   const std::string& body) {
    Poco::URI uri;
    try {
        uri = Poco::URI(url);
    } catch (const Poco::Exception&) {
        throw NetworkError(url, "not a URL");
    }
    if (uri.getScheme() != "https" && uri.getScheme() != "http") throw NetworkError(url, "not an http(s) URL");
    const std::string origin = uri.getScheme() + "://" + uri.getAuthority();

    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    {
        std::lock_guard lock(pool_->mutex);
        auto& idle = pool_->idle[origin];
        const auto now = std::chrono::steady_clock::now();
        std::erase_if(idle, [&](const Pool::Idle& i) { return now - i.since >= kPoolIdleLimit; });
        if (!idle.empty()) {
            session = std::move(idle.back().session);
            idle.pop_back();
        }
    }
    const bool reused = session != nullptr;
    const bool proxied = options_.proxy.appliesTo(uri.getHost(), uri.getPort());
    if (!session) {
        if (uri.getScheme() == "https") {
            auto tls = std::make_unique<PromptSession<Poco::Net::HTTPSClientSession>>(uri.getHost(), uri.getPort(),
                                                                                      pool_->context);
            if (proxied) tls->tunnelThrough(&options_.proxy, pool_->context);
            session = std::move(tls);
        } else {
            session = std::make_unique<PromptSession<Poco::Net::HTTPClientSession>>(uri.getHost(), uri.getPort());
            if (proxied) {  // plain HTTP: requests in absolute form to the proxy
                Poco::Net::HTTPClientSession::ProxyConfig proxy;
                proxy.host = options_.proxy.host();
                proxy.port = options_.proxy.port();
                proxy.username = options_.proxy.username();
                proxy.password = options_.proxy.password();
                session->setProxyConfig(proxy);
            }
        }
    }
    const auto micros = [](Duration d) {
        return Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
    };
    const Duration connectTimeout = std::min(options_.connectTimeout, options_.timeout);
    session->setTimeout(micros(connectTimeout), micros(options_.timeout), micros(options_.timeout));

    // whether the whole request has been handed to the connection: until then a
    // failure (no connection, no TLS, a write that broke) left the server
    // without a request it could act on
    bool sent = false;
    bool connecting = false;  // whether a new connection (TCP and TLS) is being set up
    bool answered = false;    // whether the head of an answer came
    bool keptAlive = false;   // whether the server keeps the connection open after its answer
    const auto attempt = [&]() -> HttpReply {
        sent = false;
        answered = false;
        if (!session->connected()) {
            connecting = true;
            dynamic_cast<PromptConnect&>(*session).connectWithin(connectTimeout);
            connecting = false;
        }
        Poco::Net::HTTPRequest request(method, uri.getPathEtc().empty() ? "/" : uri.getPathEtc(),
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("User-Agent", options_.userAgent);
        request.setKeepAlive(true);
        if (!contentType.empty()) request.setContentType(contentType);
        if (method == "POST") request.setContentLength(static_cast<std::streamsize>(body.size()));
        session->sendRequest(request) << body;
        session->flushRequest();  // rethrows what writing met: a stream keeps its failure
        sent = true;
        Poco::Net::HTTPResponse response;
        detail::HttpBodyReader::receiveHead(*session, response);  // the body is read by HttpBodyReader
        answered = true;
        keptAlive = response.getKeepAlive();
        HttpReply reply;
        reply.status = response.getStatus();
        for (const auto& [n, v] : response) reply.headers.emplace(n, v);
        auto& connection = dynamic_cast<PromptConnect&>(*session);
        try {
            reply.body = detail::HttpBodyReader(
                             [&connection](char* buffer, std::streamsize length) { return connection.readSome(buffer, length); },
                             options_.maxResponseBytes)
                             .body(response, method);
        } catch (const detail::HttpBodyReader::Refused& e) {
            // cut short: the kind of failure worth sending again where that is harmless
            throw NetworkError(url, e.what(), e.why() == detail::HttpBodyReader::Refused::Why::CutShort);
        }
        return reply;
    };

    HttpReply reply;
    try {
        try {
            reply = attempt();
        } catch (const Poco::Exception& e) {
            // a pooled connection that the server (or a box on the way) closed while it
            // idled: the request could not go out on it, or met its end before any answer.
            // One fresh try. An answer begun is the server's, and is not asked for again
            if (timedOutException(e) || !reused || answered || (sent && !connectionEnded(e))) throw;
            session->reset();
            reply = attempt();
        }
    } catch (const Poco::Exception& e) {
        // what went wrong on the way to the proxy, or at it, is said as the proxy's
        const std::string throughProxy = proxied && connecting ? "through proxy " + options_.proxy.display() : "";
        if (!timedOutException(e)) {
            const bool proxyRefused = dynamic_cast<const Poco::Net::HTTPException*>(&e) && !throughProxy.empty();
            if (proxyRefused)  // a proxy's 5xx: the CA behind it is out of reach, for now
                throw NetworkError(url, throughProxy + ": " + e.message(), e.code() >= 500 && e.code() <= 599, false, false);
            throw NetworkError(url, (throughProxy.empty() ? "" : throughProxy + ": ") + e.displayText(), brokenConnection(e),
                               false, sent);
        }
        const auto seconds = [](Duration d) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
            return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
        };
        // a connection (or its TLS) not made in time, or one that would not take the
        // request: as refused, the server has no request to act on
        if (connecting)
            throw NetworkError(url,
                               "not sent: no connection within " + seconds(connectTimeout) + " (TCP and TLS" +
                                   (throughProxy.empty() ? "" : ", " + throughProxy) + ")",
                               true, false, false);
        if (!sent)
            throw NetworkError(url, "not sent within " + seconds(options_.timeout) + ": the connection took no request",
                               true, false, false);
        throw NetworkError(url, "timed out after " + seconds(options_.timeout), false, true);
    }
    if (keptAlive && session->connected()) {
        std::lock_guard lock(pool_->mutex);
        auto& idle = pool_->idle[origin];
        if (idle.size() < 16) idle.push_back({std::move(session), std::chrono::steady_clock::now()});
    }
    return reply;
}

}  // namespace cxxacme
