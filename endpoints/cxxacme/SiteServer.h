#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "cxxacme/endpoints/AutoTlsEndpoint.h"

namespace cxxacme::cli {

struct SiteServerOptions {
    std::string listen;     ///< the endpoint string
    std::string docroot;
    std::string http;       ///< "ADDR:PORT" for plain HTTP (http-01 and redirects); empty: none
    std::ostream* accessLog = nullptr;  ///< null: no access log
    endpoints::AutoTlsEndpointOptions endpoint{};
};

/// What `cxxacme serve` runs: static files over an `AutoTlsEndpoint`, and
/// optionally a plain-HTTP listener that answers http-01 and redirects the
/// rest to HTTPS.
class SiteServer {
public:
    explicit SiteServer(SiteServerOptions options);
    ~SiteServer();
    SiteServer(const SiteServer&) = delete;
    SiteServer& operator=(const SiteServer&) = delete;

    /// Starts both listeners; returns once the start-up check has run.
    void start();
    void stop();

    std::uint16_t httpsPort() const;
    std::uint16_t httpPort() const;  ///< 0 without --http
    endpoints::AutoTlsEndpoint& endpoint();

private:
    struct Parts;
    std::unique_ptr<Parts> parts_;
};

/// `cxxacme serve --listen ENDPOINT --path DOCROOT [--http ADDR:PORT]
/// [--access-log FILE]`: serves until SIGTERM or SIGINT. Returns the exit code.
int runServe(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// Blocks SIGTERM and SIGINT in this thread and the threads it starts from
/// now on, so that `waitForTerminationSignal` can take them.
void blockTerminationSignals();
/// Waits for SIGTERM or SIGINT; returns its name.
std::string waitForTerminationSignal();

extern const char* const kServeUsage;

}  // namespace cxxacme::cli
