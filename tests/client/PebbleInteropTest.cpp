#define BOOST_TEST_MODULE pebble_interop
#include <boost/test/unit_test.hpp>

// cxxacme's client against Debian's pebble, the reference ACME server, with
// real validation. pebble-challtestsrv is pebble's DNS server and answers
// every name with 127.0.0.1; pebble validates against cxxacme's responders.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "../TestPrinting.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include "cxxacme/IDnsProvider.h"
#include "cxxacme/responders/Dns01Responder.h"
#include "../support/ChildProcess.h"
#include "../support/LoggerCapture.h"
#include "cxxacme/AcmeClient.h"
#include "cxxacme/AcmeIssuer.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/responders/Http01Responder.h"
#include "cxxacme/responders/TlsAlpn01Responder.h"

using namespace cxxacme;
using namespace std::chrono_literals;
using cxxacme::test::ChildProcess;
using cxxacme::test::freePort;
using cxxacme::test::waitForPort;
namespace fs = std::filesystem;

namespace {

// Counts the challenges it is asked to answer, and passes them on.
class CountingResponder final : public IResponder {
public:
    explicit CountingResponder(IResponder& inner) : inner_(inner) {}
    std::string challengeType() const override { return inner_.challengeType(); }
    void startResponding(const std::string& n, const Challenge& c, const std::string& k) override {
        ++starts;
        inner_.startResponding(n, c, k);
    }
    void stopResponding(const std::string& n, const Challenge& c, const std::string& k) override {
        inner_.stopResponding(n, c, k);
    }
    std::atomic<int> starts{0};

private:
    IResponder& inner_;
};

struct Pebble {
    fs::path dir;
    std::uint16_t port = freePort(), management = freePort(), dns = freePort(), challtestsrvManagement = freePort();
    responders::Http01Responder http;
    responders::TlsAlpn01Responder tls;
    std::uint16_t httpPort = http.listen("127.0.0.1", 0);
    std::uint16_t tlsPort = tls.listen("127.0.0.1", 0);
    std::unique_ptr<ChildProcess> challtestsrv, pebble;

    explicit Pebble(const std::string& env = "") {
        std::string tmpl = (fs::temp_directory_path() / "cxxacme-pebble-XXXXXX").string();
        dir = ::mkdtemp(tmpl.data());
        // pebble's HTTPS identity, made here
        const PrivateKey caKey = PrivateKey::generate(KeyType::EcP256);
        const Certificate ca = CertificateBuilder().commonName("pebble test HTTPS CA").certificateAuthority(0).selfSign(caKey);
        const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
        const Certificate cert = CertificateBuilder()
                                     .commonName("localhost")
                                     .subjectAltNames({Identifier::ip("127.0.0.1"), Identifier::dns("localhost")})
                                     .sign(key.publicKey(), ca, caKey);
        AtomicFile::write((dir / "ca.pem").string(), ca.toPem(), 0644);
        AtomicFile::write((dir / "cert.pem").string(), cert.toPem(), 0644);
        AtomicFile::write((dir / "key.pem").string(), key.toPem(), 0600);
        AtomicFile::write((dir / "pebble.json").string(),
                          R"({"pebble":{"listenAddress":"127.0.0.1:)" + std::to_string(port) +
                              R"(","managementListenAddress":"127.0.0.1:)" + std::to_string(management) +
                              R"(","certificate":")" + (dir / "cert.pem").string() + R"(","privateKey":")" +
                              (dir / "key.pem").string() + R"(","httpPort":)" + std::to_string(httpPort) +
                              R"(,"tlsPort":)" + std::to_string(tlsPort) +
                              R"(,"ocspResponderURL":"","externalAccountBindingRequired":false}})",
                          0644);
        challtestsrv = std::make_unique<ChildProcess>(
            "pebble-challtestsrv -dns01 127.0.0.1:" + std::to_string(dns) + " -management 127.0.0.1:" +
            std::to_string(challtestsrvManagement) + " -defaultIPv6 '' -http01 '' -https01 '' -tlsalpn01 '' > " + (dir / "cts.log").string() + " 2>&1");
        pebble = std::make_unique<ChildProcess>("env PEBBLE_VA_NOSLEEP=1 " + env + " pebble -config " +
                                                (dir / "pebble.json").string() + " -dnsserver 127.0.0.1:" +
                                                std::to_string(dns) + " > " + (dir / "pebble.log").string() + " 2>&1");
        // up to 30 s: pebble makes its CA's keys before it listens, slowly on a loaded machine
        BOOST_REQUIRE_MESSAGE(waitForPort(port, 30s) && waitForPort(management, 30s),
                              "pebble did not start; its log:\n" << readLog("pebble.log"));
        BOOST_REQUIRE_MESSAGE(waitForPort(challtestsrvManagement),
                              "pebble-challtestsrv did not start; its log:\n" << readLog("cts.log"));
    }
    ~Pebble() {
        pebble.reset();
        challtestsrv.reset();
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }

    std::string readLog(const std::string& name) const {
        std::ifstream in(dir / name);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    AcmeClientOptions options() const {
        AcmeClientOptions o;
        o.directoryUrl = "https://127.0.0.1:" + std::to_string(port) + "/dir";
        o.http.caBundleFile = (dir / "ca.pem").string();
        o.pollInterval = 100ms;
        o.badNonceRetries = 20;
        return o;
    }

    Certificate root() const {
        AcmeHttpClient::Options o;
        o.caBundleFile = (dir / "ca.pem").string();
        AcmeHttpClient http(o);
        return Certificate::fromPem(http.get("https://127.0.0.1:" + std::to_string(management) + "/roots/0").body);
    }
};

void checkChain(const PemBundle& bundle, const Certificate& root) {
    BOOST_CHECK_NO_THROW(bundle.certificate().verifyChain(bundle.chain(), {root}));
}

}  // namespace

// pebble-challtestsrv as a DNS host: TXT records through its management API.
class ChalltestsrvDns final : public IDnsProvider {
public:
    explicit ChalltestsrvDns(const Pebble& pebble) : pebble_(pebble) {}
    void present(const std::string& fqdn, const std::string& value) override {
        post("/set-txt", R"({"host":")" + fqdn + R"(","value":")" + value + R"("})");
    }
    void cleanup(const std::string& fqdn, const std::string&) override { post("/clear-txt", R"({"host":")" + fqdn + R"("})"); }
    std::vector<std::string> nameServers() const override { return {"127.0.0.1:" + std::to_string(pebble_.dns)}; }

private:
    void post(const std::string& path, const std::string& body) const {
        Poco::Net::HTTPClientSession session("127.0.0.1", pebble_.challtestsrvManagement);
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        session.receiveResponse(response).ignore(1 << 16);
        if (response.getStatus() != 200) throw DnsError("challtestsrv", path + " answered " + std::to_string(response.getStatus()));
    }
    const Pebble& pebble_;
};

BOOST_AUTO_TEST_CASE(dns01_wildcards_through_challtestsrv) {
    Pebble pebble;
    SystemClock clock;
    AcmeClient client(pebble.options(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
    ChalltestsrvDns dns(pebble);
    responders::Dns01ResponderOptions options;
    options.pollInterval = 100ms;
    responders::Dns01Responder responder(dns, options);
    AcmeIssuer issuer(client, {&responder});
    const PemBundle alone = issuer.issue("*.wild.example.test");
    checkChain(alone, pebble.root());
    BOOST_TEST(alone.certificate().subjectAltNames().at(0).value == "*.wild.example.test");
    const PemBundle both = issuer.issue("wild.example.test,*.wild.example.test");
    checkChain(both, pebble.root());
    BOOST_TEST(both.certificate().subjectAltNames().size() == 2u);

    // pebble offers neither pre-authorization nor RFC 9444: the client says so before sending,
    // and an issuer given ancestor domains validates each name itself
    BOOST_TEST(!client.directory().subdomainAuthAllowed);
    BOOST_CHECK_EXCEPTION(client.preAuthorize(Identifier::dns("pre.example.test")), Error, [](const Error& e) {
        return std::string(e.what()).find("does not offer pre-authorization (newAuthz)") != std::string::npos;
    });
    BOOST_CHECK_EXCEPTION(client.newOrder({Identifier::dns("a.example.test")}, "", "", {"example.test"}), Error, [](const Error& e) {
        return std::string(e.what()).find("does not offer authorizations for subdomains (RFC 9444)") != std::string::npos;
    });
    AcmeIssuerOptions below;
    below.ancestorDomains = {"example.test"};
    int answered = 0;
    below.progress = [&answered](const std::string& line) { answered += line.starts_with("answering dns-01 for ") ? 1 : 0; };
    const PemBundle each = AcmeIssuer(client, {&responder}, below).issue("a.anc.example.test,b.anc.example.test");
    checkChain(each, pebble.root());
    BOOST_TEST(answered == 2);
}

BOOST_AUTO_TEST_CASE(http01_multi_name_and_tls_alpn01) {
    Pebble pebble;
    SystemClock clock;
    // Each of pebble's validation requests is seen by the responder that
    // answers it, so no first poll waits out its limit (60 s here: only a
    // request not seen at all could reach it).
    AcmeClientOptions options = pebble.options();
    options.validationRequestWait = 60s;
    test::LoggerCapture clientLog("cxxacme.client");
    const auto waitedOut = [&clientLog] {
        return clientLog.count([](const std::string& l) { return l.find("no validation request of the CA seen") != std::string::npos; });
    };
    AcmeClient client(options, std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
    AcmeIssuer httpIssuer(client, {&pebble.http});
    const PemBundle multi = httpIssuer.issue("one.example.test,two.example.test,three.example.test");
    BOOST_TEST(multi.certificate().subjectAltNames().size() == 3u);
    checkChain(multi, pebble.root());

    AcmeIssuer tlsIssuer(client, {&pebble.tls});
    const PemBundle alpn = tlsIssuer.issue("alpn.example.test");
    checkChain(alpn, pebble.root());
    BOOST_TEST(waitedOut() == 0u);
}

BOOST_AUTO_TEST_CASE(half_the_nonces_rejected) {
    Pebble pebble("PEBBLE_WFE_NONCEREJECT=50");
    SystemClock clock;
    AcmeClient client(pebble.options(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
    AcmeIssuer issuer(client, {&pebble.http});
    checkChain(issuer.issue("nonce.example.test"), pebble.root());
}

BOOST_AUTO_TEST_CASE(authorizations_reused) {
    Pebble pebble("PEBBLE_AUTHZREUSE=100");
    SystemClock clock;
    AcmeClient client(pebble.options(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
    CountingResponder counting(pebble.http);
    AcmeIssuer issuer(client, {&counting});
    issuer.issue("reuse.example.test");
    issuer.issue("reuse.example.test");
    BOOST_TEST(counting.starts.load() == 1);  // the second order's authorization was already valid
}

BOOST_AUTO_TEST_CASE(revocation_and_key_rollover) {
    Pebble pebble;
    SystemClock clock;
    AcmeClient client(pebble.options(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
    AcmeIssuer issuer(client, {&pebble.http});
    const PemBundle bundle = issuer.issue("revoke.example.test");
    client.revoke(bundle.certificate(), 1);
    try {
        client.revoke(bundle.certificate(), 1);
        BOOST_FAIL("revoked twice");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.is("alreadyRevoked"));
    }

    const std::string account = client.accountUrl();
    auto newKey = std::make_shared<KeySigner>(PrivateKey::generate(KeyType::Rsa2048));
    client.rollKey(newKey);
    AcmeClient again(pebble.options(), newKey, clock);
    BOOST_TEST(again.findAccount().url == account);
    AcmeIssuer afterRoll(client, {&pebble.http});
    checkChain(afterRoll.issue("rolled.example.test"), pebble.root());
}
