#include "cxxacme/mock_acme/MockAcmeServer.h"

#include <istream>

#include <openssl/ssl.h>

#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/Error.h"
#include "cxxacme/detail/PocoSslScope.h"
#include "cxxacme/detail/PooledHttpServer.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/mock_acme/ChallengeValidator.h"

namespace cxxacme::mock_acme {

namespace {

class EngineHandler final : public Poco::Net::HTTPRequestHandler {
public:
    EngineHandler(MockAcmeEngine& engine, bool management, std::size_t maxBody)
        : engine_(engine), management_(management), maxBody_(maxBody) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        HttpRequest in;
        in.method = request.getMethod();
        try {
            const Poco::URI uri(request.getURI());
            in.path = uri.getPath();
            in.query = uri.getRawQuery();
        } catch (const Poco::Exception&) {
            in.path = "/";
        }
        in.contentType = request.getContentType();
        HttpResponse out;
        std::istream& body = request.stream();
        char buf[8192];
        while (body && in.body.size() <= maxBody_) {
            body.read(buf, sizeof buf);
            in.body.append(buf, static_cast<std::size_t>(body.gcount()));
        }
        if (in.body.size() > maxBody_) {
            // Drain a little more so that the client can finish sending and read
            // the answer; beyond that, the connection is closed on it.
            std::size_t drained = 0;
            while (body && drained < 4 * maxBody_) {
                body.read(buf, sizeof buf);
                drained += static_cast<std::size_t>(body.gcount());
            }
            out = tooLarge();
            response.setKeepAlive(false);
        } else {
            out = management_ ? engine_.handleManagement(in) : engine_.handle(in);
        }
        logRequest(in, out);
        response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(out.status));
        if (!out.contentType.empty()) response.setContentType(out.contentType);
        for (const auto& [name, value] : out.headers) response.add(name, value);
        // Header and body in one write: one TLS record, one segment (HEAD: the header alone).
        response.sendBuffer(out.body.data(), out.body.size());
    }

private:
    // "POST /order-plz 201", "POST /chalZ/… 400 badNonce": the request line's
    // method and path (printable), the status and a problem's type; never a
    // body, so nothing secret.
    void logRequest(const HttpRequest& in, const HttpResponse& out) const {
        static Poco::Logger& requests = Poco::Logger::get("cxxacme.mock_acme.requests");
        static Poco::Logger& management = Poco::Logger::get("cxxacme.mock_acme.management");
        Poco::Logger& logger = management_ ? management : requests;
        if (!logger.information() || !logger.getChannel()) return;  // nobody reads it: no work on the request path
        std::string line = in.method + " " + InvalidNameError::printable(in.path.substr(0, 200)) + " " + std::to_string(out.status);
        static const std::string kTypePrefix = "\"type\":\"urn:ietf:params:acme:error:";
        if (const auto at = out.body.find(kTypePrefix); out.contentType == "application/problem+json" && at != std::string::npos)
            line += " " + out.body.substr(at + kTypePrefix.size(), out.body.find('"', at + kTypePrefix.size()) - at - kTypePrefix.size());
        logger.information(line);
    }

    HttpResponse tooLarge() {
        HttpResponse r;
        r.status = 413;
        r.contentType = "application/problem+json";
        r.body = AcmeProblem("malformed", "request body too large", 413).toJson();
        return r;
    }

    MockAcmeEngine& engine_;
    bool management_;
    std::size_t maxBody_;
};

class HandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    HandlerFactory(MockAcmeEngine& engine, bool management, std::size_t maxBody)
        : engine_(engine), management_(management), maxBody_(maxBody) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new EngineHandler(engine_, management_, maxBody_);
    }

private:
    MockAcmeEngine& engine_;
    bool management_;
    std::size_t maxBody_;
};

// Management connections served at once (see PooledHttpServer); the ACME
// side's number is the config's maxConnections.
constexpr int kManagementConnections = 32;

Poco::Net::HTTPServerParams::Ptr serverParams() {
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxQueued(256);
    params->setKeepAlive(true);
    params->setTimeout(Poco::Timespan(30, 0));
    return params;
}

std::string hostForUrl(const std::string& host) { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }

}  // namespace

struct MockAcmeServer::Servers {
    cxxacme::detail::PocoSslScope ssl;
    std::unique_ptr<cxxacme::detail::PooledHttpServer> acme;
    std::unique_ptr<cxxacme::detail::PooledHttpServer> management;
};

MockAcmeServer::MockAcmeServer(MockAcmeConfig config, IClock* clock)
    : servers_(std::make_unique<Servers>()),
      host_(config.listenHost),
      managementHost_(config.managementHost) {
    config.validate();
    if (clock == nullptr) {
        ownClock_ = std::make_unique<SystemClock>();
        clock = ownClock_.get();
    }

    // The HTTPS identity: a CA of its own and a server certificate.
    const PrivateKey caKey = PrivateKey::generate(KeyType::EcP256);
    const Certificate httpsCa = CertificateBuilder()
                   .commonName("mock-acme HTTPS CA")
                   .organization("cxxacme")
                   .certificateAuthority(0)
                   .validity(std::chrono::system_clock::now() - std::chrono::hours(24),
                             std::chrono::system_clock::now() + std::chrono::hours(24 * 3650))
                   .selfSign(caKey);
    std::vector<Identifier> names{Identifier::ip("127.0.0.1"), Identifier::ip("::1"), Identifier::dns("localhost")};
    if (ServerName::isValid(host_)) {
        const Identifier extra = Identifier::fromName(host_);
        if (std::find(names.begin(), names.end(), extra) == names.end() &&
            !(extra.type == Identifier::Type::Ip && (extra.value == "0.0.0.0" || extra.value == "::")))
            names.push_back(extra);
    }
    const PrivateKey serverKey = PrivateKey::generate(KeyType::EcP256);
    const Certificate serverCert = CertificateBuilder()
                                       .commonName("localhost")
                                       .subjectAltNames(names)
                                       .validity(std::chrono::system_clock::now() - std::chrono::hours(24),
                                                 std::chrono::system_clock::now() + std::chrono::hours(24 * 3650))
                                       .sign(serverKey.publicKey(), httpsCa, caKey);
    httpsCaPem_ = httpsCa.toPem();

    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    params.cipherList = "HIGH:!aNULL:!MD5";
    params.dhUse2048Bits = true;  // POCO's 1024-bit default is refused by OpenSSL 3, leaving an error queued
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::SERVER_USE, params);
    SSL_CTX* sslContext = context->sslContext();
    SSL_CTX_set_min_proto_version(sslContext, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate(sslContext, serverCert.native()) != 1 ||
        SSL_CTX_use_PrivateKey(sslContext, serverKey.native()) != 1)
        throw Error("mock-acme: cannot load the HTTPS certificate");

    Poco::Net::SecureServerSocket acmeSocket(Poco::Net::SocketAddress(host_, config.listenPort), 256, context);
    port_ = acmeSocket.address().port();
    Poco::Net::ServerSocket managementSocket(Poco::Net::SocketAddress(managementHost_, config.managementPort), 64);
    managementPort_ = managementSocket.address().port();

    const std::size_t maxBody = config.maxBodyBytes;
    const int maxConnections = config.maxConnections;
    auto validator = std::make_unique<ChallengeValidator>(config);
    engine_ = std::make_unique<MockAcmeEngine>(std::move(config), "https://" + hostForUrl(host_) + ":" + std::to_string(port_),
                                               *clock, std::move(validator));
    servers_->acme = std::make_unique<cxxacme::detail::PooledHttpServer>(
        new HandlerFactory(*engine_, false, maxBody), acmeSocket, serverParams(), maxConnections);
    servers_->management = std::make_unique<cxxacme::detail::PooledHttpServer>(
        new HandlerFactory(*engine_, true, maxBody), managementSocket, serverParams(), kManagementConnections);
}

MockAcmeServer::~MockAcmeServer() { stop(); }

void MockAcmeServer::stop() {
    if (!servers_) return;
    servers_->acme.reset();  // each stops as it goes
    servers_->management.reset();
}

std::string MockAcmeServer::directoryUrl() const { return engine_->directoryUrl(); }

std::string MockAcmeServer::managementUrl() const {
    return "http://" + hostForUrl(managementHost_) + ":" + std::to_string(managementPort_);
}

}  // namespace cxxacme::mock_acme
