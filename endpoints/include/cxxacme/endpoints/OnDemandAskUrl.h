#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "cxxacme/Time.h"

namespace cxxacme {
class AcmeHttpClient;
}

namespace cxxacme::endpoints {

/// Caddy's `ask` for on-demand TLS: a web service of the operator's that
/// says which names may be issued (`OnDemandOptions::allow`). Each question
/// is `GET URL?domain=NAME` (`&domain=` when URL has a query already); an
/// answer of 200 is a yes, anything else a no: another status, a redirect
/// (not followed), no answer within `timeout`, a connection refused. HTTP or
/// HTTPS (verified against the system store, or `caBundleFile`). Its logs
/// (`cxxacme.endpoint.ondemand`) never show the URL's user information or
/// query, where a token may be. Copies share one connection pool;
/// thread-safe.
///
///     options.onDemand.allow = OnDemandAskUrl("http://127.0.0.1:5555/may-i");
class OnDemandAskUrl {
public:
    /// Throws `Error` when `url` is no http or https URL, or has a fragment.
    explicit OnDemandAskUrl(const std::string& url, Duration timeout = std::chrono::seconds(5),
                            const std::string& caBundleFile = "");

    /// Asks about `name` (a canonical server name, as `allow` gets it).
    bool operator()(const std::string& name) const;

    const std::string& url() const noexcept { return url_; }
    /// The URL without what may be secret (user information, query), for
    /// logs: `scheme://host[:port]/path`.
    std::string display() const;

private:
    std::string url_;
    std::shared_ptr<AcmeHttpClient> http_;
};

}  // namespace cxxacme::endpoints
