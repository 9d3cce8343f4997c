#include "cxxacme/AcmeHttpClient.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/URI.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/PocoSslScope.h"

namespace cxxacme {

namespace {

bool sameName(const std::string& a, const std::string& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
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
        // a header may hold several comma-separated links
        std::size_t pos = 0;
        while ((pos = v.find('<', pos)) != std::string::npos) {
            const std::size_t close = v.find('>', pos);
            if (close == std::string::npos) break;
            const std::size_t next = v.find('<', close);
            const std::string params = v.substr(close + 1, next == std::string::npos ? std::string::npos : next - close - 1);
            if (params.find("rel=\"" + rel + "\"") != std::string::npos || params.find("rel=" + rel) != std::string::npos)
                out.push_back(v.substr(pos + 1, close - pos - 1));
            pos = close;
        }
    }
    return out;
}

std::optional<Duration> HttpReply::retryAfter(TimePoint now) const {
    const std::string value = header("Retry-After");
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
        value.size() < 10)
        return std::chrono::seconds(std::stol(value));
    try {
        int tz = 0;
        const Poco::DateTime when = Poco::DateTimeParser::parse(Poco::DateTimeFormat::HTTP_FORMAT, value, tz);
        const auto t = std::chrono::system_clock::from_time_t(when.timestamp().epochTime());
        return t > now ? t - now : Duration::zero();
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
}

struct AcmeHttpClient::Pool {
    cxxacme::detail::PocoSslScope ssl;
    Poco::Net::Context::Ptr context;
    std::mutex mutex;
    std::map<std::string, std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>>> idle;
};

AcmeHttpClient::AcmeHttpClient(Options options) : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.loadDefaultCAs = options_.caBundleFile.empty();
    params.caLocation = options_.caBundleFile;
    params.cipherList = "HIGH:!aNULL:!MD5";
    try {
        pool_->context = new Poco::Net::Context(Poco::Net::Context::CLIENT_USE, params);
    } catch (const Poco::Exception& e) {
        throw Error("cannot set up TLS with CA bundle \"" + options_.caBundleFile + "\": " + e.displayText());
    }
    SSL_CTX_set_min_proto_version(pool_->context->sslContext(), TLS1_2_VERSION);
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
        if (!idle.empty()) {
            session = std::move(idle.back());
            idle.pop_back();
        }
    }
    const bool reused = session != nullptr;
    if (!session) {
        if (uri.getScheme() == "https")
            session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), pool_->context);
        else
            session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
        session->setKeepAlive(true);
    }
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout).count();
    session->setTimeout(Poco::Timespan(micros));

    const auto attempt = [&]() -> HttpReply {
        Poco::Net::HTTPRequest request(method, uri.getPathEtc().empty() ? "/" : uri.getPathEtc(),
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("User-Agent", options_.userAgent);
        request.setKeepAlive(true);
        if (!contentType.empty()) request.setContentType(contentType);
        if (method == "POST") request.setContentLength(static_cast<std::streamsize>(body.size()));
        session->sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session->receiveResponse(response);
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
                throw NetworkError(url, "truncated response (" + std::to_string(reply.body.size()) + " of " +
                                            std::to_string(response.getContentLength64()) + " bytes)");
        }
        return reply;
    };

    HttpReply reply;
    try {
        try {
            reply = attempt();
        } catch (const Poco::Net::NoMessageException&) {
            if (!reused) throw;
            session->reset();  // the pooled connection was closed by the server: one fresh try
            reply = attempt();
        } catch (const Poco::Net::ConnectionResetException&) {
            if (!reused) throw;
            session->reset();
            reply = attempt();
        }
    } catch (const Poco::TimeoutException&) {
        throw NetworkError(url, "timed out after " +
                                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.timeout).count()) +
                                    " s");
    } catch (const Poco::Exception& e) {
        throw NetworkError(url, e.displayText());
    }
    if (session->connected()) {
        std::lock_guard lock(pool_->mutex);
        auto& idle = pool_->idle[origin];
        if (idle.size() < 16) idle.push_back(std::move(session));
    }
    return reply;
}

}  // namespace cxxacme
