#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cxxacme/HttpProxy.h"
#include "cxxacme/Time.h"

namespace cxxacme {

/// One HTTP answer.
struct HttpReply {
    int status = 0;
    std::string body;
    std::multimap<std::string, std::string> headers;  ///< names as sent

    /// The first value of a header (case-insensitive name), or "".
    std::string header(const std::string& name) const;
    /// The URLs of `Link` headers whose relation types include REL (RFC 8288:
    /// `rel="REL"`, `rel=REL` or `rel="... REL ..."`, any case), in order.
    std::vector<std::string> links(const std::string& rel) const;
    /// `Replay-Nonce` if it is one RFC 8555 §6.5.1 allows (base64url, 1 to
    /// 256 characters here); nothing otherwise: a client ignores invalid ones.
    std::optional<std::string> replayNonce() const;
    /// `Retry-After` as a delay from `now`: seconds, or an HTTP date in any
    /// of RFC 9110's three forms (a past date: zero). Nothing when absent or
    /// when it is neither.
    std::optional<Duration> retryAfter(TimePoint now) const;
};

/// HTTPS (and HTTP) for the ACME client: TLS verified against the system
/// trust store or a given CA bundle, a timeout on every new connection and
/// on every request, a size limit on every body, connections kept alive and
/// pooled per origin.
/// Thread-safe. It never sees the account key: bodies arrive signed.
class AcmeHttpClient {
public:
    struct Options {
        std::string caBundleFile{};                                   ///< empty: the system trust store
        Duration timeout = std::chrono::seconds(40);                  ///< txacme's default
        /// A new connection's TCP connect and TLS set-up, together; at most `timeout`.
        /// A CA that takes no connection is told apart sooner than one slow to answer.
        Duration connectTimeout = std::chrono::seconds(10);
        /// An HTTP proxy to reach the CA through (HTTPS by CONNECT), and the
        /// hosts that bypass it; none by default. `HttpProxy::fromEnvironment()`
        /// reads HTTPS_PROXY and NO_PROXY.
        HttpProxy proxy{};
        std::size_t maxResponseBytes = std::size_t{4} * 1024 * 1024;
        std::string userAgent = "cxxacme/0.1";
    };

    explicit AcmeHttpClient(Options options);
    ~AcmeHttpClient();
    AcmeHttpClient(const AcmeHttpClient&) = delete;
    AcmeHttpClient& operator=(const AcmeHttpClient&) = delete;

    /// Throw `NetworkError` for anything below HTTP (no answer, TLS, timeout,
    /// truncated or oversized body); any HTTP status is returned.
    HttpReply get(const std::string& url);
    HttpReply head(const std::string& url);
    HttpReply post(const std::string& url, const std::string& contentType, const std::string& body);

private:
    struct Pool;
    HttpReply exchange(const std::string& method, const std::string& url, const std::string& contentType,
                       const std::string& body);

    Options options_;
    std::unique_ptr<Pool> pool_;
};

}  // namespace cxxacme
