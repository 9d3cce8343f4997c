#define BOOST_TEST_MODULE dns01
#include <boost/test/unit_test.hpp>

// dns-01 for real: the RFC 2136 provider against Debian's Knot DNS on
// loopback (throwaway zone, TSIG key), the exec provider with scripts, the
// propagation wait, and whole issuances (wildcards too) with mock-acme
// validating against the same Knot.

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include "../TestPrinting.h"
#include "../support/KnotServer.h"
#include "cxxacme/AcmeIssuer.h"
#include "cxxacme/CaaPolicy.h"
#include "cxxacme/DnsPersistRecord.h"
#include "cxxacme/DnsTxtLookup.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/responders/ChallTestSrvDnsProvider.h"
#include "cxxacme/responders/Dns01Responder.h"
#include "cxxacme/responders/DnsPersist01Responder.h"
#include "cxxacme/responders/ExecDnsProvider.h"
#include "cxxacme/responders/Rfc2136DnsProvider.h"
#include "cxxacme/testing/FakeClock.h"
#include "cxxacme/testing/MockAcmeFixture.h"

using namespace cxxacme;
using namespace cxxacme::responders;
using Strings = std::vector<std::string>;

namespace {

const std::string kName = "_acme-challenge.example.test.";

Strings txt(const test::KnotServer& knot, const std::string& name = kName) {
    auto values = DnsTxtLookup::query(knot.address(), name);
    std::sort(values.begin(), values.end());
    return values;
}

std::string messageOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const DnsError& e) {
        return e.what();
    }
    return "no DnsError";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string script(const test::TempDir& dir, const std::string& name, const std::string& body) {
    std::string path = (dir.path / name).string();
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0700);
    return path;
}

// The bundle's chain leads to mock-acme's root and its certificate names `names` (a key), no more.
void checkIssued(const PemBundle& bundle, const testing::MockAcmeFixture& acme, const std::string& names) {
    BOOST_CHECK_NO_THROW(bundle.certificate().verifyChain(bundle.chain(), {acme.issuingRoot()}));
    Strings sans;
    for (const auto& id : bundle.certificate().subjectAltNames()) sans.push_back(id.value);
    std::sort(sans.begin(), sans.end());
    Strings expected = ServerName::splitKey(names);
    std::sort(expected.begin(), expected.end());
    BOOST_TEST(sans == expected);
}

// mock-acme, and an issuer answering dns-01 through RFC 2136 updates to `knot`.
struct Dns01Issuance {
    testing::MockAcmeFixture acme;
    Rfc2136DnsProvider dns;
    Dns01Responder responder;
    SystemClock clock;
    AcmeClient client;
    AcmeIssuer issuer;
    Dns01Issuance(const test::KnotServer& knot, const mock_acme::MockAcmeConfig& config, bool accountLabel = false)
        : acme(config),
          dns(knot.address(), "example.test", TsigKey::fromFile(knot.bindKeyFile)),
          responder(dns, [accountLabel] {
              Dns01ResponderOptions o;
              o.pollInterval = std::chrono::milliseconds(100);
              o.accountLabel = accountLabel;
              return o;
          }()),
          client(acme.clientOptions(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock),
          issuer(client, {&responder}) {}
};

}  // namespace

BOOST_AUTO_TEST_CASE(tsig_key_files_in_both_formats) {
    test::KnotServer knot;
    const TsigKey bind = TsigKey::fromFile(knot.bindKeyFile);
    const TsigKey colon = TsigKey::fromFile(knot.colonKeyFile);
    BOOST_TEST(bind.name == "acme-update.");
    BOOST_TEST(bind.secret == colon.secret);
    BOOST_TEST(bind.secret.size() == 32u);
    ::chmod(knot.bindKeyFile.c_str(), 0644);
    BOOST_CHECK_THROW(TsigKey::fromFile(knot.bindKeyFile), FileError);
    const std::string other = (knot.dir.path / "md5.key").string();
    AtomicFile::write(other, "hmac-md5:old:" + knot.secret + "\n", 0600);
    const std::string said = messageOf([&] { TsigKey::fromFile(other); });
    BOOST_TEST(contains(said, "hmac-md5 is not supported"), said);
    BOOST_TEST(!contains(said, knot.secret));
    AtomicFile::write(other, "garbage\n", 0600);
    BOOST_TEST(contains(messageOf([&] { TsigKey::fromFile(other); }), "not a TSIG key file"));
    // BIND's other spellings: secret first, comments, other clauses, an unquoted name and algorithm
    const std::string& secret = knot.secret;
    for (const std::string& text : std::vector<std::string>{
             "# made by tsig-keygen\nkey \"acme-update\" {\n\tsecret \"" + secret + "\";\n\talgorithm hmac-sha256;\n};\n",
             "/* a comment { } */ key acme-update { // the key\n algorithm \"HMAC-SHA256\"; other \"x y\"; secret \"" + secret + "\"; };",
             "  hmac-sha256:acme-update:" + secret + "  \n"}) {
        BOOST_TEST_CONTEXT(text) {
            AtomicFile::write(other, text, 0600);
            const TsigKey k = TsigKey::fromFile(other);
            BOOST_TEST(k.name == "acme-update.");
            BOOST_TEST(k.secret == bind.secret);
        }
    }
    for (const std::string& text : std::vector<std::string>{"key \"acme-update\" { algorithm hmac-sha256; };", "key \"a b\" { algorithm hmac-sha256; secret \"" + secret + "\"; };",
                                   "hmac-sha256:acme-update", "hmac-sha256:acme:update:" + secret, "sha256:acme-update:" + secret,
                                   "hmac-sha256:acme-update:" + secret + "\nhmac-sha256:b:" + secret, "key \"x\" { secret \"unterminated"}) {
        BOOST_TEST_CONTEXT(text) {
            AtomicFile::write(other, text, 0600);
            BOOST_TEST(contains(messageOf([&] { TsigKey::fromFile(other); }), "not a TSIG key file"));
        }
    }
}

BOOST_AUTO_TEST_CASE(rfc2136_adds_and_removes_one_value_at_a_time) {
    test::KnotServer knot;
    Rfc2136DnsProvider dns(knot.address(), "example.test", TsigKey::fromFile(knot.bindKeyFile));
    BOOST_TEST(txt(knot).empty());
    dns.present(kName, "first-value");
    dns.present(kName, "second-value");  // a wildcard and its base name share the record name
    BOOST_TEST(txt(knot) == (Strings{"first-value", "second-value"}));
    dns.cleanup(kName, "first-value");
    BOOST_TEST(txt(knot) == (Strings{"second-value"}));
    dns.cleanup(kName, "second-value");
    BOOST_TEST(txt(knot).empty());
    dns.cleanup(kName, "never-there");  // removing what is not there is fine
    BOOST_TEST(dns.nameServers() == (Strings{knot.address()}));
}

// The same over IPv6: the update to "[::1]:PORT", the lookups there too (a
// big answer over TCP as well).
BOOST_AUTO_TEST_CASE(rfc2136_and_lookups_over_ipv6) {
    test::KnotServer knot;
    Rfc2136DnsProvider dns(knot.ipv6Address(), "example.test", TsigKey::fromFile(knot.bindKeyFile));
    dns.present(kName, "over-ipv6");
    BOOST_TEST(DnsTxtLookup::query(knot.ipv6Address(), kName) == (Strings{"over-ipv6"}));
    Strings values{"over-ipv6"};
    for (int i = 0; i < 14; ++i) {
        values.push_back("ipv6-value-" + std::to_string(i) + std::string(40, 'x'));
        dns.present(kName, values.back());
    }
    auto seen = DnsTxtLookup::query(knot.ipv6Address(), kName);  // > 512 bytes: truncated over UDP, whole over TCP
    std::sort(seen.begin(), seen.end());
    std::sort(values.begin(), values.end());
    BOOST_TEST(seen == values);
    for (const auto& v : values) dns.cleanup(kName, v);
    BOOST_TEST(DnsTxtLookup::query(knot.ipv6Address(), kName).empty());
    BOOST_TEST(dns.nameServers() == (Strings{knot.ipv6Address()}));
    BOOST_TEST(contains(messageOf([&] { Rfc2136DnsProvider("::1", "example.test", TsigKey::fromFile(knot.bindKeyFile)).present(kName, "x"); }),
                        "IPv4:PORT or [IPv6]:PORT"));
}

// Lookups follow aliases as a recursive resolver does (a dns-01 record delegated
// by CNAME, as acme-dns and lego's CNAME support set up): through the chain an
// answer carries, and, where an authoritative server ends it at another zone
// (Knot answers for each zone alone), by asking for the chain's end. Eight
// aliases in all; a loop or a longer chain is an error naming the name.
BOOST_AUTO_TEST_CASE(lookups_follow_cname_chains_within_an_answer_and_across_zones) {
    std::string chain;
    for (int i = 0; i < 9; ++i) chain += "c" + std::to_string(i) + " CNAME c" + std::to_string(i + 1) + "\n";
    test::KnotServer knot("_acme-challenge.same CNAME target\ntarget TXT \"in-zone\"\nother TXT \"not-asked\"\n"
                          "_acme-challenge.Upper CNAME TARGET.Example.Test.\n"
                          "_acme-challenge.cross CNAME d.locked.test.\n_acme-challenge.dangling CNAME nowhere.locked.test.\n"
                          "loop1 CNAME loop2\nloop2 CNAME loop1\nhost CNAME ns\ncaa-alias CNAME ca.locked.test.\ngone CNAME missing\nroot-alias CNAME .\n" +
                              chain + "c9 TXT \"end\"\n",
                          "d TXT \"delegated\"\nback CNAME target.example.test.\nca CAA 0 issue \"cxxacme.mock\"\n");
    const std::string at = knot.address();
    BOOST_TEST(DnsTxtLookup::query(at, "_acme-challenge.same.example.test") == (Strings{"in-zone"}));
    BOOST_TEST(DnsTxtLookup::query(at, "_acme-challenge.upper.example.test") == (Strings{"in-zone"}));  // names in any case
    BOOST_TEST(DnsTxtLookup::query(at, "_acme-challenge.cross.example.test") == (Strings{"delegated"}));
    BOOST_TEST(DnsTxtLookup::query(at, "back.locked.test") == (Strings{"in-zone"}));
    BOOST_TEST(DnsTxtLookup::query(at, "_acme-challenge.dangling.example.test").empty());
    BOOST_TEST(DnsTxtLookup::addresses(at, "host.example.test") == (Strings{"127.0.0.1"}));
    BOOST_TEST(DnsTxtLookup::ipv6Addresses(at, "host.example.test") == (Strings{"::1"}));
    BOOST_TEST((DnsTxtLookup::caaRecords(at, "caa-alias.example.test") == std::vector<CaaRecord>{{0, "issue", "cxxacme.mock"}}));
    BOOST_TEST(DnsTxtLookup::query(at, "c1.example.test") == (Strings{"end"}));  // eight aliases
    const std::string tooLong = messageOf([&] { DnsTxtLookup::query(at, "c0.example.test"); });
    BOOST_TEST(contains(tooLong, "more than 8 CNAME records (or a loop) from c0.example.test"), tooLong);
    const std::string loop = messageOf([&] { DnsTxtLookup::query(at, "loop1.example.test"); });
    BOOST_TEST(contains(loop, "(or a loop) from loop1.example.test"), loop);

    // where a chain ends: across zones, at a name that does not exist (in the zone or beyond it), or the name itself
    BOOST_TEST(DnsTxtLookup::aliasTarget(at, "_acme-challenge.cross.example.test.") == "d.locked.test");
    BOOST_TEST(DnsTxtLookup::aliasTarget(at, "_acme-challenge.Upper.example.test") == "target.example.test");
    BOOST_TEST(DnsTxtLookup::aliasTarget(at, "_acme-challenge.dangling.example.test") == "nowhere.locked.test");
    BOOST_TEST(DnsTxtLookup::aliasTarget(at, "gone.example.test") == "missing.example.test");
    BOOST_TEST(DnsTxtLookup::aliasTarget(at, "target.example.test") == "target.example.test");
    BOOST_TEST(DnsTxtLookup::aliasTarget(at, "nothing.example.test.") == "nothing.example.test");
    BOOST_TEST(contains(messageOf([&] { DnsTxtLookup::aliasTarget(at, "loop2.example.test"); }), "(or a loop)"));
    // whether the name where a chain ends exists at all: NXDOMAIN told from a name without TXT records
    const auto answer = [&](const std::string& name) { return DnsTxtLookup::txtAnswer(at, name); };
    BOOST_TEST(answer("nothing.example.test").noSuchName);
    BOOST_TEST(answer("gone.example.test").noSuchName);                      // in the zone, through an alias
    BOOST_TEST(answer("_acme-challenge.dangling.example.test").noSuchName);  // across zones
    BOOST_TEST(!answer("host.example.test").noSuchName);                     // an address, no TXT record
    BOOST_TEST(answer("host.example.test").values.empty());
    BOOST_TEST(!answer("_acme-challenge.cross.example.test").noSuchName);
    BOOST_TEST(answer("_acme-challenge.cross.example.test").values == (Strings{"delegated"}));
    // the same for addresses: names that are not there (one through an alias), one that has both
    BOOST_TEST(DnsTxtLookup::addressAnswer(at, "nothing.example.test").noSuchName);
    BOOST_TEST(DnsTxtLookup::ipv6AddressAnswer(at, "gone.example.test").noSuchName);
    BOOST_TEST(!DnsTxtLookup::addressAnswer(at, "host.example.test").noSuchName);
    BOOST_TEST(!DnsTxtLookup::addressAnswer(at, "host.example.test").values.empty());
    BOOST_TEST(!DnsTxtLookup::ipv6AddressAnswer(at, "host.example.test").noSuchName);
    // outside its zones Knot refuses: an error carrying the code, which is named
    try {
        DnsTxtLookup::txtAnswer(at, "elsewhere.test");
        BOOST_ERROR("REFUSED was taken as an answer");
    } catch (const DnsError& e) {
        BOOST_TEST(e.rcode() == 5);
        BOOST_TEST(contains(e.what(), "(REFUSED)"), e.what());
    }
    BOOST_TEST(DnsTxtLookup::responseCodeName(3) == "NXDOMAIN");
    BOOST_TEST(DnsTxtLookup::responseCodeName(10) == "NOTZONE");
    BOOST_TEST(DnsTxtLookup::responseCodeName(11) == "RCODE11");
    // an alias of the root is no place to look or publish (found by the dns_answer fuzzer)
    const std::string root = messageOf([&] { DnsTxtLookup::aliasTarget(at, "root-alias.example.test"); });
    BOOST_TEST(contains(root, "a CNAME record to the root (\".\") from root-alias.example.test"), root);
}

// Dns01ResponderOptions::followCname (lego's CNAME support): _acme-challenge.NAME is
// delegated by CNAME; the record is published, checked and removed where the alias
// leads, and mock-acme, asking the same Knot, follows it and issues. Without the
// option the update would go beside the CNAME, which RFC 2136 §3.4.2.2 has the
// server ignore.
BOOST_AUTO_TEST_CASE(a_delegated_record_is_published_where_its_cname_leads) {
    test::KnotServer knot("_acme-challenge.delegated CNAME acme-delegated\n");
    auto config = testing::MockAcmeFixture::defaultConfig();
    config.dnsServer = knot.address();
    testing::MockAcmeFixture acme(config);
    Rfc2136DnsProvider dns(knot.address(), "example.test", TsigKey::fromFile(knot.bindKeyFile));
    Dns01ResponderOptions options;
    options.pollInterval = std::chrono::milliseconds(100);
    options.followCname = true;
    options.bootstrapResolver = knot.address();
    Dns01Responder responder(dns, options);
    const Challenge challenge{"dns-01", "https://ca/chal/1", "token", "pending"};
    responder.startResponding("delegated.example.test", challenge, "token.thumb");
    BOOST_TEST(txt(knot, "acme-delegated.example.test.") == (Strings{KeyAuthorization::dns01TxtValue("token.thumb")}));
    BOOST_TEST(txt(knot, "_acme-challenge.delegated.example.test.") == txt(knot, "acme-delegated.example.test."));  // through the alias
    responder.stopResponding("delegated.example.test", challenge, "token.thumb");
    BOOST_TEST(txt(knot, "acme-delegated.example.test.").empty());

    // the alias moves while the record is out: the record is removed where it went
    responder.startResponding("delegated.example.test", challenge, "token.thumb");
    knot.update("update delete _acme-challenge.delegated.example.test. CNAME\n"
                "update add _acme-challenge.delegated.example.test. 60 CNAME acme-moved.example.test.");
    BOOST_TEST(txt(knot, "_acme-challenge.delegated.example.test.").empty());  // the alias now leads elsewhere
    responder.stopResponding("delegated.example.test", challenge, "token.thumb");
    BOOST_TEST(txt(knot, "acme-delegated.example.test.").empty());
    knot.update("update delete _acme-challenge.delegated.example.test. CNAME\n"
                "update add _acme-challenge.delegated.example.test. 60 CNAME acme-delegated.example.test.");

    SystemClock clock;
    AcmeClient client(acme.clientOptions(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
    const PemBundle bundle = AcmeIssuer(client, {&responder}).issue("delegated.example.test,*.delegated.example.test");
    BOOST_CHECK_NO_THROW(bundle.certificate().verifyChain(bundle.chain(), {acme.issuingRoot()}));
    BOOST_TEST(txt(knot, "acme-delegated.example.test.").empty());  // cleaned up
}

// ChallTestSrvDnsProvider sets records over HTTP, as pebble-challtestsrv takes them, here
// in mock-acme's own DNS (--dns-listen): a wildcard and its base name share one TXT name,
// and removing one value leaves the other; an issuance for both; failures name the URL.
BOOST_AUTO_TEST_CASE(a_test_dns_servers_records_are_set_over_http) {
    auto config = testing::MockAcmeFixture::defaultConfig();
    config.dnsListen = true;
    testing::MockAcmeFixture acme(config);
    const std::string dnsAt = acme.server().dns()->address();
    ChallTestSrvDnsProvider provider(acme.managementUrl() + "/", dnsAt);
    BOOST_TEST(provider.nameServers() == (Strings{dnsAt}));
    provider.present("_acme-challenge.both.example.test.", "one");
    provider.present("_acme-challenge.both.example.test.", "two");
    BOOST_TEST(DnsTxtLookup::query(dnsAt, "_acme-challenge.both.example.test") == (Strings{"one", "two"}));
    provider.cleanup("_acme-challenge.both.example.test.", "one");
    BOOST_TEST(DnsTxtLookup::query(dnsAt, "_acme-challenge.both.example.test") == (Strings{"two"}));
    provider.cleanup("_acme-challenge.both.example.test.", "two");
    BOOST_TEST(DnsTxtLookup::query(dnsAt, "_acme-challenge.both.example.test").empty());

    Dns01ResponderOptions options;
    options.pollInterval = std::chrono::milliseconds(50);
    Dns01Responder responder(provider, options);
    SystemClock clock;
    AcmeClient client(acme.clientOptions(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
    const PemBundle bundle = AcmeIssuer(client, {&responder}).issue("over-http.example.test,*.over-http.example.test");
    BOOST_CHECK_NO_THROW(bundle.certificate().verifyChain(bundle.chain(), {acme.issuingRoot()}));
    BOOST_TEST(DnsTxtLookup::query(dnsAt, "_acme-challenge.over-http.example.test").empty());

    const std::string refused = messageOf([&] { provider.present("bad name.example.test.", "v"); });
    BOOST_TEST(contains(refused, acme.managementUrl() + "/set-txt: answered HTTP 400: "), refused);
    const std::string nobody = "http://127.0.0.1:" + std::to_string(test::freePort());
    const std::string down = messageOf([&] { ChallTestSrvDnsProvider(nobody).present("_acme-challenge.x.test.", "v"); });
    BOOST_TEST(contains(down, nobody + "/set-txt: "), down);
    BOOST_TEST(!contains(down.substr(nobody.size()), nobody), down);  // the URL once
    // a server that takes the connection and never answers: the provider's timeout, not the
    // client's 40 s default; and a provider whose records went out is usable after it
    Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
    const std::string silentUrl = "http://127.0.0.1:" + std::to_string(silent.address().port());
    ChallTestSrvDnsProvider slow(silentUrl, "", std::chrono::seconds(1));
    const std::string timedOut = messageOf([&] { slow.present("_acme-challenge.x.test.", "v"); });
    BOOST_TEST(contains(timedOut, silentUrl + "/set-txt: timed out after 1 s"), timedOut);
    BOOST_CHECK_THROW(ChallTestSrvDnsProvider(acme.managementUrl(), "", std::chrono::seconds(0)), DnsError);
    BOOST_CHECK_THROW(ChallTestSrvDnsProvider("https://127.0.0.1:1"), DnsError);
    BOOST_CHECK_THROW(ChallTestSrvDnsProvider("http://127.0.0.1:1/prefix"), DnsError);
    BOOST_CHECK_THROW(ChallTestSrvDnsProvider("not a url"), DnsError);
}

BOOST_AUTO_TEST_CASE(rfc2136_refusals_are_clear_and_publish_nothing) {
    test::KnotServer knot;
    const TsigKey good = TsigKey::fromFile(knot.bindKeyFile);

    TsigKey wrongSecret = good;
    wrongSecret.secret[0] = static_cast<char>(wrongSecret.secret[0] ^ 1);
    const std::string badSig = messageOf([&] { Rfc2136DnsProvider(knot.address(), "example.test", wrongSecret).present(kName, "v"); });
    BOOST_TEST((contains(badSig, "BADSIG") || contains(badSig, "TSIG key is wrong")), badSig);

    TsigKey unknownName = good;
    unknownName.name = "nobody.";
    const std::string badKey = messageOf([&] { Rfc2136DnsProvider(knot.address(), "example.test", unknownName).present(kName, "v"); });
    BOOST_TEST((contains(badKey, "BADKEY") || contains(badKey, "TSIG key is wrong")), badKey);

    const std::string notInZone = messageOf([&] {
        Rfc2136DnsProvider(knot.address(), "example.test", good).present("_acme-challenge.elsewhere.test.", "v");
    });
    BOOST_TEST(contains(notInZone, "is not in zone example.test.; nothing was sent"), notInZone);

    const std::string refused = messageOf([&] {
        Rfc2136DnsProvider(knot.address(), "locked.test", good).present("_acme-challenge.locked.test.", "v");
    });
    // Knot answers an update its ACL does not allow with BADKEY (BIND: REFUSED); either is a refusal
    BOOST_TEST((contains(refused, "refused: REFUSED") || contains(refused, "refused: BADKEY")), refused);
    BOOST_TEST(txt(knot, "_acme-challenge.locked.test.").empty());

    const std::string notOurs = messageOf([&] {
        Rfc2136DnsProvider(knot.address(), "unknown.test", good).present("_acme-challenge.unknown.test.", "v");
    });
    BOOST_TEST((contains(notOurs, "NOTAUTH") || contains(notOurs, "REFUSED")), notOurs);

    const std::string down = messageOf([&] {
        Rfc2136DnsProvider("127.0.0.1:" + std::to_string(test::freePort()), "example.test", good).present(kName, "v");
    });
    BOOST_TEST(contains(down, "adding TXT " + kName), down);
    BOOST_TEST(txt(knot).empty());
}

// What answers an update is read as a forger's answer could be: one that is not signed by
// the key, signed wrongly, for another request, cut short or never given is refused, and
// the refusal says which (Knot never answers so; a server that is not one stands in)
BOOST_AUTO_TEST_CASE(rfc2136_answers_not_from_the_keys_holder_are_refused) {
    // one connection: the framed request read, then `answer` of it written as it comes
    // (empty: the connection closed at once)
    const auto exchange = [](const std::function<std::string(const std::string&)>& answer) {
        Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
        const std::string server = "127.0.0.1:" + std::to_string(listener.address().port());
        std::thread peer([&] {
            if (!listener.poll(Poco::Timespan(30, 0), Poco::Net::Socket::SELECT_READ)) return;  // no client came
            Poco::Net::StreamSocket s = listener.acceptConnection();
            std::string in;
            char buf[4096];
            const auto wanted = [&in] {
                return std::size_t{2} + ((std::size_t{static_cast<unsigned char>(in[0])} << 8) | static_cast<unsigned char>(in[1]));
            };
            while (in.size() < 2 || in.size() < wanted()) {
                const int n = s.receiveBytes(buf, sizeof buf);
                if (n <= 0) return;
                in.append(buf, static_cast<std::size_t>(n));
            }
            const std::string out = answer(in.substr(2));
            if (!out.empty()) s.sendBytes(out.data(), static_cast<int>(out.size()));
            s.shutdown();
        });
        std::string message = messageOf([&] {
            Rfc2136DnsProvider(server, "example.test", TsigKey{"acme-update.", std::string(32, 'k')},
                                {.timeout = std::chrono::seconds(10)})
                .present(kName, "v");
        });
        peer.join();
        return message;
    };
    const auto framed = [](const std::string& message) {
        return std::string{static_cast<char>(message.size() >> 8), static_cast<char>(message.size() & 0xff)} + message;
    };
    // the UPDATE answer's head: the request's id, QR, opcode 5, `rcode`, counts as given
    const auto head = [](const std::string& request, int rcode, int additional = 0) {
        return request.substr(0, 2) + std::string{'\xa8', static_cast<char>(rcode), 0, 0, 0, 0, 0, 0, 0,
                                                  static_cast<char>(additional)};
    };
    // a TSIG record under the key's name whose MAC is 32 bytes that are no MAC of this answer
    const std::string forgedTsig = std::string("\x0b" "acme-update\x00", 13) + std::string("\x00\xfa\x00\xff\x00\x00\x00\x00", 8) +
                                   std::string("\x00\x3d", 2) + std::string("\x0bhmac-sha256\x00", 13) +
                                   std::string("\x00\x00\x00\x00\x00\x00\x01\x2c\x00\x20", 10) + std::string(32, 'm') +
                                   std::string("\x00\x00\x00\x00\x00\x00", 6);
    BOOST_REQUIRE(forgedTsig.size() == 13 + 8 + 2 + 61);

    // "done", unsigned: a success nobody vouches for is not taken
    BOOST_TEST(contains(exchange([&](const std::string& r) { return framed(head(r, 0)); }),
                        "adding TXT " + kName + ": the server's answer is not signed; not trusting it"));
    // "done", signed with a MAC the key did not make
    BOOST_TEST(contains(exchange([&](const std::string& r) { return framed(head(r, 0, 1) + forgedTsig); }),
                        "adding TXT " + kName + ": the answer's TSIG does not verify; ignoring it"));
    // a refusal, unsigned (as a server may send one): said in the words of its code
    BOOST_TEST(contains(exchange([&](const std::string& r) { return framed(head(r, 5)); }),
                        "adding TXT " + kName + " refused: REFUSED (the server's policy refuses this update"));
    BOOST_TEST(contains(exchange([&](const std::string& r) { return framed(head(r, 4)); }),
                        "refused: NOTIMP (the server does not do dynamic updates)"));
    BOOST_TEST(contains(exchange([&](const std::string& r) { return framed(head(r, 15)); }), "refused: RCODE 15"));
    // a TSIG error the answer carries (here one no RFC names) is said as such
    std::string tsigError = forgedTsig;
    tsigError[tsigError.size() - 3] = 99;  // the error field, before other len
    BOOST_TEST(contains(exchange([&](const std::string& r) { return framed(head(r, 9, 1) + tsigError); }),
                        "refused: TSIG error 99"));
    // an answer to another request, one that is no UPDATE answer, one cut short, none at all
    BOOST_TEST(contains(exchange([&](const std::string& r) {
                            std::string other = head(r, 0);
                            other[1] = static_cast<char>(other[1] ^ 1);
                            return framed(other);
                        }),
                        "an answer to another request"));
    BOOST_TEST(contains(exchange([&](const std::string& r) {
                            std::string query = head(r, 0);
                            query[2] = '\x80';  // QR, opcode 0
                            return framed(query);
                        }),
                        "not an UPDATE answer"));
    BOOST_TEST(contains(exchange([&](const std::string& r) { return framed(head(r, 0, 1) + forgedTsig).substr(0, 30); }),
                        "the server closed the connection without an answer"));
    BOOST_TEST(contains(exchange([](const std::string&) { return std::string(); }),
                        "the server closed the connection without an answer"));
    // an answer whose records run past its end
    BOOST_TEST(contains(exchange([&](const std::string& r) { return framed(head(r, 0, 1) + forgedTsig.substr(0, 40)); }),
                        "adding TXT " + kName + ": a truncated answer"));
}

BOOST_AUTO_TEST_CASE(the_responder_waits_for_the_record_and_cleans_up) {
    test::KnotServer knot;
    Rfc2136DnsProvider dns(knot.address(), "example.test", TsigKey::fromFile(knot.colonKeyFile));
    Dns01ResponderOptions options;
    options.pollInterval = std::chrono::milliseconds(100);
    Dns01Responder responder(dns, options);
    const Challenge challenge{"dns-01", "https://ca/chal/1", "token", "pending"};
    responder.startResponding("*.example.test", challenge, "token.thumb");
    BOOST_TEST(txt(knot) == (Strings{KeyAuthorization::dns01TxtValue("token.thumb")}));
    responder.stopResponding("*.example.test", challenge, "token.thumb");
    BOOST_TEST(txt(knot).empty());
    BOOST_TEST(Dns01Responder::recordName("*.Example.Test") == "_acme-challenge.example.test.");
    BOOST_CHECK_THROW(Dns01Responder::recordName("127.0.0.1"), InvalidNameError);
}

BOOST_AUTO_TEST_CASE(a_record_that_never_shows_is_a_timeout_naming_server_and_values) {
    test::KnotServer knot;
    test::TempDir dir;
    Rfc2136DnsProvider direct(knot.address(), "example.test", TsigKey::fromFile(knot.bindKeyFile));
    direct.present(kName, "stale-value");
    ExecDnsProvider silent(script(dir, "noop.sh", "exit 0"));  // claims success, publishes nothing
    Dns01ResponderOptions options;
    options.resolvers = {knot.address()};
    options.propagationTimeout = std::chrono::milliseconds(600);
    options.pollInterval = std::chrono::milliseconds(100);
    Dns01Responder responder(silent, options);
    const std::string said = messageOf([&] {
        responder.startResponding("example.test", Challenge{"dns-01", "u", "t", "pending"}, "t.k");
    });
    BOOST_TEST(contains(said, knot.address()), said);
    BOOST_TEST(contains(said, "did not show \"" + KeyAuthorization::dns01TxtValue("t.k") + "\""), said);
    BOOST_TEST(contains(said, "\"stale-value\""), said);
}

namespace {

// Runs `startResponding` on a thread and, each time it pauses on `clock`,
// calls `beforeAdvance(n)` (n = pauses so far) and moves the clock one
// poll interval. Returns the pauses and what the call threw ("" for nothing).
std::pair<int, std::string> pollOnFakeClock(Dns01Responder& responder, testing::FakeClock& clock,
                                            std::chrono::milliseconds interval,
                                            const std::function<void(int)>& beforeAdvance) {
    std::atomic<bool> done{false};
    std::string error;
    std::thread worker([&] {
        try {
            responder.startResponding("example.test", Challenge{"dns-01", "u", "t", "pending"}, "t.k");
        } catch (const std::exception& e) {
            error = e.what();
        }
        done = true;
    });
    int pauses = 0;
    for (int spins = 0; !done && spins < 200000; ++spins) {  // a bound, not a timing claim: ~100 s of 0.5 ms naps
        if (clock.pendingCount() == 0) {
            std::this_thread::sleep_for(std::chrono::microseconds(500));
            continue;
        }
        beforeAdvance(++pauses);
        clock.advance(interval);
    }
    worker.join();
    return {pauses, error};
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_propagation_wait_runs_on_the_injected_clock) {
    test::KnotServer knot;
    test::TempDir dir;
    Rfc2136DnsProvider direct(knot.address(), "example.test", TsigKey::fromFile(knot.bindKeyFile));
    ExecDnsProvider silent(script(dir, "noop.sh", "exit 0"));  // claims success, publishes nothing
    Dns01ResponderOptions options;
    options.resolvers = {knot.address()};
    options.pollInterval = std::chrono::seconds(30);
    options.propagationTimeout = std::chrono::minutes(5);

    // Never visible: queries at 0, 30, ..., 300 s of the fake clock, then the timeout.
    testing::FakeClock clock;
    const TimePoint start = clock.now();
    Dns01Responder responder(silent, clock, options);
    const auto [pauses, said] = pollOnFakeClock(responder, clock, options.pollInterval, [](int) {});
    BOOST_TEST(pauses == 10);
    BOOST_TEST(contains(said, "within 300.0 s"), said);
    BOOST_TEST((clock.now() - start == std::chrono::minutes(5)));

    // Visible once the record appears (here before the third pause ends): no further pause.
    testing::FakeClock clock2;
    Dns01Responder responder2(silent, clock2, options);
    const std::string value = KeyAuthorization::dns01TxtValue("t.k");
    const auto [pauses2, said2] = pollOnFakeClock(responder2, clock2, options.pollInterval, [&](int n) {
        if (n == 3) direct.present(kName, value);
    });
    BOOST_TEST(said2.empty(), said2);
    BOOST_TEST(pauses2 == 3);
    direct.cleanup(kName, value);
}

BOOST_AUTO_TEST_CASE(the_exec_provider_keeps_legos_contract) {
    test::TempDir dir;
    const std::string log = (dir.path / "calls.log").string();
    ExecDnsProvider hook(script(dir, "hook.sh", "echo \"$@\" >> " + log));
    hook.present(kName, "v1");
    hook.cleanup(kName, "v1");
    std::ifstream in(log);
    std::string first, second;
    std::getline(in, first);
    std::getline(in, second);
    BOOST_TEST(first == "present " + kName + " v1");
    BOOST_TEST(second == "cleanup " + kName + " v1");

    const std::string failed = messageOf([&] {
        ExecDnsProvider(script(dir, "fail.sh", "echo 'the API said no' >&2; exit 3")).present(kName, "v");
    });
    BOOST_TEST(contains(failed, "`present " + kName + "` exited with status 3: the API said no"), failed);
    const std::string mute = messageOf([&] { ExecDnsProvider(script(dir, "mute.sh", "exit 1")).present(kName, "v"); });
    BOOST_TEST(contains(mute, "exited with status 1 (it printed nothing)"), mute);
    const std::string slow = messageOf([&] {
        ExecDnsProvider(script(dir, "slow.sh", "sleep 30"), std::chrono::seconds(1)).present(kName, "v");
    });
    BOOST_TEST(contains(slow, "did not finish within 1 s; killed"), slow);
    const std::string missing = messageOf([&] { ExecDnsProvider((dir.path / "nope").string()).present(kName, "v"); });
    BOOST_TEST((contains(missing, "cannot run it") || contains(missing, "could not be run")), missing);

    // the hook gets standard input, output and error, and nothing else of this process: not a
    // listening socket (POCO's are not close-on-exec), which a process it leaves behind would hold
    Poco::Net::ServerSocket listening(Poco::Net::SocketAddress("127.0.0.1", 0));
    const std::string fds = (dir.path / "fds.log").string();
    ExecDnsProvider(script(dir, "fds.sh", "ls -l /proc/$$/fd > " + fds)).present(kName, "v");
    std::ifstream listed(fds);
    const std::string all((std::istreambuf_iterator<char>(listed)), std::istreambuf_iterator<char>());
    BOOST_TEST(contains(all, "/dev/null"), all);  // standard input, so the listing is the hook's
    BOOST_TEST(!contains(all, "socket:"), all);
}

BOOST_AUTO_TEST_CASE(wildcards_issue_end_to_end_through_rfc2136_and_mock_acme) {
    test::KnotServer knot;
    auto config = testing::MockAcmeFixture::defaultConfig();
    config.dnsServer = knot.address();  // mock-acme asks the same Knot
    Dns01Issuance run(knot, config);
    testing::MockAcmeFixture& acme = run.acme;
    AcmeIssuer& issuer = run.issuer;

    for (const std::string names : {"*.example.test", "example.test,*.example.test", "a.example.test,*.a.example.test"}) {
        BOOST_TEST_CONTEXT(names) {
            const PemBundle bundle = issuer.issue(names);
            checkIssued(bundle, acme, names);
            BOOST_TEST(txt(knot).empty());  // cleaned up
            BOOST_TEST(txt(knot, "_acme-challenge.a.example.test.").empty());
        }
    }
}

// RFC 9444 end to end: an issuer told the ancestor domain example.test orders the
// names below it naming it; mock-acme's one authorization of example.test is
// validated through one TXT record at _acme-challenge.example.test, published in
// Knot by RFC 2136 and asked there by mock-acme, and the certificate names them all.
BOOST_AUTO_TEST_CASE(names_below_an_ancestor_domain_are_validated_once_through_it) {
    test::KnotServer knot;
    auto config = testing::MockAcmeFixture::defaultConfig();
    config.dnsServer = knot.address();  // mock-acme asks the same Knot
    config.subdomainAuth = true;
    Dns01Issuance run(knot, config);
    Strings said;
    AcmeIssuerOptions options;
    options.ancestorDomains = {"example.test"};
    options.progress = [&said](const std::string& line) {
        if (line.starts_with("answering ")) said.push_back(line);
    };
    AcmeIssuer issuer(run.client, {&run.responder}, options);
    const std::string names = "a.example.test,b.team.example.test,*.w.example.test";
    const PemBundle bundle = issuer.issue(names);
    checkIssued(bundle, run.acme, names);
    BOOST_TEST(said == (Strings{"answering dns-01 for example.test"}));
    BOOST_TEST(txt(knot).empty());  // cleaned up
}

BOOST_AUTO_TEST_CASE(dns_account01_publishes_at_the_accounts_own_name) {
    test::KnotServer knot;
    Rfc2136DnsProvider dns(knot.address(), "example.test", TsigKey::fromFile(knot.colonKeyFile));
    Dns01ResponderOptions options;
    options.pollInterval = std::chrono::milliseconds(100);
    options.accountLabel = true;
    Dns01Responder responder(dns, options);
    BOOST_TEST(responder.challengeType() == "dns-account-01");
    const std::string account = "https://example.com/acme/acct/ExampleAccount";
    const std::string name = "_ujmmovf2vn55tgye._acme-challenge.example.test.";  // the draft's example label
    BOOST_TEST(Dns01Responder::accountRecordName("*.Example.Test", account) == name);
    const Challenge challenge{"dns-account-01", "https://ca/chal/1", "token", "pending", account};
    responder.startResponding("*.example.test", challenge, "token.thumb");
    BOOST_TEST(txt(knot, name) == (Strings{KeyAuthorization::dns01TxtValue("token.thumb")}));
    BOOST_TEST(txt(knot).empty());  // dns-01's name is left alone
    responder.stopResponding("*.example.test", challenge, "token.thumb");
    BOOST_TEST(txt(knot, name).empty());
    // without the account's URL there is no name to publish at: said, and nothing published
    const Challenge anonymous{"dns-account-01", "https://ca/chal/2", "token", "pending"};
    try {
        responder.startResponding("example.test", anonymous, "token.thumb");
        BOOST_FAIL("a challenge without an account URL was answered");
    } catch (const Error& e) {
        BOOST_TEST(contains(e.what(), "needs the challenge's account URL"), e.what());
    }
    BOOST_CHECK_THROW(Dns01Responder::accountRecordName("127.0.0.1", account), InvalidNameError);
    BOOST_TEST(Dns01Responder(dns).challengeType() == "dns-01");
}

// Two accounts (two fleets' issuers) get certificates for the same names at
// the same time through dns-account-01, each at its own TXT name.
BOOST_AUTO_TEST_CASE(two_accounts_issue_one_name_at_once_through_dns_account01) {
    test::KnotServer knot;
    auto config = testing::MockAcmeFixture::defaultConfig();
    config.dnsServer = knot.address();
    config.enableDnsAccount01 = true;
    Dns01Issuance first(knot, config, true);
    // the second account is at the same CA: a client of its own on `first`'s mock-acme
    Rfc2136DnsProvider dns(knot.address(), "example.test", TsigKey::fromFile(knot.bindKeyFile));
    Dns01ResponderOptions o;
    o.pollInterval = std::chrono::milliseconds(100);
    o.accountLabel = true;
    Dns01Responder responder(dns, o);
    SystemClock clock;
    AcmeClient client(first.acme.clientOptions(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
    AcmeIssuer second(client, {&responder});
    const std::string names = "shared.example.test,*.shared.example.test";
    std::optional<PemBundle> a, b;
    std::string failure;
    std::mutex failureMutex;
    const auto run = [&](AcmeIssuer& issuer, std::optional<PemBundle>& out) {
        try {
            out = issuer.issue(names);
        } catch (const std::exception& e) {
            std::lock_guard lock(failureMutex);
            failure += std::string(e.what()) + "; ";
        }
    };
    std::thread one([&] { run(first.issuer, a); });
    std::thread two([&] { run(second, b); });
    one.join();
    two.join();
    BOOST_REQUIRE_MESSAGE(a && b, failure);
    BOOST_TEST(first.client.accountUrl() != client.accountUrl());
    for (const auto* bundle : {&*a, &*b}) {
        BOOST_CHECK_NO_THROW(bundle->certificate().verifyChain(bundle->chain(), {first.acme.issuingRoot()}));
        BOOST_TEST(bundle->certificate().subjectAltNames().size() == 2u);
    }
    BOOST_TEST(a->certificate().serialBytes() != b->certificate().serialBytes());
    // each account's records are gone again
    for (const auto& url : {first.client.accountUrl(), client.accountUrl()})
        BOOST_TEST(txt(knot, Dns01Responder::accountRecordName("shared.example.test", url)).empty());
}

BOOST_AUTO_TEST_CASE(dns_persist01_checks_the_standing_record_or_publishes_it_once) {
    test::KnotServer knot;
    Rfc2136DnsProvider dns(knot.address(), "example.test", TsigKey::fromFile(knot.colonKeyFile));
    const std::string account = "https://ca.test/acct/7";
    const std::string name = "_validation-persist.keep.example.test.";
    Challenge challenge{"dns-persist-01", "https://ca/chal/1", "", "pending", account};
    challenge.issuerDomainNames = {"CA.test", "second.test"};
    DnsPersist01ResponderOptions checkOnly;
    checkOnly.lookup.resolvers = {knot.address()};
    DnsPersist01Responder checker(checkOnly);
    BOOST_TEST(checker.challengeType() == "dns-persist-01");

    // nothing published: said at once, with the record to publish
    std::string said = messageOf([&] { checker.startResponding("keep.example.test", challenge, ""); });
    BOOST_TEST(contains(said, "TXT _validation-persist.keep.example.test did not show a record"), said);
    BOOST_TEST(contains(said, "publish \"ca.test; accounturi=" + account + "\""), said);
    BOOST_TEST(contains(said, "no TXT record"), said);
    // published by the owner, once: enough for the name, not for its wildcard
    dns.present(name, "ca.test; accounturi=" + account);
    BOOST_CHECK_NO_THROW(checker.startResponding("keep.example.test", challenge, ""));
    said = messageOf([&] { checker.startResponding("*.keep.example.test", challenge, ""); });
    BOOST_TEST(contains(said, "has no policy=wildcard"), said);
    BOOST_TEST(contains(said, "publish \"ca.test; accounturi=" + account + "; policy=wildcard\""), said);
    // another account's record, an expired one: named
    Challenge other = challenge;
    other.accountUrl = "https://ca.test/acct/8";
    said = messageOf([&] { checker.startResponding("keep.example.test", other, ""); });
    BOOST_TEST(contains(said, "is for the account \"" + account + "\""), said);
    dns.present("_validation-persist.old.example.test.", "ca.test; accounturi=" + account + "; persistUntil=1700000000");
    said = messageOf([&] { checker.startResponding("old.example.test", challenge, ""); });
    BOOST_TEST(contains(said, "expired at persistUntil=1700000000"), said);

    // with a provider: published when missing, waited for, and left in place
    DnsPersist01ResponderOptions publishing = checkOnly;
    publishing.lookup.pollInterval = std::chrono::milliseconds(100);
    publishing.publishWith = &dns;
    publishing.issuerDomainName = "second.test";
    DnsPersist01Responder publisher(publishing);
    publisher.startResponding("*.keep.example.test", challenge, "");
    publisher.stopResponding("*.keep.example.test", challenge, "");
    BOOST_TEST(txt(knot, name) == (Strings{"ca.test; accounturi=" + account, "second.test; accounturi=" + account + "; policy=wildcard"}));
    publisher.startResponding("*.keep.example.test", challenge, "");  // in place: nothing more
    BOOST_TEST(txt(knot, name).size() == 2u);
    BOOST_CHECK_NO_THROW(checker.startResponding("*.keep.example.test", challenge, ""));

    // what it cannot work with
    const auto errorOf = [&](DnsPersist01Responder& r, const Challenge& c) {
        try {
            r.startResponding("keep.example.test", c, "");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    Challenge anonymous = challenge;
    anonymous.accountUrl.clear();
    BOOST_TEST(contains(errorOf(checker, anonymous), "needs the challenge's account URL"));
    Challenge nameless = challenge;
    nameless.issuerDomainNames.clear();
    BOOST_TEST(contains(errorOf(checker, nameless), "names no issuer-domain-names"));
    DnsPersist01ResponderOptions stranger = publishing;
    stranger.issuerDomainName = "elsewhere.test";
    DnsPersist01Responder wrongIssuer(stranger);
    BOOST_TEST(contains(errorOf(wrongIssuer, challenge), "the CA does not go by \"elsewhere.test\""));
    Challenge spaced = challenge;
    spaced.accountUrl = "https://ca.test/acct/9; policy=wildcard";  // would smuggle a parameter into the record
    BOOST_TEST(contains(errorOf(publisher, spaced), "would not be a valid record"));
    BOOST_CHECK_THROW(checker.startResponding("192.0.2.1", challenge, ""), InvalidNameError);
}

// An owner's record, published once (here by the first issuance), serves
// every later issuance without any DNS change.
BOOST_AUTO_TEST_CASE(dns_persist01_issues_end_to_end_and_again_without_dns_changes) {
    test::KnotServer knot;
    auto config = testing::MockAcmeFixture::defaultConfig();
    config.dnsServer = knot.address();
    config.enableDnsPersist01 = true;
    testing::MockAcmeFixture acme(config);
    Rfc2136DnsProvider dns(knot.address(), "example.test", TsigKey::fromFile(knot.bindKeyFile));
    SystemClock clock;
    AcmeClient client(acme.clientOptions(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
    DnsPersist01ResponderOptions options;
    options.publishWith = &dns;
    options.wildcard = true;  // one record for the name and its wildcard
    options.lookup.pollInterval = std::chrono::milliseconds(100);
    DnsPersist01Responder publisher(options);
    const std::string names = "persist.example.test,*.persist.example.test";
    const PemBundle first = AcmeIssuer(client, {&publisher}).issue(names);
    BOOST_CHECK_NO_THROW(first.certificate().verifyChain(first.chain(), {acme.issuingRoot()}));
    const Strings records = txt(knot, "_validation-persist.persist.example.test.");
    BOOST_TEST(records == (Strings{"cxxacme.mock; accounturi=" + client.accountUrl() + "; policy=wildcard"}));

    DnsPersist01ResponderOptions readOnly;
    readOnly.lookup.resolvers = {knot.address()};
    DnsPersist01Responder checker(readOnly);  // no provider: it could not change DNS if it wanted to
    const PemBundle second = AcmeIssuer(client, {&checker}).issue(names);
    BOOST_TEST(second.certificate().serialBytes() != first.certificate().serialBytes());
    BOOST_TEST(txt(knot, "_validation-persist.persist.example.test.") == records);
    BOOST_TEST(second.certificate().subjectAltNames().size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_failed_validation_still_removes_the_record) {
    test::KnotServer knot;
    auto config = testing::MockAcmeFixture::defaultConfig();
    config.dnsServer = "127.0.0.1:" + std::to_string(test::freePort());  // mock-acme asks a server that is not there
    Dns01Issuance run(knot, config);
    BOOST_CHECK_THROW(run.issuer.issue("fails.example.test"), Error);
    BOOST_TEST(txt(knot, "_acme-challenge.fails.example.test.").empty());
}

namespace {

// A provider that does not say where its records are served.
class Unnamed final : public IDnsProvider {
public:
    explicit Unnamed(IDnsProvider& inner) : inner_(inner) {}
    void present(const std::string& f, const std::string& v) override { inner_.present(f, v); }
    void cleanup(const std::string& f, const std::string& v) override { inner_.cleanup(f, v); }

private:
    IDnsProvider& inner_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_zones_authoritative_servers_are_found_and_asked) {
    test::KnotServer knot;
    BOOST_TEST(DnsTxtLookup::authoritativeServers(knot.address(), "_acme-challenge.a.b.example.test.", knot.port) ==
               (Strings{knot.address()}));  // NS ns.example.test. -> A 127.0.0.1 (its AAAA ::1 is not asked)
    BOOST_TEST(DnsTxtLookup::authoritativeServers(knot.address(), "_acme-challenge.x.locked.test", knot.port) ==
               (Strings{knot.ipv6Address()}));  // NS ns.locked.test. -> no A, AAAA ::1
    BOOST_CHECK_THROW(DnsTxtLookup::authoritativeServers(knot.address(), "x.unknown.test", knot.port), DnsError);

    Rfc2136DnsProvider rfc2136(knot.address(), "example.test", TsigKey::fromFile(knot.bindKeyFile));
    Unnamed dns(rfc2136);
    Dns01ResponderOptions options;
    options.bootstrapResolver = knot.address();  // stands in for the system's resolver
    options.authoritativePort = knot.port;
    options.pollInterval = std::chrono::milliseconds(100);
    options.propagationTimeout = std::chrono::seconds(5);
    Dns01Responder responder(dns, options);
    const Challenge challenge{"dns-01", "u", "t", "pending"};
    responder.startResponding("found.example.test", challenge, "t.k");  // returns only once the record is visible there
    BOOST_TEST(txt(knot, "_acme-challenge.found.example.test.") == (Strings{KeyAuthorization::dns01TxtValue("t.k")}));
    responder.stopResponding("found.example.test", challenge, "t.k");
}

BOOST_AUTO_TEST_CASE(caa_records_come_as_published) {
    test::KnotServer knot("caa CAA 0 issue \"ca.test; validationmethods=dns-01\"\n"
                          "caa CAA 128 iodef \"mailto:security@example.test\"\n"
                          "caa CAA 0 issuewild \";\"\n"
                          "sub.caa A 127.0.0.1\n");
    const auto byTag = [](std::vector<CaaRecord> records) {
        std::sort(records.begin(), records.end(), [](const CaaRecord& a, const CaaRecord& b) { return a.tag < b.tag; });
        return records;
    };
    const std::vector<CaaRecord> published{CaaRecord{128, "iodef", "mailto:security@example.test"},
                                           CaaRecord{0, "issue", "ca.test; validationmethods=dns-01"},
                                           CaaRecord{0, "issuewild", ";"}};
    for (const auto& server : {knot.address(), knot.ipv6Address()}) {
        BOOST_TEST_CONTEXT(server) {
            const auto records = byTag(DnsTxtLookup::caaRecords(server, "caa.example.test"));
            BOOST_TEST(records == published, boost::test_tools::per_element());
            BOOST_TEST(records.at(0).critical());
            BOOST_TEST(!records.at(1).critical());
        }
    }
    // a name with other records, one that does not exist, the zone's apex: none
    BOOST_TEST(DnsTxtLookup::caaRecords(knot.address(), "sub.caa.example.test").empty());
    BOOST_TEST(DnsTxtLookup::caaRecords(knot.address(), "nothing.example.test").empty());
    BOOST_TEST(DnsTxtLookup::caaRecords(knot.address(), "example.test").empty());
    // walked up from a name below them, they are the relevant set (RFC 8659 §3)
    const auto set = CaaPolicy::relevantRecords(
        "www.sub.caa.example.test", [&](const std::string& name) { return DnsTxtLookup::caaRecords(knot.address(), name); });
    BOOST_TEST(set.at == "caa.example.test");
    BOOST_TEST(byTag(set.records) == published, boost::test_tools::per_element());
    // a server that refuses (a name outside its zones) fails with its response code
    try {
        (void)DnsTxtLookup::caaRecords(knot.address(), "x.unknown.test");
        BOOST_FAIL("a refused CAA query returned");
    } catch (const DnsError& e) {
        BOOST_TEST(e.rcode() == 5);
        BOOST_TEST(std::string(e.what()).find("REFUSED") != std::string::npos);
    }
}

// A DNS server on loopback UDP that answers each query with one CAA record
// of the RDATA given, as broken as a test needs (Knot will not serve a
// malformed record).
struct CraftedCaaServer {
    Poco::Net::DatagramSocket socket{Poco::Net::SocketAddress("127.0.0.1", 0)};
    std::mutex mutex;
    std::string rdata;  // guarded by mutex
    std::thread thread;
    std::atomic<bool> stop{false};

    CraftedCaaServer() {
        socket.setReceiveTimeout(Poco::Timespan(0, 100'000));
        thread = std::thread([this] {
            char buffer[512];
            while (!stop) {
                Poco::Net::SocketAddress from;
                int n = 0;
                try {
                    n = socket.receiveFrom(buffer, sizeof buffer, from);
                } catch (const Poco::TimeoutException&) {
                    continue;
                }
                if (n < 12) continue;
                std::string answer(buffer, static_cast<std::size_t>(n));  // header and question
                answer[2] = static_cast<char>(answer[2] | 0x80);           // a response
                answer[3] = 0;                                             // NOERROR
                answer[6] = 0;
                answer[7] = 1;  // one answer
                const std::string record{'\xc0', '\x0c', '\x01', '\x01', '\x00', '\x01', '\x00', '\x00', '\x00', '\x3c'};
                answer += record;
                std::lock_guard lock(mutex);
                answer += static_cast<char>(rdata.size() >> 8);
                answer += static_cast<char>(rdata.size() & 0xff);
                answer += rdata;
                socket.sendTo(answer.data(), static_cast<int>(answer.size()), from);
            }
        });
    }
    ~CraftedCaaServer() {
        stop = true;
        thread.join();
    }
    void answerWith(std::string data) {
        std::lock_guard lock(mutex);
        rdata = std::move(data);
    }
    std::string address() const { return "127.0.0.1:" + std::to_string(socket.address().port()); }
};

BOOST_AUTO_TEST_CASE(malformed_caa_records_are_clear_errors) {
    CraftedCaaServer server;
    const auto rdata = [](std::uint8_t flags, std::uint8_t tagLength, const std::string& rest) {
        return std::string{static_cast<char>(flags), static_cast<char>(tagLength)} + rest;
    };
    // well formed, with bytes a value may hold
    server.answerWith(rdata(128, 5, std::string("issue") + "ca.test; a=\x01\xff"));
    const auto records = DnsTxtLookup::caaRecords(server.address(), "x.example.test");
    BOOST_REQUIRE(records.size() == 1u);
    BOOST_TEST(records[0] == (CaaRecord{128, "issue", "ca.test; a=\x01\xff"}));
    // an empty value is a value
    server.answerWith(rdata(0, 5, "issue"));
    BOOST_TEST(DnsTxtLookup::caaRecords(server.address(), "x.example.test").at(0).value.empty());
    for (const auto& [bad, why] : std::vector<std::pair<std::string, std::string>>{
             {rdata(0, 0, "issue"), "a malformed CAA record"},             // no tag
             {rdata(0, 16, std::string(16, 'a')), "a malformed CAA record"},  // a tag over 15
             {rdata(0, 9, "issue"), "a malformed CAA record"},             // a tag past the end
             {std::string(1, '\0'), "a malformed CAA record"},             // no tag length
             {rdata(0, 5, "iss-e;"), "a malformed tag"},                   // not letters and digits
             {rdata(0, 5, std::string("iss\0e", 5)), "a malformed tag"}}) {
        server.answerWith(bad);
        BOOST_TEST_CONTEXT(why) {
            try {
                (void)DnsTxtLookup::caaRecords(server.address(), "x.example.test");
                BOOST_ERROR("a malformed CAA record was taken");
            } catch (const DnsError& e) {
                BOOST_TEST(std::string(e.what()).find(why) != std::string::npos, e.what());
                BOOST_TEST(std::string(e.what()).find("x.example.test") != std::string::npos, e.what());
                BOOST_TEST(e.server() == server.address());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_txt_answer_too_big_for_udp_comes_over_tcp) {
    test::KnotServer knot;
    Rfc2136DnsProvider dns(knot.address(), "example.test", TsigKey::fromFile(knot.bindKeyFile));
    Strings values;
    for (int i = 0; i < 14; ++i) {
        values.push_back(KeyAuthorization::dns01TxtValue("value-" + std::to_string(i)));  // 43 bytes each
        dns.present(kName, values.back());
    }
    std::sort(values.begin(), values.end());
    BOOST_TEST(txt(knot) == values);  // 14 × ~55 bytes > 512: truncated over UDP, complete over TCP
}
