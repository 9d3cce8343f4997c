#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cxxacme/Certificate.h"
#include "cxxacme/IClock.h"
#include "cxxacme/mock_acme/ChallengeDnsServer.h"
#include "cxxacme/mock_acme/MockAcmeConfig.h"
#include "cxxacme/mock_acme/MockAcmeEngine.h"

namespace cxxacme::mock_acme {

/// mock-acme, serving: the engine behind HTTPS, the pebble-style
/// management interface over plain HTTP (or HTTPS), and with
/// `MockAcmeConfig::crl` the CRL over plain HTTP.
///
/// The constructor binds both sockets (port 0 picks a free one) and starts
/// serving before it returns; the destructor stops. The HTTPS certificate
/// carries IP:127.0.0.1, IP:::1 and DNS:localhost and is signed by a CA of
/// its own (`httpsCaPem()`), separate from the issuing CA.
class MockAcmeServer {
public:
    /// `clock` (default: a `SystemClock` owned by the server) must outlive
    /// the server; the server's time and its validation delays run on it.
    explicit MockAcmeServer(MockAcmeConfig config, IClock* clock = nullptr);
    ~MockAcmeServer();
    MockAcmeServer(const MockAcmeServer&) = delete;
    MockAcmeServer& operator=(const MockAcmeServer&) = delete;

    /// Stops both listeners; idempotent.
    void stop();

    std::string directoryUrl() const;
    /// "http://HOST:PORT" of the management interface ("https://" with
    /// `MockAcmeConfig::managementTls`).
    std::string managementUrl() const;
    std::uint16_t port() const noexcept { return port_; }
    std::uint16_t managementPort() const noexcept { return managementPort_; }
    /// With `MockAcmeConfig::crl`: the URL of the issuing CA's CRL, which
    /// every leaf names (served over plain HTTP); empty otherwise.
    std::string crlUrl() const { return engine_->crlUrl(); }

    /// The CA that signed the server's HTTPS certificate, as PEM: what a
    /// client must trust to talk to this server. Empty when the certificate
    /// came from `MockAcmeConfig::httpsCertificateFile`: its CA is the caller's.
    std::string httpsCaPem() const { return httpsCaPem_; }
    /// The issuing root of chain `i` (0: the default chain).
    const Certificate& issuingRoot(std::size_t i = 0) const { return engine_->ca().root(i); }

    MockAcmeEngine& engine() noexcept { return *engine_; }
    /// With `MockAcmeConfig::dnsListen`: the DNS server it runs (its records
    /// are also set through the management interface); nullptr otherwise.
    ChallengeDnsServer* dns() const noexcept { return dns_.get(); }

private:
    struct Servers;

    std::unique_ptr<IClock> ownClock_;
    std::unique_ptr<ChallengeDnsServer> dns_;
    std::string httpsCaPem_;
    std::unique_ptr<MockAcmeEngine> engine_;
    std::unique_ptr<Servers> servers_;
    std::string host_;
    std::string managementHost_;
    std::uint16_t port_ = 0;
    std::uint16_t managementPort_ = 0;
    bool managementTls_ = false;
};

}  // namespace cxxacme::mock_acme
