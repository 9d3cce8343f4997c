#include "cxxacme/mock_acme/MockAcmeServer.h"

#include <algorithm>
#include <optional>

#include <openssl/ssl.h>

#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/Error.h"
#include "cxxacme/detail/ExclusiveListen.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/detail/PocoSslScope.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/mock_acme/ChallengeValidator.h"
#include "ExchangeServer.h"

namespace cxxacme::mock_acme {

namespace {

// "POST /order-plz 201", "POST /chalZ/… 400 badNonce": the request line's
// method and path (printable), the status and a problem's type; never a
// body, so nothing secret.
void logRequest(Poco::Logger& logger, const HttpRequest& in, const HttpResponse& out) {
    if (!logger.information() || !logger.getChannel()) return;  // nobody reads it: no work on the request path
    std::string line = in.method + " " + InvalidNameError::printable(in.path.substr(0, 200)) + " " + std::to_string(out.status);
    static const std::string kTypePrefix = "\"type\":\"urn:ietf:params:acme:error:";
    if (const auto at = out.body.find(kTypePrefix); out.contentType == "application/problem+json" && at != std::string::npos)
        line += " " + out.body.substr(at + kTypePrefix.size(), out.body.find('"', at + kTypePrefix.size()) - at - kTypePrefix.size());
    logger.information(line);
}

// Management connections served at once; the ACME
// side's number is the config's maxConnections.
constexpr int kManagementConnections = 32;


// What the ACME listener (and a TLS management listener) shows a client.
struct HttpsIdentity {
    std::vector<Certificate> chain;  // leaf first
    PrivateKey key;
    std::string caPem;  // what a client must trust; empty when the files are the caller's
};

// A CA of its own and a server certificate for loopback and the listen host.
HttpsIdentity generatedIdentity(const std::string& host, const std::vector<std::string>& moreNames) {
    const PrivateKey caKey = PrivateKey::generate(KeyType::EcP256);
    const Certificate httpsCa = CertificateBuilder()
                                    .commonName("mock-acme HTTPS CA")
                                    .organization("cxxacme")
                                    .certificateAuthority(0)
                                    .validity(std::chrono::system_clock::now() - std::chrono::hours(24),
                                              std::chrono::system_clock::now() + std::chrono::hours(24 * 3650))
                                    .selfSign(caKey);
    std::vector<Identifier> names{Identifier::ip("127.0.0.1"), Identifier::ip("::1"), Identifier::dns("localhost")};
    std::vector<std::string> candidates{host};
    candidates.insert(candidates.end(), moreNames.begin(), moreNames.end());
    for (const auto& name : candidates) {
        if (!ServerName::isValid(name)) continue;  // moreNames were checked by MockAcmeConfig::validate
        const Identifier extra = Identifier::fromName(name);
        if (std::find(names.begin(), names.end(), extra) == names.end() &&
            !(extra.type == Identifier::Type::Ip && (extra.value == "0.0.0.0" || extra.value == "::")))
            names.push_back(extra);
    }
    PrivateKey serverKey = PrivateKey::generate(KeyType::EcP256);
    Certificate serverCert = CertificateBuilder()
                                 .commonName("localhost")
                                 .subjectAltNames(names)
                                 .validity(std::chrono::system_clock::now() - std::chrono::hours(24),
                                           std::chrono::system_clock::now() + std::chrono::hours(24 * 3650))
                                 .sign(serverKey.publicKey(), httpsCa, caKey);
    return HttpsIdentity{{std::move(serverCert)}, std::move(serverKey), httpsCa.toPem()};
}

// The caller's certificate chain and key (pebble's "certificate" and "privateKey").
HttpsIdentity identityFromFiles(const std::string& certificateFile, const std::string& keyFile) {
    constexpr std::size_t kMaxPemBytes = 1 << 20;
    const auto load = [](const std::string& file, const char* what, auto parse) {
        try {
            return parse(AtomicFile::read(file, kMaxPemBytes));
        } catch (const Error& e) {
            throw Error("the HTTPS " + std::string(what) + " " + InvalidNameError::printable(file, 200) + ": " + e.what());
        }
    };
    std::vector<Certificate> chain = load(certificateFile, "certificate", [](const std::string& pem) {
        auto certificates = Certificate::chainFromPem(pem);
        if (certificates.empty()) throw Error("no certificate in it");
        return certificates;
    });
    PrivateKey key = load(keyFile, "private key", [](const std::string& pem) { return PrivateKey::fromPem(pem); });
    return HttpsIdentity{std::move(chain), std::move(key), ""};
}

}  // namespace

struct MockAcmeServer::Servers {
    cxxacme::detail::PocoSslScope ssl;
    std::unique_ptr<ExchangeServer> acme;
    std::unique_ptr<ExchangeServer> management;
    std::unique_ptr<ExchangeServer> crl;
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

    const HttpsIdentity identity = config.httpsCertificateFile.empty()
                                       ? generatedIdentity(host_, config.httpsNames)
                                       : identityFromFiles(config.httpsCertificateFile, config.httpsPrivateKeyFile);
    httpsCaPem_ = identity.caPem;

    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    params.cipherList = "HIGH:!aNULL:!MD5";
    params.dhUse2048Bits = true;  // POCO's 1024-bit default is refused by OpenSSL 3, leaving an error queued
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::SERVER_USE, params);
    SSL_CTX* sslContext = context->sslContext();
    SSL_CTX_set_min_proto_version(sslContext, TLS1_2_VERSION);
    // One read(2) per record instead of two (its header, then the rest):
    // safe because ExchangeServer never polls the socket for a request
    // OpenSSL may already hold.
    SSL_CTX_set_read_ahead(sslContext, 1);
    if (SSL_CTX_use_certificate(sslContext, identity.chain.front().native()) != 1 ||
        SSL_CTX_use_PrivateKey(sslContext, identity.key.native()) != 1 || SSL_CTX_check_private_key(sslContext) != 1)
        throw Error(detail::takeOpenSslErrors("the HTTPS certificate and its key do not go together"));
    for (std::size_t i = 1; i < identity.chain.size(); ++i)
        if (SSL_CTX_add1_chain_cert(sslContext, identity.chain[i].native()) != 1)
            throw Error(detail::takeOpenSslErrors("cannot add the HTTPS certificate's chain"));

    Poco::Net::SecureServerSocket acmeSocket(context);
    detail::listenExclusively(acmeSocket, Poco::Net::SocketAddress(host_, config.listenPort), 256);
    port_ = acmeSocket.address().port();
    const Poco::Net::SocketAddress managementAddress(managementHost_, config.managementPort);
    managementTls_ = config.managementTls;
    Poco::Net::ServerSocket managementSocket =
        managementTls_ ? Poco::Net::SecureServerSocket(context) : Poco::Net::ServerSocket();
    detail::listenExclusively(managementSocket, managementAddress, 64);
    managementPort_ = managementSocket.address().port();
    std::optional<Poco::Net::ServerSocket> crlSocket;
    if (config.crl) {
        crlSocket.emplace();
        detail::listenExclusively(*crlSocket, Poco::Net::SocketAddress(config.crlHost, config.crlPort), 64);
        config.crlPort = crlSocket->address().port();  // the URL the leaves name has the port bound
    }

    if (config.dnsListen) {
        dns_ = std::make_unique<ChallengeDnsServer>(config.dnsListenHost, config.dnsListenPort);
        if (config.dnsServer.empty()) config.dnsServer = dns_->address();
    }

    const std::size_t maxBody = config.maxBodyBytes;
    const int maxConnections = config.maxConnections;
    auto validator = std::make_unique<ChallengeValidator>(config);
    engine_ = std::make_unique<MockAcmeEngine>(std::move(config), "https://" + MockAcmeConfig::joinHostPort(host_, port_),
                                               *clock, std::move(validator));
    MockAcmeEngine& engine = *engine_;
    const auto logged = [&engine](const char* loggerName, HttpResponse (MockAcmeEngine::*handle)(const HttpRequest&)) {
        Poco::Logger& logger = Poco::Logger::get(loggerName);
        return ExchangeServer::Handler([&engine, &logger, handle](const HttpRequest& in) {
            HttpResponse out = (engine.*handle)(in);
            logRequest(logger, in, out);
            return out;
        });
    };
    servers_->acme = std::make_unique<ExchangeServer>(acmeSocket, logged("cxxacme.mock_acme.requests", &MockAcmeEngine::handle),
                                                      ExchangeServer::Options{maxBody, maxConnections});
    ExchangeServer::Handler management = logged("cxxacme.mock_acme.management", &MockAcmeEngine::handleManagement);
    if (dns_) {  // pebble-challtestsrv's requests for the DNS records, beside pebble's own
        Poco::Logger& logger = Poco::Logger::get("cxxacme.mock_acme.management");
        management = [dns = dns_.get(), engineHandler = std::move(management), &logger](const HttpRequest& in) {
            if (auto out = dns->manage(in)) {
                logRequest(logger, in, *out);
                return *out;
            }
            return engineHandler(in);
        };
    }
    servers_->management = std::make_unique<ExchangeServer>(managementSocket, std::move(management),
                                                            ExchangeServer::Options{maxBody, kManagementConnections});
    if (crlSocket)
        servers_->crl = std::make_unique<ExchangeServer>(*crlSocket, logged("cxxacme.mock_acme.crl", &MockAcmeEngine::handleCrl),
                                                         ExchangeServer::Options{maxBody, kManagementConnections});
}

MockAcmeServer::~MockAcmeServer() { stop(); }

void MockAcmeServer::stop() {
    if (!servers_) return;
    servers_->acme.reset();  // each stops as it goes
    servers_->management.reset();
    servers_->crl.reset();
    dns_.reset();
}

std::string MockAcmeServer::directoryUrl() const { return engine_->directoryUrl(); }

std::string MockAcmeServer::managementUrl() const {
    return (managementTls_ ? "https://" : "http://") + MockAcmeConfig::joinHostPort(managementHost_, managementPort_);
}

}  // namespace cxxacme::mock_acme
