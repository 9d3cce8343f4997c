#include "cxxacme/endpoints/AutoTlsEndpoint.h"

#include "cxxacme/IChallengeBoard.h"

#include <optional>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>

#include "cxxacme/KeySigner.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/detail/OpenFileLimit.h"
#include "cxxacme/detail/PooledHttpServer.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/stores/SqliteStore.h"
#include "cxxacme/responders/TlsAlpn01Responder.h"
#include "cxxacme/responders/TlsSni01Responder.h"

namespace cxxacme::endpoints {
namespace {

// listen(RequestFunction): one handler object per request, as POCO asks, each calling the
// one function.
class FunctionRequestHandler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit FunctionRequestHandler(const AutoTlsEndpoint::RequestFunction& handler) : handler_(handler) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        try {
            handler_(request, response);
        } catch (const std::exception& e) {
            Poco::Logger::get("cxxacme.endpoint.auto").error(std::string("request handler failed: ") + e.what());
            response.setKeepAlive(false);  // the connection closes after a 500, or after half an answer
            if (!response.sent()) {
                response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
                response.setContentLength(0);
                response.send();
            }
        }
    }

private:
    const AutoTlsEndpoint::RequestFunction& handler_;
};

class FunctionRequestHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit FunctionRequestHandlerFactory(AutoTlsEndpoint::RequestFunction handler) : handler_(std::move(handler)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new FunctionRequestHandler(handler_);
    }

private:
    const AutoTlsEndpoint::RequestFunction handler_;
};

}  // namespace

struct AutoTlsEndpoint::Parts {
    SystemClock systemClock;
    IClock* clock = nullptr;
    std::unique_ptr<AcmeClient> client;
    responders::TlsAlpn01Responder tlsAlpn01;
    std::unique_ptr<responders::TlsSni01Responder> tlsSni01;
    std::unique_ptr<AcmeIssuer> issuer;
    int maxConnections = 0;
    std::unique_ptr<detail::PooledHttpServer> server;
    AcmeIssuingService::Subscription events;
    std::unique_ptr<OnDemandIssuance> onDemand;  // set before the first handshake, never after
    bool stopped = false;
};

AutoTlsEndpoint::AutoTlsEndpoint(const std::string& endpoint, const AutoTlsEndpointOptions& options)
    : AutoTlsEndpoint(EndpointSpec::parse(endpoint), options) {}

AutoTlsEndpoint::AutoTlsEndpoint(EndpointSpec spec, const AutoTlsEndpointOptions& options)
    : spec_(std::move(spec)), parts_(std::make_unique<Parts>()) {
    Parts& p = *parts_;
    p.clock = options.clock ? options.clock : &p.systemClock;
    if (options.maxConnections < 1) throw Error("AutoTlsEndpoint: maxConnections must be at least 1");
    p.maxConnections = options.maxConnections;
    if (options.store) {
        store_ = options.store;
    } else {
        const auto encryption =
            spec_.encryptionKey.empty() ? nullptr : stores::KeyEncryption::fromKeyFile(spec_.encryptionKey);
        if (spec_.sqliteFile.empty())
            ownStore_ = std::make_unique<stores::DirectoryStore>(spec_.certDir, encryption);
        else
            ownStore_ = std::make_unique<stores::SqliteStore>(spec_.sqliteFile, encryption);
        store_ = ownStore_.get();
    }
    // CERTDIR holds the account key whatever holds the certificates (opened
    // once more only when the certificates are elsewhere: it creates CERTDIR).
    std::optional<stores::DirectoryStore> keyDirectory;
    auto* certDir = dynamic_cast<stores::DirectoryStore*>(ownStore_.get());
    if (!certDir) certDir = &keyDirectory.emplace(spec_.certDir);
    auto key = std::make_shared<KeySigner>(PrivateKey::loadOrGenerate(certDir->accountKeyPath(), KeyType::EcP256));

    AcmeClientOptions clientOptions = options.client;
    clientOptions.directoryUrl = spec_.directoryUrl;
    if (!spec_.caBundle.empty()) clientOptions.http.caBundleFile = spec_.caBundle;
    p.client = std::make_unique<AcmeClient>(clientOptions, key, *p.clock);

    // a fleet over one store: the CA's handshake may reach another server, which answers from the board
    if (auto* board = dynamic_cast<IChallengeBoard*>(store_)) p.tlsAlpn01.share(*board);
    std::vector<IResponder*> responders{&p.tlsAlpn01};
    for (IResponder* extra : options.extraResponders) responders.push_back(extra);
    if (spec_.tlsSni01) {
        p.tlsSni01 = std::make_unique<responders::TlsSni01Responder>();
        responders.push_back(p.tlsSni01.get());
    }
    p.issuer = std::make_unique<AcmeIssuer>(*p.client, responders, options.issuer);

    SniEndpointOptions endpointOptions;
    endpointOptions.interface = spec_.interface;
    endpointOptions.port = spec_.port;
    endpointOptions.defaultName = spec_.defaultName;
    endpointOptions.tlsAlpn01 = &p.tlsAlpn01;
    endpointOptions.tlsSni01 = p.tlsSni01.get();
    if (options.onDemand.allow)
        endpointOptions.onUnknownName = [&p](const std::string& name) { return p.onDemand->obtain(name); };
    endpoint_ = std::make_unique<SniEndpoint>(*store_, endpointOptions);

    AcmeIssuingServiceOptions serviceOptions = options.service;
    if (!serviceOptions.renewalInfo)
        serviceOptions.renewalInfo = [client = p.client.get()](const Certificate& c) { return client->renewalInfo(c); };
    service_ = std::make_unique<AcmeIssuingService>(*store_, *p.issuer, *p.clock, serviceOptions);
    p.events = service_->onEvent([endpoint = endpoint_.get()](const IssuingEvent& event) {
        if (event.kind == IssuingEvent::Kind::Issued || event.kind == IssuingEvent::Kind::Renewed)
            endpoint->refresh(event.names);
    });
    if (options.onDemand.allow) p.onDemand = std::make_unique<OnDemandIssuance>(*service_, *store_, *p.clock, options.onDemand);
}

const OnDemandIssuance* AutoTlsEndpoint::onDemand() const { return parts_->onDemand.get(); }

AutoTlsEndpoint::~AutoTlsEndpoint() { stop(); }

void AutoTlsEndpoint::listen(Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                             Poco::Net::HTTPServerParams::Ptr params) {
    Parts& p = *parts_;
    if (p.server) throw Error("AutoTlsEndpoint::listen called twice");
    // started first: tls-alpn-01 validation needs the port answering
    p.server = std::make_unique<detail::PooledHttpServer>(std::move(factory), endpoint_->socket(), std::move(params), p.maxConnections);
    Poco::Logger& logger = Poco::Logger::get("cxxacme.endpoint.auto");
    logger.information("listening on port " + std::to_string(endpoint_->port()) + " for " + spec_.toString());
    if (const auto warning = detail::openFileLimitWarning(p.maxConnections))
        logger.warning(*warning + "; connections beyond it will be refused (raise it with ulimit -n, or lower maxConnections)");
    service_->start();
    service_->whenCertsValid().wait();
}

void AutoTlsEndpoint::listen(RequestFunction handler, Poco::Net::HTTPServerParams::Ptr params) {
    if (!handler) throw Error("AutoTlsEndpoint::listen needs a request function");
    listen(Poco::Net::HTTPRequestHandlerFactory::Ptr(new FunctionRequestHandlerFactory(std::move(handler))), std::move(params));
}

void AutoTlsEndpoint::stop() {
    Parts& p = *parts_;
    if (p.stopped) return;
    p.stopped = true;
    if (p.onDemand) p.onDemand->stop();  // handshakes waiting for certificates end first
    p.server.reset();
    endpoint_->socket().close();  // refuse new connections, not just stop accepting
    service_->stop();
    p.events.reset();
}

}  // namespace cxxacme::endpoints
