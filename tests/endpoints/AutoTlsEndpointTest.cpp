#define BOOST_TEST_MODULE auto TLS endpoint
#include <boost/test/unit_test.hpp>

#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "../TestPrinting.h"
#include "../support/ChildProcess.h"
#include "../support/TempDir.h"
#include "TestSite.h"
#include "../support/KeptAliveConnections.h"
#include "../support/LoggerCapture.h"
#include "cxxacme/detail/OpenFileLimit.h"
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/Net/HTTPServer.h>
#include "cxxacme/KeySigner.h"
#include "cxxacme/RevocationReason.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/responders/TlsSni01Responder.h"
#include "cxxacme/testing/MemoryStore.h"
#include "cxxacme/endpoints/AutoTlsEndpoint.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/stores/SqliteStore.h"
#include "cxxacme/testing/MockAcmeFixture.h"
#include "cxxacme/testing/TestCertificateAuthority.h"
#include "cxxacme/testing/TlsProbe.h"

using namespace cxxacme;
using endpoints::AutoTlsEndpoint;
using endpoints::AutoTlsEndpointOptions;
using testing::TlsProbe;
using testing::TlsProbeOptions;
using responders::TlsSni01Responder;
namespace fs = std::filesystem;

namespace {

using endpoints::EndpointSpec;

std::string acmeString(const std::string& dir, std::uint16_t port, const std::string& directoryUrl,
                       const std::string& caBundle) {
    return "acme:" + EndpointSpec::escape(dir) + ":tcp:" + std::to_string(port) + ":interface=127.0.0.1:directory=" +
           EndpointSpec::escape(directoryUrl) + ":ca-bundle=" + EndpointSpec::escape(caBundle);
}

TlsProbeOptions probe(std::uint16_t port, const std::string& name, const Certificate& root) {
    TlsProbeOptions o;
    o.port = port;
    o.serverName = name;
    o.trustedRoots = {root};
    o.alpn = {"http/1.1"};
    return o;
}

AutoTlsEndpointOptions fastOptions() {
    AutoTlsEndpointOptions o;
    o.client.pollInterval = std::chrono::milliseconds(50);
    o.service.initialBackoff = std::chrono::seconds(1);
    return o;
}

// A site's CERTDIR and port, and mock-acme validating tls-alpn-01 there:
// the endpoint itself answers the CA.
struct SiteAndCa {
    test::TempDir dir;
    const std::uint16_t port = test::freePort();
    testing::MockAcmeFixture acme;
    const std::string certDir = (dir.path / "certs").string();

    explicit SiteAndCa(mock_acme::MockAcmeConfig config = testing::MockAcmeFixture::defaultConfig())
        : acme(validatingAt(port, std::move(config))) {}
    std::string endpoint() const { return acmeString(certDir, port, acme.directoryUrl(), acme.caBundlePath()); }

private:
    static mock_acme::MockAcmeConfig validatingAt(std::uint16_t port, mock_acme::MockAcmeConfig config) {
        config.tlsAlpn01Port = port;
        return config;
    }
};

struct Events {
    std::mutex mutex;
    std::vector<IssuingEvent> all;
    int count(IssuingEvent::Kind kind) {
        std::lock_guard lock(mutex);
        return static_cast<int>(std::count_if(all.begin(), all.end(), [&](const auto& e) { return e.kind == kind; }));
    }
    std::function<void(const IssuingEvent&)> listener() {
        return [this](const IssuingEvent& e) {
            std::lock_guard lock(mutex);
            all.push_back(e);
        };
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(empty_entries_get_certificates_through_tls_alpn_01_on_the_site_port) {
    SiteAndCa s;
    {
        stores::DirectoryStore seed(s.certDir);
        seed.store("a.example.test", PemBundle());
        seed.store("b.example.test,www.b.example.test", PemBundle());
    }
    AutoTlsEndpoint site(s.endpoint(), fastOptions());
    Events events;
    auto subscription = site.onEvent(events.listener());
    BOOST_TEST(site.port() == s.port);
    site.listen(new test::HostEchoFactory);  // returns after the start-up check

    BOOST_TEST(events.count(IssuingEvent::Kind::Issued) == 2);
    for (const std::string name : {"a.example.test", "b.example.test", "www.b.example.test"}) {
        BOOST_TEST_CONTEXT(name) {
            TlsProbe client(probe(s.port, name, s.acme.issuingRoot()));
            BOOST_REQUIRE_MESSAGE(client.ok(), client.error());
            BOOST_TEST(client.verifyError() == "");
            const auto reply = client.get("/");
            BOOST_TEST(reply.status == 200);
            BOOST_TEST(reply.body == "site " + name + "\n");
        }
    }
    // the validations came to the site's own port, as acme-tls/1 handshakes
    BOOST_TEST(site.endpoint().counters().challenges >= 3u);
    // the account key was made on first use, private
    struct stat st {};
    BOOST_REQUIRE(::stat((s.certDir + "/client.key").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    site.stop();
    BOOST_CHECK_THROW(TlsProbe(probe(s.port, "a.example.test", s.acme.issuingRoot())), NetworkError);
}

// A fleet: two servers over one CERTDIR behind a TCP load balancer that sends
// the CA's validation to B. A orders (its program asks it for a name, and
// neither had anything due); B answers A's tls-alpn-01 challenge from the
// directory's challenge board, and serves the certificate A stored.
BOOST_AUTO_TEST_CASE(two_servers_over_one_cert_directory_the_ca_reaching_only_one) {
    test::TempDir dir;
    const std::uint16_t portA = test::freePort(), portB = test::freePort();
    auto config = testing::MockAcmeFixture::defaultConfig();
    config.tlsAlpn01Port = portB;
    testing::MockAcmeFixture acme(config);
    const std::string certDir = (dir.path / "certs").string();
    auto options = fastOptions();
    options.client.validationRequestWait = std::chrono::milliseconds(200);  // A's watcher never hears the CA
    AutoTlsEndpoint b(acmeString(certDir, portB, acme.directoryUrl(), acme.caBundlePath()), options);
    b.listen(new test::HostEchoFactory);
    AutoTlsEndpoint a(acmeString(certDir, portA, acme.directoryUrl(), acme.caBundlePath()), options);
    Events events;
    auto subscription = a.onEvent(events.listener());
    a.listen(new test::HostEchoFactory);
    BOOST_REQUIRE(a.service().issueCert("fleet.example.test").wait_for(std::chrono::seconds(60)) ==
                  std::future_status::ready);  // ordered by A, validated through B
    BOOST_TEST(events.count(IssuingEvent::Kind::Issued) == 1);
    BOOST_TEST(events.count(IssuingEvent::Kind::Failed) == 0);
    BOOST_TEST(b.endpoint().counters().challenges >= 1u, "the CA's handshake did not reach B");
    BOOST_TEST(a.endpoint().counters().challenges == 0u);
    // both serve it: A stored it, B picked it up from the directory
    for (const std::uint16_t port : {portA, portB}) {
        BOOST_TEST_CONTEXT("port " << port) {
            bool served = false;
            std::string error;
            for (int i = 0; i < 300 && !served; ++i) {
                TlsProbe client(probe(port, "fleet.example.test", acme.issuingRoot()));
                served = client.ok() && client.verifyError().empty();
                error = client.ok() ? client.verifyError() : client.error();
                if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            BOOST_TEST(served, error);
        }
    }
    for (const auto& entry : fs::directory_iterator(certDir))
        BOOST_TEST(!entry.path().filename().string().starts_with(".challenge."), entry.path() << " is left behind");
    a.stop();
    b.stop();
}

BOOST_AUTO_TEST_CASE(a_sqlite_store_named_in_the_string_is_issued_into_and_served) {
    SiteAndCa s;
    const std::string file = (s.dir.path / "certs.sqlite").string();
    stores::SqliteStore seed(file);  // stays open: another process's view of the file
    seed.store("a.example.test", PemBundle());
    AutoTlsEndpoint site(s.endpoint() + ":sqlite=" +
                             EndpointSpec::escape(file),
                         fastOptions());
    BOOST_TEST((dynamic_cast<stores::SqliteStore*>(&site.store()) != nullptr));
    site.listen(new test::HostEchoFactory);

    // issued into the SQLite file, served from it; the account key is in CERTDIR
    const auto issued = seed.get("a.example.test");
    BOOST_REQUIRE(issued.has_value());
    BOOST_REQUIRE(!issued->empty());
    {
        TlsProbe client(probe(s.port, "a.example.test", s.acme.issuingRoot()));
        BOOST_REQUIRE_MESSAGE(client.ok(), client.error());
        BOOST_TEST(client.peerChain().at(0).serialHex() == issued->certificate().serialHex());
    }
    BOOST_TEST(fs::exists(s.certDir + "/client.key"));
    BOOST_TEST(!fs::exists(s.certDir + "/a.example.test.pem"));

    // a certificate another process writes into the file is served without a restart
    testing::TestCertificateAuthority other;
    const PemBundle written = other.issue("b.example.test");
    seed.store("b.example.test", written);
    std::string served;
    for (int i = 0; i < 500 && served != written.certificate().serialHex(); ++i) {  // a bounded wait for the watcher
        TlsProbeOptions o = probe(s.port, "b.example.test", other.root());
        TlsProbe client(o);
        served = client.ok() ? client.peerChain().at(0).serialHex() : "";
        if (served != written.certificate().serialHex()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    BOOST_TEST(served == written.certificate().serialHex());
}

BOOST_AUTO_TEST_CASE(many_kept_alive_browsers_do_not_starve_a_new_connection) {
    // Browsers keep several connections open per site. Each one holds a POCO
    // thread; with POCO's shared pool of 16, or the endpoint's own pool of 512
    // as it was, the next visitor -- or the CA's validation handshake -- would
    // wait until one idled out.
    constexpr int kConnections = 600;
    // both ends of every connection are in this process
    const auto tooFew = detail::raiseOpenFileLimit(2 * kConnections);
    BOOST_REQUIRE_MESSAGE(!tooFew, "too low for this test: " << tooFew.value_or(""));
    test::TempDir dir;
    testing::MockAcmeFixture acme;
    testing::TestCertificateAuthority ca;
    const std::string certDir = (dir.path / "certs").string();
    stores::DirectoryStore(certDir).store("a.example.test", ca.issue("a.example.test"));
    AutoTlsEndpoint site(acmeString(certDir, 0, acme.directoryUrl(), acme.caBundlePath()) + ":default-name=a.example.test",
                         fastOptions());
    site.listen(new test::HostEchoFactory);
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // the point here is connections, not trust
    params.loadDefaultCAs = false;
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::CLIENT_USE, params);
    const auto kept = test::KeptAliveConnections::open(
        kConnections,
        [&] {
            auto session = std::make_unique<Poco::Net::HTTPSClientSession>("127.0.0.1", site.port(), context);
            session->setKeepAlive(true);
            session->setTimeout(Poco::Timespan(20, 0));  // bounds a starved request (it would wait for ever)
            return session;
        },
        [](Poco::Net::HTTPClientSession& session) {
            Poco::Net::HTTPRequest request("GET", "/", Poco::Net::HTTPMessage::HTTP_1_1);
            request.setHost("a.example.test");
            request.setKeepAlive(true);
            session.sendRequest(request);
            Poco::Net::HTTPResponse response;
            std::string body;
            Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
            return response.getStatus() == 200 && body == "site a.example.test\n";
        });
    BOOST_TEST(kept.served == kConnections, kept.error);
    BOOST_TEST(kept.pings >= kept.served);
    BOOST_TEST(kept.pingFailures == 0);
}

BOOST_AUTO_TEST_CASE(an_open_file_limit_below_its_connections_is_logged_not_changed) {
    // A library leaves the process's limits to the program, and says when the
    // soft limit would refuse connections the endpoint means to serve.
    rlimit saved{};
    BOOST_REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    BOOST_REQUIRE_MESSAGE(saved.rlim_max == RLIM_INFINITY || saved.rlim_max >= 512, "a hard open-file limit below 512");
    struct Restore {
        rlimit limit;
        ~Restore() { setrlimit(RLIMIT_NOFILE, &limit); }
    } restore{saved};
    rlimit low = saved;
    low.rlim_cur = 512;
    BOOST_REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);

    test::TempDir dir;
    testing::MockAcmeFixture acme;
    testing::TestCertificateAuthority ca;
    const std::string certDir = (dir.path / "certs").string();
    stores::DirectoryStore(certDir).store("a.example.test", ca.issue("a.example.test"));
    const std::string endpoint = acmeString(certDir, 0, acme.directoryUrl(), acme.caBundlePath());
    const auto limitLines = [](test::LoggerCapture& log) {
        return log.count([](const std::string& line) { return line.find("open-file limit") != std::string::npos; });
    };
    {
        test::LoggerCapture log("cxxacme.endpoint.auto");
        AutoTlsEndpoint site(endpoint, fastOptions());  // 4096 connections by default
        site.listen(new test::HostEchoFactory);
        BOOST_TEST(log.count([](const std::string& line) {
            return line.starts_with("the open-file limit (512) is below the 4096 connections");
        }) == 1u, (log.lines().empty() ? std::string() : log.lines().back()));
        rlimit now{};
        BOOST_REQUIRE(getrlimit(RLIMIT_NOFILE, &now) == 0);
        BOOST_TEST(now.rlim_cur == 512u);
    }
    {
        test::LoggerCapture log("cxxacme.endpoint.auto");
        auto options = fastOptions();
        options.maxConnections = 300;  // fits, but without room for anything else
        AutoTlsEndpoint site(endpoint, options);
        site.listen(new test::HostEchoFactory);
        BOOST_TEST(log.count([](const std::string& line) {
            return line.starts_with("the open-file limit (512) leaves fewer than 256 spare beside the 300 connections");
        }) == 1u);
    }
    {
        test::LoggerCapture log("cxxacme.endpoint.auto");
        auto options = fastOptions();
        options.maxConnections = 200;  // fits, with room
        AutoTlsEndpoint site(endpoint, options);
        site.listen(new test::HostEchoFactory);
        BOOST_TEST(limitLines(log) == 0u);
        BOOST_TEST(log.count([](const std::string& line) { return line.starts_with("listening on port"); }) == 1u);
    }
}

BOOST_AUTO_TEST_CASE(a_renewal_swaps_the_served_certificate_while_open_connections_continue) {
    auto config = testing::MockAcmeFixture::defaultConfig();
    // notBefore is a minute back, so 90 s certificates are due for renewal at once: every check renews
    config.profiles["short"] = {"90-second certificates", std::chrono::seconds(90)};
    SiteAndCa s(config);
    stores::DirectoryStore(s.certDir).store("a.example.test", PemBundle());
    auto options = fastOptions();
    options.issuer.profile = "short";
    options.service.checkInterval = std::chrono::seconds(1);
    AutoTlsEndpoint site(s.endpoint(), options);
    Events events;
    auto subscription = site.onEvent(events.listener());
    site.listen(new test::HostEchoFactory);

    TlsProbe open(probe(s.port, "a.example.test", s.acme.issuingRoot()));
    BOOST_REQUIRE_MESSAGE(open.ok(), open.error());
    const std::string first = open.peerChain().at(0).serialHex();
    BOOST_TEST(open.get("/").status == 200);

    std::string served = first;
    for (int i = 0; i < 600 && served == first; ++i) {  // a bounded wait for the renewal, not a timing check
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        // the open connection is used all along (an idle one would meet the server's keep-alive timeout)
        BOOST_REQUIRE(open.get("/during").status == 200);
        TlsProbe fresh(probe(s.port, "a.example.test", s.acme.issuingRoot()));
        if (fresh.ok()) served = fresh.peerChain().at(0).serialHex();
    }
    BOOST_TEST(served != first);
    BOOST_TEST(events.count(IssuingEvent::Kind::Renewed) >= 1);
    TlsProbe fresh(probe(s.port, "a.example.test", s.acme.issuingRoot()));
    BOOST_REQUIRE(fresh.ok());
    BOOST_TEST(fresh.verifyError() == "");
    // the connection from before the renewal is still served
    const auto reply = open.get("/still-here");
    BOOST_TEST(reply.status == 200);
    BOOST_TEST(open.peerChain().at(0).serialHex() == first);
}

// A key that got out: the program asks its endpoint's service to revoke the
// certificate; mock-acme revokes it with that reason, and the replacement is
// ordered at once and served to the next handshake.
BOOST_AUTO_TEST_CASE(a_revoked_certificate_is_replaced_and_the_replacement_served) {
    SiteAndCa s;
    stores::DirectoryStore(s.certDir).store("a.example.test", PemBundle());
    AutoTlsEndpoint site(s.endpoint(), fastOptions());
    Events events;
    auto subscription = site.onEvent(events.listener());
    site.listen(new test::HostEchoFactory);
    const auto status = [&](const std::string& serial) {
        return s.acme.server().engine().handleManagement({"GET", "/cert-status-by-serial/" + serial, "", "", "", "", ""}).body;
    };

    TlsProbe first(probe(s.port, "a.example.test", s.acme.issuingRoot()));
    BOOST_REQUIRE_MESSAGE(first.ok(), first.error());
    const std::string revoked = first.peerChain().at(0).serialHex();
    BOOST_TEST(status(revoked).find(R"("Status":"Valid")") != std::string::npos);
    // what the CA says of its renewal window, on the store for the fleet: weeks away
    BOOST_TEST((site.service().renewalDue(*site.store().get("a.example.test"), "a.example.test") > SystemClock().now()));
    BOOST_REQUIRE(fs::exists(fs::path(s.certDir) / ".renewalinfo" / "a.example.test"));

    const PemBundle replacement =
        site.service().revokeCert("a.example.test", RevocationReason::kKeyCompromise).get();
    const std::string revokedStatus = status(revoked);
    BOOST_TEST(revokedStatus.find(R"("Status":"Revoked")") != std::string::npos, revokedStatus);
    BOOST_TEST(revokedStatus.find(R"("Reason":1)") != std::string::npos, revokedStatus);
    BOOST_TEST(replacement.certificate().serialHex() != revoked);
    BOOST_TEST(status(replacement.certificate().serialHex()).find(R"("Status":"Valid")") != std::string::npos);
    BOOST_TEST(!fs::exists(fs::path(s.certDir) / ".renewalinfo" / "a.example.test"));
    BOOST_TEST(events.count(IssuingEvent::Kind::Revoked) == 1);
    TlsProbe next(probe(s.port, "a.example.test", s.acme.issuingRoot()));
    BOOST_REQUIRE_MESSAGE(next.ok(), next.error());
    BOOST_TEST(next.verifyError() == "");
    BOOST_TEST(next.peerChain().at(0).serialHex() == replacement.certificate().serialHex());
}

// On-demand TLS over real handshakes: the first client naming a name the allow function
// takes waits while the endpoint has it issued (tls-alpn-01 on this same port, while that
// handshake holds its connection), and is served it; handshakes at once for one new name
// share one order; a name the function refuses, or a stranger's, costs the CA nothing.
BOOST_AUTO_TEST_CASE(on_demand_a_new_name_is_issued_while_its_first_handshake_waits) {
    SiteAndCa s;
    stores::DirectoryStore(s.certDir).store("listed.example.test", PemBundle());
    auto options = fastOptions();
    std::mutex askedMutex;
    std::vector<std::string> asked;
    options.onDemand.allow = [&](const std::string& name) {
        std::lock_guard lock(askedMutex);
        asked.push_back(name);
        return name.ends_with(".customers.example.test");
    };
    AutoTlsEndpoint site(s.endpoint(), options);
    Events events;
    auto subscription = site.onEvent(events.listener());
    test::LoggerCapture requests("cxxacme.mock_acme.requests");
    site.listen(new test::HostEchoFactory);
    const auto orders = [&] {
        return requests.count([](const std::string& line) { return line == "POST /order-plz 201"; });
    };
    BOOST_REQUIRE(orders() == 1u);  // the listed entry, at start

    // a listed name is served as ever, the allow function not asked
    TlsProbe listed(probe(s.port, "listed.example.test", s.acme.issuingRoot()));
    BOOST_REQUIRE_MESSAGE(listed.ok(), listed.error());
    std::vector<std::thread> clients;
    std::vector<std::string> errors(3);
    std::vector<std::string> bodies(3);
    for (std::size_t i = 0; i < 3; ++i)
        clients.emplace_back([&, i] {
            try {
                auto waiting = probe(s.port, "Shop.Customers.Example.TEST", s.acme.issuingRoot());
                waiting.timeout = std::chrono::seconds(60);  // the handshake waits for an issuance: ample on a loaded machine
                TlsProbe client(waiting);
                if (!client.ok()) errors[i] = client.error();
                else if (!client.verifyError().empty()) errors[i] = client.verifyError();
                else bodies[i] = client.get("/").body;
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        });
    for (auto& t : clients) t.join();
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(errors[i] == "");
        BOOST_TEST(bodies[i] == "site Shop.Customers.Example.TEST\n");  // the Host header, as sent
    }
    BOOST_TEST(orders() == 2u);
    const auto stored = site.store().get("shop.customers.example.test");
    BOOST_REQUIRE(stored.has_value());
    BOOST_REQUIRE(!stored->empty());
    BOOST_TEST(events.count(IssuingEvent::Kind::Issued) == 2);
    BOOST_TEST(site.onDemand()->counters().issued >= 1u);
    BOOST_TEST(site.endpoint().counters().challenges >= 2u);  // the CA's handshakes, on this port

    // served from the store from now on: no order, not asked again
    const std::size_t askedBefore = [&] {
        std::lock_guard lock(askedMutex);
        return asked.size();
    }();
    TlsProbe again(probe(s.port, "shop.customers.example.test", s.acme.issuingRoot()));
    BOOST_REQUIRE_MESSAGE(again.ok(), again.error());
    BOOST_TEST(again.peerChain().at(0).serialHex() == stored->certificate().serialHex());
    {
        std::lock_guard lock(askedMutex);
        BOOST_TEST(asked.size() == askedBefore);
        BOOST_TEST(std::count(asked.begin(), asked.end(), "listed.example.test") == 0);
    }

    // refused names: the handshake fails, nothing is ordered or stored
    for (const std::string name : {"stranger.example.test", "10.0.0.1"}) {
        BOOST_TEST_CONTEXT(name) {
            TlsProbe stranger(probe(s.port, name, s.acme.issuingRoot()));
            BOOST_TEST(!stranger.ok());
            BOOST_TEST(!site.store().get(name).has_value());
        }
    }
    BOOST_TEST(orders() == 2u);
    BOOST_TEST(site.onDemand()->counters().notAllowed == 2u);
    {
        std::lock_guard lock(askedMutex);
        BOOST_TEST(asked.back() == "stranger.example.test");  // an address is not even asked about
    }
}

BOOST_AUTO_TEST_CASE(an_unreachable_ca_still_serves_the_certificates_there_are) {
    test::TempDir dir;
    testing::TestCertificateAuthority ca;
    const std::string certDir = (dir.path / "certs").string();
    const PemBundle existing = ca.issue("a.example.test");
    {
        stores::DirectoryStore seed(certDir);
        seed.store("a.example.test", existing);
        seed.store("b.example.test", PemBundle());
    }
    const std::uint16_t port = test::freePort();
    const std::uint16_t nobody = test::freePort();  // nothing listens there
    AutoTlsEndpoint site("acme:" + EndpointSpec::escape(certDir) + ":tcp:" + std::to_string(port) +
                             ":interface=127.0.0.1:directory=https\\://127.0.0.1\\:" + std::to_string(nobody) + "/dir",
                         fastOptions());
    Events events;
    auto subscription = site.onEvent(events.listener());
    site.listen(new test::HostEchoFactory);
    BOOST_TEST(events.count(IssuingEvent::Kind::Panic) + events.count(IssuingEvent::Kind::Failed) >= 1);

    TlsProbe a(probe(port, "a.example.test", ca.root()));
    BOOST_REQUIRE_MESSAGE(a.ok(), a.error());
    BOOST_TEST(a.peerChain().at(0) == existing.certificate());
    BOOST_TEST(a.verifyError() == "");
    TlsProbe b(probe(port, "b.example.test", ca.root()));
    BOOST_TEST(!b.ok());  // nothing to serve yet; the service keeps retrying
}

// listen(function): every request answered by one function; what it throws is logged and
// answered 500, and the site goes on serving
BOOST_AUTO_TEST_CASE(a_function_serves_every_request_and_its_exceptions_become_500) {
    test::TempDir dir;
    testing::TestCertificateAuthority ca;
    const std::string certDir = (dir.path / "certs").string();
    {
        stores::DirectoryStore seed(certDir);
        seed.store("a.example.test", ca.issue("a.example.test"));  // valid, not due: the CA is never asked
    }
    const std::uint16_t port = test::freePort();
    const std::uint16_t nobody = test::freePort();
    AutoTlsEndpoint site("acme:" + EndpointSpec::escape(certDir) + ":tcp:" + std::to_string(port) +
                             ":interface=127.0.0.1:directory=https\\://127.0.0.1\\:" + std::to_string(nobody) + "/dir",
                         fastOptions());
    BOOST_CHECK_THROW(site.listen(AutoTlsEndpoint::RequestFunction()), Error);
    std::atomic<int> calls{0};
    test::LoggerCapture log("cxxacme.endpoint.auto");
    site.listen([&calls](Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
        ++calls;
        if (request.getURI() == "/boom") throw std::runtime_error("boom at " + request.getURI());
        const std::string body = "fn " + request.getURI() + " for " + request.getHost();
        response.sendBuffer(body.data(), body.size());  // with its length: the connection stays open
    });
    {
        TlsProbe client(probe(port, "a.example.test", ca.root()));
        BOOST_REQUIRE_MESSAGE(client.ok(), client.error());
        const auto reply = client.get("/x");
        BOOST_TEST(reply.status == 200);
        BOOST_TEST(reply.body == "fn /x for a.example.test");
        const auto again = client.get("/y");  // the same kept-alive connection
        BOOST_TEST(again.body == "fn /y for a.example.test");
    }
    {
        TlsProbe client(probe(port, "a.example.test", ca.root()));
        BOOST_REQUIRE_MESSAGE(client.ok(), client.error());
        const auto failed = client.get("/boom");
        BOOST_TEST(failed.status == 500);
        BOOST_TEST(failed.body.empty());
    }
    BOOST_TEST(log.count([](const std::string& line) { return line == "request handler failed: boom at /boom"; }) == 1u);
    TlsProbe after(probe(port, "a.example.test", ca.root()));
    BOOST_REQUIRE_MESSAGE(after.ok(), after.error());
    BOOST_TEST(after.get("/z").body == "fn /z for a.example.test");
    BOOST_TEST(calls.load() == 4);
}

BOOST_AUTO_TEST_CASE(a_bad_endpoint_string_is_refused_before_anything_happens) {
    test::TempDir dir;
    const std::string certDir = (dir.path / "never").string();
    BOOST_CHECK_THROW(AutoTlsEndpoint("acme:" + certDir + ":tcp:443"), endpoints::EndpointStringError);
    BOOST_TEST(!std::filesystem::exists(certDir));
}

BOOST_AUTO_TEST_CASE(tls_sni_01_end_to_end_against_mock_acme) {
    // the opt-in legacy challenge: mock-acme offers it, the issuer has only
    // the tls-sni-01 responder, and the endpoint answers it on its port
    testing::MemoryStore store;
    responders::TlsSni01Responder sni01;
    endpoints::SniEndpointOptions endpointOptions;
    endpointOptions.interface = "127.0.0.1";
    endpointOptions.tlsSni01 = &sni01;
    endpoints::SniEndpoint endpoint(store, endpointOptions);
    Poco::Net::HTTPServer server(new test::HostEchoFactory, endpoint.socket(), new Poco::Net::HTTPServerParams);
    server.start();

    auto config = testing::MockAcmeFixture::defaultConfig();
    config.tlsAlpn01Port = endpoint.port();
    config.enableTlsSni01 = true;
    testing::MockAcmeFixture acme(config);
    SystemClock clock;
    AcmeClient client(acme.clientOptions(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
    AcmeIssuer issuer(client, {&sni01});
    const PemBundle bundle = issuer.issue("sni.example.test");
    BOOST_CHECK_NO_THROW(bundle.certificate().verifyChain(bundle.chain(), {acme.issuingRoot()}));
    BOOST_TEST(endpoint.counters().challenges >= 1u);

    store.store("sni.example.test", bundle);
    endpoint.refresh("sni.example.test");
    TlsProbe site(probe(endpoint.port(), "sni.example.test", acme.issuingRoot()));
    BOOST_REQUIRE(site.ok());
    BOOST_TEST(site.verifyError() == "");
    server.stopAll(true);
}
