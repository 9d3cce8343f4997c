#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include "cxxacme/AcmeClient.h"
#include "cxxacme/AcmeIssuer.h"
#include "cxxacme/AcmeIssuingService.h"
#include "cxxacme/IClock.h"
#include "cxxacme/endpoints/EndpointString.h"
#include "cxxacme/endpoints/OnDemandIssuance.h"
#include "cxxacme/endpoints/SniEndpoint.h"
#include "cxxacme/ICertificateStore.h"

namespace cxxacme::endpoints {

struct AutoTlsEndpointOptions {
    AcmeIssuingServiceOptions service{};
    AcmeIssuerOptions issuer{};
    /// Timeouts, retries and polling; `directoryUrl` and the CA bundle come
    /// from the endpoint string.
    AcmeClientOptions client{};
    /// Responders tried after tls-alpn-01, e.g. an `Http01Responder` on port
    /// 80. Must outlive the endpoint.
    std::vector<IResponder*> extraResponders;
    /// Time source; null: the system clock.
    IClock* clock = nullptr;
    /// The certificate store; null: the one the endpoint string names (a
    /// `DirectoryStore` in CERTDIR, or the `SqliteStore` of `sqlite=FILE`).
    /// A store that implements `IChangeNotifier` also feeds the endpoint
    /// what other processes write. Must outlive the endpoint.
    ICertificateStore* store = nullptr;
    /// Connections served at once. POCO gives each kept-alive connection a
    /// thread for its life (made when needed, ended after a minute idle); the
    /// endpoint has a pool of its own this large (POCO's shared default pool
    /// holds 16, and a CA's validation handshake waiting behind 16 browsers
    /// would fail). A further connection waits in POCO's queue
    /// (`HTTPServerParams::setMaxQueued`) until one idles out, up to POCO's
    /// keep-alive timeout. Each connection is a file descriptor: `listen`
    /// logs a warning when the process's open-file limit is below this plus
    /// 256 (the program raises it; `cxxacme serve` does).
    int maxConnections = 4096;
    /// On-demand TLS: with `onDemand.allow` set, a handshake naming a name
    /// that has no certificate has one issued while it waits, when `allow`
    /// says yes (`OnDemandIssuance`). Off by default.
    OnDemandOptions onDemand{};
};

/// txacme's `le:` endpoint: an HTTPS listener whose certificates issue and
/// renew themselves. It wires an `SniEndpoint`, an `AcmeIssuingService`
/// over a store (a `DirectoryStore` in CERTDIR unless the string or the
/// options name another; the account key is `CERTDIR/client.key` in every
/// case, made on first use with mode 0600), and a tls-alpn-01 responder
/// answering on the site's own port (tls-sni-01 too when the string enables
/// it).
///
///     AutoTlsEndpoint site("le:/srv/certs:tcp:443");
///     site.listen(new MyRequestHandlerFactory);  // certificates tried by now
///
/// or, with one function for every request:
///
///     site.listen([](Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& r) { r.send() << "hello\n"; });
///
/// When the CA cannot be reached at start, the endpoint serves the valid
/// certificates it has and the service retries with back-off.
class AutoTlsEndpoint {
public:
    /// Parses `endpoint` (see `EndpointSpec`) and binds the port.
    explicit AutoTlsEndpoint(const std::string& endpoint, const AutoTlsEndpointOptions& options = {});
    explicit AutoTlsEndpoint(EndpointSpec spec, const AutoTlsEndpointOptions& options = {});
    ~AutoTlsEndpoint();
    AutoTlsEndpoint(const AutoTlsEndpoint&) = delete;
    AutoTlsEndpoint& operator=(const AutoTlsEndpoint&) = delete;

    /// Serves HTTP over TLS with `factory`, starts the issuing service, and
    /// returns once its start-up check has run (`whenCertsValid`).
    void listen(Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                Poco::Net::HTTPServerParams::Ptr params = nullptr);
    /// What `listen` can serve every request with instead of a factory: a
    /// function that answers through the response (`send()`, `sendBuffer`).
    using RequestFunction = std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;
    /// The same, each request answered by `handler` (called on the
    /// connections' threads, several at once). What it throws is logged
    /// (`cxxacme.endpoint.auto`, error) and answered 500 when nothing has been
    /// sent yet; the connection is then closed.
    void listen(RequestFunction handler, Poco::Net::HTTPServerParams::Ptr params = nullptr);
    /// Stops the listener, then the service. Idempotent.
    void stop();

    std::uint16_t port() const { return endpoint_->port(); }
    /// The on-demand issuance (its counters), or null when it is off.
    const OnDemandIssuance* onDemand() const;
    const EndpointSpec& spec() const { return spec_; }
    ICertificateStore& store() { return *store_; }
    SniEndpoint& endpoint() { return *endpoint_; }
    AcmeIssuingService& service() { return *service_; }
    /// Every event of the issuing service, also before `listen`.
    [[nodiscard]] AcmeIssuingService::Subscription onEvent(std::function<void(const IssuingEvent&)> listener) {
        return service_->onEvent(std::move(listener));
    }

private:
    struct Parts;
    EndpointSpec spec_;
    std::unique_ptr<Parts> parts_;
    std::unique_ptr<ICertificateStore> ownStore_;
    ICertificateStore* store_ = nullptr;
    std::unique_ptr<SniEndpoint> endpoint_;
    std::unique_ptr<AcmeIssuingService> service_;
};

}  // namespace cxxacme::endpoints
