#define BOOST_TEST_MODULE SNI endpoint
#include <boost/test/unit_test.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <mutex>
#include <thread>

#include <Poco/Net/HTTPServer.h>

#include "../TestPrinting.h"
#include "../support/TempDir.h"
#include "TestSite.h"
#include "cxxacme/Challenge.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/endpoints/SniEndpoint.h"
#include "cxxacme/responders/TlsAlpn01Responder.h"
#include "cxxacme/responders/TlsSni01Responder.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/stores/SqliteStore.h"
#include "cxxacme/testing/MemoryStore.h"
#include "cxxacme/testing/TestCertificateAuthority.h"
#include "cxxacme/testing/TlsProbe.h"

using namespace cxxacme;
using endpoints::SniEndpoint;
using endpoints::SniEndpointOptions;
using testing::TlsProbe;
using testing::TlsProbeOptions;

namespace {

// An endpoint over a store, served by a POCO HTTPServer, on a free loopback port.
struct Site {
    SniEndpoint endpoint;
    Poco::Net::HTTPServer server;
    Site(ICertificateStore& store, SniEndpointOptions options)
        : endpoint(store, withLoopback(std::move(options))),
          server(new test::HostEchoFactory, endpoint.socket(), new Poco::Net::HTTPServerParams) {
        server.start();
    }
    ~Site() { server.stopAll(true); }
    static SniEndpointOptions withLoopback(SniEndpointOptions o) {
        o.interface = "127.0.0.1";
        return o;
    }
    TlsProbeOptions probe(const std::string& sni, const std::vector<Certificate>& roots = {}) const {
        TlsProbeOptions o;
        o.port = endpoint.port();
        o.serverName = sni;
        o.trustedRoots = roots;
        o.alpn = {"h2", "http/1.1"};
        return o;
    }
};

std::string servedSerial(const Site& site, const std::string& sni) {
    TlsProbe probe(site.probe(sni));
    if (!probe.ok()) return "refused: " + probe.error();
    return probe.peerChain().at(0).serialHex();
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_name_gets_its_own_certificate_over_real_tls) {
    testing::TestCertificateAuthority ca;
    testing::MemoryStore store;
    const PemBundle a = ca.issue("a.example.test");
    const PemBundle b = ca.issue("b.example.test,www.b.example.test");
    const PemBundle wild = ca.issue("*.wild.example.test");
    store.store("a.example.test", a);
    store.store("b.example.test,www.b.example.test", b);
    store.store("*.wild.example.test", wild);
    store.store("empty.example.test", PemBundle());
    Site site(store, {});
    BOOST_TEST(site.endpoint.certificates().size() == 3u);

    struct Expect {
        std::string sni;
        const PemBundle* bundle;
    };
    for (const Expect& e : {Expect{"a.example.test", &a}, Expect{"B.Example.Test", &b}, Expect{"www.b.example.test", &b},
                            Expect{"x.wild.example.test", &wild}, Expect{"a.example.test.", &a}}) {
        BOOST_TEST_CONTEXT(e.sni) {
            TlsProbe probe(site.probe(e.sni, {ca.root()}));
            BOOST_REQUIRE_MESSAGE(probe.ok(), probe.error());
            const auto chain = probe.peerChain();
            BOOST_TEST(chain.at(0) == e.bundle->certificate());
            BOOST_TEST(chain.size() == 1 + e.bundle->chain().size());  // leaf + intermediate sent
            if (!e.sni.ends_with(".")) BOOST_TEST(probe.verifyError() == "");
            BOOST_TEST(probe.alpn() == "http/1.1");
            BOOST_TEST(probe.version() == "TLSv1.3");
            const auto reply = probe.get("/");
            BOOST_TEST(reply.status == 200);
            BOOST_TEST(reply.body.starts_with("site "));
        }
    }
    // not a wildcard two levels down, not the bare domain, no unknown names, no empty entries
    for (const std::string sni : {"a.b.wild.example.test", "wild.example.test", "c.example.test", "empty.example.test"}) {
        BOOST_TEST_CONTEXT(sni) {
            TlsProbe probe(site.probe(sni));
            BOOST_TEST(!probe.ok());
            BOOST_TEST(probe.error().find("unrecognized name") != std::string::npos, probe.error());
        }
    }
    BOOST_TEST(site.endpoint.counters().served >= 5u);
    BOOST_TEST(site.endpoint.counters().refused >= 4u);
}

// POCO's TLS set-up left "dh key too small" on the thread's OpenSSL error queue (its
// 1024-bit DH default), where the next failure's message in that thread picked it up.
// A second endpoint on the port is refused (POCO's own bind would share it, SO_REUSEPORT).
BOOST_AUTO_TEST_CASE(a_second_endpoint_on_the_port_is_refused) {
    testing::MemoryStore store;
    Site site(store, {});
    SniEndpointOptions same;
    same.interface = "127.0.0.1";
    same.port = site.endpoint.port();
    BOOST_CHECK_EXCEPTION(SniEndpoint(store, same), ListenError, [&](const ListenError& e) {
        return e.addressInUse() && e.url() == "127.0.0.1:" + std::to_string(site.endpoint.port());
    });
}

BOOST_AUTO_TEST_CASE(setting_up_leaves_no_openssl_error_queued) {
    testing::MemoryStore store;
    ERR_clear_error();
    SniEndpointOptions options;
    options.interface = "127.0.0.1";
    SniEndpoint endpoint(store, options);
    BOOST_TEST(ERR_peek_error() == 0ul);
}

BOOST_AUTO_TEST_CASE(clients_without_sni_fail_or_get_the_default) {
    testing::TestCertificateAuthority ca;
    testing::MemoryStore store;
    const PemBundle a = ca.issue("a.example.test");
    store.store("a.example.test", a);
    {
        Site strict(store, {});
        TlsProbe probe(strict.probe(""));
        BOOST_TEST(!probe.ok());
        BOOST_TEST(probe.error().find("handshake failure") != std::string::npos, probe.error());
    }
    SniEndpointOptions options;
    options.defaultName = "a.example.test";
    Site lenient(store, options);
    TlsProbe probe(lenient.probe(""));
    BOOST_REQUIRE_MESSAGE(probe.ok(), probe.error());
    BOOST_TEST(probe.peerChain().at(0) == a.certificate());
    BOOST_TEST(lenient.endpoint.counters().defaulted == 1u);
}

BOOST_AUTO_TEST_CASE(tls_below_1_2_is_refused_and_1_2_works) {
    testing::TestCertificateAuthority ca;
    testing::MemoryStore store;
    store.store("a.example.test", ca.issue("a.example.test"));
    Site site(store, {});
    auto old = site.probe("a.example.test");
    old.maxTlsVersion = TLS1_1_VERSION;
    TlsProbe refused(old);
    BOOST_TEST(!refused.ok());
    auto twelve = site.probe("a.example.test", {ca.root()});
    twelve.maxTlsVersion = TLS1_2_VERSION;
    TlsProbe ok(twelve);
    BOOST_REQUIRE_MESSAGE(ok.ok(), ok.error());
    BOOST_TEST(ok.version() == "TLSv1.2");
    BOOST_TEST(ok.verifyError() == "");
}

BOOST_AUTO_TEST_CASE(tls_alpn_01_is_answered_on_the_same_port) {
    testing::TestCertificateAuthority ca;
    testing::MemoryStore store;
    const PemBundle site1 = ca.issue("a.example.test");
    store.store("a.example.test", site1);
    responders::TlsAlpn01Responder alpn;
    SniEndpointOptions options;
    options.tlsAlpn01 = &alpn;
    Site site(store, options);

    auto validator = site.probe("a.example.test");
    validator.alpn = {KeyAuthorization::kAcmeTlsAlpnProtocol};
    {
        TlsProbe before(validator);  // no challenge yet: refused, the site certificate is not shown
        BOOST_TEST(!before.ok());
    }
    const Challenge challenge = Challenge{"tls-alpn-01", "https://ca/chal/1", "tok", "pending"};
    const std::string keyAuthorization = "tok.thumbprint";
    alpn.startResponding("a.example.test", challenge, keyAuthorization);
    {
        TlsProbe during(validator);
        BOOST_REQUIRE_MESSAGE(during.ok(), during.error());
        BOOST_TEST(during.alpn() == "acme-tls/1");
        const auto cert = during.peerChain().at(0);
        BOOST_TEST(!(cert == site1.certificate()));
        const auto ext = cert.extension(KeyAuthorization::kAcmeIdentifierOid);
        BOOST_REQUIRE(ext.has_value());
        BOOST_TEST(ext->critical);
        BOOST_TEST(ext->value == KeyAuthorization::acmeIdentifierExtensionValue(keyAuthorization));
        // normal traffic on the same port, at the same time, still gets the site
        TlsProbe normal(site.probe("a.example.test", {ca.root()}));
        BOOST_REQUIRE(normal.ok());
        BOOST_TEST(normal.peerChain().at(0) == site1.certificate());
        BOOST_TEST(normal.alpn() == "http/1.1");
    }
    alpn.stopResponding("a.example.test", challenge, keyAuthorization);
    TlsProbe after(validator);
    BOOST_TEST(!after.ok());
    BOOST_TEST(site.endpoint.counters().challenges == 1u);
}

BOOST_AUTO_TEST_CASE(tls_sni_01_is_answered_when_enabled) {
    testing::MemoryStore store;
    responders::TlsSni01Responder sni01;
    const Challenge challenge = Challenge{"tls-sni-01", "https://ca/chal/2", "t2", "pending"};
    const std::string keyAuthorization = "t2.thumbprint";
    const std::string zName = KeyAuthorization::tlsSni01Name(keyAuthorization);
    BOOST_TEST(zName.size() == 65u + 13u);
    BOOST_TEST(zName.ends_with(".acme.invalid"));
    sni01.startResponding("a.example.test", challenge, keyAuthorization);
    {
        Site disabled(store, {});
        TlsProbe probe(disabled.probe(zName));
        BOOST_TEST(!probe.ok());
    }
    SniEndpointOptions options;
    options.tlsSni01 = &sni01;
    Site site(store, options);
    TlsProbe probe(site.probe(zName));
    BOOST_REQUIRE_MESSAGE(probe.ok(), probe.error());
    const auto sans = probe.peerChain().at(0).subjectAltNames();
    BOOST_REQUIRE(sans.size() == 1u);
    BOOST_TEST(sans[0].value == zName);
    sni01.stopResponding("a.example.test", challenge, keyAuthorization);
    TlsProbe gone(site.probe(zName));
    BOOST_TEST(!gone.ok());
}

BOOST_AUTO_TEST_CASE(a_refresh_swaps_the_certificate_while_open_connections_continue) {
    testing::TestCertificateAuthority ca;
    testing::MemoryStore store;
    const PemBundle first = ca.issue("a.example.test");
    store.store("a.example.test", first);
    Site site(store, {});
    TlsProbe open(site.probe("a.example.test", {ca.root()}));
    BOOST_REQUIRE(open.ok());
    BOOST_TEST(open.get("/").status == 200);

    const PemBundle second = ca.issue("a.example.test");
    store.store("a.example.test", second);
    BOOST_TEST(servedSerial(site, "a.example.test") == first.certificate().serialHex());  // MemoryStore does not notify
    site.endpoint.refresh("a.example.test");
    BOOST_TEST(servedSerial(site, "a.example.test") == second.certificate().serialHex());
    // the connection opened before the swap still works, with its old certificate
    BOOST_TEST(open.get("/again").status == 200);
    BOOST_TEST(open.peerChain().at(0) == first.certificate());
    // a broken entry keeps the last good certificate served
    store.store("b.example.test", ca.issue("b.example.test"));
    site.endpoint.refresh();
    BOOST_TEST(site.endpoint.certificates().size() == 2u);
}

// onUnknownName (on-demand issuance's hook): when it says the store has a
// certificate now, the handshake is served from the entry that holds it, its
// own or one of several names, without waiting for the store's notice (a
// MemoryStore gives none).
BOOST_AUTO_TEST_CASE(a_name_the_unknown_name_hook_stores_is_served_from_its_entry) {
    testing::TestCertificateAuthority ca;
    testing::MemoryStore store;
    const PemBundle own = ca.issue("own.example.test");
    const PemBundle multi = ca.issue("multi.example.test,www.multi.example.test");
    std::mutex mutex;  // the hook runs on the handshake's thread
    std::vector<std::string> asked;
    SniEndpointOptions options;
    options.onUnknownName = [&](const std::string& name) {
        std::lock_guard lock(mutex);
        asked.push_back(name);
        if (name == "own.example.test") store.store(name, own);
        if (name == "www.multi.example.test") store.store("multi.example.test,www.multi.example.test", multi);
        return name != "no.example.test";  // "yes" for nothing.example.test, with nothing stored
    };
    Site site(store, std::move(options));
    BOOST_TEST(site.endpoint.certificates().size() == 0u);
    BOOST_TEST(servedSerial(site, "own.example.test") == own.certificate().serialHex());
    BOOST_TEST(servedSerial(site, "WWW.multi.example.test") == multi.certificate().serialHex());
    BOOST_TEST(servedSerial(site, "no.example.test").starts_with("refused"));
    BOOST_TEST(servedSerial(site, "nothing.example.test").starts_with("refused"));
    // served from the map now, the entry's other name too: the hook is not asked again
    BOOST_TEST(servedSerial(site, "www.multi.example.test") == multi.certificate().serialHex());
    BOOST_TEST(servedSerial(site, "multi.example.test") == multi.certificate().serialHex());
    BOOST_TEST(servedSerial(site, "own.example.test") == own.certificate().serialHex());
    std::lock_guard lock(mutex);
    BOOST_TEST((asked == std::vector<std::string>{"own.example.test", "www.multi.example.test", "no.example.test",
                                                  "nothing.example.test"}));
    BOOST_TEST(site.endpoint.certificates().size() == 2u);
    BOOST_TEST(site.endpoint.counters().refused == 2u);
}

namespace {

// A store that notifies (IChangeNotifier): what another writer stores is
// served without a refresh call. The store is opened at `where` twice, the
// second standing for another process.
template <typename Store>
void aStoreChangeIsPickedUpWithoutARefreshCall(const std::string& where) {
    testing::TestCertificateAuthority ca;
    Store store(where);
    const PemBundle first = ca.issue("a.example.test");
    store.store("a.example.test", first);
    Site site(store, {});
    BOOST_TEST(servedSerial(site, "a.example.test") == first.certificate().serialHex());

    Store other(where);
    const PemBundle second = ca.issue("a.example.test");
    other.store("a.example.test", second);
    other.store("new.example.test", ca.issue("new.example.test"));
    // wait for the store's watcher thread (a bounded wait for an event, not a timing assertion)
    for (int i = 0; i < 500 && servedSerial(site, "new.example.test").starts_with("refused"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    BOOST_TEST(servedSerial(site, "a.example.test") == second.certificate().serialHex());
    BOOST_TEST(!servedSerial(site, "new.example.test").starts_with("refused"));
    BOOST_TEST(site.endpoint.certificates().size() == 2u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_directory_store_change_is_picked_up_without_a_refresh_call) {
    test::TempDir dir;
    aStoreChangeIsPickedUpWithoutARefreshCall<stores::DirectoryStore>(dir.path.string());
}

BOOST_AUTO_TEST_CASE(a_sqlite_store_change_is_picked_up_without_a_refresh_call) {
    test::TempDir dir;
    aStoreChangeIsPickedUpWithoutARefreshCall<stores::SqliteStore>((dir.path / "certs.sqlite").string());
}

BOOST_AUTO_TEST_CASE(a_garbled_client_hello_name_is_refused) {
    testing::TestCertificateAuthority ca;
    testing::MemoryStore store;
    store.store("a.example.test", ca.issue("a.example.test"));
    Site site(store, {});
    // a name OpenSSL sends as is, with a byte no host name has
    TlsProbe probe(site.probe(std::string("a.example.test\x7f", 15)));
    BOOST_TEST(!probe.ok());
    BOOST_TEST(site.endpoint.counters().refused == 1u);
}
