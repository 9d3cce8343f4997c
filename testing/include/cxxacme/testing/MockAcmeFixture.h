#pragma once

#include <string>

#include "cxxacme/AcmeClient.h"
#include "cxxacme/Certificate.h"
#include "cxxacme/mock_acme/MockAcmeServer.h"

namespace cxxacme::testing {

/// mock-acme in-process, for tests of anything that speaks ACME: on free
/// loopback ports, with the CA bundle a client needs written to a
/// temporary file (removed with the fixture).
///
///     cxxacme::testing::MockAcmeFixture acme;
///     client.useDirectory(acme.directoryUrl(), acme.caBundlePath());
///     ... acme.issuingRoot() verifies what the client got.
class MockAcmeFixture {
public:
    /// The defaults of `MockAcmeConfig`, on ports picked by the kernel.
    static mock_acme::MockAcmeConfig defaultConfig();

    explicit MockAcmeFixture(mock_acme::MockAcmeConfig config = defaultConfig());
    ~MockAcmeFixture();
    MockAcmeFixture(const MockAcmeFixture&) = delete;
    MockAcmeFixture& operator=(const MockAcmeFixture&) = delete;

    std::string directoryUrl() const { return server_.directoryUrl(); }
    std::string managementUrl() const { return server_.managementUrl(); }
    /// PEM of the CA that signed the server's HTTPS certificate.
    std::string caBundlePem() const { return server_.httpsCaPem(); }
    /// The same, as a file (mode 0644), for clients that take a path.
    const std::string& caBundlePath() const noexcept { return caBundlePath_; }
    /// Client options for this server: its directory, its HTTPS CA, and
    /// polling every 50 ms (mock-acme answers at once).
    AcmeClientOptions clientOptions() const {
        AcmeClientOptions options;
        options.directoryUrl = directoryUrl();
        options.http.caBundleFile = caBundlePath_;
        options.pollInterval = std::chrono::milliseconds(50);
        return options;
    }
    /// The root that issued certificates chain to (default chain).
    const Certificate& issuingRoot() const { return server_.issuingRoot(0); }

    mock_acme::MockAcmeServer& server() noexcept { return server_; }

private:
    mock_acme::MockAcmeServer server_;
    std::string tempDir_;
    std::string caBundlePath_;
};

}  // namespace cxxacme::testing
