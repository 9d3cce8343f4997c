#define BOOST_TEST_MODULE mock_acme_validation
#include <boost/test/unit_test.hpp>

// mock-acme's validator against an independent implementation of the other
// side: Debian's pebble-challtestsrv answers http-01 and tls-alpn-01 and
// serves the dns-01 TXT records, on loopback ports picked here.

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Pipe.h>
#include <Poco/Process.h>

#include "../support/ChildProcess.h"
#include "../support/KnotServer.h"
#include "../support/StandInServer.h"
#include "../support/TempDir.h"
#include "AcmeTestSession.h"
#include "cxxacme/AcmeResources.h"
#include "cxxacme/Base64Url.h"
#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/DnsTxtLookup.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/mock_acme/ChallengeDnsServer.h"
#include "cxxacme/mock_acme/ChallengeValidator.h"
#include "cxxacme/mock_acme/MockAcmeServer.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/responders/Http01Responder.h"
#include "cxxacme/responders/TlsAlpn01Responder.h"
#include "cxxacme/testing/FakeClock.h"

using namespace cxxacme;
using namespace cxxacme::mock_acme;
using namespace std::chrono_literals;
using cxxacme::test::ChildProcess;
using cxxacme::test::freePort;
using cxxacme::test::waitForPort;

namespace {

// pebble-challtestsrv on free loopback ports, stopped at the end.
struct ChallTestSrv {
    // https: http-01's answers over HTTPS, under a certificate of challtestsrv's own, for redirects
    std::uint16_t http = freePort(), tls = freePort(), dns = freePort(), management = freePort(), https = freePort();
    ChildProcess process{"pebble-challtestsrv -http01 127.0.0.1:" + std::to_string(http) + " -tlsalpn01 127.0.0.1:" +
                         std::to_string(tls) + " -dns01 127.0.0.1:" + std::to_string(dns) + " -management 127.0.0.1:" +
                         std::to_string(management) + " -https01 127.0.0.1:" + std::to_string(https) + " >/dev/null 2>&1"};

    ChallTestSrv() { BOOST_REQUIRE_MESSAGE(waitForPort(management), "pebble-challtestsrv did not start"); }

    void call(const std::string& path, const std::string& body) {
        Poco::Net::HTTPClientSession session("127.0.0.1", management);
        Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
        req.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(req) << body;
        Poco::Net::HTTPResponse resp;
        session.receiveResponse(resp);
        BOOST_REQUIRE(resp.getStatus() == 200);
    }

    MockAcmeConfig config() const {
        MockAcmeConfig c;
        c.listenPort = 0;
        c.managementPort = 0;
        c.http01Port = http;
        c.tlsAlpn01Port = tls;
        c.dnsServer = "127.0.0.1:" + std::to_string(dns);
        return c;
    }
};

// An account at an in-process mock-acme whose validations go to pebble-challtestsrv.
struct EngineClient {
    ChallTestSrv& srv;
    MockAcmeServer server;
    test::AcmeTestSession session{server.directoryUrl(), server.httpsCaPem()};
    KeySigner account;
    std::string kid;

    // `accountKey`: the account's (an existing one's, after a restart), else a new one
    EngineClient(ChallTestSrv& challtestsrv, const MockAcmeConfig& config, IClock* clock = nullptr,
                 const std::optional<PrivateKey>& accountKey = std::nullopt)
        : srv(challtestsrv),
          server(config, clock),
          account(accountKey ? *accountKey : PrivateKey::generate(KeyType::EcP256)),
          kid(session.newAccount(account)) {}

    struct Started {
        test::Reply order;
        std::string authzUrl;
        test::Reply challenge;  // the answer to the POST that started the validation
    };

    // Orders `name`, has challtestsrv answer its http-01 challenge (rightly or
    // not), and starts the validation.
    Started startHttp01(const std::string& name, bool answerRight) {
        auto order = session.post(session.dir("newOrder"), account, kid,
                                  R"({"identifiers":[{"type":"dns","value":")" + name + R"("}]})");
        const std::string authzUrl = order.json()->getArray("authorizations")->getElement<std::string>(0);
        auto challenges = session.post(authzUrl, account, kid, "").json()->getArray("challenges");
        for (std::size_t i = 0; i < challenges->size(); ++i) {
            auto c = challenges->getObject(static_cast<unsigned>(i));
            if (c->getValue<std::string>("type") != "http-01") continue;
            const std::string token = c->getValue<std::string>("token");
            const std::string content = answerRight ? KeyAuthorization::compute(token, account.publicJwk()) : "nope";
            srv.call("/add-http01", R"({"token":")" + token + R"(","content":")" + content + R"("})");
            return {std::move(order), authzUrl, session.post(c->getValue<std::string>("url"), account, kid, "{}")};
        }
        throw std::runtime_error("mock-acme offered no http-01 challenge for " + name);
    }

    // `count` names PREFIX0.example.test …, each answered rightly and its
    // validation started (and still processing); their authorization URLs.
    std::vector<std::string> startProcessing(const std::string& prefix, int count) {
        std::vector<std::string> authzs;
        for (int i = 0; i < count; ++i) {
            const auto started = startHttp01(prefix + std::to_string(i) + ".example.test", true);
            BOOST_REQUIRE(started.challenge.str("status") == "processing");
            authzs.push_back(started.authzUrl);
        }
        return authzs;
    }

    std::string authzStatus(const std::string& authzUrl) {
        return session.post(authzUrl, account, kid, "").str("status");
    }

    // The status once the validation's worker is done with it (at most 10 s).
    std::string settledStatus(const std::string& authzUrl) {
        std::string status = authzStatus(authzUrl);
        for (int i = 0; i < 500 && status == "pending"; ++i) {
            std::this_thread::sleep_for(20ms);
            status = authzStatus(authzUrl);
        }
        return status;
    }
};

struct Fixture {
    ChallTestSrv srv;
    Jwk account = Jwk::fromPublicKey(PrivateKey::generate(KeyType::EcP256).publicKey());
    ChallengeValidator validator{srv.config(), 5s};

    ValidationRequest request(const std::string& type, const std::string& name, const std::string& token) {
        return ValidationRequest{type, Identifier::fromName(name), token, KeyAuthorization::compute(token, account), ""};
    }
};

std::string typeOf(const std::optional<AcmeProblem>& p) { return p ? p->shortType() : "ok"; }
std::string detailOf(const std::optional<AcmeProblem>& p) { return p ? p->detail() : "(validated)"; }
// the HTTP status the problem document carries, as Boulder's: 403 for unauthorized, 400 for the rest
int statusOf(const std::optional<AcmeProblem>& p) { return p ? p->status() : 0; }

// What a stand-in server does with a connection: reads what comes first (a request, a
// ClientHello), then resets the connection (SO_LINGER 0), or closes its side.
void resetAfterReading(Poco::Net::StreamSocket& peer) {
    char first[4096];
    peer.receiveBytes(first, sizeof first);
    peer.setLinger(true, 0);
    peer.close();
}

void hangUpAfterReading(Poco::Net::StreamSocket& peer) {
    char first[4096];
    peer.receiveBytes(first, sizeof first);
    peer.shutdownSend();
}

// A raw redirect answer (without a Location when `to` is empty).
std::string redirectAnswer(int status, const std::string& to) {
    return "HTTP/1.1 " + std::to_string(status) + " Moved\r\n" + (to.empty() ? "" : "Location: " + to + "\r\n") +
           "Content-Length: 0\r\nConnection: close\r\n\r\n";
}

// What `validating` (the http-01 port) makes of nine redirects from `tokenPath` (307, then 301
// and 308 in turn) to `answer`, and of the same chain with a tenth redirect where the answer was.
std::pair<std::optional<AcmeProblem>, std::optional<AcmeProblem>> nineAndTenRedirects(
    std::map<std::string, std::string> answers, const std::string& tokenPath, const std::string& answer,
    const std::function<std::optional<AcmeProblem>(std::uint16_t)>& validating) {
    answers[tokenPath] = redirectAnswer(307, "/hop1");
    for (int hop = 1; hop < 9; ++hop)
        answers["/hop" + std::to_string(hop)] = redirectAnswer(hop % 2 ? 301 : 308, "/hop" + std::to_string(hop + 1));
    answers["/hop9"] = answer;
    test::StandInServer nineHops(answers);
    answers["/hop9"] = redirectAnswer(302, "/hop10");
    test::StandInServer tenHops(answers);
    return {validating(nineHops.port()), validating(tenHops.port())};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(validator, Fixture)

BOOST_AUTO_TEST_CASE(http01) {
    const auto req = request("http-01", "h.example.test", "tokenHttp01aaaaaaaaaaaa");
    BOOST_TEST(typeOf(validator.validate(req)) != "ok");  // nothing served yet
    srv.call("/add-http01", R"({"token":")" + req.token + R"(","content":")" + req.keyAuthorization + R"("})");
    BOOST_TEST(typeOf(validator.validate(req)) == "ok");
    srv.call("/add-http01", R"({"token":")" + req.token + R"(","content":"wrong"})");
    const auto wrong = validator.validate(req);
    BOOST_TEST(typeOf(wrong) == "unauthorized");  // as Let's Encrypt and pebble, in Boulder's words
    BOOST_TEST(detailOf(wrong) == "The key authorization file from the server did not match this challenge. "
                                  "Expected \"" + req.keyAuthorization + "\" (got \"wrong\")");
}

// RFC 8555 §8.3: redirects are followed, as Let's Encrypt and pebble follow
// them: to http, and to https under any certificate (challtestsrv's own); a
// reference without a host keeps the port, one with a host and no port goes to
// the scheme's validation port (http-01's, or the TLS port for https). At most
// 10; other schemes and loops are connection problems naming the URL.
BOOST_AUTO_TEST_CASE(http01_follows_redirects_to_http_and_https) {
    MockAcmeConfig c = srv.config();
    c.tlsAlpn01Port = srv.https;  // where https without a port goes
    ChallengeValidator following(c, 5s);
    int tokens = 0;
    // a request whose token redirects to `target`, and whose answer is served at /landing-N
    const auto redirected = [&](const std::function<std::string(const std::string& landing)>& target) {
        auto req = request("http-01", "redirected.example.test", "tokenRedirect" + std::to_string(++tokens));
        const std::string landing = "landing" + std::to_string(tokens);
        srv.call("/add-http01", R"({"token":")" + landing + R"(","content":")" + req.keyAuthorization + R"("})");
        srv.call("/add-redirect", R"({"path":"/.well-known/acme-challenge/)" + req.token + R"(","targetURL":")" +
                                      target("/.well-known/acme-challenge/" + landing) + R"("})");
        return following.validate(req);
    };
    const std::string http = std::to_string(srv.http), https = std::to_string(srv.https);
    // each target (its path added) is followed to the right answer
    for (const std::string& target : {std::string("http://elsewhere.example.test:" + http), std::string("https://elsewhere.example.test:" + https), std::string("https://elsewhere.example.test"), std::string("http://elsewhere.example.test"), std::string(), std::string("https://127.0.0.1:" + https)}) {
        const auto followed = redirected([&](const std::string& p) { return target + p; });
        BOOST_TEST(typeOf(followed) == "ok", target << ": " << (followed ? followed->detail() : ""));
    }
    // a redirect to an address goes there, not where names go (nothing listens on 127.0.0.2)
    {
        const auto elsewhere = redirected([&](const std::string& p) { return "http://127.0.0.2:" + http + p; });
        BOOST_TEST(typeOf(elsewhere) == "connection");
        BOOST_TEST(elsewhere->detail().find("http://127.0.0.2:" + http + "/") != std::string::npos, elsewhere->detail());
    }
    // the landing page's answer is what counts
    {
        auto req = request("http-01", "redirected.example.test", "tokenRedirectWrong");
        srv.call("/add-http01", R"({"token":"landingWrong","content":"not the key authorization"})");
        srv.call("/add-redirect", R"({"path":"/.well-known/acme-challenge/tokenRedirectWrong","targetURL":"http://elsewhere.example.test:)" +
                                      http + R"(/.well-known/acme-challenge/landingWrong"})");
        BOOST_TEST(typeOf(following.validate(req)) == "unauthorized");
    }
    {
        auto req = request("http-01", "loop.example.test", "tokenLoop");
        const std::string self = "http://loop.example.test:" + http + "/.well-known/acme-challenge/tokenLoop";
        srv.call("/add-redirect", R"({"path":"/.well-known/acme-challenge/tokenLoop","targetURL":")" + self + R"("})");
        const auto loop = following.validate(req);
        BOOST_TEST(typeOf(loop) == "connection");
        BOOST_TEST(detailOf(loop) == "127.0.0.1: Fetching " + self + ": redirect loop detected");
        MockAcmeConfig pebbleRules = c;
        pebbleRules.validationRules = MockAcmeConfig::ValidationRules::Pebble;
        // as Go's client: ten requests, the tenth's Location named as it was written
        const auto tenRedirects = ChallengeValidator(pebbleRules, 5s).validate(req);
        BOOST_TEST(typeOf(tenRedirects) == "connection");
        BOOST_TEST(detailOf(tenRedirects) == "Get \"" + self + "\": stopped after 10 redirects");
    }
    // other schemes: in Boulder's words by default, in Go's client's by pebble's rules
    MockAcmeConfig pebbleRules = c;
    pebbleRules.validationRules = MockAcmeConfig::ValidationRules::Pebble;
    ChallengeValidator pebbleFollowing(pebbleRules, 5s);
    for (const auto& [target, scheme] : std::map<std::string, std::string>{{"ftp://elsewhere.example.test/x", "ftp"},
                                                                           {"file:///etc/passwd", "file"}}) {
        auto req = request("http-01", "scheme.example.test", "tokenScheme" + std::to_string(++tokens));
        srv.call("/add-redirect", R"({"path":"/.well-known/acme-challenge/)" + req.token + R"(","targetURL":")" + target + R"("})");
        const auto refused = following.validate(req);
        BOOST_TEST(typeOf(refused) == "connection", target);
        BOOST_TEST(detailOf(refused) == "127.0.0.1: Fetching " + target +
                                            ": invalid protocol scheme: only \"http\" and \"https\" are supported, not \"" +
                                            scheme + "\"");
        const auto refusedToo = pebbleFollowing.validate(req);
        BOOST_TEST(typeOf(refusedToo) == "connection", target);
        BOOST_TEST(detailOf(refusedToo) == "Get \"" + target + "\": unsupported protocol scheme \"" + scheme + "\"");
    }
    // what each rule makes of a redirect from TOKEN's path to the https URL TARGET, whose port is `httpsPort`
    const auto byBothRules = [&](std::uint16_t httpsPort, const std::string& token, const std::string& target) {
        MockAcmeConfig config = c;
        config.tlsAlpn01Port = httpsPort;
        const auto req = request("http-01", "https.example.test", token);
        srv.call("/add-redirect", R"({"path":"/.well-known/acme-challenge/)" + token + R"(","targetURL":")" + target + R"("})");
        const auto byBoulder = ChallengeValidator(config, 2s).validate(req);
        config.validationRules = MockAcmeConfig::ValidationRules::Pebble;
        return std::make_pair(byBoulder, ChallengeValidator(config, 2s).validate(req));
    };
    // nothing listens on https's port: a connection problem naming the target as it was written
    // (the port dialled stands for 443), and by pebble's rules the address and port dialled
    {
        const std::uint16_t closed = freePort();
        const auto [refused, byPebble] = byBothRules(closed, "tokenClosed", "https://elsewhere.example.test/x");
        BOOST_TEST(typeOf(refused) == "connection");
        BOOST_TEST(detailOf(refused) == "127.0.0.1: Fetching https://elsewhere.example.test/x: Connection refused");
        BOOST_TEST(detailOf(byPebble) == "Get \"https://elsewhere.example.test/x\": dial tcp 127.0.0.1:" + std::to_string(closed) +
                                             ": connect: connection refused");
    }
    // an https target whose server ends the handshake with an alert (a name it does not serve):
    // Go's words for the alert, a tls problem to Boulder
    {
        test::TempDir dir;
        const std::string base = (dir.path / "only").string();
        BOOST_REQUIRE(std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=only "
                                   "-keyout " + base + ".key -out " + base + ".pem 2>/dev/null")
                                      .c_str()) == 0);
        const std::uint16_t alerting = freePort();
        ChildProcess server("openssl s_server -quiet -accept 127.0.0.1:" + std::to_string(alerting) + " -cert " + base +
                            ".pem -key " + base + ".key -cert2 " + base + ".pem -key2 " + base +
                            ".key -servername only.example.test -servername_fatal -naccept 3 >/dev/null 2>&1");
        BOOST_REQUIRE(waitForPort(alerting));
        const auto [alert, byPebble] = byBothRules(alerting, "tokenAlert", "https://elsewhere.example.test/z");
        BOOST_TEST(typeOf(alert) == "tls");
        BOOST_TEST(detailOf(alert) == "127.0.0.1: Fetching https://elsewhere.example.test/z: remote error: tls: unrecognized name");
        BOOST_TEST(typeOf(byPebble) == "connection");
        BOOST_TEST(detailOf(byPebble) == "Get \"https://elsewhere.example.test/z\": remote error: tls: unrecognized name");
    }
    // https where plain HTTP answers: by Boulder's rules Go's client's error is none Boulder
    // names (Go replaces the TLS record's), by pebble's Go's words
    {
        const auto [refused, byPebble] = byBothRules(srv.http, "tokenPlain", "https://elsewhere.example.test/y");
        BOOST_TEST(typeOf(refused) == "connection");
        BOOST_TEST(detailOf(refused) == "127.0.0.1: Fetching https://elsewhere.example.test/y: Error getting validation data");
        BOOST_TEST(detailOf(byPebble) == "Get \"https://elsewhere.example.test/y\": http: server gave HTTP response to HTTPS client");
    }
}

// Where a redirect may lead: by Boulder's rules (the default) an explicit port must be one of
// the two validation ports (Let's Encrypt's 80 and 443), and a host that ends in ".well-known"
// or is empty is refused, each in Boulder's words, as a connection problem naming the URL;
// pebble's follow any http or https URL, as Go's client does.
BOOST_AUTO_TEST_CASE(http01_redirects_by_boulders_rules_or_pebbles) {
    MockAcmeConfig c = srv.config();  // validation ports: challtestsrv's http-01 and tls-alpn-01 ones
    ChallengeValidator boulder(c, 5s);
    MockAcmeConfig pebbleRules = c;
    pebbleRules.validationRules = MockAcmeConfig::ValidationRules::Pebble;
    ChallengeValidator pebble(pebbleRules, 5s);
    const std::string http = std::to_string(srv.http), tls = std::to_string(srv.tls), https = std::to_string(srv.https);
    int tokens = 0;
    const auto redirecting = [&](const std::string& target) {
        auto req = request("http-01", "ports.example.test", "tokenPorts" + std::to_string(++tokens));
        srv.call("/add-http01", R"({"token":"landingPorts","content":")" + req.keyAuthorization + R"("})");
        srv.call("/add-redirect", R"({"path":"/.well-known/acme-challenge/)" + req.token + R"(","targetURL":")" + target + R"("})");
        return req;
    };
    // challtestsrv's HTTPS port is not a validation port here: followed by pebble's rules alone
    const std::string elsewhere = "https://elsewhere.example.test:" + https + "/.well-known/acme-challenge/landingPorts";
    auto req = redirecting(elsewhere);
    const auto refused = boulder.validate(req);
    BOOST_TEST(typeOf(refused) == "connection");
    BOOST_TEST(detailOf(refused) == "127.0.0.1: Fetching " + elsewhere + ": invalid port " + https + ": must be " + http + " or " + tls);
    const auto followed = pebble.validate(req);
    BOOST_TEST(typeOf(followed) == "ok", detailOf(followed));
    // an explicit port that is the http-01 one is followed by both
    req = redirecting("http://elsewhere.example.test:" + http + "/.well-known/acme-challenge/landingPorts");
    BOOST_TEST(typeOf(boulder.validate(req)) == "ok");
    BOOST_TEST(typeOf(pebble.validate(req)) == "ok");
    // a site's redirect missing the '/' after its host
    const std::string missingSlash = "http://ports.example.test.well-known/acme-challenge/landingPorts";
    req = redirecting(missingSlash);
    const auto noSlash = boulder.validate(req);
    BOOST_TEST(typeOf(noSlash) == "connection");
    BOOST_TEST(detailOf(noSlash) == "127.0.0.1: Fetching " + missingSlash +
                                        ": invalid host in redirect target \"ports.example.test.well-known\": check webserver "
                                        "config for missing '/' in redirect target");
    // no host at all
    req = redirecting("http:///.well-known/acme-challenge/landingPorts");
    const auto noHost = boulder.validate(req);
    BOOST_TEST(typeOf(noHost) == "connection");
    BOOST_TEST(detailOf(noHost) == "127.0.0.1: Fetching http:///.well-known/acme-challenge/landingPorts: invalid host: host must be non-empty");
    BOOST_TEST(detailOf(pebble.validate(req)) == "Get \"http:///.well-known/acme-challenge/landingPorts\": http: no Host in request URL");
    // with the Public Suffix List Let's Encrypt's names are judged by, a host must end in an ICANN suffix
    MockAcmeConfig listed = c;
    listed.publicSuffixList = "/usr/share/publicsuffix/public_suffix_list.dat";
    ChallengeValidator boulderListed(listed, 5s);
    const std::string test = "http://elsewhere.example.test:" + http + "/.well-known/acme-challenge/landingPorts";
    req = redirecting(test);
    BOOST_TEST(detailOf(boulderListed.validate(req)) ==
               "127.0.0.1: Fetching " + test + ": invalid host: must end in IANA registered TLD");
    BOOST_TEST(typeOf(boulder.validate(req)) == "ok");  // without the list, .test is taken
    for (const std::string& target : {"http://elsewhere.example.com:" + http, "http://127.0.0.1:" + http}) {
        req = redirecting(target + "/.well-known/acme-challenge/landingPorts");
        BOOST_TEST(typeOf(boulderListed.validate(req)) == "ok", target << ": " << detailOf(boulderListed.validate(req)));
    }
    // an address with an IPv6 scope zone is refused (before, it was taken for a name and resolved)
    const std::string zoned = "http://[fe80::1%25lo]:" + http + "/.well-known/acme-challenge/landingPorts";
    req = redirecting(zoned);
    const auto zone = boulder.validate(req);
    BOOST_TEST(typeOf(zone) == "connection");
    BOOST_TEST(detailOf(zone) == "127.0.0.1: Fetching " + zoned + ": invalid host: contains IPv6 scope zone");
    // with refuseReservedAddresses, an address in a reserved block as Let's Encrypt refuses it;
    // without, loopback is followed (tests validate there)
    MockAcmeConfig reserved = c;
    reserved.refuseReservedAddresses = true;
    ChallengeValidator boulderReserved(reserved, 5s);
    const std::string loopback = "http://127.0.0.1:" + http + "/.well-known/acme-challenge/landingPorts";
    req = redirecting(loopback);
    BOOST_TEST(typeOf(boulder.validate(req)) == "ok");
    const auto refusedLoopback = boulderReserved.validate(req);
    BOOST_TEST(typeOf(refusedLoopback) == "connection");
    BOOST_TEST(detailOf(refusedLoopback) == "127.0.0.1: Fetching " + loopback +
                                                ": invalid host: IP address is in a reserved address block: [RFC1122], "
                                                "Section 3.2.1.3: Loopback");
    const std::string privateUse = "http://10.10.10.10/.well-known/acme-challenge/landingPorts";
    req = redirecting(privateUse);
    BOOST_TEST(detailOf(boulderReserved.validate(req)) ==
               "127.0.0.1: Fetching " + privateUse + ": invalid host: IP address is in a reserved address block: [RFC1918]: Private-Use");
    // a name is not an address: followed as before
    req = redirecting("http://elsewhere.example.test:" + http + "/.well-known/acme-challenge/landingPorts");
    BOOST_TEST(typeOf(boulderReserved.validate(req)) == "ok");
}

// How much of an answer counts. By Boulder's rules (the default) a body over 128 bytes is refused
// as Boulder's reader refuses it; by pebble's, one over mock-acme's 8 KiB.
// White space after the key authorization is ignored, and none before it, by both.
BOOST_AUTO_TEST_CASE(http01_reads_a_body_as_the_rules_say) {
    MockAcmeConfig pebbleRules = srv.config();
    pebbleRules.validationRules = MockAcmeConfig::ValidationRules::Pebble;
    ChallengeValidator pebble(pebbleRules, 5s);
    const auto req = request("http-01", "big.example.test", "tokenBig");
    const auto serve = [&](const std::string& jsonContent) {
        srv.call("/add-http01", R"({"token":"tokenBig","content":")" + jsonContent + R"("})");
    };
    // 128 bytes, trailing white space: taken by both
    const std::string fill(128 - req.keyAuthorization.size(), ' ');
    serve(req.keyAuthorization + fill);
    BOOST_TEST(typeOf(validator.validate(req)) == "ok", detailOf(validator.validate(req)));
    BOOST_TEST(typeOf(pebble.validate(req)) == "ok");
    // 129: over Boulder's limit
    const std::string overLimit = "127.0.0.1: Error reading HTTP response body: reader size limit exceeded";
    serve(req.keyAuthorization + fill + "\\t");
    const auto full = validator.validate(req);
    BOOST_TEST(typeOf(full) == "unauthorized");
    BOOST_TEST(detailOf(full) == overLimit);
    BOOST_TEST(typeOf(pebble.validate(req)) == "ok");
    // up to 8 KiB by pebble's rules; over it, refused by both, however it starts
    serve(req.keyAuthorization + std::string(8000, ' '));
    BOOST_TEST(typeOf(pebble.validate(req)) == "ok");
    BOOST_TEST(typeOf(validator.validate(req)) == "unauthorized");
    serve(req.keyAuthorization + std::string(8200, ' ') + "x");
    const auto big = pebble.validate(req);
    BOOST_TEST(typeOf(big) == "unauthorized");
    BOOST_TEST(detailOf(big).find("over 8 KiB") != std::string::npos, detailOf(big));
    BOOST_TEST(detailOf(validator.validate(req)) == overLimit);
    // other white space after it: ignored; any before it: not
    serve(req.keyAuthorization + "\\r\\n\\t \\n");
    BOOST_TEST(typeOf(validator.validate(req)) == "ok");
    BOOST_TEST(typeOf(pebble.validate(req)) == "ok");
    for (const std::string before : {" ", "\\n", "\\t"}) {
        serve(before + req.keyAuthorization);
        BOOST_TEST(typeOf(validator.validate(req)) == "unauthorized", before);
        BOOST_TEST(typeOf(pebble.validate(req)) == "unauthorized", before);
    }
    // in pebble's words by its rules
    serve("\\n" + req.keyAuthorization);
    BOOST_TEST(detailOf(pebble.validate(req)) == "The key authorization file from the server did not match "
                                                 "this challenge \"" + req.keyAuthorization + "\" != \"\\n" +
                                                 req.keyAuthorization + "\"");
}

// An answer is whole only to its Content-Length, or to its last chunk and the trailer
// section's end (RFC 9112 §6.3), as a CA's Go client reads it: one cut short just after the
// key authorization, which a reader that stops quietly at the connection's end would take
// for the answer, is refused (by Boulder's rules as its reader's error, by pebble's as its
// server's error, in Go's words). A redirect's body is not read.
BOOST_AUTO_TEST_CASE(http01_refuses_an_answer_cut_short_or_framed_wrong) {
    std::map<std::string, std::string> answers;  // by path, the raw answer
    const auto path = [](const std::string& token) { return "/.well-known/acme-challenge/" + token; };
    const auto withLength = [](const std::string& body, std::size_t length) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(length) + "\r\nConnection: close\r\n\r\n" + body;
    };
    const auto chunked = [](const std::string& body, bool last) {
        char size[32];
        std::snprintf(size, sizeof size, "%zx", body.size());
        return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + std::string(size) + "\r\n" + body +
               "\r\n" + (last ? "0\r\n\r\n" : "");
    };
    std::map<std::string, ValidationRequest> requests;
    for (const std::string token : {"wholeLength", "wholeChunked", "cutLength", "cutChunked", "redirected", "chunksOverLength",
                                    "gzipped", "badLength", "notFound"})
        requests.emplace(token, request("http-01", "cut.example.test", token));
    answers[path("wholeLength")] = withLength(requests.at("wholeLength").keyAuthorization, requests.at("wholeLength").keyAuthorization.size());
    answers[path("wholeChunked")] = chunked(requests.at("wholeChunked").keyAuthorization, true);
    answers[path("cutLength")] = withLength(requests.at("cutLength").keyAuthorization, requests.at("cutLength").keyAuthorization.size() + 10);
    answers[path("cutChunked")] = chunked(requests.at("cutChunked").keyAuthorization, false);
    // a redirect whose own body is cut short, to a whole answer
    answers[path("redirected")] = "HTTP/1.1 302 Found\r\nLocation: " + path("landing") + "\r\nContent-Length: 100\r\n\r\nmoved";
    answers[path("landing")] = withLength(requests.at("redirected").keyAuthorization, requests.at("redirected").keyAuthorization.size());
    // chunks and a length: the chunks' (RFC 9112 §6.3), a length the answer does not have ignored
    answers[path("chunksOverLength")] = "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n" +
                                        chunked(requests.at("chunksOverLength").keyAuthorization, true).substr(17);
    // a transfer coding not asked for, and a length that does not read: no framing to trust,
    // though the key authorization is what the body would be
    answers[path("gzipped")] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n" +
                               requests.at("gzipped").keyAuthorization;
    answers[path("badLength")] = "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\nConnection: close\r\n\r\n" +
                                 requests.at("badLength").keyAuthorization;
    answers[path("notFound")] = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found";
    test::StandInServer server(answers);
    MockAcmeConfig c = srv.config();
    c.http01Port = server.port();
    ChallengeValidator strict(c, 5s);
    // another status than 200: unauthorized, in the words of the CA whose rules are kept
    const std::string notFoundUrl = "http://cut.example.test:" + std::to_string(server.port()) + path("notFound");
    BOOST_TEST(detailOf(strict.validate(requests.at("notFound"))) == "127.0.0.1: Invalid response from " + notFoundUrl + ": 404");
    MockAcmeConfig pebbleRules = c;
    pebbleRules.validationRules = MockAcmeConfig::ValidationRules::Pebble;
    BOOST_TEST(detailOf(ChallengeValidator(pebbleRules, 5s).validate(requests.at("notFound"))) ==
               "Non-200 status code from HTTP: " + notFoundUrl + " returned 404");
    for (const std::string token : {"wholeLength", "wholeChunked", "redirected", "chunksOverLength"}) {
        const auto taken = strict.validate(requests.at(token));
        BOOST_TEST(typeOf(taken) == "ok", token << ": " << (taken ? taken->detail() : ""));
    }
    // by Boulder's rules: a body that ends early is its reader's error; framing Go's client does
    // not take fails the request, in Boulder's words
    for (const std::string token : {"cutLength", "cutChunked"}) {
        const auto refused = strict.validate(requests.at(token));
        BOOST_TEST(typeOf(refused) == "unauthorized", token);
        BOOST_TEST(detailOf(refused) == "127.0.0.1: Error reading HTTP response body: unexpected EOF");
    }
    for (const std::string token : {"gzipped", "badLength"}) {
        const auto refused = strict.validate(requests.at(token));
        BOOST_TEST(typeOf(refused) == "connection", token);
        BOOST_TEST(detailOf(refused) == "127.0.0.1: Fetching http://cut.example.test:" + std::to_string(server.port()) +
                                            path(token) + ": Error getting validation data");
    }
    // by pebble's: a body cut short is pebble's own error, in Go's reader's words; framing that
    // does not read fails the request (Go's client's words for it are mock-acme's own)
    ChallengeValidator pebble(pebbleRules, 5s);
    for (const std::string token : {"cutLength", "cutChunked"}) {
        const auto refused = pebble.validate(requests.at(token));
        BOOST_TEST(typeOf(refused) == "serverInternal", token);
        BOOST_TEST(statusOf(refused) == 500);
        BOOST_TEST(detailOf(refused) == "unexpected EOF");
    }
    const std::map<std::string, std::string> unframed = {
        {"gzipped", "an answer in a transfer coding other than chunked alone: \"gzip\""},
        {"badLength", "a Content-Length that does not read: \"0x10\""},
    };
    for (const auto& [token, words] : unframed) {
        const auto refused = pebble.validate(requests.at(token));
        BOOST_TEST(typeOf(refused) == "connection", token);
        const std::string url = "http://cut.example.test:" + std::to_string(server.port()) + path(token);
        BOOST_TEST(detailOf(refused) == "Get \"" + url + "\": " + words);
    }
}

// What goes wrong below HTTP, and the redirects Boulder will not follow, in Boulder's words
// (its VA's detailedError): the address, the URL, then what happened.
BOOST_AUTO_TEST_CASE(failures_below_http_in_boulders_words) {
    const auto req = request("http-01", "low.example.test", "tokenLow");
    const auto validating = [&](std::uint16_t http01Port, std::chrono::milliseconds timeout = 5s) {
        MockAcmeConfig c = srv.config();
        c.http01Port = http01Port;
        return ChallengeValidator(c, timeout).validate(req);
    };
    const auto url = [&](std::uint16_t port, const std::string& path) {
        return "http://low.example.test:" + std::to_string(port) + path;
    };
    const std::string tokenPath = "/.well-known/acme-challenge/tokenLow";
    // nothing listens
    const std::uint16_t closed = freePort();
    const auto refused = validating(closed);
    BOOST_TEST(typeOf(refused) == "connection");
    BOOST_TEST(statusOf(refused) == 400);
    BOOST_TEST(detailOf(refused) == "127.0.0.1: Fetching " + url(closed, tokenPath) + ": Connection refused");
    {
        MockAcmeConfig c = srv.config();
        c.tlsAlpn01Port = closed;
        const auto alpnRefused = ChallengeValidator(c, 5s).validate(request("tls-alpn-01", "low.example.test", "tokenLow"));
        BOOST_TEST(detailOf(alpnRefused) == "127.0.0.1: Connection refused");
        c.validationRules = MockAcmeConfig::ValidationRules::Pebble;  // pebble says only where it dialled
        const auto byPebble = ChallengeValidator(c, 5s).validate(request("tls-alpn-01", "low.example.test", "tokenLow"));
        BOOST_TEST(typeOf(byPebble) == "unauthorized");
        BOOST_TEST(detailOf(byPebble) == "Failed to connect to 127.0.0.1:" + std::to_string(closed) + " for the tls-alpn-01 challenge");
    }
    // its queue of connections is full (a listener with a backlog of none, holding one): the
    // kernel drops the next one's SYN, as a firewall does
    {
        Poco::Net::ServerSocket full(Poco::Net::SocketAddress("127.0.0.1", 0), 0);
        Poco::Net::StreamSocket holding(full.address());
        const auto dropped = validating(full.address().port(), 1s);
        BOOST_TEST(typeOf(dropped) == "connection");
        BOOST_TEST(detailOf(dropped) == "127.0.0.1: Fetching " + url(full.address().port(), tokenPath) +
                                            ": Timeout during connect (likely firewall problem)");
    }
    // it takes the connection and says nothing
    {
        Poco::Net::ServerSocket mute(Poco::Net::SocketAddress("127.0.0.1", 0));
        const auto silent = validating(mute.address().port(), 1s);
        BOOST_TEST(typeOf(silent) == "connection");
        BOOST_TEST(detailOf(silent) == "127.0.0.1: Fetching " + url(mute.address().port(), tokenPath) +
                                           ": Timeout after connect (your server may be slow or overloaded)");
    }
    // tls-alpn-01's handshake: no answer in time, the connection closed or reset, in Boulder's words
    {
        Poco::Net::ServerSocket mute(Poco::Net::SocketAddress("127.0.0.1", 0));
        MockAcmeConfig c = srv.config();
        c.tlsAlpn01Port = mute.address().port();
        const auto tls = request("tls-alpn-01", "low.example.test", "tokenLow");
        const auto silent = ChallengeValidator(c, 1s).validate(tls);
        BOOST_TEST(typeOf(silent) == "connection");
        BOOST_TEST(detailOf(silent) == "127.0.0.1: Timeout after connect (your server may be slow or overloaded)");
        test::StandInServer hangingUp(hangUpAfterReading);
        c.tlsAlpn01Port = hangingUp.port();
        BOOST_TEST(detailOf(ChallengeValidator(c, 5s).validate(tls)) == "127.0.0.1: Error getting validation data");
        test::StandInServer resetting(resetAfterReading);
        c.tlsAlpn01Port = resetting.port();
        BOOST_TEST(detailOf(ChallengeValidator(c, 5s).validate(tls)) == "127.0.0.1: Connection reset by peer");
    }
    // it resets the connection when asked
    {
        test::StandInServer resetting(resetAfterReading);
        const auto reset = validating(resetting.port());
        BOOST_TEST(detailOf(reset) == "127.0.0.1: Fetching " + url(resetting.port(), tokenPath) + ": Connection reset by peer");
    }
    // an HTTP/2 server where HTTP/1.1 was asked (its SETTINGS frame, 18 bytes of settings, as
    // Go's h2c server sends it): Boulder names it, by what Go's client quotes of the frame; a
    // frame whose length byte Go's %q shows as "\f" escapes Boulder's pattern
    for (const char length : {'\x12', '\x0c'}) {
        test::StandInServer http2([length](Poco::Net::StreamSocket& peer) {
            char request[4096];
            peer.receiveBytes(request, sizeof request);
            std::string frame("\x00\x00", 2);
            frame += length;
            frame += std::string("\x04\x00\x00\x00\x00\x00", 6) + std::string(static_cast<unsigned char>(length), '\x01');
            peer.sendBytes(frame.data(), static_cast<int>(frame.size()));
            peer.shutdownSend();
        });
        BOOST_TEST(detailOf(validating(http2.port())) == "127.0.0.1: Fetching " + url(http2.port(), tokenPath) + ": " +
                                                         (length == '\x12' ? "Server is speaking HTTP/2 over HTTP"
                                                                            : "Error getting validation data"));
    }
    // redirects: a status outside 301, 302, 307 and 308; a Location missing; ten requests at most
    std::map<std::string, std::string> answers;
    answers[tokenPath] = redirectAnswer(303, "/see-other");
    test::StandInServer seeOther(answers);
    const auto disallowed = validating(seeOther.port());
    BOOST_TEST(typeOf(disallowed) == "connection");
    BOOST_TEST(detailOf(disallowed) == "127.0.0.1: Received disallowed redirect status code 303");
    answers[tokenPath] = redirectAnswer(302, "");
    test::StandInServer nowhere(answers);
    BOOST_TEST(detailOf(validating(nowhere.port())) ==
               "127.0.0.1: Fetching " + url(nowhere.port(), tokenPath) + ": Invalid Location header in 302 redirect");
    // nine redirects and the answer: ten requests, taken; one redirect more is too many
    const auto [nine, ten] = nineAndTenRedirects(answers, tokenPath,
                                                 "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(req.keyAuthorization.size()) +
                                                     "\r\nConnection: close\r\n\r\n" + req.keyAuthorization,
                                                 [&](std::uint16_t port) { return validating(port); });
    BOOST_TEST(typeOf(nine) == "ok", detailOf(nine));
    BOOST_TEST(typeOf(ten) == "connection");
    BOOST_TEST(detailOf(ten) == "Too many hops");
    // a site's plain HTTP on the TLS port
    {
        MockAcmeConfig c = srv.config();
        c.tlsAlpn01Port = srv.http;
        const auto plain = ChallengeValidator(c, 5s).validate(request("tls-alpn-01", "low.example.test", "tokenLow"));
        BOOST_TEST(typeOf(plain) == "malformed");
        BOOST_TEST(statusOf(plain) == 400);
        BOOST_TEST(detailOf(plain) == "127.0.0.1: Server only speaks HTTP, not TLS");
        c.validationRules = MockAcmeConfig::ValidationRules::Pebble;
        BOOST_TEST(detailOf(ChallengeValidator(c, 5s).validate(request("tls-alpn-01", "low.example.test", "tokenLow"))) ==
                   "Failed to connect to 127.0.0.1:" + std::to_string(srv.http) + " for the tls-alpn-01 challenge");
    }
}

// The same failures by pebble's rules, in the words Debian's pebble 2.4 gives: what its Go
// client (Go 1.19's net/http) said, as a connection problem; a body that does not read is its
// own error; redirects as Go's client follows them; a name that does not resolve, in its words.
BOOST_AUTO_TEST_CASE(failures_below_http_in_pebbles_words) {
    const auto req = request("http-01", "low.example.test", "tokenLow");
    const auto validating = [&](std::uint16_t http01Port, std::chrono::milliseconds timeout = 5s) {
        MockAcmeConfig c = srv.config();
        c.http01Port = http01Port;
        c.validationRules = MockAcmeConfig::ValidationRules::Pebble;
        return ChallengeValidator(c, timeout).validate(req);
    };
    const std::string tokenPath = "/.well-known/acme-challenge/tokenLow";
    const auto get = [&](std::uint16_t port, const std::string& path = "/.well-known/acme-challenge/tokenLow") {
        return "Get \"http://low.example.test:" + std::to_string(port) + path + "\": ";
    };
    const std::string deadline = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
    // nothing listens
    const std::uint16_t closed = freePort();
    const auto refused = validating(closed);
    BOOST_TEST(typeOf(refused) == "connection");
    BOOST_TEST(statusOf(refused) == 400);
    BOOST_TEST(detailOf(refused) == get(closed) + "dial tcp 127.0.0.1:" + std::to_string(closed) + ": connect: connection refused");
    // the SYN dropped, and a server that says nothing: the client's timeout, either way
    {
        Poco::Net::ServerSocket full(Poco::Net::SocketAddress("127.0.0.1", 0), 0);
        Poco::Net::StreamSocket holding(full.address());
        BOOST_TEST(detailOf(validating(full.address().port(), 1s)) == get(full.address().port()) + deadline);
        Poco::Net::ServerSocket mute(Poco::Net::SocketAddress("127.0.0.1", 0));
        const auto silent = validating(mute.address().port(), 1s);
        BOOST_TEST(typeOf(silent) == "connection");
        BOOST_TEST(detailOf(silent) == get(mute.address().port()) + deadline);
    }
    // a reset: Go names both ends of the connection (this end's port is the system's choice)
    {
        test::StandInServer resetting(resetAfterReading);
        const std::string reset = detailOf(validating(resetting.port()));
        const std::string far = "->127.0.0.1:" + std::to_string(resetting.port()) + ": read: connection reset by peer";
        BOOST_TEST(reset.starts_with(get(resetting.port()) + "read tcp 127.0.0.1:"), reset);
        BOOST_TEST(reset.ends_with(far), reset);
    }
    // closed with no answer at all
    std::map<std::string, std::string> answers;
    answers[tokenPath] = "";
    {
        test::StandInServer hangingUp(answers);
        BOOST_TEST(detailOf(validating(hangingUp.port())) == get(hangingUp.port()) + "EOF");
    }
    // a body that stops coming: pebble's own error, in Go's words for a timeout while reading a body
    {
        test::StandInServer stalling([](Poco::Net::StreamSocket& peer) {
            char buffer[4096];
            peer.receiveBytes(buffer, sizeof buffer);
            const std::string start = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome";
            peer.sendBytes(start.data(), static_cast<int>(start.size()));
            peer.receiveBytes(buffer, sizeof buffer);  // until the client gives up
        });
        const auto stalled = validating(stalling.port(), 1s);
        BOOST_TEST(typeOf(stalled) == "serverInternal");
        BOOST_TEST(statusOf(stalled) == 500);
        BOOST_TEST(detailOf(stalled) == "context deadline exceeded (Client.Timeout or context cancellation while reading body)");
    }
    // redirects as Go's client follows them: 301, 302, 303, 307 and 308 (another 3xx is the
    // answer, named by the first URL as pebble names it), ten requests at most
    const auto answer = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(req.keyAuthorization.size()) +
                        "\r\nConnection: close\r\n\r\n" + req.keyAuthorization;
    answers[tokenPath] = redirectAnswer(303, "/see-other");
    answers["/see-other"] = answer;
    answers["/multiple"] = redirectAnswer(300, "/see-other");
    {
        test::StandInServer seeOther(answers);
        BOOST_TEST(typeOf(validating(seeOther.port())) == "ok");
    }
    answers[tokenPath] = redirectAnswer(302, "/multiple");
    {
        test::StandInServer multiple(answers);
        const auto notFollowed = validating(multiple.port());
        BOOST_TEST(typeOf(notFollowed) == "unauthorized");
        BOOST_TEST(detailOf(notFollowed) == "Non-200 status code from HTTP: http://low.example.test:" +
                                                std::to_string(multiple.port()) + tokenPath + " returned 300");
    }
    const auto [nine, ten] = nineAndTenRedirects(answers, tokenPath, answer, [&](std::uint16_t port) { return validating(port); });
    BOOST_TEST(typeOf(nine) == "ok", detailOf(nine));
    BOOST_TEST(typeOf(ten) == "connection");
    BOOST_TEST(detailOf(ten) == "Get \"/hop10\": stopped after 10 redirects");
    // names that do not resolve (pebble asks its DNS server only with -dnsserver: --resolve-through-dns)
    MockAcmeConfig throughDns = srv.config();
    throughDns.resolveThroughDns = true;
    throughDns.validationRules = MockAcmeConfig::ValidationRules::Pebble;
    srv.call("/set-default-ipv4", R"({"ip":""})");
    srv.call("/set-default-ipv6", R"({"ip":""})");
    const auto none = request("http-01", "none.example.test", "tokenNone");
    const auto noneByHttp = ChallengeValidator(throughDns, 2s).validate(none);
    const auto noneByTls = ChallengeValidator(throughDns, 2s).validate(request("tls-alpn-01", "none.example.test", "tokenNone"));
    srv.call("/set-default-ipv4", R"({"ip":"127.0.0.1"})");
    srv.call("/set-default-ipv6", R"({"ip":"::1"})");
    BOOST_TEST(typeOf(noneByHttp) == "malformed");
    BOOST_TEST(detailOf(noneByHttp) == "Could not resolve URL \"http://none.example.test:" + std::to_string(srv.http) +
                                           "/.well-known/acme-challenge/tokenNone\"");
    BOOST_TEST(detailOf(noneByTls) == "Could not resolve URL \"none.example.test\"");
    // pebble reads an answer's records, not its response code: NXDOMAIN and SERVFAIL are no address too
    ChallengeDnsServer dns;
    dns.setDefaultIpv4("");  // (no address for a name without records, which is then NXDOMAIN)
    dns.setServfail("failing.example.test", true);
    throughDns.dnsServer = dns.address();
    for (const std::string name : {"gone.example.test", "failing.example.test"}) {
        const auto lost = ChallengeValidator(throughDns, 2s).validate(request("tls-alpn-01", name, "tokenNone"));
        BOOST_TEST(typeOf(lost) == "malformed", name);
        BOOST_TEST(detailOf(lost) == "Could not resolve URL \"" + name + "\"");
    }
    throughDns.dnsServer = "127.0.0.1:" + std::to_string(freePort());  // nothing there
    const auto unreachable = ChallengeValidator(throughDns, 2s).validate(none);
    BOOST_TEST(typeOf(unreachable) == "malformed");
    BOOST_TEST(detailOf(unreachable).starts_with("Error occurred while resolving URL \"http://none.example.test:" +
                                                 std::to_string(srv.http) + "/.well-known/acme-challenge/tokenNone\": \"" +
                                                 throughDns.dnsServer),
               detailOf(unreachable));
}

BOOST_AUTO_TEST_CASE(tls_alpn01) {
    const auto req = request("tls-alpn-01", "t.example.test", "tokenTlsAlpn01aaaaaaaaa");
    srv.call("/add-tlsalpn01", R"({"host":"t.example.test","content":")" + req.keyAuthorization + R"("})");
    BOOST_TEST(typeOf(validator.validate(req)) == "ok");
    srv.call("/add-tlsalpn01", R"({"host":"t.example.test","content":"other.key-authorization"})");
    const auto other = validator.validate(req);
    BOOST_TEST(typeOf(other) == "unauthorized");
    BOOST_TEST(detailOf(other) == "Incorrect validation certificate for tls-alpn-01 challenge. Requested t.example.test from "
                                  "127.0.0.1:" + std::to_string(srv.tls) + ". Received certificate with acmeValidationV1 "
                                  "extension value " +
                                      detail::hexEncode(KeyAuthorization::tlsAlpn01Digest("other.key-authorization")) +
                                      " but expected " +
                                      detail::hexEncode(KeyAuthorization::tlsAlpn01Digest(req.keyAuthorization)) + ".");
    // pebble's words by its rules
    MockAcmeConfig pebbleRules = srv.config();
    pebbleRules.validationRules = MockAcmeConfig::ValidationRules::Pebble;
    BOOST_TEST(detailOf(ChallengeValidator(pebbleRules, 5s).validate(req)) ==
               "Incorrect validation certificate for tls-alpn-01 challenge. Invalid acmeValidation extension value.");
    // a name the responder has no certificate for
    const auto none = validator.validate(request("tls-alpn-01", "none.example.test", "tok"));
    BOOST_TEST(typeOf(none) == "tls", detailOf(none));
    BOOST_TEST(statusOf(none) == 400);
}

// A challenge certificate Boulder would refuse (OpenSSL's s_server presents each, selecting
// acme-tls/1 unless told not to): not self-signed, the acmeIdentifier extension missing, not
// critical or malformed, another name or more names than the identifier, the name in another
// case than asked, no ALPN; each refused in Boulder's words, naming what was asked of whom.
// By pebble's rules, what pebble refuses of them, in pebble's words: it reads only a critical
// acmeIdentifier, as any OCTET STRING, and takes a name in any case and a certificate not self-signed.
BOOST_AUTO_TEST_CASE(tls_alpn01_refuses_a_certificate_as_boulder_does) {
    test::TempDir dir;
    const auto req = request("tls-alpn-01", "t.example.test", "tokenTlsAlpnExt");
    const std::string digest = detail::hexEncode(KeyAuthorization::tlsAlpn01Digest(req.keyAuthorization));
    const std::string sound = "-addext 1.3.6.1.5.5.7.1.31=critical,DER:0420" + digest;
    // BASE.key and BASE.pem, a P-256 certificate made by `openssl req -x509` with these arguments
    const auto makeCertificate = [](const std::string& base, const std::string& arguments) {
        BOOST_REQUIRE(std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 " + arguments +
                                   " -keyout " + base + ".key -out " + base + ".pem 2>/dev/null")
                                      .c_str()) == 0);
    };
    // `openssl s_server` on a free port presenting CERT, for `accepts` connections (one is
    // waitForPort's); the config validating against it
    const auto serving = [&](const std::string& cert, const std::string& key, const std::string& alpn, int accepts) {
        MockAcmeConfig config = srv.config();
        config.tlsAlpn01Port = freePort();
        auto server = std::make_unique<ChildProcess>("openssl s_server -quiet -accept 127.0.0.1:" +
                                                     std::to_string(config.tlsAlpn01Port) + " -cert " + cert + " -key " + key +
                                                     " " + alpn + " -naccept " + std::to_string(accepts) + " >/dev/null 2>&1");
        BOOST_REQUIRE(waitForPort(config.tlsAlpn01Port));
        return std::make_pair(config, std::move(server));
    };
    const std::string caBase = (dir.path / "ca").string();
    makeCertificate(caBase, "-subj /CN=ca");
    const auto pebbleNames = [](const std::string& names) {
        return "Requested {dns t.example.test} from t.example.test:PORT. Received 1 certificate(s), first certificate had "
               "names \"" + names + "\"";
    };
    struct Case {
        std::string arguments;  // of `openssl req -x509`, after the subject
        std::string sanList;
        std::string boulder;    // after "Requested t.example.test from ADDRESS:PORT. " ("" for none: validated)
        std::string pebble;     // after "Incorrect validation certificate for tls-alpn-01 challenge. " ("": validated)
    };
    const std::vector<Case> cases = {
        {"", "DNS:t.example.test",
         "Received certificate with unexpected extensions: \"Required extension OID 1.3.6.1.5.5.7.1.31 is not present\"",
         "Missing acmeValidationV1 extension."},
        {"-addext 1.3.6.1.5.5.7.1.31=DER:0420" + digest, "DNS:t.example.test",
         "Received certificate with acmeValidationV1 extension that is not Critical.", "Missing acmeValidationV1 extension."},
        {"-addext 1.3.6.1.5.5.7.1.31=critical,DER:0401ff", "DNS:t.example.test",
         "Received certificate with malformed acmeValidationV1 extension value.", "Invalid acmeValidation extension value."},
        {"-addext 1.3.6.1.5.5.7.1.31=critical,DER:0500", "DNS:t.example.test",
         "Received certificate with malformed acmeValidationV1 extension value.", "Malformed acmeValidation extension value."},
        {sound + " -CA " + caBase + ".pem -CAkey " + caBase + ".key", "DNS:t.example.test",
         "Received certificate which is not self-signed.", ""},
        {sound, "DNS:u.example.test",
         "Received certificate with unexpected identifiers (\"t, u.example.test\"): \"identifier does not match expected "
         "identifier\"",
         pebbleNames("t, u.example.test")},
        {sound, "DNS:t.example.test,DNS:www.t.example.test",
         "Received certificate with unexpected identifiers (\"t, t.example.test, www.t.example.test\"): \"wrong number of "
         "identifiers\"",
         pebbleNames("t, t.example.test, www.t.example.test")},
        {sound, "DNS:T.Example.test",
         "Received certificate with unexpected identifiers (\"t, t.example.test\"): \"SAN extension does not match expected "
         "bytes\"",
         ""},
        {sound, "DNS:t.example.test", "", ""},  // the sound one, so that the others fail for their reason
    };
    int n = 0;
    for (const auto& c : cases) {
        const std::string base = (dir.path / std::to_string(++n)).string();
        makeCertificate(base, "-subj /CN=t -addext subjectAltName=" + c.sanList + " " + c.arguments);
        auto [config, server] = serving(base + ".pem", base + ".key", "-alpn acme-tls/1", 3);
        const auto boulder = ChallengeValidator(config, 5s).validate(req);
        BOOST_TEST(typeOf(boulder) == (c.boulder.empty() ? "ok" : "unauthorized"), c.arguments);
        BOOST_TEST(statusOf(boulder) == (c.boulder.empty() ? 0 : 403), c.arguments);
        BOOST_TEST(detailOf(boulder) == (c.boulder.empty() ? "(validated)"
                                                           : "Incorrect validation certificate for tls-alpn-01 challenge. "
                                                             "Requested t.example.test from 127.0.0.1:" +
                                                                 std::to_string(config.tlsAlpn01Port) + ". " + c.boulder));
        config.validationRules = MockAcmeConfig::ValidationRules::Pebble;
        std::string pebble = c.pebble;
        if (const auto at = pebble.find(":PORT"); at != std::string::npos)
            pebble.replace(at, 5, ":" + std::to_string(config.tlsAlpn01Port));
        BOOST_TEST(detailOf(ChallengeValidator(config, 5s).validate(req)) ==
                   (pebble.empty() ? "(validated)" : "Incorrect validation certificate for tls-alpn-01 challenge. " + pebble));
    }
    // a server that selects no ALPN protocol
    const std::string base = (dir.path / "noalpn").string();
    makeCertificate(base, "-subj /CN=t -addext subjectAltName=DNS:t.example.test " + sound);
    auto [config, server] = serving(base + ".pem", base + ".key", "", 3);
    const auto noAlpn = ChallengeValidator(config, 5s).validate(req);
    BOOST_TEST(typeOf(noAlpn) == "unauthorized");
    BOOST_TEST(detailOf(noAlpn) == "Cannot negotiate ALPN protocol \"acme-tls/1\" for tls-alpn-01 challenge");
    MockAcmeConfig pebbleRules = config;  // pebble says it alike
    pebbleRules.validationRules = MockAcmeConfig::ValidationRules::Pebble;
    BOOST_TEST(detailOf(ChallengeValidator(pebbleRules, 5s).validate(req)) == detailOf(noAlpn));
    // one that refuses the handshake with an alert (it speaks another protocol only): Boulder
    // hands Go's words for the alert on, pebble says it could not connect
    {
        auto [otherConfig, otherServer] = serving(base + ".pem", base + ".key", "-alpn http/1.1", 3);
        const auto alert = ChallengeValidator(otherConfig, 5s).validate(req);
        BOOST_TEST(typeOf(alert) == "tls");
        BOOST_TEST(statusOf(alert) == 400);
        BOOST_TEST(detailOf(alert) == "127.0.0.1: remote error: tls: no application protocol");
        otherConfig.validationRules = MockAcmeConfig::ValidationRules::Pebble;
        BOOST_TEST(detailOf(ChallengeValidator(otherConfig, 5s).validate(req)) ==
                   "Failed to connect to 127.0.0.1:" + std::to_string(otherConfig.tlsAlpn01Port) + " for the tls-alpn-01 challenge");
    }

    // the same certificate with its acmeIdentifier extension twice (which `openssl req` will not
    // make): added with OpenSSL's API and signed again with its own key
    {
        std::unique_ptr<FILE, decltype(&std::fclose)> pem(std::fopen((base + ".pem").c_str(), "r"), &std::fclose);
        std::unique_ptr<FILE, decltype(&std::fclose)> keyFile(std::fopen((base + ".key").c_str(), "r"), &std::fclose);
        BOOST_REQUIRE(pem && keyFile);
        std::unique_ptr<X509, decltype(&X509_free)> twice(PEM_read_X509(pem.get(), nullptr, nullptr, nullptr), &X509_free);
        std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_PrivateKey(keyFile.get(), nullptr, nullptr, nullptr),
                                                               &EVP_PKEY_free);
        BOOST_REQUIRE(twice && key);
        std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> oid(OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1), &ASN1_OBJECT_free);
        const int at = X509_get_ext_by_OBJ(twice.get(), oid.get(), -1);
        BOOST_REQUIRE(at >= 0);
        BOOST_REQUIRE(X509_add_ext(twice.get(), X509_get_ext(twice.get(), at), -1) == 1);
        BOOST_REQUIRE(X509_sign(twice.get(), key.get(), EVP_sha256()) > 0);
        std::unique_ptr<FILE, decltype(&std::fclose)> out(std::fopen((base + "-twice.pem").c_str(), "w"), &std::fclose);
        BOOST_REQUIRE(out && PEM_write_X509(out.get(), twice.get()) == 1);
    }
    auto [twiceConfig, twiceServer] = serving(base + "-twice.pem", base + ".key", "-alpn acme-tls/1", 2);
    BOOST_TEST(detailOf(ChallengeValidator(twiceConfig, 5s).validate(req)) ==
               "Incorrect validation certificate for tls-alpn-01 challenge. Requested t.example.test from 127.0.0.1:" +
                   std::to_string(twiceConfig.tlsAlpn01Port) +
                   ". Received certificate with unexpected extensions: \"Extension OID 1.3.6.1.5.5.7.1.31 seen twice\"");
}

BOOST_AUTO_TEST_CASE(dns01) {
    const auto req = request("dns-01", "d.example.test", "tokenDns01aaaaaaaaaaaaa");
    const auto none = validator.validate(req);  // challtestsrv: NOERROR, no record
    BOOST_TEST(typeOf(none) == "unauthorized");
    BOOST_TEST(detailOf(none) == "No TXT record found at _acme-challenge.d.example.test");
    srv.call("/set-txt", R"({"host":"_acme-challenge.d.example.test.","value":"seen-but-wrong"})");
    const auto wrong = validator.validate(req);
    BOOST_TEST(typeOf(wrong) == "unauthorized");
    BOOST_TEST(detailOf(wrong) == "Incorrect TXT record \"seen-but-wrong\" found at _acme-challenge.d.example.test");
    srv.call("/set-txt", R"({"host":"_acme-challenge.d.example.test.","value":")" +
                             KeyAuthorization::dns01TxtValue(req.keyAuthorization) + R"("})");
    BOOST_TEST(typeOf(validator.validate(req)) == "ok");
}

// What kept dns-01 from its record, in the words of the CA whose rules are
// kept: Boulder tells a name that does not exist (NXDOMAIN) from one without
// TXT records, and a server that fails from one that does not answer, each
// as its DNS client words it; pebble's rules give pebble's words.
BOOST_AUTO_TEST_CASE(dns01_says_what_kept_the_record_away_as_the_rules_say) {
    ChallengeDnsServer dns;
    dns.addAddresses("_acme-challenge.bare.example.test", {"127.0.0.1"});  // the name, without TXT records
    dns.setServfail("_acme-challenge.failing.example.test", true);
    dns.setCname("_acme-challenge.dangling.example.test", "nowhere.example.test");  // a chain that ends at no name
    test::KnotServer knot;  // REFUSED for what is outside its zones
    const std::uint16_t silent = freePort();  // nothing there: the query is refused (ICMP)
    Poco::Net::DatagramSocket mute(Poco::Net::SocketAddress("127.0.0.1", 0));  // there, never answering
    const std::string muteAt = "127.0.0.1:" + std::to_string(mute.address().port());

    struct Case {
        std::string name, server, boulderType, boulder, pebble;
    };
    const std::vector<Case> cases = {
        {"bare.example.test", dns.address(), "unauthorized", "No TXT record found at _acme-challenge.bare.example.test",
         "No TXT records found for DNS challenge"},
        {"gone.example.test", dns.address(), "dns",
         "DNS problem: NXDOMAIN looking up TXT for _acme-challenge.gone.example.test - check that a DNS record exists for "
         "this domain",
         "Error retrieving TXT records for DNS challenge (\"" + dns.address() +
             ": no such name as _acme-challenge.gone.example.test (NXDOMAIN)\")"},
        {"dangling.example.test", dns.address(), "dns",
         "DNS problem: NXDOMAIN looking up TXT for _acme-challenge.dangling.example.test - check that a DNS record exists "
         "for this domain",
         "Error retrieving TXT records for DNS challenge (\"" + dns.address() +
             ": no such name as _acme-challenge.dangling.example.test (NXDOMAIN)\")"},
        {"failing.example.test", dns.address(), "dns",
         "DNS problem: SERVFAIL looking up TXT for _acme-challenge.failing.example.test - the domain's nameservers may be "
         "malfunctioning",
         "Error retrieving TXT records for DNS challenge (\"" + dns.address() +
             ": no answer for _acme-challenge.failing.example.test (SERVFAIL)\")"},
        {"elsewhere.test", knot.address(), "dns", "DNS problem: REFUSED looking up TXT for _acme-challenge.elsewhere.test",
         "Error retrieving TXT records for DNS challenge (\"" + knot.address() +
             ": no answer for _acme-challenge.elsewhere.test (REFUSED)\")"},
        {"unheard.example.test", "127.0.0.1:" + std::to_string(silent), "dns",
         "DNS problem: networking error looking up TXT for _acme-challenge.unheard.example.test",
         "Error retrieving TXT records for DNS challenge (\"127.0.0.1:" + std::to_string(silent) +
             ": no answer for _acme-challenge.unheard.example.test (refused: no DNS server there)\")"},
        {"mute.example.test", muteAt, "dns", "DNS problem: query timed out looking up TXT for _acme-challenge.mute.example.test",
         "Error retrieving TXT records for DNS challenge (\"" + muteAt +
             ": no answer for _acme-challenge.mute.example.test (timeout)\")"},
    };
    for (const auto& c : cases) {
        const auto req = request("dns-01", c.name, "tokenDns01Missingaaaaaa");
        MockAcmeConfig config = srv.config();
        config.dnsServer = c.server;
        const auto boulder = ChallengeValidator(config, 2s).validate(req);
        BOOST_TEST(typeOf(boulder) == c.boulderType, c.name);
        BOOST_TEST(statusOf(boulder) == (c.boulderType == "unauthorized" ? 403 : 400), c.name);
        BOOST_TEST(detailOf(boulder) == c.boulder);
        config.validationRules = MockAcmeConfig::ValidationRules::Pebble;
        const auto pebble = ChallengeValidator(config, 2s).validate(req);
        BOOST_TEST(typeOf(pebble) == "unauthorized", c.name);
        BOOST_TEST(statusOf(pebble) == 403, c.name);
        BOOST_TEST(detailOf(pebble) == c.pebble);
    }

    // a record, wrong: pebble's words; right: valid by both
    const auto req = request("dns-01", "bare.example.test", "tokenDns01Missingaaaaaa");
    dns.addTxt("_acme-challenge.bare.example.test", "seen-but-wrong");
    MockAcmeConfig config = srv.config();
    config.dnsServer = dns.address();
    config.validationRules = MockAcmeConfig::ValidationRules::Pebble;
    BOOST_TEST(detailOf(ChallengeValidator(config, 2s).validate(req)) ==
               "Correct value not found for DNS challenge");
    dns.addTxt("_acme-challenge.bare.example.test", KeyAuthorization::dns01TxtValue(req.keyAuthorization));
    BOOST_TEST(typeOf(ChallengeValidator(config, 2s).validate(req)) == "ok");
    config.validationRules = MockAcmeConfig::ValidationRules::Boulder;
    BOOST_TEST(typeOf(ChallengeValidator(config, 2s).validate(req)) == "ok");
}

// dns-01 delegated by CNAME to another zone (as acme-dns sets it up): the record
// is read where the alias leads, as Let's Encrypt's resolvers read it, although
// the server asked answers for each zone alone
BOOST_AUTO_TEST_CASE(dns01_follows_a_cname_to_another_zone) {
    const auto req = request("dns-01", "delegated.example.test", "tokenDns01Cnameaaaaaaaa");
    test::KnotServer knot("_acme-challenge.delegated CNAME delegated.locked.test.\n",
                          "delegated TXT \"" + KeyAuthorization::dns01TxtValue(req.keyAuthorization) + "\"\n");
    MockAcmeConfig c = srv.config();
    c.dnsServer = knot.address();
    ChallengeValidator viaKnot(c, 5s);
    BOOST_TEST(typeOf(viaKnot.validate(req)) == "ok");
}

// dns-account-01: the record is the account's own, at _LABEL._acme-challenge.NAME
BOOST_AUTO_TEST_CASE(dns_account01) {
    auto req = request("dns-account-01", "acct.example.test", "tokenDnsAccount01aaaaaa");
    req.accountUrl = "https://127.0.0.1:14000/my-account/1";
    const std::string value = KeyAuthorization::dns01TxtValue(req.keyAuthorization);
    const std::string qname = "_iov3pdu2eqwqloyr._acme-challenge.acct.example.test";  // that URL's label
    // dns-01's record, with the right value, is not dns-account-01's
    srv.call("/set-txt", R"({"host":"_acme-challenge.acct.example.test.","value":")" + value + R"("})");
    auto answer = validator.validate(req);
    BOOST_TEST(typeOf(answer) == "unauthorized");
    BOOST_TEST(detailOf(answer) == "No TXT record found at " + qname);
    // nor is another account's
    srv.call("/set-txt", R"({"host":")" + KeyAuthorization::dnsAccountLabel("https://127.0.0.1:14000/my-account/2") +
                             R"(._acme-challenge.acct.example.test.","value":")" + value + R"("})");
    BOOST_TEST(detailOf(validator.validate(req)) == "No TXT record found at " + qname);
    srv.call("/set-txt", R"({"host":")" + qname + R"(.","value":"another-order"})");
    answer = validator.validate(req);
    BOOST_TEST(typeOf(answer) == "unauthorized");
    BOOST_TEST(answer->detail().find("another-order") != std::string::npos, answer->detail());
    srv.call("/set-txt", R"({"host":")" + qname + R"(.","value":")" + value + R"("})");
    BOOST_TEST(typeOf(validator.validate(req)) == "ok");
    // the same record under dns-01 is not looked at
    BOOST_TEST(typeOf(validator.validate(request("dns-01", "acct.example.test", "tokenDnsAccount01aaaaaa"))) == "ok");
    srv.call("/clear-txt", R"({"host":"_acme-challenge.acct.example.test."})");
    BOOST_TEST(typeOf(validator.validate(request("dns-01", "acct.example.test", "tokenDnsAccount01aaaaaa"))) ==
               "unauthorized");
    BOOST_TEST(typeOf(validator.validate(req)) == "ok");
}

BOOST_AUTO_TEST_CASE(unreachable_ports_are_connection_errors) {
    MockAcmeConfig c = srv.config();
    c.http01Port = freePort();
    c.tlsAlpn01Port = freePort();
    ChallengeValidator closed(c, 2s);
    BOOST_TEST(typeOf(closed.validate(request("http-01", "x.example.test", "tok"))) == "connection");
    BOOST_TEST(typeOf(closed.validate(request("tls-alpn-01", "x.example.test", "tok"))) == "connection");
    MockAcmeConfig noDns = srv.config();
    noDns.dnsServer.clear();
    ChallengeValidator withoutDns(noDns, 2s);
    BOOST_TEST(typeOf(withoutDns.validate(request("dns-01", "x.example.test", "tok"))) == "dns");
}

BOOST_AUTO_TEST_CASE(names_resolve_through_the_map) {
    MockAcmeConfig c = srv.config();
    c.defaultAddress = "127.0.0.2";  // nothing listens there
    c.resolve["mapped.example.test"] = "127.0.0.1";
    ChallengeValidator mapped(c, 2s);
    const auto req = request("http-01", "mapped.example.test", "tokenMapped");
    srv.call("/add-http01", R"({"token":")" + req.token + R"(","content":")" + req.keyAuthorization + R"("})");
    BOOST_TEST(typeOf(mapped.validate(req)) == "ok");
    auto other = req;
    other.identifier = Identifier::dns("unmapped.example.test");
    BOOST_TEST(typeOf(mapped.validate(other)) == "connection");

    // a wildcard sends every name below it, however deep; the nearest wildcard, and a name's
    // own entry, come first; names in any case
    c.resolve = {{"*.Apps.example.test", "127.0.0.1"}, {"*.far.apps.example.test", "127.0.0.2"},
                 {"own.far.apps.example.test", "127.0.0.1"}, {"MAPPED.example.test", "127.0.0.1"}};
    ChallengeValidator wild(c, 2s);
    const auto named = [&](const std::string& name) {
        auto r = req;
        r.identifier = Identifier::dns(name);
        return typeOf(wild.validate(r));
    };
    BOOST_TEST(named("shop.apps.example.test") == "ok");
    BOOST_TEST(named("a.b.apps.example.test") == "ok");
    BOOST_TEST(named("x.far.apps.example.test") == "connection");  // the nearer wildcard's 127.0.0.2
    BOOST_TEST(named("own.far.apps.example.test") == "ok");
    BOOST_TEST(named("apps.example.test") == "connection");  // not below itself: the default
    BOOST_TEST(named("mapped.example.test") == "ok");
    // a redirect's host, in the case its Location gives, and fully qualified
    auto redirected = req;
    redirected.identifier = Identifier::dns("mapped.example.test");
    redirected.token = "tokenMappedRedirect";
    srv.call("/add-redirect", R"({"path":"/.well-known/acme-challenge/tokenMappedRedirect","targetURL":"http://Shop.APPS.example.test.:)" +
                                  std::to_string(srv.http) + R"(/.well-known/acme-challenge/tokenMapped"})");
    BOOST_TEST(typeOf(wild.validate(redirected)) == "ok");
}

// As pebble with -dnsserver: a name's A record says where validation goes.
BOOST_AUTO_TEST_CASE(names_resolve_through_the_dns_server_when_asked) {
    MockAcmeConfig c = srv.config();
    c.defaultAddress = "127.0.0.2";  // nothing listens there
    c.resolveThroughDns = true;
    ChallengeValidator throughDns(c, 2s);
    const auto req = request("http-01", "dnsed.example.test", "tokenThroughDns");
    srv.call("/add-http01", R"({"token":")" + req.token + R"(","content":")" + req.keyAuthorization + R"("})");
    BOOST_TEST(typeOf(throughDns.validate(req)) == "ok");  // challtestsrv answers 127.0.0.1 for every name
    c.resolveThroughDns = false;
    BOOST_TEST(typeOf(ChallengeValidator(c, 2s).validate(req)) == "connection");  // off: the default address

    // a name's own record; the resolve map still comes first
    srv.call("/add-a", R"({"host":"moved.example.test","addresses":["127.0.0.2"]})");
    auto moved = req;
    moved.identifier = Identifier::dns("moved.example.test");
    BOOST_TEST(typeOf(throughDns.validate(moved)) == "connection");
    c.resolveThroughDns = true;
    c.resolve["moved.example.test"] = "127.0.0.1";
    BOOST_TEST(typeOf(ChallengeValidator(c, 2s).validate(moved)) == "ok");

    // a DNS server that fails the query, and one that does not answer: "dns", naming the name
    srv.call("/set-default-ipv4", R"({"ip":""})");  // challtestsrv then fails every A query
    srv.call("/set-default-ipv6", R"({"ip":""})");
    auto nowhere = req;
    nowhere.identifier = Identifier::dns("nowhere.example.test");
    const auto none = throughDns.validate(nowhere);
    srv.call("/set-default-ipv6", R"({"ip":"::1"})");
    srv.call("/set-default-ipv4", R"({"ip":"127.0.0.1"})");
    BOOST_TEST(typeOf(none) == "dns");
    BOOST_TEST(statusOf(none) == 400);
    BOOST_TEST(detailOf(none) == "no valid A records found for nowhere.example.test; no valid AAAA records found for nowhere.example.test");
    MockAcmeConfig silent = c;
    silent.resolve.clear();
    silent.dnsServer = "127.0.0.1:" + std::to_string(freePort());
    const auto unanswered = ChallengeValidator(silent, 2s).validate(req);
    BOOST_TEST(typeOf(unanswered) == "dns");
    BOOST_TEST(detailOf(unanswered) == "DNS problem: networking error looking up A for dnsed.example.test; DNS problem: "
                                       "networking error looking up AAAA for dnsed.example.test");
}

// Boulder's words for a name without an address, as its DNS client gives them (A's first, then
// AAAA's), the words Let's Encrypt's users meet most; one family's address is enough. With
// refuseReservedAddresses, addresses in reserved blocks are dropped, as Boulder's resolver drops them.
BOOST_AUTO_TEST_CASE(a_name_without_an_address_in_boulders_words) {
    ChallengeDnsServer dns;
    dns.setDefaultIpv4("");  // a name without records is NXDOMAIN
    dns.addTxt("bare.example.test", "a record, but no address");
    dns.setServfail("failing.example.test", true);
    dns.addAddresses("six.example.test", {"::1"});
    dns.addAddresses("loopback.example.test", {"127.0.0.1"});
    MockAcmeConfig c = srv.config();
    c.resolveThroughDns = true;
    c.dnsServer = dns.address();
    c.tlsAlpn01Port = freePort();  // nothing listens
    const auto outcome = [&](const MockAcmeConfig& config, const std::string& name) {
        return ChallengeValidator(config, 2s).validate(request("tls-alpn-01", name, "tokenNoAddress"));
    };
    const std::map<std::string, std::string> words = {
        {"gone.example.test",
         "DNS problem: NXDOMAIN looking up A for gone.example.test - check that a DNS record exists for this domain; DNS problem: "
         "NXDOMAIN looking up AAAA for gone.example.test - check that a DNS record exists for this domain"},
        {"bare.example.test", "no valid A records found for bare.example.test; no valid AAAA records found for bare.example.test"},
        {"failing.example.test",
         "DNS problem: SERVFAIL looking up A for failing.example.test - the domain's nameservers may be malfunctioning; DNS "
         "problem: SERVFAIL looking up AAAA for failing.example.test - the domain's nameservers may be malfunctioning"},
    };
    for (const auto& [name, detail] : words) {
        const auto refused = outcome(c, name);
        BOOST_TEST(typeOf(refused) == "dns", name);
        BOOST_TEST(detailOf(refused) == detail);
    }
    // an AAAA record alone is an address (nothing listens there: the connection is what fails)
    BOOST_TEST(typeOf(outcome(c, "six.example.test")) == "connection");
    BOOST_TEST(typeOf(outcome(c, "loopback.example.test")) == "connection");
    MockAcmeConfig reserved = c;
    reserved.refuseReservedAddresses = true;
    BOOST_TEST(detailOf(outcome(reserved, "loopback.example.test")) ==
               "no valid A records found for loopback.example.test; no valid AAAA records found for loopback.example.test");
}

// Through DNS, IPv6 comes first (pebble asks AAAA before A and dials the
// first address); when the IPv6 connection cannot be made, the IPv4 address
// is tried (Let's Encrypt's fallback); an IPv6 address that answers, even
// wrongly, is the answer.
BOOST_AUTO_TEST_CASE(through_dns_ipv6_comes_first_then_ipv4) {
    const auto req = request("http-01", "six.example.test", "tokenIpv6Firstaaaaaaaaa");
    const Challenge challenge{"http-01", "u", req.token, "pending"};
    responders::Http01Responder six;  // on ::1 only
    MockAcmeConfig c = srv.config();
    c.resolveThroughDns = true;
    c.http01Port = six.listen("::1", 0);
    ChallengeValidator throughDns(c, 2s);
    srv.call("/add-a", R"({"host":"six.example.test","addresses":["127.0.0.2"]})");  // nothing listens there
    srv.call("/add-aaaa", R"({"host":"six.example.test","addresses":["::1"]})");
    BOOST_TEST(typeOf(throughDns.validate(req)) == "unauthorized");  // ::1 answered 404: no fallback
    six.startResponding("six.example.test", challenge, req.keyAuthorization);
    BOOST_TEST(typeOf(throughDns.validate(req)) == "ok");  // only ::1 could answer

    // IPv4 on the same port holds the right answer; IPv6 answers wrongly: IPv6's answer counts
    responders::Http01Responder four;
    BOOST_REQUIRE_EQUAL(four.listen("127.0.0.1", c.http01Port), c.http01Port);
    four.startResponding("six.example.test", challenge, req.keyAuthorization);
    srv.call("/clear-a", R"({"host":"six.example.test"})");  // (add-a adds to what is there)
    srv.call("/add-a", R"({"host":"six.example.test","addresses":["127.0.0.1"]})");
    six.stopResponding("six.example.test", challenge, req.keyAuthorization);
    BOOST_TEST(typeOf(throughDns.validate(req)) == "unauthorized");
    // IPv6 refuses the connection: IPv4 is tried; pebble dials the first address alone
    six.stop();
    BOOST_TEST(typeOf(throughDns.validate(req)) == "ok");
    MockAcmeConfig pebbleRules = c;
    pebbleRules.validationRules = MockAcmeConfig::ValidationRules::Pebble;
    const std::string sixUrl = "http://six.example.test:" + std::to_string(c.http01Port) + "/.well-known/acme-challenge/" + req.token;
    const std::string sixRefused =
        "Get \"" + sixUrl + "\": dial tcp [::1]:" + std::to_string(c.http01Port) + ": connect: connection refused";
    BOOST_TEST(detailOf(ChallengeValidator(pebbleRules, 2s).validate(req)) == sixRefused);
    // neither takes it: as Boulder says it, the last address tried (IPv4's); by pebble's rules, the one dialled
    four.stop();
    const auto neither = throughDns.validate(req);
    BOOST_TEST(typeOf(neither) == "connection");
    BOOST_TEST(detailOf(neither) == "127.0.0.1: Fetching http://six.example.test:" + std::to_string(c.http01Port) +
                                        "/.well-known/acme-challenge/" + req.token + ": Connection refused");
    const auto neitherByPebble = ChallengeValidator(pebbleRules, 2s).validate(req);
    BOOST_TEST(typeOf(neitherByPebble) == "connection");
    BOOST_TEST(detailOf(neitherByPebble) == sixRefused);
    // a name with an AAAA record only
    srv.call("/set-default-ipv4", R"({"ip":""})");
    const auto onlySix = request("tls-alpn-01", "onlysix.example.test", "tokenOnlyIpv6aaaaaaaaaa");
    responders::TlsAlpn01Responder tlsSix;
    c.tlsAlpn01Port = tlsSix.listen("::1", 0);
    tlsSix.startResponding("onlysix.example.test", Challenge{"tls-alpn-01", "u", onlySix.token, "pending"},
                           onlySix.keyAuthorization);
    const auto viaSix = ChallengeValidator(c, 2s).validate(onlySix);
    srv.call("/set-default-ipv4", R"({"ip":"127.0.0.1"})");
    BOOST_TEST(typeOf(viaSix) == "ok");
}

// A DNS server on IPv6 (pebble's -dnsserver [::1]:PORT): dns-01 and name
// resolution ask it there; the forms a server is given in, and the ones refused.
BOOST_AUTO_TEST_CASE(a_dns_server_on_ipv6) {
    const std::uint16_t dns6 = freePort(), management6 = freePort();
    ChildProcess six{"pebble-challtestsrv -dns01 '[::1]:" + std::to_string(dns6) + "' -management 127.0.0.1:" +
                     std::to_string(management6) + " -http01 '' -https01 '' -tlsalpn01 '' >/dev/null 2>&1"};
    BOOST_REQUIRE_MESSAGE(waitForPort(management6), "pebble-challtestsrv did not start");
    const std::string server = "[::1]:" + std::to_string(dns6);
    BOOST_TEST(DnsTxtLookup::addresses(server, "any.example.test") == (std::vector<std::string>{"127.0.0.1"}));
    BOOST_TEST(DnsTxtLookup::ipv6Addresses(server, "any.example.test") == (std::vector<std::string>{"::1"}));

    MockAcmeConfig c = srv.config();
    c.dnsServer = server;
    ChallengeValidator overSix(c, 2s);
    const auto req = request("dns-01", "six-dns.example.test", "tokenDnsOverIpv6aaaaaaa");
    BOOST_TEST(typeOf(overSix.validate(req)) == "unauthorized");  // no record yet
    Poco::Net::HTTPClientSession session("127.0.0.1", management6);
    const std::string body = R"({"host":"_acme-challenge.six-dns.example.test.","value":")" +
                             KeyAuthorization::dns01TxtValue(req.keyAuthorization) + R"("})";
    Poco::Net::HTTPRequest set(Poco::Net::HTTPRequest::HTTP_POST, "/set-txt", Poco::Net::HTTPMessage::HTTP_1_1);
    set.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(set) << body;
    Poco::Net::HTTPResponse answer;
    session.receiveResponse(answer);
    BOOST_REQUIRE(answer.getStatus() == 200);
    BOOST_TEST(typeOf(overSix.validate(req)) == "ok");

    for (const std::string bad : {"[::1", "[::1]x53", "[::1]:0", "127.0.0.1:70000", "dns.example.test:53", "::1:53:x", ""}) {
        try {
            DnsTxtLookup::query(bad.empty() ? ":53" : bad, "any.example.test");
            BOOST_ERROR("\"" << bad << "\" was taken as a DNS server");
        } catch (const DnsError& e) {
            BOOST_TEST(std::string(e.what()).find("IPv4:PORT or [IPv6]:PORT") != std::string::npos, e.what());
        }
    }
    // nothing listens: an error naming the name, at once (the port is closed, not silent)
    try {
        DnsTxtLookup::query("[::1]:" + std::to_string(freePort()), "gone.example.test", 2s);
        BOOST_ERROR("a closed port answered");
    } catch (const DnsError& e) {
        BOOST_TEST(std::string(e.what()).find("gone.example.test") != std::string::npos, e.what());
    }
}

// RFC 8738: an ip identifier is fetched at the address itself (http-01), and
// tls-alpn-01 asks for the reverse-DNS name by SNI and wants the address as
// the certificate's one iPAddress SAN.
BOOST_AUTO_TEST_CASE(ip_identifiers) {
    const std::string token = "tokenIpIdentifieraaaaaa";
    const ValidationRequest http{"http-01", Identifier::ip("127.0.0.1"), token, KeyAuthorization::compute(token, account), ""};
    BOOST_TEST(typeOf(validator.validate(http)) != "ok");
    srv.call("/add-http01", R"({"token":")" + token + R"(","content":")" + http.keyAuthorization + R"("})");
    BOOST_TEST(typeOf(validator.validate(http)) == "ok");

    responders::TlsAlpn01Responder responder;
    MockAcmeConfig c = srv.config();
    c.tlsAlpn01Port = responder.listen("127.0.0.1", 0);
    ChallengeValidator toResponder(c, 5s);
    ValidationRequest tls = http;
    tls.challengeType = "tls-alpn-01";
    BOOST_TEST(typeOf(toResponder.validate(tls)) == "tls");  // nothing served for 1.0.0.127.in-addr.arpa
    const Challenge challenge{"tls-alpn-01", "u", token, "pending"};
    responder.startResponding("127.0.0.1", challenge, tls.keyAuthorization);
    BOOST_TEST(typeOf(toResponder.validate(tls)) == "ok");
    // pebble-challtestsrv answers the reverse name with a dNSName of it: refused
    srv.call("/add-tlsalpn01", R"({"host":"1.0.0.127.in-addr.arpa","content":")" + tls.keyAuthorization + R"("})");
    BOOST_TEST(typeOf(validator.validate(tls)) == "unauthorized");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(engine_validates_for_real_and_fails_the_order_on_a_wrong_answer) {
    ChallTestSrv srv;
    EngineClient c(srv, srv.config());
    const auto runChallenge = [&](const std::string& name, bool answerRight) {
        const auto started = c.startHttp01(name, answerRight);
        BOOST_TEST(started.challenge.str("status") == "processing");
        BOOST_TEST(started.challenge.links("up").at(0) == started.authzUrl);
        BOOST_TEST(!started.challenge.header("Retry-After").empty());
        std::string status = "pending";
        for (int i = 0; i < 400 && status == "pending"; ++i) {
            std::this_thread::sleep_for(25ms);
            status = c.authzStatus(started.authzUrl);
        }
        return std::make_pair(status, c.session.post(started.order.header("Location"), c.account, c.kid, ""));
    };

    const auto [good, goodOrder] = runChallenge("good.example.test", true);
    BOOST_TEST(good == "valid");
    BOOST_TEST(goodOrder.str("status") == "ready");

    const auto [bad, badOrder] = runChallenge("bad.example.test", false);
    BOOST_TEST(bad == "invalid");
    BOOST_TEST(badOrder.str("status") == "invalid");
    auto error = badOrder.json()->getObject("error");
    BOOST_REQUIRE(error);
    BOOST_TEST(error->getArray("subproblems")->size() == 1u);
    // the subproblem is the challenge's own problem, for the name
    const auto sub = error->getArray("subproblems")->getObject(0);
    BOOST_TEST(sub->getValue<std::string>("type") == "urn:ietf:params:acme:error:unauthorized");
    BOOST_TEST(sub->getObject("identifier")->getValue<std::string>("value") == "bad.example.test");
}

// --challenge-wait-ms: the answer to the challenge POST carries the outcome
// of a quick validation, so that a client need not poll.
BOOST_AUTO_TEST_CASE(challenge_wait_answers_with_the_outcome) {
    ChallTestSrv srv;
    MockAcmeConfig config = srv.config();
    config.challengeWait = 20s;  // an upper bound only: the answer comes when the validation ends
    EngineClient c(srv, config);

    const auto good = c.startHttp01("quick.example.test", true);
    BOOST_TEST(good.challenge.str("status") == "valid");
    BOOST_TEST(good.challenge.header("Retry-After").empty());
    BOOST_TEST(c.authzStatus(good.authzUrl) == "valid");

    const auto bad = c.startHttp01("wrong.example.test", false);
    BOOST_TEST(bad.challenge.str("status") == "invalid");
    BOOST_TEST(bad.challenge.header("Retry-After").empty());
    BOOST_REQUIRE(bad.challenge.json()->getObject("error"));
    BOOST_TEST(bad.challenge.json()->getObject("error")->getValue<std::string>("type") ==
               "urn:ietf:params:acme:error:unauthorized");
    BOOST_TEST(c.authzStatus(bad.authzUrl) == "invalid");
}

// --failed-authz-limit: as Let's Encrypt's limit on failed authorizations per
// identifier per account, an account whose validations of a name failed N
// times in the window gets 429 for new orders naming it, each such name a
// subproblem, with Retry-After; other names and other accounts are not
// limited, nor is the name once the window has passed.
BOOST_AUTO_TEST_CASE(failed_validations_limit_new_orders_for_the_name) {
    ChallTestSrv srv;
    MockAcmeConfig config = srv.config();
    config.challengeWait = 20s;  // each failure is known when its POST is answered
    config.failedAuthorizationLimit = 2;
    config.failedAuthorizationWindow = 1h;
    testing::FakeClock clock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    EngineClient c(srv, config, &clock);
    const auto order = [&](const std::vector<std::string>& names, const KeySigner& signer, const std::string& signerKid) {
        std::string ids;
        for (const auto& n : names) ids += std::string(ids.empty() ? "" : ",") + R"({"type":"dns","value":")" + n + R"("})";
        return c.session.post(c.session.dir("newOrder"), signer, signerKid, R"({"identifiers":[)" + ids + "]}");
    };
    BOOST_REQUIRE(c.startHttp01("failing.example.test", false).challenge.str("status") == "invalid");
    BOOST_TEST(order({"failing.example.test"}, c.account, c.kid).status == 201);  // one failure: not yet
    BOOST_REQUIRE(c.startHttp01("failing.example.test", false).challenge.str("status") == "invalid");
    const auto limited = order({"fine.example.test", "failing.example.test"}, c.account, c.kid);
    BOOST_TEST(limited.status == 429);
    BOOST_TEST(limited.problem() == "rateLimited");
    std::string hourOn = formatRfc3339(clock.now() + 1h);
    hourOn[10] = ' ';
    hourOn.pop_back();
    BOOST_TEST(limited.str("detail") == "too many failed authorizations (2) for \"failing.example.test\" in the last 1h0m0s, "
                                        "retry after " + hourOn + " UTC: see "
                                        "https://letsencrypt.org/docs/rate-limits/#authorization-failures-per-identifier-per-account");
    BOOST_TEST(limited.header("Retry-After") == "3600");  // both failures were at this instant of the CA's clock
    const auto subproblems = limited.json()->getArray("subproblems");
    BOOST_REQUIRE(subproblems);
    BOOST_TEST(subproblems->size() == 1u);
    BOOST_TEST(subproblems->getObject(0)->getObject("identifier")->getValue<std::string>("value") == "failing.example.test");
    BOOST_TEST(subproblems->getObject(0)->getValue<std::string>("type") == "urn:ietf:params:acme:error:rateLimited");
    BOOST_TEST(order({"fine.example.test"}, c.account, c.kid).status == 201);
    BOOST_TEST(order({"*.failing.example.test"}, c.account, c.kid).status == 201);  // the wildcard is another identifier
    const KeySigner other(PrivateKey::generate(KeyType::EcP256));
    BOOST_TEST(order({"failing.example.test"}, other, c.session.newAccount(other)).status == 201);
    clock.advance(1h - 1s);
    BOOST_TEST(order({"failing.example.test"}, c.account, c.kid).header("Retry-After") == "1");
    clock.advance(1s);
    BOOST_TEST(order({"failing.example.test"}, c.account, c.kid).status == 201);
    // what the limit counts goes once it counts nothing (a few at each newOrder): one key, then none
    const auto limitEntries = [&] {
        return c.session.get(c.server.managementUrl() + "/stats").json()->getValue<long long>("limitEntries");
    };
    BOOST_TEST(limitEntries() == 0);  // that newOrder saw the key's failures leave the window
    BOOST_REQUIRE(c.startHttp01("failing.example.test", false).challenge.str("status") == "invalid");
    BOOST_TEST(limitEntries() == 1);
    clock.advance(1h - 1s);
    BOOST_TEST(order({"fine.example.test"}, c.account, c.kid).status == 201);
    BOOST_TEST(limitEntries() == 1);
    clock.advance(1s);
    BOOST_TEST(order({"fine.example.test"}, c.account, c.kid).status == 201);
    BOOST_TEST(limitEntries() == 0);
}

// --pause-after-failures: as Let's Encrypt pauses a name whose validations keep
// failing, N failures in a row (a good validation starts the count again) pause
// the identifier for the account: its new orders and pre-authorizations naming it
// get 429 in Let's Encrypt's words, with a link a person opens to unpause; other
// names and other accounts go on; the link unpauses once.
BOOST_AUTO_TEST_CASE(failures_in_a_row_pause_the_name_until_a_person_unpauses_it) {
    ChallTestSrv srv;
    MockAcmeConfig config = srv.config();
    config.challengeWait = 20s;  // each outcome is known when its POST is answered
    config.pauseAfterFailures = 2;
    config.preAuthorization = true;
    config.orderReuse = false;  // after the good validation, a new order (not its ready one)
    EngineClient c(srv, config);
    const auto order = [&](const std::string& names) {
        std::string ids;
        for (std::size_t start = 0; start <= names.size();) {
            const std::size_t end = std::min(names.find(',', start), names.size());
            ids += std::string(ids.empty() ? "" : ",") + R"({"type":"dns","value":")" + names.substr(start, end - start) + R"("})";
            start = end + 1;
        }
        return c.session.post(c.session.dir("newOrder"), c.account, c.kid, R"({"identifiers":[)" + ids + "]}");
    };
    // a good validation between two failures starts the count again
    BOOST_REQUIRE(c.startHttp01("flaky.example.test", false).challenge.str("status") == "invalid");
    BOOST_REQUIRE(c.startHttp01("flaky.example.test", true).challenge.str("status") == "valid");
    BOOST_REQUIRE(c.startHttp01("flaky.example.test", false).challenge.str("status") == "invalid");
    BOOST_TEST(order("flaky.example.test").status == 201);
    // two in a row pause it
    BOOST_REQUIRE(c.startHttp01("broken.example.test", false).challenge.str("status") == "invalid");
    BOOST_TEST(order("broken.example.test").status == 201);
    BOOST_REQUIRE(c.startHttp01("broken.example.test", false).challenge.str("status") == "invalid");
    const auto paused = order("fine.example.test,broken.example.test");
    BOOST_TEST(paused.status == 429);
    BOOST_TEST(paused.problem() == "rateLimited");
    BOOST_TEST(paused.header("Retry-After").empty());
    const std::string detail = paused.str("detail");
    const std::string prefix =
        "Your account is temporarily prevented from requesting certificates for broken.example.test and possibly others. "
        "Please visit: " + c.server.directoryUrl().substr(0, c.server.directoryUrl().size() - 4) + "/sfe/v1/unpause?jwt=";
    BOOST_REQUIRE_MESSAGE(detail.starts_with(prefix), detail);
    const std::string link = detail.substr(detail.find("https://"));
    BOOST_TEST(link.size() > prefix.size() - detail.find("https://") + 20);  // a token of some length
    const auto preauthorization = c.session.post(c.session.dir("newAuthz"), c.account, c.kid,
                                                 R"({"identifier":{"type":"dns","value":"broken.example.test"}})");
    BOOST_TEST(preauthorization.status == 429);
    BOOST_TEST(order("fine.example.test").status == 201);
    BOOST_TEST(order("*.broken.example.test").status == 201);  // the wildcard is another identifier
    const KeySigner other(PrivateKey::generate(KeyType::EcP256));
    BOOST_TEST(c.session.post(c.session.dir("newOrder"), other, c.session.newAccount(other),
                              R"({"identifiers":[{"type":"dns","value":"broken.example.test"}]})")
                   .status == 201);
    // the link: a page naming what is paused, a button; pressed, the name may be ordered again
    const auto page = c.session.get(link);
    BOOST_TEST(page.status == 200);
    BOOST_TEST(page.header("Content-Type") == "text/html; charset=utf-8");
    BOOST_TEST(page.body.find("is paused for broken.example.test") != std::string::npos, page.body);
    BOOST_TEST(page.body.find("<form method=\"post\">") != std::string::npos, page.body);
    BOOST_TEST(order("broken.example.test").status == 429);  // looking is not unpausing
    const auto unpaused = c.session.request("POST", link);
    BOOST_TEST(unpaused.status == 200);
    BOOST_TEST(unpaused.body.find("may request certificates for broken.example.test again") != std::string::npos, unpaused.body);
    BOOST_TEST(order("broken.example.test").status == 201);
    BOOST_TEST(c.session.get(link).status == 404);  // used
    BOOST_TEST(c.session.request("POST", link).status == 404);
    BOOST_TEST(c.session.get(link.substr(0, link.find('?')) + "?jwt=made-up").status == 404);
    // unpaused, the count starts again: one failure does not pause it
    BOOST_REQUIRE(c.startHttp01("broken.example.test", false).challenge.str("status") == "invalid");
    BOOST_TEST(order("broken.example.test").status == 201);
}

// With --persist, a pause and its link outlive a restart, as Let's Encrypt's do;
// the link still unpauses.
BOOST_AUTO_TEST_CASE(a_pause_and_its_link_outlive_a_restart) {
    ChallTestSrv srv;
    test::TempDir dir;
    MockAcmeConfig config = srv.config();
    config.challengeWait = 20s;
    config.pauseAfterFailures = 2;
    config.persistFile = (dir.path / "state.sqlite").string();
    const auto tokenOf = [](const test::Reply& refused) {
        const std::string detail = refused.str("detail");
        const auto at = detail.find("?jwt=");
        return at == std::string::npos ? std::string() : detail.substr(at + 5);
    };
    const std::string order = R"({"identifiers":[{"type":"dns","value":"broken.example.test"}]})";
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);  // the same account after the restart
    std::string token;
    {
        EngineClient c(srv, config, nullptr, accountKey);
        BOOST_REQUIRE(c.startHttp01("broken.example.test", false).challenge.str("status") == "invalid");
        BOOST_REQUIRE(c.startHttp01("broken.example.test", false).challenge.str("status") == "invalid");
        const auto refused = c.session.post(c.session.dir("newOrder"), c.account, c.kid, order);
        BOOST_REQUIRE(refused.status == 429);
        token = tokenOf(refused);
    }
    EngineClient c(srv, config, nullptr, accountKey);  // the same CA and state, on another port
    const std::string base = c.server.directoryUrl().substr(0, c.server.directoryUrl().size() - 4);
    const auto refused = c.session.post(c.session.dir("newOrder"), c.account, c.kid, order);
    BOOST_TEST(refused.status == 429, refused.body);
    BOOST_TEST(!token.empty());
    BOOST_TEST(tokenOf(refused) == token);
    BOOST_TEST(c.session.request("POST", base + "/sfe/v1/unpause?jwt=" + token).status == 200);
    BOOST_TEST(c.session.post(c.session.dir("newOrder"), c.account, c.kid, order).status == 201);
}

namespace {
// The order's finalize with a fresh key for its names.
test::Reply finalizeOrder(EngineClient& c, const test::Reply& order, const std::vector<Identifier>& names, const KeySigner& account,
                          const std::string& kid) {
    const auto csr = CertificateSigningRequest::create(PrivateKey::generate(KeyType::EcP256), names);
    return c.session.post(order.str("finalize"), account, kid, R"({"csr":")" + Base64Url::encode(csr.toDer()) + R"("})");
}
std::string errorOf(const test::Reply& reply, const std::string& member) {
    const auto error = reply.json()->getObject("error");
    return error ? error->getValue<std::string>(member) : "";
}
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

// --dns-account-01: two accounts validate the same names (a wildcard too)
// side by side, each at its own record; the challenge is offered for DNS
// names only, and only when enabled; CAA's validationmethods names it.
BOOST_AUTO_TEST_CASE(dns_account01_lets_two_accounts_validate_one_name) {
    ChallTestSrv srv;
    MockAcmeConfig config = srv.config();
    config.enableDnsAccount01 = true;
    config.checkCaa = true;
    config.challengeWait = 20s;
    EngineClient c(srv, config);
    srv.call("/add-caa", R"({"host":"team.example.test","policies":[{"tag":"issue","value":"cxxacme.mock; validationmethods=dns-account-01"}]})");
    KeySigner second{PrivateKey::generate(KeyType::EcP256)};
    const std::string secondKid = c.session.newAccount(second);
    BOOST_REQUIRE(secondKid != c.kid);

    struct Pending {
        std::string challengeUrl, value;
    };
    // Orders the names as `account`, publishes its dns-account-01 answers, returns the order and its challenges.
    const auto prepare = [&](const KeySigner& account, const std::string& kid, std::vector<Pending>& pending) {
        auto order = c.session.post(c.session.dir("newOrder"), account, kid,
                                    R"({"identifiers":[{"type":"dns","value":"team.example.test"},{"type":"dns","value":"*.team.example.test"}]})");
        BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
        const auto authzs = order.json()->getArray("authorizations");
        for (std::size_t i = 0; i < authzs->size(); ++i) {
            const auto authz = c.session.post(authzs->getElement<std::string>(static_cast<unsigned>(i)), account, kid, "").json();
            const auto challenges = authz->getArray("challenges");
            std::vector<std::string> types;
            for (std::size_t k = 0; k < challenges->size(); ++k) {
                const auto ch = challenges->getObject(static_cast<unsigned>(k));
                types.push_back(ch->getValue<std::string>("type"));
                if (types.back() != "dns-account-01") continue;
                const std::string token = ch->getValue<std::string>("token");
                const std::string value = KeyAuthorization::dns01TxtValue(KeyAuthorization::compute(token, account.publicJwk()));
                srv.call("/set-txt", R"({"host":")" + KeyAuthorization::dnsAccountLabel(kid) +
                                         R"(._acme-challenge.team.example.test.","value":")" + value + R"("})");
                pending.push_back({ch->getValue<std::string>("url"), value});
            }
            if (authz->has("wildcard")) BOOST_TEST((types == std::vector<std::string>{"dns-01", "dns-account-01"}));
            else BOOST_TEST((types == std::vector<std::string>{"http-01", "tls-alpn-01", "dns-01", "dns-account-01"}));
        }
        return order;
    };
    std::vector<Pending> firstPending, secondPending;
    const auto firstOrder = prepare(c.account, c.kid, firstPending);
    const auto secondOrder = prepare(second, secondKid, secondPending);
    BOOST_REQUIRE(firstPending.size() == 2u);
    BOOST_REQUIRE(secondPending.size() == 2u);
    // both accounts' records are in place at once; each validation finds its own
    for (const auto& p : firstPending) BOOST_TEST(c.session.post(p.challengeUrl, c.account, c.kid, "{}").str("status") == "valid");
    for (const auto& p : secondPending) BOOST_TEST(c.session.post(p.challengeUrl, second, secondKid, "{}").str("status") == "valid");
    const auto names = std::vector<Identifier>{Identifier::dns("team.example.test"), Identifier::dns("*.team.example.test")};
    const auto issue = [&](const test::Reply& order, const KeySigner& account, const std::string& kid) {
        const auto ready = c.session.post(order.header("Location"), account, kid, "");
        BOOST_REQUIRE(ready.str("status") == "ready");
        const auto done = finalizeOrder(c, ready, names, account, kid);
        BOOST_TEST(done.status == 200, done.body);
        BOOST_TEST(done.str("status") == "valid");
    };
    issue(firstOrder, c.account, c.kid);
    issue(secondOrder, second, secondKid);

    // a record of the other account's label does not validate this one's challenge
    std::vector<Pending> third;
    auto order = c.session.post(c.session.dir("newOrder"), c.account, c.kid, R"({"identifiers":[{"type":"dns","value":"solo.example.test"}]})");
    auto authz = c.session.post(order.json()->getArray("authorizations")->getElement<std::string>(0), c.account, c.kid, "").json();
    for (std::size_t k = 0; k < authz->getArray("challenges")->size(); ++k) {
        const auto ch = authz->getArray("challenges")->getObject(static_cast<unsigned>(k));
        if (ch->getValue<std::string>("type") != "dns-account-01") continue;
        const std::string value = KeyAuthorization::dns01TxtValue(KeyAuthorization::compute(ch->getValue<std::string>("token"), c.account.publicJwk()));
        srv.call("/set-txt", R"({"host":")" + KeyAuthorization::dnsAccountLabel(secondKid) + R"(._acme-challenge.solo.example.test.","value":")" + value + R"("})");
        const auto answer = c.session.post(ch->getValue<std::string>("url"), c.account, c.kid, "{}");
        BOOST_TEST(answer.str("status") == "invalid");
        BOOST_TEST(errorOf(answer, "type") == "urn:ietf:params:acme:error:unauthorized");
        BOOST_TEST(has(errorOf(answer, "detail"), KeyAuthorization::dnsAccountLabel(c.kid) + "._acme-challenge.solo.example.test"),
                   errorOf(answer, "detail"));
        third.push_back({});
    }
    BOOST_TEST(third.size() == 1u);

    // CAA that allows dns-account-01 only: http-01 is refused for that name
    const auto viaHttp = c.startHttp01("www.team.example.test", true);
    BOOST_TEST(viaHttp.challenge.str("status") == "invalid");
    BOOST_TEST(has(errorOf(viaHttp.challenge, "detail"), "does not allow validation by \"http-01\""), errorOf(viaHttp.challenge, "detail"));

    // ip identifiers never get it, and without the setting no name does
    order = c.session.post(c.session.dir("newOrder"), c.account, c.kid, R"({"identifiers":[{"type":"ip","value":"127.0.0.1"}],"profile":"shortlived"})");
    authz = c.session.post(order.json()->getArray("authorizations")->getElement<std::string>(0), c.account, c.kid, "").json();
    BOOST_TEST(authz->getArray("challenges")->size() == 2u);  // http-01, tls-alpn-01
    EngineClient plain(srv, srv.config());
    order = plain.session.post(plain.session.dir("newOrder"), plain.account, plain.kid,
                               R"({"identifiers":[{"type":"dns","value":"*.plain.example.test"}]})");
    authz = plain.session.post(order.json()->getArray("authorizations")->getElement<std::string>(0), plain.account, plain.kid, "").json();
    BOOST_REQUIRE(authz->getArray("challenges")->size() == 1u);
    BOOST_TEST(authz->getArray("challenges")->getObject(0)->getValue<std::string>("type") == "dns-01");
}

namespace {
// Orders `names` as `account` and answers each authorization's dns-persist-01
// challenge (POST {}); the answers, in the order's authorization order.
std::vector<test::Reply> answerPersist(EngineClient& c, const KeySigner& account, const std::string& kid,
                                       const std::vector<std::string>& names, test::Reply* orderOut = nullptr) {
    std::string ids;
    for (const auto& n : names) ids += std::string(ids.empty() ? "" : ",") + R"({"type":"dns","value":")" + n + R"("})";
    auto order = c.session.post(c.session.dir("newOrder"), account, kid, R"({"identifiers":[)" + ids + "]}");
    BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
    std::vector<test::Reply> answers;
    const auto authzs = order.json()->getArray("authorizations");
    for (std::size_t i = 0; i < authzs->size(); ++i) {
        const auto authz = c.session.post(authzs->getElement<std::string>(static_cast<unsigned>(i)), account, kid, "").json();
        const auto challenges = authz->getArray("challenges");
        for (std::size_t k = 0; k < challenges->size(); ++k) {
            const auto ch = challenges->getObject(static_cast<unsigned>(k));
            if (ch->getValue<std::string>("type") != "dns-persist-01") continue;
            BOOST_TEST(!ch->has("token"));  // the draft's challenge has none
            const auto issuers = ch->getArray("issuer-domain-names");
            BOOST_REQUIRE(issuers);
            BOOST_TEST(issuers->size() == 1u);
            BOOST_TEST(issuers->getElement<std::string>(0) == "cxxacme.mock");
            answers.push_back(c.session.post(ch->getValue<std::string>("url"), account, kid, "{}"));
        }
    }
    BOOST_REQUIRE(answers.size() == authzs->size());
    if (orderOut) *orderOut = c.session.post(order.header("Location"), account, kid, "");
    return answers;
}
}  // namespace

// --dns-persist-01: a standing record at _validation-persist.NAME names the
// CA and the account; policy=wildcard for wildcards; persistUntil on the
// CA's clock; other accounts and other CAs are refused, saying why.
BOOST_AUTO_TEST_CASE(dns_persist01_reads_the_standing_record) {
    ChallTestSrv srv;
    MockAcmeConfig config = srv.config();
    config.enableDnsPersist01 = true;
    config.challengeWait = 20s;
    config.orderReuse = false;  // a second order for names whose first is still open (Let's Encrypt would give the first back)
    testing::FakeClock clock(std::chrono::system_clock::now());
    EngineClient c(srv, config, &clock);
    const auto txt = [&](const std::string& name, const std::string& value) {
        srv.call("/set-txt", R"({"host":"_validation-persist.)" + name + R"(.","value":")" + value + R"("})");
    };
    const auto detailOf = [](const test::Reply& r) { return errorOf(r, "detail"); };

    // nothing published yet
    auto answers = answerPersist(c, c.account, c.kid, {"persist.example.test"});
    BOOST_TEST(answers[0].str("status") == "invalid");
    BOOST_TEST(errorOf(answers[0], "type") == "urn:ietf:params:acme:error:unauthorized");
    BOOST_TEST(has(detailOf(answers[0]), "No TXT record found at _validation-persist.persist.example.test"), detailOf(answers[0]));

    // another CA's record and a malformed one of ours: not this CA's authorization
    txt("persist.example.test", "letsencrypt.org; accounturi=" + c.kid);
    txt("persist.example.test", "cxxacme.mock; accounturi=" + c.kid + ";");
    answers = answerPersist(c, c.account, c.kid, {"persist.example.test"});
    BOOST_TEST(answers[0].str("status") == "invalid");
    BOOST_TEST(errorOf(answers[0], "type") == "urn:ietf:params:acme:error:unauthorized");
    BOOST_TEST(has(detailOf(answers[0]), "no record names this CA (\"cxxacme.mock\")"), detailOf(answers[0]));

    // the right record: the name, but not its wildcard, which needs policy=wildcard
    txt("persist.example.test", "CXXACME.mock; accounturi=" + c.kid);
    test::Reply order;
    answers = answerPersist(c, c.account, c.kid, {"persist.example.test", "*.persist.example.test"}, &order);
    std::vector<std::string> statuses;
    statuses.reserve(answers.size());
    for (const auto& a : answers) statuses.push_back(a.str("status"));
    std::sort(statuses.begin(), statuses.end());
    BOOST_TEST((statuses == std::vector<std::string>{"invalid", "valid"}));
    for (const auto& a : answers)
        if (a.str("status") == "invalid") BOOST_TEST(has(detailOf(a), "has no policy=wildcard"), detailOf(a));
    BOOST_TEST(order.str("status") == "invalid");

    // with policy=wildcard: both, and a certificate
    txt("persist.example.test", "cxxacme.mock; accounturi=" + c.kid + "; policy=wildcard");
    answers = answerPersist(c, c.account, c.kid, {"persist.example.test", "*.persist.example.test"}, &order);
    for (const auto& a : answers) BOOST_TEST(a.str("status") == "valid", detailOf(a));
    BOOST_REQUIRE(order.str("status") == "ready");
    const auto done = finalizeOrder(c, order, {Identifier::dns("persist.example.test"), Identifier::dns("*.persist.example.test")},
                                    c.account, c.kid);
    BOOST_TEST(done.str("status") == "valid", done.body);

    // the record names one account: another is told whose it is
    KeySigner other{PrivateKey::generate(KeyType::EcP256)};
    const std::string otherKid = c.session.newAccount(other);
    answers = answerPersist(c, other, otherKid, {"persist.example.test"});
    BOOST_TEST(answers[0].str("status") == "invalid");
    BOOST_TEST(has(detailOf(answers[0]), "is for the account \"" + c.kid + "\""), detailOf(answers[0]));

    // persistUntil, on the CA's clock: good until that second, then not
    const auto unixNow = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    txt("until.example.test", "cxxacme.mock; accounturi=" + c.kid + "; persistUntil=" + std::to_string(unixNow + 3600));
    BOOST_TEST(answerPersist(c, c.account, c.kid, {"until.example.test"})[0].str("status") == "valid");
    clock.advance(2h);
    answers = answerPersist(c, c.account, c.kid, {"until.example.test"});
    BOOST_TEST(answers[0].str("status") == "invalid");
    BOOST_TEST(has(detailOf(answers[0]), "expired at persistUntil=" + std::to_string(unixNow + 3600)), detailOf(answers[0]));

    // ip identifiers never get it
    const auto ipOrder = c.session.post(c.session.dir("newOrder"), c.account, c.kid, R"({"identifiers":[{"type":"ip","value":"127.0.0.1"}],"profile":"shortlived"})");
    const auto ipAuthz = c.session.post(ipOrder.json()->getArray("authorizations")->getElement<std::string>(0), c.account, c.kid, "").json();
    BOOST_TEST(ipAuthz->getArray("challenges")->size() == 2u);
}

// --check-caa: the records pebble-challtestsrv serves are checked once a
// validation succeeds (RFC 8659, RFC 8657's parameters), and again at finalize
// when that check is 7 hours old (Boulder's rule), or always with 0.
BOOST_AUTO_TEST_CASE(caa_is_checked_after_validation_and_at_finalize) {
    ChallTestSrv srv;
    MockAcmeConfig config = srv.config();
    config.checkCaa = true;
    config.challengeWait = 20s;  // the challenge POST answers with the outcome
    config.authzReusePercent = 100;
    testing::FakeClock clock(std::chrono::system_clock::now());
    EngineClient c(srv, config, &clock);
    const auto caa = [&](const std::string& host, const std::string& tag, const std::string& value) {
        srv.call("/add-caa", R"({"host":")" + host + R"(","policies":[{"tag":")" + tag + R"(","value":")" + value + R"("}]})");
    };
    caa("allowed.example.test", "issue", "cxxacme.mock");
    caa("elsewhere.example.test", "issue", "other.ca");
    caa("parent.example.test", "issue", ";");
    caa("bound.example.test", "issue", "cxxacme.mock; accounturi=" + c.kid);
    caa("dnsonly.example.test", "issue", "cxxacme.mock; validationmethods=dns-01");
    caa("httponly.example.test", "issue", "cxxacme.mock; validationmethods=tls-alpn-01,http-01");

    // allowed: valid, and issued
    for (const std::string name : {"allowed.example.test", "nocaa.example.test", "bound.example.test", "httponly.example.test"}) {
        BOOST_TEST_CONTEXT(name) {
            const auto started = c.startHttp01(name, true);
            BOOST_TEST(started.challenge.str("status") == "valid");
            const auto order = c.session.post(started.order.header("Location"), c.account, c.kid, "");
            BOOST_REQUIRE(order.str("status") == "ready");
            const auto done = finalizeOrder(c, order, {Identifier::dns(name)}, c.account, c.kid);
            BOOST_TEST(done.status == 200);
            BOOST_TEST(done.str("status") == "valid");
        }
    }
    // forbidden: the challenge fails with a caa problem that says why, and the order is invalid
    const std::vector<std::pair<std::string, std::string>> forbidden{
        {"elsewhere.example.test", "\"other.ca\" names another CA"},
        {"www.parent.example.test", "the CAA records at parent.example.test"},
        {"dnsonly.example.test", "does not allow validation by \"http-01\""}};
    for (const auto& [name, why] : forbidden) {
        BOOST_TEST_CONTEXT(name) {
            const auto started = c.startHttp01(name, true);
            BOOST_TEST(started.challenge.str("status") == "invalid");
            BOOST_TEST(errorOf(started.challenge, "type") == "urn:ietf:params:acme:error:caa");
            BOOST_TEST(has(errorOf(started.challenge, "detail"), why), errorOf(started.challenge, "detail"));
            BOOST_TEST(c.authzStatus(started.authzUrl) == "invalid");
            const auto order = c.session.post(started.order.header("Location"), c.account, c.kid, "");
            BOOST_TEST(order.str("status") == "invalid");
            BOOST_TEST(order.json()->getObject("error")->getArray("subproblems")->getObject(0)->getValue<std::string>("type") ==
                       "urn:ietf:params:acme:error:caa");
        }
    }
    // accounturi names one account: another account's validation is refused
    KeySigner other{PrivateKey::generate(KeyType::EcP256)};
    const std::string otherKid = c.session.newAccount(other);
    auto order = c.session.post(c.session.dir("newOrder"), other, otherKid, R"({"identifiers":[{"type":"dns","value":"bound.example.test"}]})");
    auto authz = c.session.post(order.json()->getArray("authorizations")->getElement<std::string>(0), other, otherKid, "").json();
    for (std::size_t i = 0; i < authz->getArray("challenges")->size(); ++i) {
        const auto ch = authz->getArray("challenges")->getObject(static_cast<unsigned>(i));
        if (ch->getValue<std::string>("type") != "http-01") continue;
        const std::string token = ch->getValue<std::string>("token");
        srv.call("/add-http01", R"({"token":")" + token + R"(","content":")" + KeyAuthorization::compute(token, other.publicJwk()) + R"("})");
        const auto answer = c.session.post(ch->getValue<std::string>("url"), other, otherKid, "{}");
        BOOST_TEST(answer.str("status") == "invalid");
        BOOST_TEST(has(errorOf(answer, "detail"), "is for another account than \"" + otherKid + "\""), errorOf(answer, "detail"));
    }

    // at finalize, as Boulder: a name validated before its records forbade this CA is issued
    // for while its check is less than 7 hours old ...
    const auto later = c.startHttp01("later.example.test", true);
    BOOST_REQUIRE(later.challenge.str("status") == "valid");
    caa("later.example.test", "issue", "other.ca");
    clock.advance(7h - 1s);
    order = c.session.post(later.order.header("Location"), c.account, c.kid, "");
    BOOST_REQUIRE(order.str("status") == "ready");
    BOOST_TEST(finalizeOrder(c, order, {Identifier::dns("later.example.test")}, c.account, c.kid).str("status") == "valid");
    // ... and refused once it is 7 hours old: here a reused authorization, as Let's Encrypt reuses them
    clock.advance(1s);
    auto reordered = c.session.post(c.session.dir("newOrder"), c.account, c.kid, R"({"identifiers":[{"type":"dns","value":"later.example.test"}]})");
    BOOST_REQUIRE(reordered.str("status") == "ready");  // the valid authorization, reused: no new validation
    const auto refused = finalizeOrder(c, reordered, {Identifier::dns("later.example.test")}, c.account, c.kid);
    BOOST_TEST(refused.status == 403);
    BOOST_TEST(refused.problem() == "caa");
    BOOST_TEST(has(refused.str("detail"), "later.example.test"), refused.str("detail"));
    const auto sub = refused.json()->getArray("subproblems");
    BOOST_REQUIRE(sub);
    BOOST_TEST(sub->getObject(0)->getObject("identifier")->getValue<std::string>("value") == "later.example.test");
    order = c.session.post(reordered.header("Location"), c.account, c.kid, "");
    BOOST_TEST(order.str("status") == "invalid");
    BOOST_TEST(errorOf(order, "type") == "urn:ietf:params:acme:error:caa");

    // caaRecheckAfter 0: the records of the moment at every finalize
    MockAcmeConfig strict = config;
    strict.caaRecheckAfter = 0s;
    EngineClient d(srv, strict, &clock);
    const auto now = d.startHttp01("now.example.test", true);
    BOOST_REQUIRE(now.challenge.str("status") == "valid");
    caa("now.example.test", "issue", "other.ca");
    order = d.session.post(now.order.header("Location"), d.account, d.kid, "");
    BOOST_REQUIRE(order.str("status") == "ready");
    const auto refusedNow = finalizeOrder(d, order, {Identifier::dns("now.example.test")}, d.account, d.kid);
    BOOST_TEST(refusedNow.status == 403);
    BOOST_TEST(refusedNow.problem() == "caa");
}

// RFC 9444 with --check-caa: the validation of an ancestor's authorization asks the
// ancestor's CAA records; every name it serves has records of its own, asked at each
// finalize whatever the age of that check, and a name whose records forbid this CA
// refuses the order.
BOOST_AUTO_TEST_CASE(caa_of_the_names_an_ancestor_serves_is_checked_at_finalize) {
    ChallTestSrv srv;
    MockAcmeConfig config = srv.config();
    config.checkCaa = true;
    config.subdomainAuth = true;
    config.challengeWait = 20s;  // the challenge POST answers with the outcome
    config.authzReusePercent = 100;
    EngineClient c(srv, config);
    srv.call("/add-caa", R"({"host":"team.example.test","policies":[{"tag":"issue","value":"cxxacme.mock"}]})");
    srv.call("/add-caa", R"({"host":"closed.team.example.test","policies":[{"tag":"issue","value":"other.ca"}]})");
    srv.call("/add-caa", R"({"host":"wild.team.example.test","policies":[{"tag":"issuewild","value":"other.ca"}]})");
    const auto orderBelow = [&](const std::vector<std::string>& names) {
        std::string ids;
        for (const auto& name : names)
            ids += std::string(ids.empty() ? "" : ",") + R"({"type":"dns","value":")" + name + R"(","ancestorDomain":"team.example.test"})";
        auto order = c.session.post(c.session.dir("newOrder"), c.account, c.kid, R"({"identifiers":[)" + ids + "]}");
        BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
        return order;
    };
    // the ancestor's validation by dns-01
    auto order = orderBelow({"open.team.example.test", "*.open.team.example.test"});
    const std::string authzUrl = order.json()->getArray("authorizations")->getElement<std::string>(0);
    const auto authz = c.session.post(authzUrl, c.account, c.kid, "").json();
    const auto challenge = authz->getArray("challenges")->getObject(0);
    BOOST_REQUIRE(challenge->getValue<std::string>("type") == "dns-01");
    srv.call("/set-txt", R"({"host":"_acme-challenge.team.example.test.","value":")" +
                             KeyAuthorization::dns01TxtValue(KeyAuthorization::compute(challenge->getValue<std::string>("token"),
                                                                                       c.account.publicJwk())) +
                             R"("})");
    BOOST_REQUIRE(c.session.post(challenge->getValue<std::string>("url"), c.account, c.kid, "{}").str("status") == "valid");
    order = c.session.post(order.header("Location"), c.account, c.kid, "");
    BOOST_REQUIRE(order.str("status") == "ready");
    const std::vector<Identifier> open{Identifier::dns("open.team.example.test"), Identifier::dns("*.open.team.example.test")};
    BOOST_TEST(finalizeOrder(c, order, open, c.account, c.kid).str("status") == "valid");

    // the same authorization serves the next orders (a new order each, as they name an ancestor)
    const auto refusedFor = [&](const std::string& name) {
        const auto next = orderBelow({name});
        BOOST_REQUIRE(next.str("status") == "ready");
        BOOST_REQUIRE(next.json()->getArray("authorizations")->getElement<std::string>(0) == authzUrl);
        const auto refused = finalizeOrder(c, next, {Identifier::dns(name)}, c.account, c.kid);
        BOOST_TEST(refused.status == 403);
        BOOST_TEST(refused.problem() == "caa");
        BOOST_TEST(has(refused.str("detail"), name.starts_with("*.") ? name.substr(2) : name), refused.str("detail"));
    };
    refusedFor("closed.team.example.test");
    refusedFor("deeper.closed.team.example.test");  // the records above it, as RFC 8659 climbs
    refusedFor("*.wild.team.example.test");         // issuewild
    const auto plain = orderBelow({"wild.team.example.test"});  // issuewild says nothing of the name itself
    BOOST_TEST(finalizeOrder(c, plain, {Identifier::dns("wild.team.example.test")}, c.account, c.kid).str("status") == "valid");
}

// With --persist, the time of a name's CAA check outlives a restart: finalize
// asks again only once that check is 7 hours old.
BOOST_AUTO_TEST_CASE(a_caa_check_outlives_a_restart) {
    ChallTestSrv srv;
    test::TempDir dir;
    MockAcmeConfig config = srv.config();
    config.checkCaa = true;
    config.challengeWait = 20s;
    config.authzReusePercent = 100;
    config.persistFile = (dir.path / "state.sqlite").string();
    testing::FakeClock clock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    {
        EngineClient c(srv, config, &clock, accountKey);
        BOOST_REQUIRE(c.startHttp01("kept.example.test", true).challenge.str("status") == "valid");
    }
    srv.call("/add-caa", R"({"host":"kept.example.test","policies":[{"tag":"issue","value":"other.ca"}]})");
    EngineClient c(srv, config, &clock, accountKey);
    const std::string order = R"({"identifiers":[{"type":"dns","value":"kept.example.test"}]})";
    clock.advance(6h);
    auto reused = c.session.post(c.session.dir("newOrder"), c.account, c.kid, order);
    BOOST_REQUIRE(reused.str("status") == "ready");
    BOOST_TEST(finalizeOrder(c, reused, {Identifier::dns("kept.example.test")}, c.account, c.kid).str("status") == "valid");
    clock.advance(1h);
    reused = c.session.post(c.session.dir("newOrder"), c.account, c.kid, order);
    BOOST_REQUIRE(reused.str("status") == "ready");
    BOOST_TEST(finalizeOrder(c, reused, {Identifier::dns("kept.example.test")}, c.account, c.kid).problem() == "caa");
}

// With validation skipped, CAA is checked at finalize (issuewild for a
// wildcard); a DNS server that cannot be asked is a "dns" problem that
// leaves the order ready, and without a DNS server the setting is refused.
BOOST_AUTO_TEST_CASE(caa_at_finalize_with_validation_skipped) {
    ChallTestSrv srv;
    MockAcmeConfig config = srv.config();
    config.checkCaa = true;
    config.skipValidation = true;
    EngineClient c(srv, config);
    srv.call("/add-caa", R"({"host":"wild.example.test","policies":[{"tag":"issue","value":"cxxacme.mock"},{"tag":"issuewild","value":";"}]})");
    srv.call("/add-caa", R"({"host":"nope.example.test","policies":[{"tag":"issue","value":";"}]})");
    const auto orderFor = [&](EngineClient& client, const std::vector<std::string>& names) {
        std::string ids;
        for (const auto& n : names) ids += std::string(ids.empty() ? "" : ",") + R"({"type":"dns","value":")" + n + R"("})";
        auto order = client.session.post(client.session.dir("newOrder"), client.account, client.kid, R"({"identifiers":[)" + ids + "]}");
        const auto authzs = order.json()->getArray("authorizations");
        for (std::size_t i = 0; i < authzs->size(); ++i) {
            const auto authz = client.session.post(authzs->getElement<std::string>(static_cast<unsigned>(i)), client.account, client.kid, "").json();
            const auto ch = authz->getArray("challenges")->getObject(0);
            BOOST_REQUIRE(client.session.post(ch->getValue<std::string>("url"), client.account, client.kid, "{}").str("status") == "valid");
        }
        return std::make_pair(order.header("Location"), client.session.post(order.header("Location"), client.account, client.kid, ""));
    };
    auto [plainUrl, plain] = orderFor(c, {"wild.example.test"});
    BOOST_REQUIRE(plain.str("status") == "ready");
    BOOST_TEST(finalizeOrder(c, plain, {Identifier::dns("wild.example.test")}, c.account, c.kid).str("status") == "valid");

    auto [wildUrl, wild] = orderFor(c, {"*.wild.example.test", "wild.example.test"});
    BOOST_REQUIRE(wild.str("status") == "ready");
    const auto refused = finalizeOrder(c, wild, {Identifier::dns("*.wild.example.test"), Identifier::dns("wild.example.test")}, c.account, c.kid);
    BOOST_TEST(refused.problem() == "caa");
    BOOST_TEST(has(refused.str("detail"), "*.wild.example.test"), refused.str("detail"));
    BOOST_TEST(has(refused.str("detail"), "(issuewild)"), refused.str("detail"));
    BOOST_TEST(refused.json()->getArray("subproblems")->size() == 1u);  // not wild.example.test, which its records allow

    // two names refused: a subproblem each, naming it
    auto [twoUrl, two] = orderFor(c, {"*.wild.example.test", "nope.example.test", "ok.example.test"});
    BOOST_REQUIRE(two.str("status") == "ready");
    const auto both = finalizeOrder(c, two, {Identifier::dns("*.wild.example.test"), Identifier::dns("nope.example.test"),
                                             Identifier::dns("ok.example.test")}, c.account, c.kid);
    BOOST_TEST(both.status == 403);
    BOOST_TEST(both.problem() == "caa");
    BOOST_TEST(has(both.str("detail"), "2 of the order's names"), both.str("detail"));
    std::set<std::string> named;
    const auto subs = both.json()->getArray("subproblems");
    for (std::size_t i = 0; i < subs->size(); ++i) {
        const auto sub = subs->getObject(static_cast<unsigned>(i));
        BOOST_TEST(sub->getValue<std::string>("type") == "urn:ietf:params:acme:error:caa");
        named.insert(sub->getObject("identifier")->getValue<std::string>("value"));
    }
    BOOST_TEST((named == std::set<std::string>{"*.wild.example.test", "nope.example.test"}));
    BOOST_TEST(c.session.post(twoUrl, c.account, c.kid, "").str("status") == "invalid");
    BOOST_TEST(c.session.post(wildUrl, c.account, c.kid, "").str("status") == "invalid");
    BOOST_TEST(c.session.post(plainUrl, c.account, c.kid, "").str("status") == "valid");

    // nothing answers DNS there: a dns problem naming the name, and the order stays ready
    MockAcmeConfig silent = config;
    silent.dnsServer = "127.0.0.1:" + std::to_string(freePort());
    EngineClient d(srv, silent);
    auto [orderUrl, order] = orderFor(d, {"quiet.example.test"});
    BOOST_REQUIRE(order.str("status") == "ready");
    const auto failed = finalizeOrder(d, order, {Identifier::dns("quiet.example.test")}, d.account, d.kid);
    BOOST_TEST(failed.status == 400);
    BOOST_TEST(failed.problem() == "dns");
    BOOST_TEST(has(failed.str("detail"), "CAA for quiet.example.test"), failed.str("detail"));
    BOOST_TEST(d.session.post(orderUrl, d.account, d.kid, "").str("status") == "ready");

    MockAcmeConfig none = config;
    none.dnsServer.clear();
    BOOST_CHECK_EXCEPTION(none.validate(), Error, [](const Error& e) { return has(e.what(), "checkCaa needs a dnsServer"); });
}

// A validation slower than the wait is answered "processing", as without it.
BOOST_AUTO_TEST_CASE(challenge_wait_shorter_than_the_validation_says_processing) {
    ChallTestSrv srv;
    MockAcmeConfig config = srv.config();
    config.challengeWait = 50ms;
    config.validationDelay = 3s;
    EngineClient c(srv, config);
    const auto started = c.startHttp01("slow.example.test", true);
    BOOST_TEST(started.challenge.str("status") == "processing");
    BOOST_TEST(!started.challenge.header("Retry-After").empty());
}

// The validation delay runs on the server's clock, not on a worker: six
// delayed validations with one worker all start when the (fake) clock has
// moved once past the delay, and end valid. A worker that slept the delay
// away would take six delays, and on a fake clock never wake.
BOOST_AUTO_TEST_CASE(validation_delays_run_side_by_side_on_the_servers_clock) {
    ChallTestSrv srv;
    MockAcmeConfig config = srv.config();
    config.validationDelay = 1h;
    config.validationThreads = 1;
    testing::FakeClock clock(std::chrono::system_clock::now());  // certificates stay current for the TLS checks
    EngineClient c(srv, config, &clock);
    const std::vector<std::string> authzs = c.startProcessing("delay", 6);
    BOOST_TEST(clock.pendingCount() == 6u);
    BOOST_TEST(c.authzStatus(authzs.front()) == "pending");  // nothing validated before the delay
    clock.advance(1h);
    for (const auto& url : authzs) BOOST_TEST(c.settledStatus(url) == "valid", url);
}

// --validation-jitter: each validation waits a random time up to the
// jitter, on the server's clock; six of them start at different seconds,
// all within it, and end valid.
BOOST_AUTO_TEST_CASE(validation_jitter_spreads_the_waits_within_its_bound) {
    ChallTestSrv srv;
    MockAcmeConfig config = srv.config();
    config.validationJitter = 10s;
    testing::FakeClock clock(std::chrono::system_clock::now());
    EngineClient c(srv, config, &clock);
    const std::vector<std::string> authzs = c.startProcessing("jitter", 6);
    std::set<std::size_t> seen;  // how many still wait, second by second
    for (int second = 0; second <= 10; ++second) {
        seen.insert(clock.pendingCount());
        clock.advance(1s);
    }
    BOOST_TEST(clock.pendingCount() == 0u);  // all started within the bound
    BOOST_TEST(seen.size() >= 3u);           // at different times
    for (const auto& url : authzs) BOOST_TEST(c.settledStatus(url) == "valid", url);
}

// tls-sni-01 (draft-ietf-acme-acme-01 §7.3): the validator asks for
// Z[0:32].Z[32:64].acme.invalid and wants that name among the SANs. Until
// the tls-sni-01 responder lands, cxxacme's TLS listener serves the
// certificate for that name (it builds one with the name as its only SAN).
BOOST_AUTO_TEST_CASE(tls_sni01_validation) {
    responders::TlsAlpn01Responder listener;
    MockAcmeConfig c;
    c.tlsAlpn01Port = listener.listen("127.0.0.1", 0);
    ChallengeValidator validator(c, 5s);
    const Jwk account = Jwk::fromPublicKey(PrivateKey::generate(KeyType::EcP256).publicKey());
    const std::string token = "tokenTlsSni01aaaaaaaaaa";
    const ValidationRequest req{"tls-sni-01", Identifier::dns("sni.example.test"), token,
                                KeyAuthorization::compute(token, account), ""};
    std::string z;
    for (unsigned char ch : detail::sha256(req.keyAuthorization)) {
        static const char* digits = "0123456789abcdef";
        z += digits[ch >> 4];
        z += digits[ch & 15];
    }
    const std::string zName = z.substr(0, 32) + "." + z.substr(32, 32) + ".acme.invalid";
    BOOST_TEST(typeOf(validator.validate(req)) == "tls");  // nothing served for that name
    const Challenge challenge{"tls-sni-01", "u", token, "pending"};
    listener.startResponding(zName, challenge, req.keyAuthorization);
    BOOST_TEST(typeOf(validator.validate(req)) == "ok");
    listener.stopResponding(zName, challenge, req.keyAuthorization);
    listener.startResponding("other.acme.invalid", challenge, req.keyAuthorization);
    BOOST_TEST(typeOf(validator.validate(req)) != "ok");
}
