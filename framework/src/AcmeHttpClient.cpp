#include "cxxacme/AcmeHttpClient.h"

#include <openssl/ssl.h>

#include <locale.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cerrno>
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
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/URI.h>

#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"
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
class PromptConnect {
public:
    virtual ~PromptConnect() = default;
    virtual void connectWithin(std::chrono::steady_clock::duration timeout) = 0;
};

template <class Session>
class PromptSession final : public Session, public PromptConnect {
public:
    template <class... Args>
    explicit PromptSession(Args&&... args) : Session(std::forward<Args>(args)...) {
        this->setKeepAlive(true);
        this->setKeepAliveTimeout(Poco::Timespan(Poco::Timespan::DAYS * 36500));  // never, by itself
    }

    void connectWithin(std::chrono::steady_clock::duration timeout) override {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        this->reconnect();  // TCP, within the session's connection timeout
        if constexpr (std::is_base_of_v<Poco::Net::HTTPSClientSession, Session>) {
            const auto left = std::max<std::chrono::steady_clock::duration>(
                deadline - std::chrono::steady_clock::now(), std::chrono::milliseconds(1));
            const Poco::Timespan span(std::chrono::duration_cast<std::chrono::microseconds>(left).count());
            Poco::Net::SecureStreamSocket tls(this->socket());
            const Poco::Timespan receive = tls.getReceiveTimeout();
            const Poco::Timespan send = tls.getSendTimeout();
            tls.setReceiveTimeout(span);
            tls.setSendTimeout(span);
            tls.completeHandshake();
            tls.setReceiveTimeout(receive);
            tls.setSendTimeout(send);
        }
    }

protected:
    int write(const char* buffer, std::streamsize length) override {
        return Poco::Net::HTTPSession::write(buffer, length);  // a failure is the caller's, connected again by no one
    }
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
    if (!session) {
        if (uri.getScheme() == "https")
            session = std::make_unique<PromptSession<Poco::Net::HTTPSClientSession>>(uri.getHost(), uri.getPort(),
                                                                                     pool_->context);
        else
            session = std::make_unique<PromptSession<Poco::Net::HTTPClientSession>>(uri.getHost(), uri.getPort());
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
        std::istream& in = session->receiveResponse(response);
        answered = true;
        keptAlive = response.getKeepAlive();
        HttpReply reply;
        reply.status = response.getStatus();
        for (const auto& [n, v] : response) reply.headers.emplace(n, v);
        if (method != "HEAD") {
            char buf[16384];
            while (in) {
                in.read(buf, sizeof buf);
                reply.body.append(buf, static_cast<std::size_t>(in.gcount()));
                if (reply.body.size() > options_.maxResponseBytes)
                    throw NetworkError(url, "response larger than " + std::to_string(options_.maxResponseBytes) + " bytes");
            }
            if (response.hasContentLength() &&
                static_cast<Poco::Int64>(reply.body.size()) != response.getContentLength64())
                throw NetworkError(url,
                                   "truncated response (" + std::to_string(reply.body.size()) + " of " +
                                       std::to_string(response.getContentLength64()) + " bytes)",
                                   true);
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
        if (!timedOutException(e)) throw NetworkError(url, e.displayText(), brokenConnection(e), false, sent);
        const auto seconds = [](Duration d) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
            return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
        };
        // a connection (or its TLS) not made in time, or one that would not take the
        // request: as refused, the server has no request to act on
        if (connecting)
            throw NetworkError(url, "not sent: no connection within " + seconds(connectTimeout) + " (TCP and TLS)",
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
