#define BOOST_TEST_MODULE mock_acme_protocol
#include <boost/test/unit_test.hpp>

#include <functional>
#include <map>
#include <set>

#include <Poco/JSON/Array.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "../TestPrinting.h"
#include "AcmeTestSession.h"
#include "../support/CsrWithExtensions.h"
#include "../support/KeptAliveConnections.h"
#include "../support/TempDir.h"
#include "cxxacme/Error.h"
#include "cxxacme/detail/Json.h"
#include "cxxacme/detail/OpenFileLimit.h"
#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "cxxacme/AcmeClient.h"
#include "cxxacme/AcmeResources.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/mock_acme/ChallengeValidator.h"
#include "cxxacme/mock_acme/MockAcmeEngine.h"
#include "cxxacme/mock_acme/MockAcmeServer.h"
#include "cxxacme/testing/FakeClock.h"
#include "cxxacme/testing/TlsProbe.h"

using namespace cxxacme;
using namespace cxxacme::mock_acme;
using cxxacme::test::AcmeTestSession;
using cxxacme::test::Reply;
using cxxacme::test::Tamper;

namespace {

MockAcmeConfig quietConfig() {
    MockAcmeConfig c;
    c.listenPort = 0;
    c.managementPort = 0;
    c.skipValidation = true;
    return c;
}

// A running mock-acme, a requester, and an account.
struct Server {
    explicit Server(MockAcmeConfig config = quietConfig(),
                    const PrivateKey& accountKey = PrivateKey::generate(KeyType::EcP256), IClock* clock = nullptr)
        : server(std::move(config), clock), session(server.directoryUrl(), server.httpsCaPem()), account(accountKey) {}

    MockAcmeServer server;
    AcmeTestSession session;
    KeySigner account;
    std::string kid;

    std::string login() {
        if (kid.empty()) kid = session.newAccount(account);
        return kid;
    }

    static std::string orderPayload(const std::vector<std::string>& names, const std::string& extra = "") {
        std::string ids;
        for (const auto& n : names) {
            const bool ip = n.find(':') != std::string::npos ||  // IPv6, or IPv4 in dotted digits
                            (n.find_first_not_of("0123456789.") == std::string::npos && n.find('.') != n.rfind('.'));
            ids += std::string(ids.empty() ? "" : ",") + R"({"type":")" + (ip ? "ip" : "dns") + R"(","value":")" + n + R"("})";
        }
        return R"({"identifiers":[)" + ids + "]" + extra + "}";
    }

    Reply newOrder(const std::vector<std::string>& names, const std::string& extra = "") {
        return session.post(session.dir("newOrder"), account, login(), orderPayload(names, extra));
    }

    // Answers every challenge of type `type` of the order (validation is skipped).
    void authorize(const Reply& order, const std::string& type = "http-01") { authorizeAs(account, kid, order, type); }

    // The same, for the account of `signer` and `signerKid`.
    void authorizeAs(const ISigner& signer, const std::string& signerKid, const Reply& order,
                     const std::string& type = "http-01") {
        auto authzs = order.json()->getArray("authorizations");
        for (std::size_t i = 0; i < authzs->size(); ++i) {
            const Reply authz = session.post(authzs->getElement<std::string>(static_cast<unsigned>(i)), signer, signerKid, "");
            auto challenges = authz.json()->getArray("challenges");
            for (std::size_t j = 0; j < challenges->size(); ++j) {
                auto c = challenges->getObject(static_cast<unsigned>(j));
                if (c->getValue<std::string>("type") == type) {
                    const Reply r = session.post(c->getValue<std::string>("url"), signer, signerKid, "{}");
                    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
                }
            }
        }
    }

    Reply finalize(const Reply& order, const PrivateKey& key, const std::vector<Identifier>& ids) {
        const auto csr = CertificateSigningRequest::create(key, ids);
        return session.post(order.str("finalize"), account, kid,
                            R"({"csr":")" + Base64Url::encode(csr.toDer()) + R"("})");
    }

    std::string management(const std::string& path) { return session.get(server.managementUrl() + path).body; }
};

}  // namespace

// A second mock-acme on a port the first holds (its ACME, management or CRL
// listener) is refused: with POCO's own bind (SO_REUSEPORT) it would start, and
// the two would share the port's connections, each a stranger to the other's accounts.
BOOST_AUTO_TEST_CASE(a_second_server_on_a_port_in_use_is_refused) {
    MockAcmeConfig withCrl = quietConfig();
    withCrl.crl = true;
    withCrl.crlHost = "127.0.0.1";
    withCrl.crlPort = 0;
    MockAcmeServer first(withCrl);
    const auto port = [](const std::string& url) {
        const auto colon = url.find(':', url.find("//") + 2);
        return static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1)));
    };
    const auto refusedWith = [](std::uint16_t taken) {
        return [taken](const ListenError& e) { return e.addressInUse() && e.url().ends_with(":" + std::to_string(taken)); };
    };
    MockAcmeConfig acme = quietConfig();
    acme.listenPort = first.port();
    BOOST_CHECK_EXCEPTION(MockAcmeServer{acme}, ListenError, refusedWith(first.port()));
    MockAcmeConfig management = quietConfig();
    management.managementPort = first.managementPort();
    BOOST_CHECK_EXCEPTION(MockAcmeServer{management}, ListenError, refusedWith(first.managementPort()));
    MockAcmeConfig crl = withCrl;
    crl.crlPort = port(first.crlUrl());
    BOOST_CHECK_EXCEPTION(MockAcmeServer{crl}, ListenError, refusedWith(crl.crlPort));
    // the first still answers
    AcmeTestSession session(first.directoryUrl(), first.httpsCaPem());
    for (int i = 0; i < 4; ++i) BOOST_TEST(session.request("GET", first.directoryUrl()).status == 200);
}

BOOST_AUTO_TEST_CASE(methods_and_cors_for_scripts_in_browsers_as_boulder_and_pebble_answer_them) {
    Server s;
    const std::string base = s.server.directoryUrl().substr(0, s.server.directoryUrl().rfind('/'));
    // a 405 lists the methods the resource answers (RFC 9110 §15.5.6); GET brings HEAD
    const std::vector<std::tuple<std::string, std::string, std::string>> wrong{
        {"PUT", "/dir", "GET, HEAD, POST"},        {"DELETE", "/nonce-plz", "GET, HEAD, POST"},
        {"PUT", "/renewal-info/x.y", "GET, HEAD"}, {"POST", "/renewal-info/x.y", "GET, HEAD"},
        {"GET", "/order-plz", "POST"},             {"HEAD", "/my-order/x", "POST"},
        {"GET", "/certZ/x/1", "POST"},             {"PATCH", "/my-account/x/orders", "POST"}};
    for (const auto& [method, path, allow] : wrong) {
        const Reply r = s.session.request(method, base + path);
        BOOST_TEST(r.status == 405, method << " " << path);
        BOOST_TEST(r.header("Allow") == allow, method << " " << path);
    }
    // no such resource: 404 whatever the method, before any JWS is read
    for (const std::string method : {"GET", "POST", "OPTIONS", "PUT"})
        for (const std::string path : {"/nothing", "/dir/x", "/my-order", "/my-order/", "/certZ/x/0", "/certZ/x/10", "/new-authz/x"}) {
            const Reply r = s.session.request(method, base + path, method == "POST" ? "{}" : "", "application/jose+json");
            BOOST_TEST(r.status == 404, method << " " << path);
            if (method != "OPTIONS") BOOST_TEST(r.problem() == "malformed", method << " " << path);
        }
    MockAcmeConfig noPreAuthorization = quietConfig();
    noPreAuthorization.preAuthorization = false;
    Server withoutNewAuthz(noPreAuthorization);
    const std::string otherBase =
        withoutNewAuthz.server.directoryUrl().substr(0, withoutNewAuthz.server.directoryUrl().rfind('/'));
    BOOST_TEST(withoutNewAuthz.session.request("POST", otherBase + "/new-authz", "{}", "application/jose+json").status == 404);
    BOOST_TEST(s.session.request("OPTIONS", base + "/new-authz").status == 204);  // where it is offered

    // OPTIONS (RFC 9110 §9.3.7): 204 and Allow; with no Origin, not CORS: no CORS header, no nonce
    const Reply options = s.session.request("OPTIONS", base + "/order-plz");
    BOOST_TEST(options.status == 204);
    BOOST_TEST(options.header("Allow") == "POST");
    BOOST_TEST(options.header("Access-Control-Allow-Origin").empty());
    BOOST_TEST(options.header("Replay-Nonce").empty());
    BOOST_TEST(s.session.request("OPTIONS", base + "/dir").header("Allow") == "GET, HEAD, POST");
    BOOST_TEST(s.session.get(s.server.directoryUrl()).header("Access-Control-Allow-Origin").empty());

    // a browser's script: with the default ("*"), every answer may be read by any origin, with the
    // ACME headers it needs, errors too
    s.session.extraHeaders = {{"Origin", "https://app.example"}};
    const auto readableByAny = [](const Reply& r) {
        return r.header("Access-Control-Allow-Origin") == "*" &&
               r.header("Access-Control-Expose-Headers") == "Link, Replay-Nonce, Location" && r.header("Vary").empty();
    };
    BOOST_TEST(readableByAny(s.session.get(s.server.directoryUrl())));
    BOOST_TEST(readableByAny(s.session.request("HEAD", s.session.dir("newNonce"))));
    const std::string kid = s.login();
    const Reply order = s.newOrder({"browser.example.test"});
    BOOST_TEST(order.status == 201);
    BOOST_TEST(readableByAny(order));
    BOOST_TEST(readableByAny(s.session.post(order.header("Location"), s.account, kid, "")));
    BOOST_TEST(readableByAny(s.session.post(s.session.dir("newOrder"), s.account, kid, "{}")));  // refused
    BOOST_TEST(readableByAny(s.session.get(base + "/order-plz")));                                // 405
    // the preflight of a POST with Content-Type application/jose+json, as a browser sends it
    s.session.extraHeaders = {{"Origin", "https://app.example"},
                              {"Access-Control-Request-Method", "POST"},
                              {"Access-Control-Request-Headers", "content-type"}};
    const Reply preflight = s.session.request("OPTIONS", s.session.dir("newOrder"));
    BOOST_TEST(preflight.status == 204);
    BOOST_TEST(preflight.header("Access-Control-Allow-Origin") == "*");
    BOOST_TEST(preflight.header("Access-Control-Allow-Methods") == "POST");
    BOOST_TEST(preflight.header("Access-Control-Allow-Headers") == "Content-Type");
    BOOST_TEST(preflight.header("Access-Control-Max-Age") == "86400");
    BOOST_TEST(preflight.header("Allow") == "POST");
    BOOST_TEST(s.session.request("OPTIONS", s.server.directoryUrl()).header("Access-Control-Allow-Methods") == "GET, HEAD, POST");
    // a preflight for a method the resource does not answer: no CORS header, so the browser stops there
    s.session.extraHeaders = {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "PUT"}};
    const Reply refusedPreflight = s.session.request("OPTIONS", s.session.dir("newOrder"));
    BOOST_TEST(refusedPreflight.status == 204);
    BOOST_TEST(refusedPreflight.header("Access-Control-Allow-Origin").empty());
    BOOST_TEST(refusedPreflight.header("Access-Control-Allow-Methods").empty());
    // the pages for a person are not for scripts
    s.session.extraHeaders = {{"Origin", "https://app.example"}};
    const Reply page = s.session.get(base + "/terms-agreement/" + kid.substr(kid.rfind('/') + 1));
    BOOST_TEST(page.status == 200);
    BOOST_TEST(page.header("Access-Control-Allow-Origin").empty());

    // listed origins (Boulder's allowOrigins): the origin named back, with Vary; others get nothing
    MockAcmeConfig listed = quietConfig();
    listed.corsOrigins = {"https://app.example", "http://127.0.0.1:8080"};
    Server l(listed);
    l.session.extraHeaders = {{"Origin", "http://127.0.0.1:8080"}};
    const Reply named = l.session.get(l.server.directoryUrl());
    BOOST_TEST(named.header("Access-Control-Allow-Origin") == "http://127.0.0.1:8080");
    BOOST_TEST(named.header("Vary") == "Origin");
    l.session.extraHeaders = {{"Origin", "https://evil.example"}};
    BOOST_TEST(l.session.get(l.server.directoryUrl()).header("Access-Control-Allow-Origin").empty());
    l.session.extraHeaders = {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}};
    BOOST_TEST(l.session.request("OPTIONS", l.session.dir("newOrder")).header("Access-Control-Allow-Origin").empty());
    l.session.extraHeaders = {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}};
    const Reply listedPreflight = l.session.request("OPTIONS", l.session.dir("newOrder"));
    BOOST_TEST(listedPreflight.header("Access-Control-Allow-Origin") == "https://app.example");
    BOOST_TEST(listedPreflight.header("Vary") == "Origin");

    // none: no CORS header at all
    MockAcmeConfig none = quietConfig();
    none.corsOrigins.clear();
    Server n(none);
    n.session.extraHeaders = {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}};
    BOOST_TEST(n.session.request("OPTIONS", n.session.dir("newOrder")).header("Access-Control-Allow-Origin").empty());
    n.session.extraHeaders = {{"Origin", "https://app.example"}};
    BOOST_TEST(n.session.get(n.server.directoryUrl()).header("Access-Control-Allow-Origin").empty());
}

BOOST_AUTO_TEST_CASE(directory_nonces_and_headers) {
    Server s;
    const Reply dir = s.session.get(s.server.directoryUrl());
    BOOST_TEST(dir.status == 200);
    auto json = dir.json();
    for (const char* name : {"newNonce", "newAccount", "newOrder", "revokeCert", "keyChange", "renewalInfo"})
        BOOST_TEST(json->has(name));
    // as Let's Encrypt's, one member more, under a new random name each time
    const auto unknownMembers = [](const Poco::JSON::Object::Ptr& directory) {
        static const std::set<std::string> known{"newNonce", "newAccount", "newOrder", "revokeCert", "keyChange",
                                                 "renewalInfo", "newAuthz", "meta"};
        std::vector<std::string> names;
        for (const auto& name : directory->getNames())
            if (!known.contains(name)) names.push_back(name);
        return names;
    };
    const auto random = unknownMembers(json);
    BOOST_REQUIRE(random.size() == 1u);
    BOOST_TEST(random[0].size() == 11u);
    BOOST_TEST(random[0].find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
    BOOST_TEST(json->getValue<std::string>(random[0]).starts_with("https://"));
    const auto again = unknownMembers(s.session.get(s.server.directoryUrl()).json());
    BOOST_REQUIRE(again.size() == 1u);
    BOOST_TEST(again[0] != random[0]);
    MockAcmeConfig fixedDirectory = quietConfig();
    fixedDirectory.randomDirectoryEntry = false;
    Server fixed(fixedDirectory);
    BOOST_TEST(unknownMembers(fixed.session.get(fixed.server.directoryUrl()).json()).empty());
    auto meta = json->getObject("meta");
    BOOST_TEST(meta->has("termsOfService"));
    BOOST_TEST(meta->getObject("profiles")->has("shortlived"));
    BOOST_TEST(!meta->getValue<bool>("externalAccountRequired"));

    const Reply head = s.session.request("HEAD", s.session.dir("newNonce"));
    BOOST_TEST(head.status == 200);
    BOOST_TEST(head.header("Cache-Control") == "no-store");
    BOOST_TEST(!head.header("Replay-Nonce").empty());
    const Reply get = s.session.get(s.session.dir("newNonce"));
    BOOST_TEST(get.status == 204);
    BOOST_TEST(get.header("Replay-Nonce") != head.header("Replay-Nonce"));
    BOOST_TEST(get.links("index").at(0) == s.server.directoryUrl());

    const Reply wrongMethod = s.session.get(s.session.dir("newOrder"));
    BOOST_TEST(wrongMethod.status == 405);
    BOOST_TEST(wrongMethod.problem() == "malformed");
    BOOST_TEST(s.session.get(s.server.directoryUrl() + "/nothing").status == 404);  // no such resource, whatever the method

    // nonces as Boulder and pebble give them: with every answer to a POST or HEAD, errors
    // too, and to a GET of newNonce; not with other GETs (ruby-acme-client 2.0.9 fails on
    // one in the directory's answer). "index" links everything but the directory itself
    BOOST_TEST(dir.header("Replay-Nonce").empty());
    BOOST_TEST(wrongMethod.header("Replay-Nonce").empty());
    BOOST_TEST(dir.links("index").empty());
    BOOST_TEST(wrongMethod.links("index").at(0) == s.server.directoryUrl());
    const Reply refusedPost = s.session.post(s.session.dir("newOrder"), s.account, "", "{}");
    BOOST_TEST(refusedPost.status >= 400);
    BOOST_TEST(!refusedPost.header("Replay-Nonce").empty());  // on errors too
    MockAcmeConfig everyResponse = quietConfig();
    everyResponse.nonceOnEveryResponse = true;
    Server e(everyResponse);
    BOOST_TEST(!e.session.get(e.server.directoryUrl()).header("Replay-Nonce").empty());
    BOOST_TEST(!e.session.get(e.session.dir("newOrder")).header("Replay-Nonce").empty());

    // RFC 8555 §6.3: POST-as-GET to the directory and to newNonce is allowed as well
    const std::string kid = s.login();
    const Reply dirPost = s.session.post(s.server.directoryUrl(), s.account, kid, "");
    BOOST_TEST(dirPost.status == 200, dirPost.body);
    BOOST_TEST((dirPost.json()->has("newOrder") && dirPost.json()->getValue<std::string>("newOrder") == s.session.dir("newOrder")));
    const Reply noncePost = s.session.post(s.session.dir("newNonce"), s.account, kid, "");
    BOOST_TEST(noncePost.status == 200);
    BOOST_TEST(!noncePost.header("Replay-Nonce").empty());
    // checked as every POST-as-GET is (as Boulder checks them): signed by an account, for
    // this URL, with a fresh nonce and no payload
    for (const std::string& url : {s.server.directoryUrl(), s.session.dir("newNonce")}) {
        BOOST_TEST_CONTEXT(url) {
            const KeySigner stranger(PrivateKey::generate(KeyType::EcP256));
            Tamper flipped, elsewhere, unknownNonce;
            flipped.flipSignature = true;
            elsewhere.headerUrl = s.session.dir("newOrder");
            unknownNonce.nonce = "bm90LWEtbm9uY2U";
            BOOST_TEST(s.session.post(url, s.account, kid, "", flipped).problem() == "malformed");
            BOOST_TEST(s.session.post(url, s.account, kid, "", elsewhere).problem() == "unauthorized");
            BOOST_TEST(s.session.post(url, s.account, kid, "", unknownNonce).problem() == "badNonce");
            BOOST_TEST(s.session.post(url, s.account, kid, "{}").problem() == "malformed");
            BOOST_TEST(s.session.post(url, stranger, "", "").problem() == "malformed");  // a jwk, not an account's kid
            BOOST_TEST(s.session.post(url, stranger, kid + "0", "").problem() == "accountDoesNotExist");
            BOOST_TEST(s.session.request("POST", url, "not a JWS", "application/jose+json").problem() == "malformed");
            BOOST_TEST(s.session.request("POST", url, "", "application/json").status == 415);
        }
    }
}

// As in pebble, the URLs follow the host the client addressed: a client that
// reaches mock-acme as "localhost" (or through a container's or a proxy's
// name) gets URLs on that name, and its JWS must name them.
BOOST_AUTO_TEST_CASE(urls_follow_the_host_the_client_addressed) {
    Server s;  // listening on 127.0.0.1
    const std::string byAddress = s.server.directoryUrl().substr(0, s.server.directoryUrl().size() - 4);
    const std::string byName = "https://localhost:" + std::to_string(Poco::URI(byAddress).getPort());
    AcmeTestSession named(byName + "/dir", s.server.httpsCaPem());  // its HTTPS certificate names localhost
    for (const char* name : {"newNonce", "newAccount", "newOrder", "revokeCert", "keyChange", "renewalInfo"})
        BOOST_TEST(named.dir(name).starts_with(byName + "/"), name << ": " << named.dir(name));
    BOOST_TEST(s.session.dir("newOrder").starts_with(byAddress + "/"));

    // a whole issuance by name
    const KeySigner account(PrivateKey::generate(KeyType::EcP256));
    const std::string kid = named.newAccount(account);
    BOOST_TEST(kid.starts_with(byName + "/my-account/"), kid);
    const Reply order = named.post(named.dir("newOrder"), account, kid, Server::orderPayload({"named.example.test"}));
    BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
    BOOST_TEST(order.header("Location").starts_with(byName + "/"));
    BOOST_TEST(order.str("finalize").starts_with(byName + "/"));
    BOOST_TEST(order.links("index").at(0) == byName + "/dir");
    const std::string authzUrl = order.json()->getArray("authorizations")->getElement<std::string>(0);
    BOOST_TEST(authzUrl.starts_with(byName + "/"));
    const Reply authz = named.post(authzUrl, account, kid, "");
    const std::string challengeUrl = authz.json()->getArray("challenges")->getObject(0)->getValue<std::string>("url");
    BOOST_TEST(challengeUrl.starts_with(byName + "/"));
    BOOST_REQUIRE(named.post(challengeUrl, account, kid, "{}").status == 200);
    const auto csr = CertificateSigningRequest::create(PrivateKey::generate(KeyType::EcP256), {Identifier::dns("named.example.test")});
    const Reply done = named.post(order.str("finalize"), account, kid, R"({"csr":")" + Base64Url::encode(csr.toDer()) + R"("})");
    BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
    BOOST_TEST(done.str("certificate").starts_with(byName + "/"));
    const Reply cert = named.post(done.str("certificate"), account, kid, "");
    BOOST_TEST(cert.status == 200);
    BOOST_TEST(Certificate::chainFromPem(cert.body).size() == 2u);

    // The same account reached by address: its kid and URLs are on the address.
    const std::string id = kid.substr(kid.rfind('/') + 1);
    BOOST_TEST(s.session.post(byAddress + "/my-account/" + id, account, byAddress + "/my-account/" + id, "").status == 200);
    // A JWS naming the other host's URL or kid is refused.
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), account, kid, Server::orderPayload({"named.example.test"})).problem() ==
               "accountDoesNotExist");
    Tamper otherUrl;
    otherUrl.headerUrl = named.dir("newOrder");
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), account, byAddress + "/my-account/" + id,
                              Server::orderPayload({"named.example.test"}), otherUrl).problem() == "unauthorized");

    // Engine-level: what a Host value gives; unusable ones fall back to the listening address.
    const auto newOrderFor = [&](const std::string& host) {
        HttpRequest get{.method = "GET", .path = "/dir", .host = host, .clientAddress = "127.0.0.1"};
        const HttpResponse r = s.server.engine().handle(get);
        return detail::parseJsonObject(r.body, 1 << 20, "directory")->getValue<std::string>("newOrder");
    };
    BOOST_TEST(newOrderFor("acme.internal:14000") == "https://acme.internal:14000/order-plz");
    BOOST_TEST(newOrderFor("acme-ca.internal") == "https://acme-ca.internal/order-plz");
    BOOST_TEST(newOrderFor("[::1]:8443") == "https://[::1]:8443/order-plz");
    BOOST_TEST(newOrderFor("192.0.2.1:65535") == "https://192.0.2.1:65535/order-plz");
    for (const std::string& bad : std::vector<std::string>{"", "evil.test/path", "a b", "[::1", "[::1]x", "[zz::1]", "host:", "host:0", "host:65536",
                                  "host:12a", ".host", "-host", "a..b", "user@host", "host\"", std::string(300, 'a')})
        BOOST_TEST(newOrderFor(bad) == byAddress + "/order-plz", "Host \"" << bad << "\"");
}

BOOST_AUTO_TEST_CASE(many_kept_alive_connections_are_all_served) {
    // Clients keep their connections open between requests (certbot, lego and
    // cxxacme all do). A new connection is served while many others are open
    // and in use: a server with a thread per connection and too few threads
    // (POCO's shared default pool has 16; mock-acme's own pool had 512) would
    // leave it waiting until another connection idles out.
    constexpr int kConnections = 600;
    // both ends of every connection are in this process
    const auto tooFew = detail::raiseOpenFileLimit(2 * kConnections);
    BOOST_REQUIRE_MESSAGE(!tooFew, "too low for this test: " << tooFew.value_or(""));
    Server s;
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
    params.loadDefaultCAs = false;
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::CLIENT_USE, params);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(context->sslContext()), Certificate::fromPem(s.server.httpsCaPem()).native());
    const Poco::URI dir(s.server.directoryUrl());
    const auto nonce = [](Poco::Net::HTTPClientSession& session) {
        Poco::Net::HTTPRequest request("HEAD", "/nonce-plz", Poco::Net::HTTPMessage::HTTP_1_1);
        request.setKeepAlive(true);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        session.receiveResponse(response);
        return response.getStatus() == 200 && response.has("Replay-Nonce");
    };

    const auto kept = test::KeptAliveConnections::open(
        kConnections,
        [&] {
            auto session = std::make_unique<Poco::Net::HTTPSClientSession>(dir.getHost(), dir.getPort(), context);
            session->setKeepAlive(true);
            session->setTimeout(Poco::Timespan(20, 0));  // bounds a starved request (it would wait for ever)
            return session;
        },
        nonce);
    BOOST_TEST(kept.served == kConnections, kept.error);
    BOOST_TEST(kept.pings >= kept.served);
    BOOST_TEST(kept.pingFailures == 0);
}

BOOST_AUTO_TEST_CASE(accounts) {
    Server s;
    const Reply created = s.session.post(s.session.dir("newAccount"), s.account, "",
                                         R"({"termsOfServiceAgreed":true,"contact":["mailto:admin@example.com"]})");
    BOOST_TEST(created.status == 201);
    const std::string kid = created.header("Location");
    BOOST_TEST(kid.find("/my-account/") != std::string::npos);
    BOOST_TEST(created.str("status") == "valid");
    BOOST_TEST(created.json()->getArray("contact")->getElement<std::string>(0) == "mailto:admin@example.com");

    const Reply again = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})");
    BOOST_TEST(again.status == 200);
    BOOST_TEST(again.header("Location") == kid);

    const KeySigner stranger(PrivateKey::generate(KeyType::EcP256));
    const Reply missing = s.session.post(s.session.dir("newAccount"), stranger, "", R"({"onlyReturnExisting":true})");
    BOOST_TEST(missing.status == 400);
    BOOST_TEST(missing.problem() == "accountDoesNotExist");

    BOOST_TEST(s.session.post(s.session.dir("newAccount"), stranger, "", R"({"contact":["tel:+1555"]})").problem() ==
               "unsupportedContact");
    BOOST_TEST(s.session.post(s.session.dir("newAccount"), stranger, "", R"({"contact":["mailto:nobody"]})").problem() ==
               "invalidContact");

    // the directory names terms of service: a new account must agree to them
    for (const std::string payload : {R"({})", R"({"termsOfServiceAgreed":false})", R"({"termsOfServiceAgreed":"yes"})"}) {
        const Reply refused = s.session.post(s.session.dir("newAccount"), stranger, "", payload);
        BOOST_TEST(refused.status == 403);
        BOOST_TEST(refused.problem() == "userActionRequired");
        // mock-acme's own terms, under the URL the client came by
        const std::string dirUrl = s.server.directoryUrl();
        const std::string terms = dirUrl.substr(0, dirUrl.size() - 4) + "/terms-of-service";
        BOOST_TEST(refused.json()->getValue<std::string>("instance") == terms);
        BOOST_TEST(refused.links("terms-of-service") == std::vector<std::string>{terms}, boost::test_tools::per_element());
    }
    BOOST_TEST(s.session.post(s.session.dir("newAccount"), stranger, "", R"({"onlyReturnExisting":true})").problem() ==
               "accountDoesNotExist");  // nothing was created

    // update the contact, then deactivate
    const Reply updated = s.session.post(kid, s.account, kid, R"({"contact":["mailto:new@example.com"]})");
    BOOST_TEST(updated.status == 200);
    BOOST_TEST(updated.json()->getArray("contact")->getElement<std::string>(0) == "mailto:new@example.com");
    // the object sent back as it was read, its status and fields the server does not take
    // (RFC 8555 §7.3.2) included: only the contact changes
    const Reply resent = s.session.post(kid, s.account, kid,
                                        R"({"status":"valid","contact":["mailto:third@example.com"],"orders":"x","termsOfServiceAgreed":false})");
    BOOST_TEST(resent.status == 200, resent.body);
    BOOST_TEST(resent.str("status") == "valid");
    BOOST_TEST(resent.json()->getArray("contact")->getElement<std::string>(0) == "mailto:third@example.com");
    for (const std::string status : {R"("revoked")", R"("Deactivated")", "null", "1"}) {  // refused, and nothing changes
        const Reply refused = s.session.post(kid, s.account, kid, R"({"contact":["mailto:lost@example.com"],"status":)" + status + "}");
        BOOST_TEST(refused.problem() == "malformed", status);
    }
    const Reply unchanged = s.session.post(kid, s.account, kid, "");
    BOOST_TEST(unchanged.str("status") == "valid");
    BOOST_TEST(unchanged.json()->getArray("contact")->getElement<std::string>(0) == "mailto:third@example.com");
    BOOST_TEST(s.session.post(kid, s.account, kid, R"({"status":"deactivated"})").str("status") == "deactivated");
    const Reply after = s.session.post(s.session.dir("newOrder"), s.account, kid, Server::orderPayload({"a.example"}));
    BOOST_TEST(after.status == 401);
    BOOST_TEST(after.problem() == "unauthorized");
    // nor does newAccount give the deactivated account back (RFC 8555 §7.3.6), found or made
    for (const std::string payload : {R"({"onlyReturnExisting":true})", R"({"termsOfServiceAgreed":true})"}) {
        const Reply lookup = s.session.post(s.session.dir("newAccount"), s.account, "", payload);
        BOOST_TEST(lookup.status == 401, payload);
        BOOST_TEST(lookup.problem() == "unauthorized");
        BOOST_TEST(lookup.str("detail").find("deactivated") != std::string::npos, lookup.body);
        BOOST_TEST(lookup.header("Location").empty());
    }
}

// What the directory's meta links to is there for a person to read: the website (Boulder's
// index page) and mock-acme's own terms of service, each version; read-only pages, for no script.
BOOST_AUTO_TEST_CASE(the_website_and_terms_the_directory_names_are_there_to_read) {
    Server s;
    const std::string dirUrl = s.server.directoryUrl();
    const std::string base = dirUrl.substr(0, dirUrl.size() - 4);
    const auto meta = s.session.get(dirUrl).json()->getObject("meta");
    BOOST_TEST(meta->getValue<std::string>("website") == base + "/");
    BOOST_TEST(meta->getValue<std::string>("termsOfService") == base + "/terms-of-service");
    s.session.extraHeaders = {{"Origin", "https://app.example"}};
    const Reply site = s.session.get(base + "/");
    BOOST_TEST(site.status == 200);
    BOOST_TEST(site.header("Content-Type") == "text/html; charset=utf-8");
    BOOST_TEST(site.body.find("<a href=\"" + dirUrl + "\">") != std::string::npos, site.body);
    BOOST_TEST(site.body.find("<a href=\"" + base + "/terms-of-service\">") != std::string::npos, site.body);
    BOOST_TEST(site.header("Access-Control-Allow-Origin").empty());
    const Reply terms = s.session.get(base + "/terms-of-service");
    BOOST_TEST(terms.status == 200);
    BOOST_TEST(terms.header("Content-Type") == "text/plain; charset=utf-8");
    BOOST_TEST(terms.body.starts_with("mock-acme: terms of service\n"), terms.body);
    BOOST_TEST(terms.header("Access-Control-Allow-Origin").empty());
    const Reply head = s.session.request("HEAD", base + "/terms-of-service");
    BOOST_TEST(head.status == 200);
    BOOST_TEST(head.header("Content-Length") == std::to_string(terms.body.size()));
    BOOST_TEST(s.session.get(base + "/terms-of-service/2026-12.v2").body.starts_with("mock-acme: terms of service, version 2026-12.v2\n"));
    for (const std::string path : {"/", "/terms-of-service"}) {
        const Reply posted = s.session.request("POST", base + path, "{}", "application/jose+json");
        BOOST_TEST(posted.status == 405, path);
        BOOST_TEST(posted.header("Allow") == "GET, HEAD", path);
    }
    for (const std::string& path : std::vector<std::string>{"/terms-of-service/", "/terms-of-service/a/b", "/terms-of-service/a%20b", "/terms-of-servicex",
                                   "/index.html", "/terms-of-service/" + std::string(65, 'v')})
        BOOST_TEST(s.session.get(base + path).status == 404, path);
    s.session.extraHeaders.clear();

    // another version, set as mock-acme's own: named under the server's URL, and linked
    const Reply set = s.session.request("POST", s.server.managementUrl() + "/set-terms-of-service",
                                        R"({"url":"/terms-of-service/v2","requireAgreement":false})", "application/json");
    BOOST_TEST(set.status == 200, set.body);
    BOOST_TEST(s.session.get(dirUrl).json()->getObject("meta")->getValue<std::string>("termsOfService") == base + "/terms-of-service/v2");
    BOOST_TEST(s.session.get(base + "/").body.find(base + "/terms-of-service/v2") != std::string::npos);
    for (const std::string body : {R"({"url":"/terms-of-service/"})", R"({"url":"/terms-of-service/.."})", R"({"url":"/dir"})"})
        BOOST_TEST(s.session.request("POST", s.server.managementUrl() + "/set-terms-of-service", body, "application/json").status == 400,
                   body);
}

// A server without terms of service names none and asks for no agreement.
BOOST_AUTO_TEST_CASE(without_terms_of_service_no_agreement_is_asked) {
    MockAcmeConfig config = quietConfig();
    config.termsOfService.clear();
    {
        MockAcmeConfig named = quietConfig();
        named.caaIdentities = {"ca.example.test", "other-ca.example.test"};
        Server withCaa(named);
        const auto caa = withCaa.session.get(withCaa.server.directoryUrl()).json()->getObject("meta")->getArray("caaIdentities");
        BOOST_REQUIRE(caa);
        BOOST_TEST(caa->size() == 2u);
        BOOST_TEST(caa->getElement<std::string>(1) == "other-ca.example.test");
    }
    Server s(config);
    const auto meta = s.session.get(s.server.directoryUrl()).json()->getObject("meta");
    BOOST_TEST(!meta->has("termsOfService"));
    BOOST_TEST(meta->getArray("caaIdentities")->size() == 1u);
    BOOST_TEST(meta->getArray("caaIdentities")->getElement<std::string>(0) == "cxxacme.mock");
    const Reply created = s.session.post(s.session.dir("newAccount"), s.account, "", "{}");
    BOOST_TEST(created.status == 201);
    BOOST_TEST(created.json()->getValue<bool>("termsOfServiceAgreed") == false);
}

// Nonces asked for and never used are bounded: past the newest 100,000 the oldest go, so
// a client that only asks for nonces cannot grow the server without end. A nonce that
// went is a badNonce like any unknown one; the newest still work.
BOOST_AUTO_TEST_CASE(a_flood_of_unused_nonces_keeps_the_newest_100000) {
    Server s;
    const std::string kid = s.login();
    const std::string url = s.session.dir("newOrder");
    const std::string payload = Server::orderPayload({"flood.example.test"});
    // in the process, without sockets: the same engine the listener serves
    const auto nonce = [&s] {
        const HttpResponse r = s.server.engine().handle(HttpRequest{.method = "HEAD", .path = "/nonce-plz"});
        BOOST_REQUIRE(r.status == 200);
        for (const auto& [name, value] : r.headers)
            if (name == "Replay-Nonce") return value;
        BOOST_FAIL("no Replay-Nonce");
        return std::string();
    };
    const std::string oldest = nonce();
    const std::string kept = nonce();
    for (int i = 0; i < 99999; ++i) (void)nonce();  // `oldest` is now the 100,001st newest
    const auto stats = [&s] { return detail::parseJsonObject(s.management("/stats"), 1 << 20, "stats"); };
    BOOST_TEST(stats()->getValue<Poco::UInt64>("nonces") == 100000u);
    // the oldest kept first (each answer's Replay-Nonce is one more, which pushes the next out)
    Tamper last;
    last.nonce = kept;
    BOOST_TEST(s.session.post(url, s.account, kid, payload, last).status == 201);
    Tamper gone;
    gone.nonce = oldest;
    const Reply refused = s.session.post(url, s.account, kid, payload, gone);
    BOOST_TEST(refused.problem() == "badNonce");
    BOOST_TEST(!refused.header("Replay-Nonce").empty());
    BOOST_TEST(stats()->getValue<Poco::UInt64>("nonces") <= 100000u);
}

BOOST_AUTO_TEST_CASE(every_jws_rule_is_enforced) {
    Server s;
    const std::string kid = s.login();
    const std::string url = s.session.dir("newOrder");
    const std::string payload = Server::orderPayload({"a.example"});

    Tamper wrongType;
    wrongType.contentType = "application/json";
    const Reply r1 = s.session.post(url, s.account, kid, payload, wrongType);
    BOOST_TEST(r1.status == 415);
    BOOST_TEST(r1.problem() == "malformed");
    // a media type is read as RFC 9110 §8.3.1 says: in any case, with parameters
    for (const std::string type : {"Application/JOSE+JSON", "application/jose+json; charset=utf-8", "application/jose+json ;x=y"}) {
        Tamper spelled;
        spelled.contentType = type;
        BOOST_TEST(s.session.post(url, s.account, kid, payload, spelled).status == 201, type);
    }
    for (const std::string type : {"application/jose", "application/jose+json+x", "application/json; x=application/jose+json"}) {
        Tamper other;
        other.contentType = type;
        BOOST_TEST(s.session.post(url, s.account, kid, payload, other).status == 415, type);
    }

    // Let's Encrypt's HTTP rules for a POST, before the JWS is read (nothing spent): a body whose
    // length is given, and no nonce outside the JWS
    {
        const std::string fresh = s.session.nonce();
        const auto refused = [&](Tamper tamper, const std::string& detail) {
            tamper.nonce = fresh;
            const Reply r = s.session.post(url, s.account, kid, payload, tamper);
            BOOST_TEST(r.status == 400);
            BOOST_TEST(r.problem() == "malformed");
            BOOST_TEST(r.str("detail") == detail);
            BOOST_TEST(!r.header("Replay-Nonce").empty());
        };
        Tamper chunked;
        chunked.framing = Tamper::Framing::Chunked;
        refused(chunked, "missing Content-Length header");
        Tamper unframed;
        unframed.framing = Tamper::Framing::None;
        refused(unframed, "missing Content-Length header");
        chunked.contentType = "application/json";  // the length is asked first, as Boulder asks
        refused(chunked, "missing Content-Length header");
        Tamper outside;
        outside.replayNonceField = fresh;
        refused(outside, "HTTP requests should NOT contain Replay-Nonce header. Use JWS nonce field");
        Tamper untyped;
        untyped.nonce = fresh;
        untyped.contentType = "application/json";
        untyped.replayNonceField = fresh;  // the media type before the nonce field
        BOOST_TEST(s.session.post(url, s.account, kid, payload, untyped).status == 415);
        Tamper proper;
        proper.nonce = fresh;  // none of them spent it
        BOOST_TEST(s.session.post(url, s.account, kid, payload, proper).status == 201);
        // a GET may carry the field (Let's Encrypt asks it of POSTs only)
        BOOST_TEST(s.session.request("GET", s.server.directoryUrl(), "", "", Tamper::Framing::Length,
                                     {{"Replay-Nonce", fresh}}).status == 200);
    }

    const std::string nonce = s.session.nonce();
    Tamper once;
    once.nonce = nonce;
    BOOST_TEST(s.session.post(url, s.account, kid, payload, once).status == 201);
    const Reply reused = s.session.post(url, s.account, kid, payload, once);
    BOOST_TEST(reused.problem() == "badNonce");
    BOOST_TEST(!reused.header("Replay-Nonce").empty());
    Tamper bogus;
    bogus.nonce = "bm90LWEtbm9uY2U";
    BOOST_TEST(s.session.post(url, s.account, kid, payload, bogus).problem() == "badNonce");

    Tamper otherUrl;
    otherUrl.headerUrl = s.session.dir("newAccount");
    BOOST_TEST(s.session.post(url, s.account, kid, payload, otherUrl).problem() == "unauthorized");

    Tamper both;
    both.bothKidAndJwk = true;
    BOOST_TEST(s.session.post(url, s.account, kid, payload, both).problem() == "malformed");

    Tamper flipped;
    flipped.flipSignature = true;
    const Reply badSig = s.session.post(url, s.account, kid, payload, flipped);
    BOOST_TEST(badSig.problem() == "malformed");
    BOOST_TEST(badSig.str("detail").find("verification") != std::string::npos);

    // jwk where kid is required, and an unknown kid
    BOOST_TEST(s.session.post(url, s.account, "", payload).problem() == "malformed");
    BOOST_TEST(s.session.post(url, s.account, kid + "x", payload).problem() == "accountDoesNotExist");

    // garbage and oversized bodies
    BOOST_TEST(s.session.request("POST", url, "{not json", "application/jose+json").problem() == "malformed");
    BOOST_TEST(s.session.request("POST", url, R"({"protected":"e30","payload":"","signature":"AA"})",
                                 "application/jose+json").problem() == "malformed");
    BOOST_TEST(s.session.request("POST", url, std::string(std::size_t{70} * 1024, 'x'), "application/jose+json").status == 413);

    // alg outside the allow-list
    const std::string n = s.session.nonce();
    Poco::JSON::Object header;
    header.set("alg", std::string("none"));
    header.set("nonce", n);
    header.set("url", url);
    header.set("kid", kid);
    std::ostringstream h;
    header.stringify(h);
    const Reply none = s.session.request(
        "POST", url,
        R"({"protected":")" + Base64Url::encode(h.str()) + R"(","payload":")" + Base64Url::encode(payload) +
            R"(","signature":"AAAA"})",
        "application/jose+json");
    BOOST_TEST(none.problem() == "badSignatureAlgorithm");
    BOOST_TEST(none.json()->getArray("algorithms")->size() == 4u);

    // an extension the server must understand (RFC 7515 §4.1.11), here RFC 7797's
    // unencoded payload, signed as such: refused, not read as an ordinary JWS
    Poco::JSON::Object critical;
    critical.set("alg", std::string("ES256"));
    critical.set("nonce", s.session.nonce());
    critical.set("url", url);
    critical.set("kid", kid);
    Poco::JSON::Array::Ptr crit = new Poco::JSON::Array;
    crit->add(std::string("b64"));
    critical.set("crit", crit);
    critical.set("b64", false);
    std::ostringstream c;
    critical.stringify(c);
    Poco::JSON::Object unencodedJws;  // the payload as it is, a JSON string in the JWS
    unencodedJws.set("protected", Base64Url::encode(c.str()));
    unencodedJws.set("payload", payload);
    unencodedJws.set("signature", Base64Url::encode(s.account.sign(Base64Url::encode(c.str()) + "." + payload)));
    std::ostringstream body;
    unencodedJws.stringify(body);
    const Reply unencoded = s.session.request("POST", url, body.str(), "application/jose+json");
    BOOST_TEST(unencoded.problem() == "malformed", unencoded.body);
    BOOST_TEST(unencoded.str("detail").find("crit") != std::string::npos, unencoded.body);

    // weak account keys
    const KeySigner weak(PrivateKey::adopt(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024))));
    BOOST_TEST(s.session.post(s.session.dir("newAccount"), weak, "", "{}").problem() == "badPublicKey");
}

BOOST_AUTO_TEST_CASE(full_flow_with_alternate_chains) {
    Server s;
    const Reply order = s.newOrder({"www.example.test", "example.test", "192.0.2.7"}, R"(,"profile":"shortlived")");
    BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
    BOOST_TEST(order.str("status") == "pending");
    BOOST_TEST(order.json()->getArray("authorizations")->size() == 3u);
    const std::string orderUrl = order.header("Location");

    // finalize before the authorizations are valid
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    const std::vector<Identifier> ids{Identifier::dns("www.example.test"), Identifier::dns("example.test"),
                                      Identifier::ip("192.0.2.7")};
    BOOST_TEST(s.finalize(order, key, ids).problem() == "orderNotReady");

    s.authorize(order);
    BOOST_TEST(s.session.post(orderUrl, s.account, s.kid, "").str("status") == "ready");

    // badCSR: other names, the account key, a broken signature
    BOOST_TEST(s.finalize(order, key, {Identifier::dns("example.test")}).problem() == "badCSR");
    const Reply issued = s.session.post(
        order.str("finalize"), s.account, s.kid,
        R"({"csr":")" + Base64Url::encode(CertificateSigningRequest::create(
                                              PrivateKey::generate(KeyType::EcP256), ids).toDer()) + R"("})");
    BOOST_TEST(issued.status == 200);
    BOOST_TEST(issued.str("status") == "valid");

    const std::string certUrl = issued.str("certificate");
    const Reply cert = s.session.post(certUrl, s.account, s.kid, "");
    BOOST_TEST(cert.status == 200);
    BOOST_TEST(cert.header("Content-Type") == "application/pem-certificate-chain");
    const auto chain = Certificate::chainFromPem(cert.body);
    BOOST_REQUIRE(chain.size() == 2u);
    BOOST_TEST(chain[0].subjectAltNames().size() == 3u);
    const Certificate root0 = Certificate::fromPem(s.management("/roots/0"));
    BOOST_CHECK_NO_THROW(chain[0].verifyChain({chain[1]}, {root0}));
    BOOST_TEST(Certificate::fromPem(s.management("/intermediates/0")) == chain[1]);

    const auto alternates = cert.links("alternate");
    BOOST_REQUIRE(alternates.size() == 1u);
    const auto alt = Certificate::chainFromPem(s.session.post(alternates[0], s.account, s.kid, "").body);
    const Certificate root1 = Certificate::fromPem(s.management("/roots/1"));
    BOOST_CHECK_NO_THROW(alt[0].verifyChain({alt[1]}, {root1}));
    BOOST_CHECK_THROW(alt[0].verifyChain({alt[1]}, {root0}), CertificateError);

    // POST-as-GET must have an empty payload
    BOOST_TEST(s.session.post(orderUrl, s.account, s.kid, "{}").problem() == "malformed");
    // another account cannot see the order or the certificate
    const KeySigner stranger(PrivateKey::generate(KeyType::EcP256));
    const std::string strangerKid = s.session.newAccount(stranger);
    BOOST_TEST(s.session.post(orderUrl, stranger, strangerKid, "").status == 404);
    BOOST_TEST(s.session.post(certUrl, stranger, strangerKid, "").status == 404);
}

// intermediates = 3: every chain carries three CA certificates, the issuing
// one first, and verifies to its own root only; the restored CA is the same,
// and a snapshot written before chains of several intermediates still loads.
BOOST_AUTO_TEST_CASE(longer_chains_under_every_root) {
    const std::string file = (std::filesystem::temp_directory_path() / ("cxxacme-chains-" + std::to_string(::getpid()) + ".sqlite")).string();
    std::filesystem::remove(file);
    MockAcmeConfig config = quietConfig();
    config.intermediates = 3;
    config.alternateChains = 1;
    config.persistFile = file;
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    std::vector<Certificate> served;
    const auto issueAndCheck = [&](Server& s, std::size_t expectedIntermediates) {
        const Reply order = s.newOrder({"chain.example.test"});
        s.authorize(order);
        const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("chain.example.test")});
        BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
        const Reply download = s.session.post(done.str("certificate"), s.account, s.kid, "");
        const auto chain = Certificate::chainFromPem(download.body);
        BOOST_REQUIRE(chain.size() == 1 + expectedIntermediates);
        const std::vector<Certificate> intermediates(chain.begin() + 1, chain.end());
        const Certificate root0 = Certificate::fromPem(s.management("/roots/0"));
        const Certificate root1 = Certificate::fromPem(s.management("/roots/1"));
        BOOST_CHECK_NO_THROW(chain[0].verifyChain(intermediates, {root0}));
        BOOST_CHECK_THROW(chain[0].verifyChain(intermediates, {root1}), CertificateError);
        if (expectedIntermediates > 1)  // the issuing intermediate alone does not reach the root
            BOOST_CHECK_THROW(chain[0].verifyChain({intermediates.front()}, {root0}), CertificateError);
        BOOST_TEST(Certificate::fromPem(s.management("/intermediates/0")) == intermediates.front());
        BOOST_TEST(chain[0].issuer() == intermediates.front().subject());
        BOOST_TEST(intermediates.back().issuer() == root0.subject());
        const auto alt = Certificate::chainFromPem(s.session.post(download.links("alternate").at(0), s.account, s.kid, "").body);
        BOOST_REQUIRE(alt.size() == 1 + expectedIntermediates);
        const std::vector<Certificate> altIntermediates(alt.begin() + 1, alt.end());
        BOOST_CHECK_NO_THROW(alt[0].verifyChain(altIntermediates, {root1}));
        BOOST_CHECK_THROW(alt[0].verifyChain(altIntermediates, {root0}), CertificateError);
        return std::vector<Certificate>(chain.begin() + 1, chain.end());
    };
    {
        Server s(config, accountKey);
        served = issueAndCheck(s, 3);
    }
    {
        config.intermediates = 1;  // a restored CA keeps its own line
        Server s(config, accountKey);
        s.kid = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})").header("Location");
        const auto again = issueAndCheck(s, 3);
        BOOST_TEST(again == served, boost::test_tools::per_element());
    }

    // a snapshot of the older layout (one intermediate per chain, kept as
    // "intermediates" and "intermediateKey") still loads, as the same CA
    std::filesystem::remove(file);
    std::string root0Pem, intermediatePem;
    {
        Server s(config, accountKey);
        s.login();
        issueAndCheck(s, 1);
        root0Pem = s.management("/roots/0");
        intermediatePem = s.management("/intermediates/0");
    }
    {
        sqlite3* db = nullptr;
        BOOST_REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
        char* error = nullptr;
        const int rc = sqlite3_exec(db, R"(UPDATE snapshot SET json = json_remove(json_set(json,
                '$.ca.intermediateKey', json_extract(json, '$.ca.intermediateKeys[0]'),
                '$.ca.intermediates', json_array(json_extract(json, '$.ca.chains[0][0]'), json_extract(json, '$.ca.chains[1][0]'))),
              '$.ca.chains', '$.ca.intermediateKeys'))",
                                    nullptr, nullptr, &error);
        BOOST_TEST(rc == SQLITE_OK, (error ? error : ""));
        sqlite3_free(error);
        BOOST_TEST(sqlite3_changes(db) == 1);
        sqlite3_close(db);
    }
    {
        Server s(config, accountKey);
        s.kid = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})").header("Location");
        BOOST_TEST(s.management("/roots/0") == root0Pem);
        BOOST_TEST(s.management("/intermediates/0") == intermediatePem);
        issueAndCheck(s, 1);
    }
    std::filesystem::remove(file);
}

// rootCertFile and rootKeyFile: the CA issues under a root of the user's, every
// leaf chains to it, and /roots/0 gives it; a snapshot keeps it across a restart.
// A root no client would accept under what mock-acme makes below it, a key that
// is not the root's, files that do not read and a snapshot under another root
// stop the server at start, each naming what is wrong.
BOOST_AUTO_TEST_CASE(a_root_from_files_issues_every_leaf_and_a_root_that_cannot_is_refused) {
    const test::TempDir dir;
    const auto now = std::chrono::system_clock::now();
    const auto day = std::chrono::hours(24);
    const auto write = [&](const std::string& name, const std::string& pem) {
        std::string path = (dir.path / name).string();
        AtomicFile::write(path, pem);
        return path;
    };
    const PrivateKey rootKey = PrivateKey::generate(KeyType::EcP384);
    const Certificate root = CertificateBuilder()
                                 .commonName("a root of the user's")
                                 .certificateAuthority()
                                 .validity(now - day, now + 400 * day)
                                 .selfSign(rootKey);
    MockAcmeConfig config = quietConfig();
    config.rootCertFile = write("root.pem", root.toPem());
    config.rootKeyFile = write("root.key", rootKey.toPem());
    config.persistFile = (dir.path / "state.sqlite").string();
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    const auto issueUnderRoot = [&](Server& s) {
        BOOST_TEST(Certificate::fromPem(s.management("/roots/0")) == root);
        const Reply order = s.newOrder({"own-root.example.test"});
        s.authorize(order);
        const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("own-root.example.test")});
        BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
        const auto chain = Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body);
        BOOST_REQUIRE(chain.size() == 2u);
        BOOST_CHECK_NO_THROW(chain[0].verifyChain({chain[1]}, {root}));
        BOOST_TEST(chain[1].issuer() == root.subject());
        BOOST_TEST((chain[1].notAfter() <= root.notAfter()), "an intermediate outlives its root");
        return chain[1];
    };
    Certificate intermediate = [&] {
        Server s(config, accountKey);
        return issueUnderRoot(s);
    }();
    {
        Server s(config, accountKey);  // restored: the same root and intermediate
        s.kid = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})").header("Location");
        BOOST_TEST(issueUnderRoot(s) == intermediate);
    }

    const auto refusal = [&](const MockAcmeConfig& c) -> std::string {
        try {
            MockAcmeServer server(c);
        } catch (const Error& e) {
            return e.what();
        }
        return "started";
    };
    const auto refusedWith = [&](const Certificate& cert, const PrivateKey& key, const std::string& why) {
        MockAcmeConfig c = quietConfig();
        c.rootCertFile = write("bad-root.pem", cert.toPem());
        c.rootKeyFile = write("bad-root.key", key.toPem());
        const std::string message = refusal(c);
        BOOST_TEST_CONTEXT(why) {
            BOOST_TEST(message.find("does not verify against it") != std::string::npos, message);
            BOOST_TEST(message.find(why) != std::string::npos, message);
        }
    };
    refusedWith(CertificateBuilder().commonName("expired root").certificateAuthority().validity(now - 400 * day, now - day)
                    .selfSign(rootKey),
                rootKey, "certificate has expired");
    refusedWith(CertificateBuilder().commonName("future root").certificateAuthority().validity(now + day, now + 400 * day)
                    .selfSign(rootKey),
                rootKey, "certificate is not yet valid");
    refusedWith(CertificateBuilder().commonName("no intermediate below").certificateAuthority(0)
                    .validity(now - day, now + 400 * day).selfSign(rootKey),
                rootKey, "path length constraint exceeded");
    refusedWith(CertificateBuilder().commonName("not a CA").validity(now - day, now + 400 * day).selfSign(rootKey),
                rootKey, "certificate");
    {
        // a CA under another root: not a root
        const PrivateKey subKey = PrivateKey::generate(KeyType::EcP256);
        const Certificate sub = CertificateBuilder().commonName("a sub-CA").certificateAuthority()
                                    .validity(now - day, now + 100 * day).sign(subKey.publicKey(), root, rootKey);
        refusedWith(sub, subKey, "issuer");
    }
    {
        MockAcmeConfig c = quietConfig();
        c.rootCertFile = config.rootCertFile;
        c.rootKeyFile = write("other.key", PrivateKey::generate(KeyType::EcP384).toPem());
        const std::string message = refusal(c);
        BOOST_TEST(message.find("does not belong to the root certificate") != std::string::npos, message);
        c.rootKeyFile = write("garbage.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        BOOST_TEST(refusal(c).find("root key file " + c.rootKeyFile) != std::string::npos, refusal(c));
        c.rootKeyFile = config.rootKeyFile;
        c.rootCertFile = (dir.path / "missing.pem").string();
        BOOST_TEST(refusal(c).find("root certificate file " + c.rootCertFile) != std::string::npos, refusal(c));
        c.rootCertFile = write("not-pem.pem", "a root\n");
        BOOST_TEST(refusal(c).find("root certificate file " + c.rootCertFile) != std::string::npos, refusal(c));
    }
    {
        // the snapshot's CA is under the first root: another root is refused, and the state kept
        const PrivateKey otherKey = PrivateKey::generate(KeyType::EcP256);
        MockAcmeConfig c = config;
        c.rootCertFile = write("other-root.pem", CertificateBuilder().commonName("another root").certificateAuthority()
                                                     .validity(now - day, now + 400 * day).selfSign(otherKey).toPem());
        c.rootKeyFile = write("other-root.key", otherKey.toPem());
        const std::string message = refusal(c);
        BOOST_TEST(message.find("holds a CA under another root") != std::string::npos, message);
        Server s(config, accountKey);
        s.kid = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})").header("Location");
        BOOST_TEST(issueUnderRoot(s) == intermediate);
    }
}

namespace {

// An RSA private key of 2048 bits with public exponent `e`.
PrivateKey rsaKeyWithExponent(unsigned long e) {
    cxxacme::detail::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    cxxacme::detail::BignumPtr exponent(BN_new());
    BOOST_REQUIRE(ctx && exponent && BN_set_word(exponent.get(), e) == 1);
    BOOST_REQUIRE(EVP_PKEY_keygen_init(ctx.get()) == 1);
    BOOST_REQUIRE(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) == 1);
    BOOST_REQUIRE(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), exponent.get()) == 1);
    EVP_PKEY* key = nullptr;
    BOOST_REQUIRE(EVP_PKEY_keygen(ctx.get(), &key) == 1);
    return PrivateKey::adopt(key);
}

// The RSA public key (n, 65537), whatever n is.
PublicKey rsaPublicKey(const BIGNUM* n) {
    cxxacme::detail::BignumPtr e(BN_new());
    BOOST_REQUIRE(BN_set_word(e.get(), 65537) == 1);
    cxxacme::detail::ParamBldPtr bld(OSSL_PARAM_BLD_new());
    BOOST_REQUIRE(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n) == 1);
    BOOST_REQUIRE(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) == 1);
    cxxacme::detail::EvpPkeyPtr key = cxxacme::detail::keyFromParams("RSA", EVP_PKEY_PUBLIC_KEY, bld.get());
    BOOST_REQUIRE(key != nullptr);
    return PublicKey::adopt(key.release());
}

// `factor` times a random odd number, 2048 bits in all.
PublicKey rsaPublicKeyWithFactor(BN_ULONG factor) {
    cxxacme::detail::BignumPtr n(BN_new()), q(BN_new());
    const int qBits = 2048 - BN_num_bits_word(factor) + 1;
    do {
        BOOST_REQUIRE(BN_rand(q.get(), qBits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD) == 1);
        BOOST_REQUIRE(BN_copy(n.get(), q.get()) != nullptr);
        BOOST_REQUIRE(BN_mul_word(n.get(), factor) == 1);
    } while (BN_num_bits(n.get()) != 2048);
    return rsaPublicKey(n.get());
}

// A modulus shaped like those of the flawed Infineon library (ROCA,
// CVE-2017-15361): k·M + (65537^a mod M), M the product of the primes up to
// 167; 2048 bits, and free of the other defects the server looks for.
PublicKey rocaShapedKey() {
    const cxxacme::detail::BnCtxPtr ctx(BN_CTX_new());
    cxxacme::detail::BignumPtr m(BN_new()), g(BN_new()), a(BN_new()), r(BN_new()), k(BN_new()), n(BN_new());
    const auto isPrime = [](BN_ULONG v) {
        for (BN_ULONG d = 2; d * d <= v; ++d)
            if (v % d == 0) return false;
        return v >= 2;
    };
    BOOST_REQUIRE(BN_one(m.get()) == 1 && BN_set_word(g.get(), 65537) == 1);
    for (BN_ULONG p = 2; p <= 167; ++p)
        if (isPrime(p)) BOOST_REQUIRE(BN_mul_word(m.get(), p) == 1);
    BOOST_REQUIRE(BN_rand(a.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1);
    BOOST_REQUIRE(BN_mod_exp(r.get(), g.get(), a.get(), m.get(), ctx.get()) == 1);
    const auto freeOfSmallFactors = [&](const BIGNUM* v) {
        for (BN_ULONG p = 3; p < 752; p += 2)
            if (isPrime(p) && BN_mod_word(v, p) == 0) return false;
        return true;
    };
    do {
        BOOST_REQUIRE(BN_rand(k.get(), 2048 - BN_num_bits(m.get()), BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1);
        BOOST_REQUIRE(BN_mul(n.get(), k.get(), m.get(), ctx.get()) == 1);
        BOOST_REQUIRE(BN_add(n.get(), n.get(), r.get()) == 1);
    } while (BN_num_bits(n.get()) != 2048 || !freeOfSmallFactors(n.get()));  // odd: M is even, 65537^a mod M odd
    return rsaPublicKey(n.get());
}

// A CSR for `ids` that carries `key` but is signed by `signer`: the server must
// refuse the key before it looks at the signature.
std::string csrCarrying(const PublicKey& key, const std::vector<Identifier>& ids) {
    const PrivateKey signer = PrivateKey::generate(KeyType::Rsa2048);
    cxxacme::detail::X509ReqPtr req(X509_REQ_dup(CertificateSigningRequest::create(signer, ids).native()));
    BOOST_REQUIRE(req && X509_REQ_set_pubkey(req.get(), key.native()) == 1);
    BOOST_REQUIRE(X509_REQ_sign(req.get(), signer.native(), EVP_sha256()) > 0);
    return cxxacme::detail::derOf(i2d_X509_REQ, req.get(), "i2d_X509_REQ");
}

}  // namespace

// Management, as pebble's: the root's and the issuing intermediate's keys are
// theirs; an index that is no number, or past the last chain, is a 404.
BOOST_AUTO_TEST_CASE(management_gives_each_ca_certificate_with_its_key) {
    MockAcmeConfig config = quietConfig();
    config.alternateChains = 1;
    Server s(config);
    for (const std::string i : {"0", "1"}) {
        BOOST_TEST_CONTEXT("chain " << i) {
            const Certificate root = Certificate::fromPem(s.management("/roots/" + i));
            BOOST_TEST(PrivateKey::fromPem(s.management("/root-keys/" + i)).matches(root.publicKey()));
            const Certificate intermediate = Certificate::fromPem(s.management("/intermediates/" + i));
            BOOST_TEST(PrivateKey::fromPem(s.management("/intermediate-keys/" + i)).matches(intermediate.publicKey()));
            BOOST_TEST(intermediate.isIssuedBy(root));
        }
    }
    for (const std::string path : {"/roots/2", "/roots/x", "/roots/", "/roots/001", "/root-keys/-1", "/intermediates/1/2",
                                   "/intermediate-keys/9", "/roots"}) {
        const Reply r = s.session.get(s.server.managementUrl() + path);
        BOOST_TEST(r.status == 404, path << " -> " << r.status << " " << r.body);
        BOOST_TEST(r.body.find("BEGIN") == std::string::npos, path);
    }
}

// With --persist, a validation still running when mock-acme stops cannot be
// finished by the next process: after the restart its challenge is invalid
// with a serverInternal error saying so, and so are its authorization and
// order (RFC 8555 §7.1.6); a new order for the name starts afresh.
BOOST_AUTO_TEST_CASE(a_validation_cut_short_by_a_restart_ends_invalid) {
    const test::TempDir dir;
    MockAcmeConfig config = quietConfig();
    config.skipValidation = false;
    config.validationDelay = std::chrono::hours(1);  // still waiting when the server stops
    config.persistFile = (dir.path / "state.sqlite").string();
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    std::string orderUrl, authzUrl, challengeUrl, before;
    {
        Server s(config, accountKey);
        before = s.server.directoryUrl();
        const Reply order = s.newOrder({"restart.example.test"});
        orderUrl = order.header("Location");
        authzUrl = order.json()->getArray("authorizations")->getElement<std::string>(0);
        const auto challenges = s.session.post(authzUrl, s.account, s.kid, "").json()->getArray("challenges");
        for (std::size_t i = 0; i < challenges->size(); ++i)
            if (challenges->getObject(static_cast<unsigned>(i))->getValue<std::string>("type") == "http-01")
                challengeUrl = challenges->getObject(static_cast<unsigned>(i))->getValue<std::string>("url");
        BOOST_REQUIRE(s.session.post(challengeUrl, s.account, s.kid, "{}").str("status") == "processing");
    }
    Server s(config, accountKey);
    // the same resources at the new port
    const std::string base = before.substr(0, before.rfind('/')), now = s.server.directoryUrl();
    for (std::string* url : {&orderUrl, &authzUrl, &challengeUrl}) {
        BOOST_REQUIRE(url->starts_with(base));
        *url = now.substr(0, now.rfind('/')) + url->substr(base.size());
    }
    s.kid = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})").header("Location");
    const Reply challenge = s.session.post(challengeUrl, s.account, s.kid, "");
    BOOST_TEST(challenge.str("status") == "invalid", challenge.body);
    const auto error = challenge.json()->getObject("error");
    BOOST_REQUIRE(error);
    BOOST_TEST(error->getValue<std::string>("type") == "urn:ietf:params:acme:error:serverInternal");
    BOOST_TEST(error->getValue<std::string>("detail").find("restarted during validation") != std::string::npos);
    BOOST_TEST(s.session.post(authzUrl, s.account, s.kid, "").str("status") == "invalid");
    BOOST_TEST(s.session.post(orderUrl, s.account, s.kid, "").str("status") == "invalid");
    // its challenge, POSTed again, starts nothing (as Let's Encrypt answers it)
    const Reply restart = s.session.post(challengeUrl, s.account, s.kid, "{}");
    BOOST_TEST(restart.status == 400);
    BOOST_TEST(restart.problem() == "malformed", restart.body);
    BOOST_TEST(restart.body.find("authorization must be pending") != std::string::npos, restart.body);
    BOOST_TEST(s.session.post(authzUrl, s.account, s.kid, "").str("status") == "invalid");
    const Reply again = s.newOrder({"restart.example.test"});
    BOOST_TEST(again.status == 201);
    BOOST_TEST(again.str("status") == "pending");
    BOOST_TEST(again.header("Location") != orderUrl);
}

// Requests the RFC refuses, each with its problem and nothing changed: an
// authorization updated to anything but "deactivated", a second challenge of an
// authorization while one is being validated, a revocation of what is not a
// certificate, a notBefore beyond any order's life, certificate keys of other
// sizes and curves (badCSR), and an account key on another curve signed under an
// algorithm the server takes (badPublicKey).
BOOST_AUTO_TEST_CASE(requests_the_rfc_refuses_get_their_problems) {
    MockAcmeConfig config = quietConfig();
    config.skipValidation = false;
    config.validationDelay = std::chrono::hours(1);  // by the real clock: still validating when the test ends
    Server s(config);
    const Reply order = s.newOrder({"busy.example.test"});
    BOOST_REQUIRE(order.status == 201);
    const std::string authzUrl = order.json()->getArray("authorizations")->getElement<std::string>(0);
    for (const std::string payload : {R"({"status":"valid"})", R"({"status":1})", R"({"status":"pending"})", "{}"}) {
        const Reply r = s.session.post(authzUrl, s.account, s.kid, payload);
        BOOST_TEST(r.problem() == "malformed", payload << " -> " << r.body);
        BOOST_TEST(r.body.find("can only be updated to") != std::string::npos, r.body);
    }
    std::map<std::string, std::string> challenges;
    const auto listed = s.session.post(authzUrl, s.account, s.kid, "").json()->getArray("challenges");
    for (std::size_t i = 0; i < listed->size(); ++i) {
        const auto c = listed->getObject(static_cast<unsigned>(i));
        challenges[c->getValue<std::string>("type")] = c->getValue<std::string>("url");
    }
    BOOST_REQUIRE(challenges.count("http-01") == 1u);
    BOOST_REQUIRE(challenges.count("tls-alpn-01") == 1u);
    BOOST_TEST(s.session.post(challenges["http-01"], s.account, s.kid, "{}").str("status") == "processing");
    const Reply second = s.session.post(challenges["tls-alpn-01"], s.account, s.kid, "{}");
    BOOST_TEST(second.problem() == "malformed", second.body);
    BOOST_TEST(second.body.find("another challenge of this authorization is being validated") != std::string::npos, second.body);
    BOOST_TEST(s.session.post(challenges["tls-alpn-01"], s.account, s.kid, "").str("status") == "pending");
    BOOST_TEST(s.session.post(authzUrl, s.account, s.kid, "").str("status") == "pending");

    for (const std::string payload : {R"({"certificate":"AAAA"})", R"({"certificate":"!!"})", R"({"certificate":1})", "{}"}) {
        const Reply r = s.session.post(s.session.dir("revokeCert"), s.account, s.kid, payload);
        BOOST_TEST(r.problem() == "malformed", payload << " -> " << r.body);
        BOOST_TEST(r.body.find("revokeCert") != std::string::npos, r.body);
    }

    const std::string farFuture =
        formatRfc3339(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) +
                      std::chrono::hours(24 * 400));
    const Reply late = s.newOrder({"late.example.test"}, R"(,"notBefore":")" + farFuture + R"(")");
    BOOST_TEST(late.problem() == "malformed", late.body);
    BOOST_TEST(late.body.find("notBefore is too far in the future") != std::string::npos, late.body);

    // certificate keys: RSA of 2048 to 4096 bits, EC on P-256 or P-384 (the CSR's key alone is
    // wrong: it is refused before its signature is looked at)
    Server quick;
    const std::vector<Identifier> ids{Identifier::dns("keys.example.test")};
    const Reply ready = quick.newOrder({"keys.example.test"});
    quick.authorize(ready);
    const auto finalizeWith = [&](const std::string& der) {
        return quick.session.post(ready.str("finalize"), quick.account, quick.kid, R"({"csr":")" + Base64Url::encode(der) + R"("})");
    };
    const auto oddModulus = [](int bits) {
        cxxacme::detail::BignumPtr n(BN_new());
        BOOST_REQUIRE(BN_rand(n.get(), bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD) == 1);
        return rsaPublicKey(n.get());
    };
    const PrivateKey p521 = PrivateKey::adopt(EVP_EC_gen("P-521"));
    for (const auto& [key, why] : std::vector<std::pair<PublicKey, std::string>>{
             {oddModulus(1024), "RSA certificate keys must have 2048 to 4096 bits"},
             {oddModulus(2040), "RSA certificate keys must have 2048 to 4096 bits"},
             {oddModulus(4104), "RSA certificate keys must have 2048 to 4096 bits"},
             {p521.publicKey(), "EC certificate keys must be on P-256 or P-384"}}) {
        BOOST_TEST_CONTEXT(why << ", " << key.bits() << " bits") {
            const Reply r = finalizeWith(csrCarrying(key, ids));
            BOOST_TEST(r.problem() == "badCSR", r.body);
            BOOST_TEST(r.body.find(why) != std::string::npos, r.body);
        }
    }
    BOOST_TEST(quick.session.post(ready.header("Location"), quick.account, quick.kid, "").str("status") == "ready");
    BOOST_TEST(quick.finalize(ready, PrivateKey::generate(KeyType::EcP384), ids).str("status") == "valid");

    // an account key on P-521: its own algorithm (ES512) is not taken, and under one that is,
    // the key is refused before its signature is looked at
    const auto newAccountSignedAs = [&](const std::string& alg) {
        Poco::JSON::Object header;
        header.set("alg", alg);
        header.set("nonce", quick.session.nonce());
        header.set("url", quick.session.dir("newAccount"));
        header.set("jwk", Jwk::fromPublicKey(p521.publicKey()).toObject());
        std::ostringstream text;
        header.stringify(text);
        return quick.session.request("POST", quick.session.dir("newAccount"),
                                     R"({"protected":")" + Base64Url::encode(text.str()) + R"(","payload":")" +
                                         Base64Url::encode(R"({"termsOfServiceAgreed":true})") + R"(","signature":"AAAA"})",
                                     "application/jose+json");
    };
    BOOST_TEST(newAccountSignedAs("ES512").problem() == "badSignatureAlgorithm");
    const Reply curve = newAccountSignedAs("ES384");
    BOOST_TEST(curve.problem() == "badPublicKey", curve.body);
    BOOST_TEST(curve.body.find("EC keys must be on P-256 or P-384") != std::string::npos, curve.body);
}

// Let's Encrypt's checks of an RSA key beyond its size, for account keys and
// certificate keys: exponent 65537, an odd modulus with no small factor and
// without the ROCA fingerprint, and primes not so close that Fermat's method
// finds them.
BOOST_AUTO_TEST_CASE(weak_rsa_keys_are_refused_for_accounts_and_certificates) {
    Server s;
    const KeySigner exponent3(rsaKeyWithExponent(3));
    const Reply refused = s.session.post(s.session.dir("newAccount"), exponent3, "", R"({"termsOfServiceAgreed":true})");
    BOOST_TEST(refused.problem() == "badPublicKey");
    BOOST_TEST(refused.body.find("exponent must be 65537") != std::string::npos, refused.body);
    const KeySigner usual(rsaKeyWithExponent(65537));
    BOOST_TEST(s.session.post(s.session.dir("newAccount"), usual, "", R"({"termsOfServiceAgreed":true})").status == 201);
    {
        // nor can an account roll over onto such a key (keyChange's inner JWS), and its own key keeps working
        const std::string kid = s.login(), url = s.session.dir("keyChange");
        Poco::JSON::Object innerHeader;
        innerHeader.set("jwk", exponent3.publicJwk().toObject());
        innerHeader.set("url", url);
        const FlattenedJws inner = FlattenedJws::sign(
            exponent3, innerHeader, R"({"account":")" + kid + R"(","oldKey":)" + s.account.publicJwk().toJson() + "}");
        const Reply rollover = s.session.post(url, s.account, kid, inner.toJson());
        BOOST_TEST(rollover.problem() == "badPublicKey");
        BOOST_TEST(rollover.body.find("exponent must be 65537") != std::string::npos, rollover.body);
        BOOST_TEST(s.session.post(kid, s.account, kid, "").status == 200);
    }

    const std::vector<Identifier> ids{Identifier::dns("rsa.example.test")};
    const Reply order = s.newOrder({"rsa.example.test"});
    s.authorize(order);
    const auto finalizeWith = [&](const std::string& der) {
        return s.session.post(order.str("finalize"), s.account, s.kid, R"({"csr":")" + Base64Url::encode(der) + R"("})");
    };
    const auto refusedFor = [&](const PublicKey& key, const std::string& why) {
        BOOST_TEST_CONTEXT(why) {
            BOOST_REQUIRE(key.bits() == 2048);  // the size is allowed: only the modulus or exponent is wrong
            const Reply r = finalizeWith(csrCarrying(key, ids));
            BOOST_TEST(r.problem() == "badCSR");
            BOOST_TEST(r.body.find(why) != std::string::npos, r.body);
        }
    };
    refusedFor(rsaKeyWithExponent(3).publicKey(), "exponent must be 65537");
    refusedFor(rsaPublicKeyWithFactor(2), "modulus is even");
    refusedFor(rsaPublicKeyWithFactor(751), "small prime factor");
    refusedFor(rocaShapedKey(), "ROCA fingerprint");
    {
        // two primes a few thousand apart: the first Fermat step factors their product
        cxxacme::detail::BignumPtr p(BN_new()), q(BN_new()), n(BN_new());
        const cxxacme::detail::BnCtxPtr ctx(BN_CTX_new());
        BOOST_REQUIRE(BN_generate_prime_ex(p.get(), 1024, 0, nullptr, nullptr, nullptr) == 1);
        BOOST_REQUIRE(BN_copy(q.get(), p.get()) != nullptr);
        do BOOST_REQUIRE(BN_add_word(q.get(), 2) == 1);
        while (BN_check_prime(q.get(), ctx.get(), nullptr) != 1);
        BOOST_REQUIRE(BN_mul(n.get(), p.get(), q.get(), ctx.get()) == 1);
        refusedFor(rsaPublicKey(n.get()), "too close together");
    }
    {
        // a negative modulus (its INTEGER's leading 0x00 made 0x80): a clear refusal, not a server error
        std::string der = CertificateSigningRequest::create(PrivateKey::generate(KeyType::Rsa2048), ids).toDer();
        const auto at = der.find(std::string("\x02\x82\x01\x01\x00", 5));
        BOOST_REQUIRE(at != std::string::npos);
        der[at + 4] = '\x80';
        const Reply r = finalizeWith(der);
        BOOST_TEST(r.problem() == "badCSR", r.body);
        BOOST_TEST(r.body.find("must be positive") != std::string::npos, r.body);
    }
    // the order is still ready, and an ordinary RSA key gets its certificate
    BOOST_TEST(s.session.post(order.header("Location"), s.account, s.kid, "").str("status") == "ready");
    const Reply done = s.finalize(order, PrivateKey::generate(KeyType::Rsa2048), ids);
    BOOST_TEST(done.str("status") == "valid", done.body);
}

BOOST_AUTO_TEST_CASE(finalize_refuses_the_account_key_and_bad_csrs) {
    Server s;
    const Reply order = s.newOrder({"a.example.test"});
    s.authorize(order);
    const std::vector<Identifier> ids{Identifier::dns("a.example.test")};
    BOOST_TEST(s.finalize(order, PrivateKey::generate(KeyType::Ed25519), ids).problem() == "badCSR");
    std::string der = CertificateSigningRequest::create(PrivateKey::generate(KeyType::EcP256), ids).toDer();
    der[der.find("a.example.test")] = 'b';
    BOOST_TEST(s.session.post(order.str("finalize"), s.account, s.kid,
                              R"({"csr":")" + Base64Url::encode(der) + R"("})").problem() == "badCSR");
    BOOST_TEST(s.session.post(order.str("finalize"), s.account, s.kid, R"({"csr":"AAAA"})").problem() == "badCSR");
    BOOST_TEST(s.session.post(order.str("finalize"), s.account, s.kid, R"({"csr":"!!"})").problem() == "badCSR");
    // a refused CSR leaves the order ready for a good one
    BOOST_TEST(s.session.post(order.header("Location"), s.account, s.kid, "").str("status") == "ready");
    const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), ids);
    BOOST_TEST(done.str("status") == "valid");
    BOOST_TEST(!done.str("certificate").empty());
}

// finalize signs outside the engine's lock with the order "processing":
// two finalize requests racing for one order give one certificate and one
// orderNotReady, whichever comes first.
BOOST_AUTO_TEST_CASE(racing_finalize_requests_issue_one_certificate) {
    Server s;
    AcmeTestSession second(s.server.directoryUrl(), s.server.httpsCaPem());
    const std::vector<Identifier> ids{Identifier::dns("race.example.test")};
    for (int round = 0; round < 10; ++round) {
        const Reply order = s.newOrder({"race.example.test"});
        s.authorize(order);
        const std::string body = [&] {
            const auto csr = CertificateSigningRequest::create(PrivateKey::generate(KeyType::EcP256), ids);
            return R"({"csr":")" + Base64Url::encode(csr.toDer()) + R"("})";
        }();
        Reply a, b;
        std::thread other([&] { b = second.post(order.str("finalize"), s.account, s.kid, body); });
        a = s.session.post(order.str("finalize"), s.account, s.kid, body);
        other.join();
        const Reply& won = a.status == 200 ? a : b;
        const Reply& lost = a.status == 200 ? b : a;
        BOOST_TEST(won.status == 200);
        BOOST_TEST(won.str("status") == "valid");
        BOOST_TEST(lost.problem() == "orderNotReady");
        const Reply now = s.session.post(order.header("Location"), s.account, s.kid, "");
        BOOST_TEST(now.str("status") == "valid");
        BOOST_TEST(now.str("certificate") == won.str("certificate"));
    }
}

BOOST_AUTO_TEST_CASE(account_key_cannot_be_the_certificate_key) {
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    Server s(quietConfig(), accountKey);
    const Reply order = s.newOrder({"a.example.test"});
    s.authorize(order);
    const Reply r = s.finalize(order, accountKey, {Identifier::dns("a.example.test")});
    BOOST_TEST(r.problem() == "badCSR");
    BOOST_TEST(r.str("detail").find("account key") != std::string::npos);

    // nor another account's key (pebble refuses it too); the order stays ready
    const PrivateKey otherKey = PrivateKey::generate(KeyType::EcP256);
    const KeySigner other(otherKey);
    BOOST_REQUIRE(!s.session.newAccount(other).empty());
    const Reply refused = s.finalize(order, otherKey, {Identifier::dns("a.example.test")});
    BOOST_TEST(refused.problem() == "badCSR");
    BOOST_TEST(refused.str("detail").find("account key") != std::string::npos);
    BOOST_TEST(s.session.post(order.header("Location"), s.account, s.kid, "").str("status") == "ready");
    BOOST_TEST(s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("a.example.test")}).status == 200);
}

// What a CSR may carry, under Let's Encrypt's (Boulder's) rules and pebble's:
// both take RSA PKCS #1 v1.5 and ECDSA with SHA-256/384/512 alone; Boulder's
// refuse email addresses and URIs among the names, an IP address as common
// name and a common name that is not one of the names, which pebble's pass
// over; and the leaf's common name is Boulder's CNFromCSR (the CSR's, none
// when over 64 characters, else the first DNS name as the CSR lists it) or
// pebble's (the CSR's first DNS name, else its first IP address). A refused
// CSR leaves the order ready.
BOOST_AUTO_TEST_CASE(csrs_are_held_to_lets_encrypts_rules_or_pebbles) {
    const std::string longName = std::string(60, 'l') + ".example.test";  // 73 characters
    for (const auto rules : {MockAcmeConfig::CsrRules::Boulder, MockAcmeConfig::CsrRules::Pebble}) {
        BOOST_TEST_CONTEXT((rules == MockAcmeConfig::CsrRules::Boulder ? "boulder" : "pebble")) {
            const bool boulder = rules == MockAcmeConfig::CsrRules::Boulder;
            MockAcmeConfig config = quietConfig();
            config.csrRules = rules;
            Server s(config);
            const PrivateKey rsa = PrivateKey::generate(KeyType::Rsa2048), ec = PrivateKey::generate(KeyType::EcP256);
            // finalizes a new order for `names` (in `extra`'s profile) with `csr`
            const auto finalize = [&](const std::vector<std::string>& names, const std::string& csr, const std::string& extra = "") {
                const Reply order = s.newOrder(names, extra);
                BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
                s.authorize(order);
                Reply done = s.session.post(order.str("finalize"), s.account, s.kid, R"({"csr":")" + Base64Url::encode(csr) + R"("})");
                if (done.status != 200)
                    BOOST_TEST(s.session.post(order.header("Location"), s.account, s.kid, "").str("status") == "ready");
                return done;
            };
            const auto leaf = [&](const Reply& done) {
                BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
                return Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
            };
            const std::vector<std::string> ab{"a.example.test", "b.example.test"};

            // signature algorithms, under both
            const Reply sha1 = finalize(ab, test::handMadeCsr(rsa, "", "DNS:a.example.test,DNS:b.example.test", EVP_sha1()));
            BOOST_TEST(sha1.problem() == "badCSR");
            BOOST_TEST(sha1.str("detail").find("signed with sha1WithRSAEncryption") != std::string::npos, sha1.body);
            const Reply pss = finalize(ab, test::handMadeCsr(rsa, "", "DNS:a.example.test,DNS:b.example.test", nullptr));
            BOOST_TEST(pss.problem() == "badCSR");
            BOOST_TEST(pss.str("detail").find("signed with rsassaPss") != std::string::npos, pss.body);
            BOOST_TEST(finalize(ab, test::handMadeCsr(ec, "", "DNS:a.example.test,DNS:b.example.test", EVP_sha512())).str("status") == "valid");
            BOOST_TEST(finalize(ab, test::handMadeCsr(rsa, "", "DNS:a.example.test,DNS:b.example.test", EVP_sha384())).str("status") == "valid");

            // other kinds of names: refused by Boulder's rules, left out of the leaf by pebble's
            for (const std::string other : {"email:hostmaster@a.example.test", "URI:https://a.example.test/"}) {
                const Reply r = finalize(ab, test::handMadeCsr(ec, "", "DNS:a.example.test,DNS:b.example.test," + other, EVP_sha256()));
                if (boulder) {
                    BOOST_TEST(r.problem() == "badCSR");
                    BOOST_TEST(r.str("detail").find(other.substr(0, other.find(':') + 1)) != std::string::npos, r.body);
                } else {
                    BOOST_TEST(leaf(r).subjectAltNames().size() == 2u);
                }
            }

            // an IP address as common name, and a common name that is not one of the names
            const Reply ipCn = finalize({"127.0.0.1"}, test::handMadeCsr(ec, "127.0.0.1", "IP:127.0.0.1", EVP_sha256()), R"(,"profile":"shortlived")");
            const Reply otherCn = finalize(ab, test::handMadeCsr(ec, "c.example.test", "DNS:a.example.test,DNS:b.example.test", EVP_sha256()));
            if (boulder) {
                BOOST_TEST(ipCn.problem() == "badCSR");
                BOOST_TEST(ipCn.str("detail").find("common name is an IP address") != std::string::npos, ipCn.body);
                BOOST_TEST(otherCn.problem() == "badCSR");
                BOOST_TEST(otherCn.str("detail").find("is not among its names") != std::string::npos, otherCn.body);
            } else {
                BOOST_TEST(ipCn.str("status") == "valid", ipCn.body);
                BOOST_TEST(leaf(otherCn).commonName() == "a.example.test");  // the CSR's first DNS name
            }

            // the leaf's common name (classic has one): the CSR's; none for one over 64
            // characters (Boulder) or the first short DNS name (pebble); else the first
            // DNS name as the CSR lists them, not the first in order
            BOOST_TEST(leaf(finalize(ab, test::handMadeCsr(ec, "B.example.test", "DNS:a.example.test,DNS:b.example.test", EVP_sha256())))
                           .commonName() == (boulder ? "b.example.test" : "a.example.test"));
            const Certificate tooLong =
                leaf(finalize({longName, "b.example.test"}, test::handMadeCsr(ec, longName, "DNS:" + longName + ",DNS:b.example.test", EVP_sha256())));
            BOOST_TEST(tooLong.commonName() == (boulder ? "" : "b.example.test"));
            BOOST_TEST(tooLong.subjectAltNames().size() == 2u);
            BOOST_TEST(leaf(finalize(ab, test::handMadeCsr(ec, "", "DNS:b.example.test,DNS:a.example.test", EVP_sha256()))).commonName() ==
                       "b.example.test");
            BOOST_TEST(leaf(finalize({longName, "b.example.test"}, test::handMadeCsr(ec, "", "DNS:" + longName + ",DNS:b.example.test", EVP_sha256())))
                           .commonName() == "b.example.test");
        }
    }
}

// Runs `check` on a fresh server under Boulder's identifier rules, then under pebble's
// (`boulder` says which), each in a test context naming them.
void underEachIdentifierRules(const std::function<void(Server&, bool boulder)>& check) {
    for (const auto rules : {MockAcmeConfig::IdentifierRules::Boulder, MockAcmeConfig::IdentifierRules::Pebble}) {
        MockAcmeConfig config = quietConfig();
        config.identifierRules = rules;
        const bool boulder = rules == MockAcmeConfig::IdentifierRules::Boulder;
        BOOST_TEST_CONTEXT((boulder ? "Boulder's rules" : "pebble's rules")) {
            Server s(config);
            check(s, boulder);
        }
    }
}

// As Let's Encrypt (Boulder's wildcardOverlap): a name that a wildcard of the
// same order covers is refused, 400 malformed naming both; the wildcard's base
// name and names two labels down are not covered. pebble's rules take them.
BOOST_AUTO_TEST_CASE(a_name_beside_the_wildcard_that_covers_it_is_refused_by_boulders_rules) {
    underEachIdentifierRules([](Server& s, bool boulder) {
        const Reply redundant = s.newOrder({"*.example.test", "WWW.example.test"});
        if (boulder) {
            BOOST_TEST(redundant.status == 400);
            BOOST_TEST(redundant.problem() == "malformed");
            BOOST_TEST(redundant.str("detail") ==
                       "Domain name \"www.example.test\" is redundant with a wildcard domain in the same request "
                       "(*.example.test); remove one or the other");
        } else {
            BOOST_TEST(redundant.status == 201, redundant.body);
        }
        // the base name, a name two labels down, another wildcard's name: taken under both
        const Reply fine = s.newOrder({"*.example.test", "example.test", "a.b.example.test", "b.other.test", "*.a.other.test"});
        BOOST_TEST(fine.status == 201, fine.body);
        BOOST_TEST(fine.json()->getArray("identifiers")->size() == 5u);
    });
}

// Boulder's policy on the shape of a DNS name (its validNonWildcardDomain, of a
// wildcard's base), in its words: one label alone or more than ten, malformed; a
// label in the reserved R-LDH form ("??--", not an A-label's "xn--"),
// rejectedIdentifier. Each a subproblem of a rejectedIdentifier order. pebble's
// rules take them all.
BOOST_AUTO_TEST_CASE(names_of_one_label_more_than_ten_or_a_reserved_form_are_refused_by_boulders_rules) {
    const std::string eleven = "a.b.c.d.e.f.g.h.i.example.test";
    const std::string ten = "b.c.d.e.f.g.h.i.example.test";
    underEachIdentifierRules([&](Server& s, bool boulder) {
        const Reply refused = s.newOrder({"localhost", "*.test", eleven, "*." + eleven, "ab--cd.example.test",
                                          "www.h---test.example.test", "ok.example.test"});
        if (!boulder) {
            BOOST_TEST(refused.status == 201, refused.body);
            return;
        }
        BOOST_TEST(refused.status == 400);
        BOOST_TEST(refused.problem() == "rejectedIdentifier");
        std::map<std::string, std::pair<std::string, std::string>> subs;  // name -> type, detail
        const auto list = refused.json()->getArray("subproblems");
        for (std::size_t i = 0; i < list->size(); ++i) {
            const auto sub = list->getObject(static_cast<unsigned>(i));
            subs[sub->getObject("identifier")->getValue<std::string>("value")] = {
                sub->getValue<std::string>("type"), sub->getValue<std::string>("detail")};
        }
        const std::string malformed = AcmeProblem::kPrefix + "malformed";
        const std::string rejected = AcmeProblem::kPrefix + "rejectedIdentifier";
        const std::pair<std::string, std::string> oneLabel{malformed, "Domain name needs at least one dot"};
        const std::pair<std::string, std::string> tooMany{malformed, "Domain name has more than 10 labels (parts)"};
        const std::pair<std::string, std::string> rldh{
            rejected, "Domain name contains an invalid label in a reserved format (R-LDH: '?\?--')"};
        BOOST_TEST(subs.size() == 6u);
        BOOST_TEST((subs["localhost"] == oneLabel));
        BOOST_TEST((subs["*.test"] == oneLabel));
        BOOST_TEST((subs[eleven] == tooMany));
        BOOST_TEST((subs["*." + eleven] == tooMany));
        BOOST_TEST((subs["ab--cd.example.test"] == rldh));
        BOOST_TEST((subs["www.h---test.example.test"] == rldh));
        // two labels, ten, a wildcard of ten, an A-label, a hyphen elsewhere: taken
        const Reply fine = s.newOrder({"example.test", ten, "*." + ten, "xn--bcher-kva.example.test", "a-b--c.example.test"});
        BOOST_TEST(fine.status == 201, fine.body);
    });
}

// With a Public Suffix List and reserved addresses refused, as at Let's Encrypt: a
// DNS name must end in an ICANN suffix and not be one (a wildcard's base is asked
// before its syntax, any other name after), an IP address must not be in a
// reserved block; each in Boulder's words. Refused with pebble's rules.
BOOST_AUTO_TEST_CASE(public_suffixes_and_reserved_addresses_are_kept_as_lets_encrypt_keeps_them) {
    MockAcmeConfig config = quietConfig();
    config.publicSuffixList = "/usr/share/publicsuffix/public_suffix_list.dat";
    config.refuseReservedAddresses = true;
    Server s(config);
    const Reply refused = s.newOrder({"example.test", "co.uk", "*.com", "*.bad_name.madeup", "bad_name.madeup",
                                      "host.internal", "10.0.0.5", "::1", "www.example.com"});
    BOOST_TEST(refused.status == 400);
    BOOST_TEST(refused.problem() == "rejectedIdentifier");
    BOOST_TEST(refused.str("detail") ==
               "Error creating new order :: Cannot issue for \"example.test\": Domain name does not end with a valid public "
               "suffix (TLD) (and 7 more problems. Refer to sub-problems for more information.)");
    std::map<std::string, std::string> subs;  // name -> detail, each malformed
    const auto list = refused.json()->getArray("subproblems");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto sub = list->getObject(static_cast<unsigned>(i));
        BOOST_TEST(sub->getValue<std::string>("type") == AcmeProblem::kPrefix + "malformed");
        subs[sub->getObject("identifier")->getValue<std::string>("value")] = sub->getValue<std::string>("detail");
    }
    const std::string nonPublic = "Domain name does not end with a valid public suffix (TLD)";
    BOOST_TEST(subs.size() == 8u);
    BOOST_TEST(subs["example.test"] == nonPublic);
    BOOST_TEST(subs["co.uk"] == "Domain name is an ICANN TLD");
    BOOST_TEST(subs["*.com"] == "Domain name is a wildcard for an ICANN TLD");
    BOOST_TEST(subs["*.bad_name.madeup"] == nonPublic);  // the wildcard's suffix first
    BOOST_TEST(subs["bad_name.madeup"] == "Domain name contains an invalid character");  // syntax first
    BOOST_TEST(subs["host.internal"] == nonPublic);
    BOOST_TEST(subs["10.0.0.5"] == "IP address is in a reserved address block: [RFC1918]: Private-Use");
    BOOST_TEST(subs["::1"] == "IP address is in a reserved address block: [RFC4291]: Loopback Address");
    // names under ICANN suffixes, U-label suffixes as A-labels, a private suffix's names, public addresses
    const Reply fine = s.newOrder({"www.example.com", "*.example.co.uk", "shop.xn--p1ai", "me.blogspot.com"});
    BOOST_TEST(fine.status == 201, fine.body);
    const Reply addresses = s.newOrder({"8.8.8.8", "2606:4700::1111"}, R"(,"profile":"shortlived")");
    BOOST_TEST(addresses.status == 201, addresses.body);

    // Boulder's policy, so with Boulder's rules only; a list that cannot be read stops the start
    MockAcmeConfig pebbleRules = config;
    pebbleRules.identifierRules = MockAcmeConfig::IdentifierRules::Pebble;
    BOOST_CHECK_EXCEPTION(Server{pebbleRules}, Error, [](const Error& e) {
        return std::string(e.what()).find("need identifierRules boulder") != std::string::npos;
    });
    MockAcmeConfig missing = quietConfig();
    missing.publicSuffixList = "/nonexistent/list.dat";
    BOOST_CHECK_EXCEPTION(Server{missing}, Error, [](const Error& e) {
        return std::string(e.what()).find("public suffix list: ") != std::string::npos &&
               std::string(e.what()).find("/nonexistent/list.dat") != std::string::npos;
    });
}

// Management: identifiers paused for an account at once (as Boulder's own tests pause
// through its storage), and unpaused; the refusal and the link are those that failures
// in a row make.
BOOST_AUTO_TEST_CASE(identifiers_are_paused_and_unpaused_from_the_management_interface) {
    Server s;
    s.login();
    const auto manage = [&](const std::string& path, const std::string& body) {
        return s.session.request("POST", s.server.managementUrl() + path, body, "application/json");
    };
    const Reply paused = manage("/pause-identifiers", R"({"account":")" + s.kid +
                                                          R"(","identifiers":[{"type":"dns","value":"Held.Example.Test"},)"
                                                          R"({"type":"dns","value":"*.wild.example.test"},{"type":"ip","value":"192.0.2.7"}]})");
    BOOST_REQUIRE_MESSAGE(paused.status == 200, paused.body);
    BOOST_TEST(paused.str("account") == s.kid);
    const std::string link = paused.str("unpauseUrl");
    BOOST_TEST(link.find("/sfe/v1/unpause?jwt=") != std::string::npos, link);
    const auto names = paused.json()->getArray("paused");
    BOOST_REQUIRE(names->size() == 3u);
    BOOST_TEST(names->getElement<std::string>(0) == "*.wild.example.test");
    BOOST_TEST(names->getElement<std::string>(1) == "held.example.test");
    BOOST_TEST(names->getElement<std::string>(2) == "192.0.2.7");
    const Reply refused = s.newOrder({"free.example.test", "held.example.test"});
    BOOST_TEST(refused.status == 429);
    BOOST_TEST(refused.problem() == "rateLimited");
    BOOST_TEST(refused.str("detail") == "Your account is temporarily prevented from requesting certificates for held.example.test "
                                        "and possibly others. Please visit: " + link);
    BOOST_TEST(s.newOrder({"*.wild.example.test"}).status == 429);
    BOOST_TEST(s.newOrder({"192.0.2.7"}, R"(,"profile":"shortlived")").status == 429);
    BOOST_TEST(s.newOrder({"free.example.test", "wild.example.test"}).status == 201);  // the wildcard's base is not paused
    const Reply unpaused = manage("/unpause-account", R"({"account":")" + s.kid + R"("})");
    BOOST_TEST(unpaused.status == 200, unpaused.body);
    BOOST_TEST(unpaused.json()->getArray("paused")->size() == 0u);
    BOOST_TEST(!unpaused.json()->has("unpauseUrl"));
    BOOST_TEST(s.newOrder({"held.example.test"}).status == 201);
    BOOST_TEST(s.session.get(link).status == 404);  // the link went with the pause
    // refused: an unknown account, no identifiers, a bad name, another type
    BOOST_TEST(manage("/pause-identifiers", R"({"account":"nobody","identifiers":[{"type":"dns","value":"a.example.test"}]})")
                   .status == 404);
    BOOST_TEST(manage("/pause-identifiers", R"({"account":")" + s.kid + R"(","identifiers":[]})").status == 400);
    BOOST_TEST(manage("/pause-identifiers", R"({"account":")" + s.kid + R"(","identifiers":[{"type":"dns","value":"../etc"}]})")
                   .status == 400);
    BOOST_TEST(manage("/pause-identifiers", R"({"account":")" + s.kid + R"(","identifiers":[{"type":"email","value":"a@b.c"}]})")
                   .status == 400);
    BOOST_TEST(manage("/unpause-account", R"({})").status == 400);
}

BOOST_AUTO_TEST_CASE(identifiers_wildcards_and_rejections) {
    Server s;
    const Reply order = s.newOrder({"*.example.test", "example.test"});
    BOOST_REQUIRE(order.status == 201);
    auto authzs = order.json()->getArray("authorizations");
    int wildcards = 0;
    for (std::size_t i = 0; i < authzs->size(); ++i) {
        const Reply a = s.session.post(authzs->getElement<std::string>(static_cast<unsigned>(i)), s.account, s.kid, "");
        auto json = a.json();
        BOOST_TEST(json->getObject("identifier")->getValue<std::string>("value") == "example.test");
        if (json->has("wildcard")) {
            ++wildcards;
            auto challenges = json->getArray("challenges");
            BOOST_REQUIRE(challenges->size() == 1u);
            BOOST_TEST(challenges->getObject(0)->getValue<std::string>("type") == "dns-01");
        } else {
            BOOST_TEST(json->getArray("challenges")->size() == 3u);
        }
    }
    BOOST_TEST(wildcards == 1);

    // bad_name: not LDH; ../x; xn--zz: not Punycode; Boulder's A-label of a string not in NFC; a
    // U-label, which a client must send as its A-label
    const std::vector<std::string> badNames{"ok.example.test", "bad_name.example.test", "../x", "xn--zz.example.test",
                                            "xn--109-3veba6djs1bfxlfmx6c9g.xn--f1awi.xn--p1ai", std::string("b\xc3\xbc") + "cher.example.test"};
    MockAcmeConfig pebbleRules = quietConfig();
    pebbleRules.identifierRules = MockAcmeConfig::IdentifierRules::Pebble;
    Server p(pebbleRules);
    // under pebble's rules, as Debian's pebble 2.4 answers, word for word: 400 malformed for the
    // first name its own checks refuse
    BOOST_TEST(p.newOrder(badNames).json()->getValue<std::string>("detail") ==
               "Order included DNS identifier with a value containing an illegal character: '_'");
    const std::vector<std::pair<std::string, std::string>> pebbleWords{
        {"", "Order included DNS identifier with empty value"},
        {"a!.example.test", "Order included DNS identifier with a value containing an illegal character: '!'"},
        {"sp ace.test", "Order included DNS identifier with a value containing an illegal character: ' '"},
        {"a'b.test", "Order included DNS identifier with a value containing an illegal character: '\\''"},
        {"b\xc3\xbc" "cher.test", "Order included DNS identifier with a value containing an illegal character: '\xc3\x83'"},
        {"a\x01.test", "Order included DNS identifier with a value containing an illegal character: '\\x01'"},
        {"a\xc2\x85.test", "Order included DNS identifier with a value containing an illegal character: '\xc3\x82'"},
        {"example.test.", "Order included a DNS identifier with a value ending in a period: \"example.test.\"\n"},
        {"1.2.3.4", "Order included a DNS identifier with an IP address value: \"1.2.3.4\"\n"},
        {"*.*.example.test", "Order included DNS type identifier with illegal wildcard value: too many wildcards \"*.*.example.test\""},
        {"www.*.example.test",
         "Order included DNS type identifier with illegal wildcard value: wildcard isn't leftmost prefix \"www.*.example.test\""},
        {std::string(250, 'a') + ".test", "Order included DNS identifier that was longer than 253 characters"},
    };
    const auto quoted = [](const std::string& text) {  // a JSON string of any bytes
        std::string out = "\"";
        for (const char c : text) {
            if (c == '"' || c == '\\') out += '\\';
            if (static_cast<unsigned char>(c) < 0x20) {
                char escape[8];
                std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
                out += escape;
            } else {
                out += c;
            }
        }
        return out + "\"";
    };
    for (const auto& [name, words] : pebbleWords) {
        const Reply refused = p.session.post(p.session.dir("newOrder"), p.account, p.login(),
                                             R"({"identifiers":[{"type":"dns","value":)" + quoted(name) + "}]}");
        BOOST_TEST(refused.problem() == "malformed", InvalidNameError::printable(name));
        BOOST_TEST(refused.json()->getValue<std::string>("detail") == words, InvalidNameError::printable(name));
        BOOST_TEST(!refused.json()->has("subproblems"));
    }
    // what pebble takes but no certificate can name: refused after, a subproblem each with
    // mock-acme's reason (IDNA2008's, through libidn2, for the A-labels)
    const Reply bad = p.newOrder({"ok.example.test", "a..b.example.test", "xn--zz.example.test",
                                  "xn--109-3veba6djs1bfxlfmx6c9g.xn--f1awi.xn--p1ai"});
    BOOST_TEST(bad.problem() == "rejectedIdentifier");
    BOOST_TEST(bad.json()->getArray("subproblems")->size() == 3u);
    BOOST_TEST(bad.body.find("empty label") != std::string::npos, bad.body);
    BOOST_TEST(bad.body.find("xn--zz") != std::string::npos, bad.body);
    BOOST_TEST(bad.body.find("not in Unicode NFC") != std::string::npos, bad.body);
    // under Boulder's (the default): as Let's Encrypt answers, the first refusal in the
    // detail, a subproblem each, typed and worded as Boulder's policy types and words them
    const Reply boulder = s.newOrder(badNames);
    BOOST_TEST(boulder.problem() == "rejectedIdentifier");
    BOOST_TEST(boulder.json()->getValue<std::string>("detail") ==
               "Error creating new order :: Cannot issue for \"bad_name.example.test\": Domain name contains an invalid "
               "character (and 4 more problems. Refer to sub-problems for more information.)");
    const auto subs = boulder.json()->getArray("subproblems");
    BOOST_REQUIRE(subs->size() == 5u);
    const std::vector<std::string> boulderWords{"Domain name contains an invalid character", "Domain name contains an invalid character",
                                                "Domain name contains malformed punycode", "Domain name contains malformed punycode",
                                                "Domain name contains an invalid character"};
    for (std::size_t i = 0; i < subs->size(); ++i) {
        const auto sub = subs->getObject(static_cast<unsigned>(i));
        BOOST_TEST(sub->getValue<std::string>("type") == AcmeProblem::kPrefix + "malformed");
        BOOST_TEST(sub->getValue<std::string>("detail") == boulderWords[i]);
        BOOST_TEST(sub->getObject("identifier")->getValue<std::string>("value") == badNames[i + 1]);
    }
    // one refusal: the detail alone, no subproblems (the answer Apache mod_md's tests expect
    // of Let's Encrypt for "invalid!.DOMAIN")
    const Reply one = s.newOrder({"ok.example.test", "invalid!.example.test"});
    BOOST_TEST(one.problem() == "rejectedIdentifier");
    BOOST_TEST(one.json()->getValue<std::string>("detail") ==
               "Error creating new order :: Cannot issue for \"invalid!.example.test\": Domain name contains an invalid character");
    BOOST_TEST(!one.json()->has("subproblems"));
    // each of Boulder's refusals of a name's syntax, in its words
    const std::vector<std::pair<std::string, std::string>> shapes{
        {"*.*.example.test", "Domain name has more than one wildcard"},
        {"www.*.example.test", "Domain name contains an invalid wildcard. A wildcard is only permitted before the first dot in a "
                               "domain name"},
        {std::string(250, 'a') + ".test", "Domain name is longer than 253 bytes"},
        {"example.test.", "Domain name ends in a dot"},
        {"a..example.test", "Domain name can not have two dots in a row"},
        {std::string(64, 'a') + ".test", "Domain has a label (component between dots) longer than 63 bytes"},
        {"-a.example.test", "Domain name contains an invalid character"},
        {"www.example.123", "Domain name does not end with a valid public suffix (TLD)"},
    };
    for (const auto& [name, words] : shapes) {
        const Reply refused = s.newOrder({name});
        BOOST_TEST(refused.json()->getValue<std::string>("detail") ==
                   "Error creating new order :: Cannot issue for \"" + name + "\": " + words);
    }
    const Reply dnsIp = s.session.post(s.session.dir("newOrder"), s.account, s.kid,
                                       R"({"identifiers":[{"type":"dns","value":"127.0.0.1"}]})");
    BOOST_TEST(dnsIp.json()->getValue<std::string>("detail") ==
               "Error creating new order :: Cannot issue for \"127.0.0.1\": Identifier type is DNS but value is an IP address");
    const Reply ip = s.session.post(s.session.dir("newOrder"), s.account, s.kid,
                                    R"({"identifiers":[{"type":"ip","value":"2001:DB8::1"}],"profile":"shortlived"})");
    BOOST_TEST(ip.json()->getValue<std::string>("detail") ==
               "Error creating new order :: Cannot issue for \"2001:DB8::1\": IP address is invalid");
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), s.account, s.kid,
                              R"({"identifiers":[{"type":"email","value":"a@b.c"}]})").problem() == "unsupportedIdentifier");
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), s.account, s.kid, R"({"identifiers":[]})").problem() ==
               "malformed");
    // a name in another case, or twice: one identifier, in lower case, as Boulder's and pebble's
    // newOrder make it; the CSR may name it in any case too
    const Reply merged = s.newOrder({"a.example.test", "A.Example.TEST", "a.example.test", "*.A.example.test"});
    BOOST_REQUIRE_MESSAGE(merged.status == 201, merged.body);
    const auto mergedIds = merged.json()->getArray("identifiers");
    BOOST_TEST(mergedIds->size() == 2u);
    BOOST_TEST(mergedIds->getObject(0)->getValue<std::string>("value") == "*.a.example.test");
    BOOST_TEST(mergedIds->getObject(1)->getValue<std::string>("value") == "a.example.test");
    BOOST_TEST(merged.json()->getArray("authorizations")->size() == 2u);
    s.authorize(merged, "dns-01");
    const std::string mixedCase =
        test::handMadeCsr(PrivateKey::generate(KeyType::EcP256), "A.example.test", "DNS:A.EXAMPLE.test,DNS:*.a.Example.test", EVP_sha256());
    const Reply issued = s.session.post(merged.str("finalize"), s.account, s.kid, R"({"csr":")" + Base64Url::encode(mixedCase) + R"("})");
    BOOST_TEST(issued.str("status") == "valid", issued.body);
    // a profile's name limit counts distinct identifiers
    MockAcmeConfig two = quietConfig();
    two.maxNames = 2;
    Server narrow(two);
    BOOST_TEST(narrow.newOrder({"a.example.test", "A.example.test", "b.example.test"}).status == 201);
    BOOST_TEST(narrow.newOrder({"a.example.test", "b.example.test", "c.example.test"}).problem() == "malformed");
    // an IP address must be in RFC 8738's text (as Boulder requires)
    for (const std::string address : {"127.000.000.001", "0:0:0:0:0:0:0:1"})
        BOOST_TEST(s.newOrder({address}, R"(,"profile":"shortlived")").problem() == "rejectedIdentifier", address);
}

// httpsNames: the generated HTTPS certificate also names what a container or
// a proxy reaches mock-acme by, so that a client verifies it under that name.
BOOST_AUTO_TEST_CASE(the_generated_https_certificate_names_the_https_names) {
    MockAcmeConfig config = quietConfig();
    config.httpsNames = {"acme.internal", "*.ca.internal", "192.0.2.10"};
    MockAcmeServer server(config);
    const Certificate ca = Certificate::fromPem(server.httpsCaPem());
    const auto probe = [&](const std::string& name) {
        testing::TlsProbeOptions options;
        options.port = server.port();
        options.serverName = name;
        options.trustedRoots = {ca};
        testing::TlsProbe tls(options);
        BOOST_REQUIRE_MESSAGE(tls.ok(), tls.error());
        return std::pair{tls.verifyError(), tls.peerChain().at(0).subjectAltNames()};
    };
    const auto [error, names] = probe("acme.internal");
    BOOST_TEST(error.empty(), error);
    BOOST_TEST(names == (std::vector<Identifier>{Identifier::ip("127.0.0.1"), Identifier::ip("::1"), Identifier::dns("localhost"),
                                                 Identifier::dns("acme.internal"), Identifier::dns("*.ca.internal"),
                                                 Identifier::ip("192.0.2.10")}));
    BOOST_TEST(probe("a.ca.internal").first.empty());
    BOOST_TEST(!probe("other.internal").first.empty());  // not named: the client refuses it

    // refused: a name that is neither, and names for a certificate from files
    const auto refusal = [](const MockAcmeConfig& c) -> std::string {
        try {
            c.validate();
        } catch (const Error& e) {
            return e.what();
        }
        return "";
    };
    MockAcmeConfig bad = quietConfig();
    bad.httpsNames = {"acme internal"};
    BOOST_TEST(refusal(bad).find("httpsNames: \"acme internal\" is not a DNS name or an IP address") != std::string::npos,
               refusal(bad));
    MockAcmeConfig files = quietConfig();
    files.httpsNames = {"acme.internal"};
    files.httpsCertificateFile = "/nonexistent/cert.pem";
    files.httpsPrivateKeyFile = "/nonexistent/key.pem";
    BOOST_TEST(refusal(files).find("not one from httpsCertificateFile") != std::string::npos, refusal(files));
}

BOOST_AUTO_TEST_CASE(an_https_identity_from_files_is_served_with_its_chain_on_both_listeners) {
    // a root the client trusts, an intermediate only the server sends, a leaf for loopback
    const auto validity = [](CertificateBuilder b) {
        return b.validity(std::chrono::system_clock::now() - std::chrono::hours(1),
                          std::chrono::system_clock::now() + std::chrono::hours(24));
    };
    const PrivateKey rootKey = PrivateKey::generate(KeyType::EcP256), middleKey = PrivateKey::generate(KeyType::EcP256),
                     leafKey = PrivateKey::generate(KeyType::EcP256);
    const Certificate root = validity(CertificateBuilder().commonName("files root").certificateAuthority()).selfSign(rootKey);
    const Certificate middle =
        validity(CertificateBuilder().commonName("files intermediate").certificateAuthority(0)).sign(middleKey.publicKey(), root, rootKey);
    const Certificate leaf = validity(CertificateBuilder().commonName("localhost").subjectAltNames(
                                          {Identifier::ip("127.0.0.1"), Identifier::dns("localhost")}))
                                 .sign(leafKey.publicKey(), middle, middleKey);
    test::TempDir dir;
    const std::string certFile = (dir.path / "cert.pem").string(), keyFile = (dir.path / "key.pem").string();
    AtomicFile::write(certFile, leaf.toPem() + middle.toPem(), 0644);
    AtomicFile::write(keyFile, leafKey.toPem(), 0600);

    MockAcmeConfig config = quietConfig();
    config.httpsCertificateFile = certFile;
    config.httpsPrivateKeyFile = keyFile;
    config.managementTls = true;
    MockAcmeServer server(config);
    BOOST_TEST(server.httpsCaPem().empty());  // the CA is the caller's
    BOOST_TEST(server.managementUrl().starts_with("https://127.0.0.1:"));
    AcmeTestSession session(server.directoryUrl(), root.toPem());  // verifies the chain up to `root`
    BOOST_TEST(session.get(server.directoryUrl()).status == 200);
    const Reply roots = session.get(server.managementUrl() + "/roots/0");
    BOOST_TEST(roots.status == 200);
    BOOST_TEST(Certificate::fromPem(roots.body).toDer() == server.issuingRoot().toDer());

    // refused with the reason: a key of another certificate, a file that is not PEM, one that is not there
    const std::string otherKey = (dir.path / "other.pem").string(), junk = (dir.path / "junk.pem").string();
    AtomicFile::write(otherKey, PrivateKey::generate(KeyType::EcP256).toPem(), 0600);
    AtomicFile::write(junk, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", 0644);
    const auto refusal = [&](const std::string& cert, const std::string& key) -> std::string {
        MockAcmeConfig c = quietConfig();
        c.httpsCertificateFile = cert;
        c.httpsPrivateKeyFile = key;
        try {
            MockAcmeServer refused(c);
        } catch (const Error& e) {
            return e.what();
        }
        return "";
    };
    const std::string mismatch = refusal(certFile, otherKey), notPem = refusal(junk, keyFile),
                      missing = refusal((dir.path / "absent.pem").string(), keyFile), keyNotPem = refusal(certFile, junk);
    BOOST_TEST(mismatch.find("do not go together") != std::string::npos, mismatch);
    BOOST_TEST(notPem.find("certificate") != std::string::npos, notPem);
    BOOST_TEST(notPem.find("junk.pem") != std::string::npos, notPem);
    BOOST_TEST(missing.find("absent.pem") != std::string::npos, missing);
    BOOST_TEST(keyNotPem.find("private key") != std::string::npos, keyNotPem);
}

// The OCSP responder's URL (authorityInfoAccess, id-ad-ocsp) as OpenSSL reads it, or "" without one.
std::string ocspUrlOf(const Certificate& cert) {
    std::unique_ptr<AUTHORITY_INFO_ACCESS, decltype(&AUTHORITY_INFO_ACCESS_free)> aia(
        static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(cert.native(), NID_info_access, nullptr, nullptr)),
        &AUTHORITY_INFO_ACCESS_free);
    if (!aia) return "";
    BOOST_REQUIRE(sk_ACCESS_DESCRIPTION_num(aia.get()) == 1);
    const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), 0);
    BOOST_REQUIRE(OBJ_obj2nid(ad->method) == NID_ad_OCSP);
    BOOST_REQUIRE(ad->location->type == GEN_URI);
    const ASN1_IA5STRING* uri = ad->location->d.uniformResourceIdentifier;
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)), static_cast<std::size_t>(ASN1_STRING_length(uri)));
}

BOOST_AUTO_TEST_CASE(an_ocsp_responder_url_is_named_in_every_leaf_and_none_without_it) {
    const auto leafFrom = [](Server& s) {
        const Reply order = s.newOrder({"o.example.test"});
        s.authorize(order);
        const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("o.example.test")});
        BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
        return Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
    };
    MockAcmeConfig config = quietConfig();
    config.ocspResponderUrl = "http://127.0.0.1:4002/ocsp";
    Server with(config);
    BOOST_TEST(ocspUrlOf(leafFrom(with)) == "http://127.0.0.1:4002/ocsp");
    Server without;
    BOOST_TEST(ocspUrlOf(leafFrom(without)).empty());
}

// The one CRL distribution point (fullName, a URI) as OpenSSL reads it, or "" without one.
std::string crlUrlOf(const Certificate& cert) {
    std::unique_ptr<CRL_DIST_POINTS, decltype(&CRL_DIST_POINTS_free)> points(
        static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(cert.native(), NID_crl_distribution_points, nullptr, nullptr)),
        &CRL_DIST_POINTS_free);
    if (!points) return "";
    BOOST_REQUIRE(sk_DIST_POINT_num(points.get()) == 1);
    const DIST_POINT* point = sk_DIST_POINT_value(points.get(), 0);
    BOOST_REQUIRE(point->distpoint != nullptr);
    BOOST_REQUIRE(point->distpoint->type == 0);
    BOOST_REQUIRE(sk_GENERAL_NAME_num(point->distpoint->name.fullname) == 1);
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(point->distpoint->name.fullname, 0);
    BOOST_REQUIRE(name->type == GEN_URI);
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)), static_cast<std::size_t>(ASN1_STRING_length(uri)));
}

// A plain-HTTP request: status, Content-Type, body.
struct PlainReply {
    int status = 0;
    std::string contentType, body;
};
PlainReply plainRequest(const std::string& url, const std::string& method = "GET") {
    const Poco::URI uri(url);
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    Poco::Net::HTTPRequest request(method, uri.getPathEtc(), Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    PlainReply reply{static_cast<int>(response.getStatus()), response.getContentType(), {}};
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
}

using CrlPtr = std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)>;
CrlPtr parseCrl(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())), &X509_CRL_free);
    BOOST_REQUIRE_MESSAGE(crl, "the CRL is not DER OpenSSL reads");
    BOOST_REQUIRE(p == reinterpret_cast<const unsigned char*>(der.data()) + der.size());
    return crl;
}

// The reason code of the entry for `serialHex`: -1 when absent, 0 with no reasonCode.
int crlEntryReason(X509_CRL* crl, const std::string& serialHex) {
    STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl);
    for (int i = 0; i < sk_X509_REVOKED_num(entries); ++i) {
        const X509_REVOKED* entry = sk_X509_REVOKED_value(entries, i);
        detail::BignumPtr serial(ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(entry), nullptr));
        char* hex = BN_bn2hex(serial.get());
        const bool match = hex != nullptr && serialHex == hex;
        OPENSSL_free(hex);
        if (!match) continue;
        std::unique_ptr<ASN1_ENUMERATED, decltype(&ASN1_ENUMERATED_free)> reason(
            static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr)),
            &ASN1_ENUMERATED_free);
        return reason ? static_cast<int>(ASN1_ENUMERATED_get(reason.get())) : 0;
    }
    return -1;
}

std::uint64_t crlNumber(X509_CRL* crl) {
    std::unique_ptr<ASN1_INTEGER, decltype(&ASN1_INTEGER_free)> number(
        static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)), &ASN1_INTEGER_free);
    BOOST_REQUIRE(number);
    std::uint64_t n = 0;
    BOOST_REQUIRE(ASN1_INTEGER_get_uint64(&n, number.get()) == 1);
    return n;
}

// pebble's CRLs: each leaf names BASE/crl/KEYID.crl, where the issuing CA's
// CRL is served over plain HTTP, signed by the issuing intermediate; a
// revocation shows after its delay (the serial modulo crlMaxDelay + 1 seconds).
BOOST_AUTO_TEST_CASE(a_crl_is_served_where_every_leaf_points_and_lists_what_was_revoked) {
    MockAcmeConfig config = quietConfig();
    config.crl = true;
    config.crlValidity = std::chrono::hours(36);
    config.crlMaxDelay = std::chrono::seconds(20);
    Server s(config);
    const std::string url = s.server.crlUrl();
    BOOST_TEST(url.starts_with("http://127.0.0.1:"));
    BOOST_TEST(url.ends_with("/crl/" + s.server.engine().ca().issuingKeyId() + ".crl"), url);
    BOOST_TEST(s.server.engine().ca().issuingKeyId().size() == 40u);  // lower-case hex of a SHA-1

    const auto issue = [&](const std::string& name) {
        const Reply order = s.newOrder({name});
        s.authorize(order);
        const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns(name)});
        BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
        return Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
    };
    const Certificate first = issue("crl1.example.test"), second = issue("crl2.example.test");
    BOOST_TEST(crlUrlOf(first) == url);

    const Certificate& issuer = s.server.engine().ca().intermediate(0);
    const auto fetch = [&] {
        const PlainReply reply = plainRequest(url);
        BOOST_REQUIRE_MESSAGE(reply.status == 200, reply.body);
        BOOST_TEST(reply.contentType == "application/pkix-crl");
        CrlPtr crl = parseCrl(reply.body);
        BOOST_TEST(X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer.native())) == 1);
        BOOST_TEST(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer.native())) == 0);
        int days = 0, seconds = 0;
        BOOST_REQUIRE(ASN1_TIME_diff(&days, &seconds, X509_CRL_get0_lastUpdate(crl.get()), X509_CRL_get0_nextUpdate(crl.get())));
        BOOST_TEST(days * 86400 + seconds == 36 * 3600);
        return crl;
    };
    const CrlPtr empty = fetch();
    BOOST_TEST(X509_CRL_get_REVOKED(empty.get()) == nullptr);  // RFC 5280 §5.1.2.6: no entries, no list

    // revoked: keyCompromise (1) and unspecified (0, which the entry leaves out)
    for (const auto& [cert, reason] : {std::pair{&first, 1}, std::pair{&second, 0}}) {
        const Reply r = s.session.post(s.session.dir("revokeCert"), s.account, s.kid,
                                       R"({"certificate":")" + Base64Url::encode(cert->toDer()) + R"(","reason":)" +
                                           std::to_string(reason) + "}");
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    }
    const auto delayOf = [](const Certificate& cert) {
        const std::string hex = cert.serialHex();
        return std::stoull(hex.size() > 15 ? hex.substr(hex.size() - 15) : hex, nullptr, 16) % 21;
    };
    std::uint64_t lastNumber = crlNumber(empty.get());
    std::pair<int, int> lastListed{-1, -1};
    for (unsigned long long elapsed = 0; elapsed <= 21; ++elapsed) {
        const CrlPtr now = fetch();
        const std::pair<int, int> listed{crlEntryReason(now.get(), first.serialHex()), crlEntryReason(now.get(), second.serialHex())};
        BOOST_TEST(listed.first == (elapsed >= delayOf(first) ? 1 : -1), "after " << elapsed << " s");
        BOOST_TEST(listed.second == (elapsed >= delayOf(second) ? 0 : -1), "after " << elapsed << " s");
        // a new list, numbered above the one before, when what it lists changes; else the same list
        if (listed != lastListed) {
            BOOST_TEST(crlNumber(now.get()) > lastNumber, "after " << elapsed << " s");
        } else {
            BOOST_TEST(crlNumber(now.get()) == lastNumber, "after " << elapsed << " s");
        }
        lastNumber = crlNumber(now.get());
        lastListed = listed;
        s.server.engine().timeTravel(std::chrono::seconds(1));
    }
    // the same bytes while nothing changes; a new list once half its validity (18 h) has passed
    const std::string kept = plainRequest(url).body;
    BOOST_TEST((plainRequest(url).body == kept));
    s.server.engine().timeTravel(std::chrono::hours(18));
    const CrlPtr refreshed = fetch();
    BOOST_TEST(crlNumber(refreshed.get()) > lastNumber);
    BOOST_TEST(crlEntryReason(refreshed.get(), first.serialHex()) == 1);

    BOOST_TEST(plainRequest(url, "HEAD").status == 200);
    BOOST_TEST(plainRequest(url, "POST").status == 405);
    BOOST_TEST(plainRequest(url.substr(0, url.rfind('/')) + "/other.crl").status == 404);

    // without the setting: no listener, no extension
    Server without;
    BOOST_TEST(without.server.crlUrl().empty());
    const Reply order = without.newOrder({"nocrl.example.test"});
    without.authorize(order);
    const Reply done = without.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("nocrl.example.test")});
    BOOST_TEST(crlUrlOf(Certificate::chainFromPem(without.session.post(done.str("certificate"), without.account, without.kid, "").body)
                            .at(0))
                   .empty());
    BOOST_TEST(without.server.engine().handleCrl(HttpRequest{.method = "GET", .path = "/crl/x.crl"}).status == 404);

    // a wildcard listener is named by its loopback address (no socket: the engine alone)
    for (const auto& [host, named] : {std::pair{"0.0.0.0", "http://127.0.0.1:8080/crl/"}, std::pair{"::", "http://[::1]:8080/crl/"},
                                      std::pair{"127.0.0.2", "http://127.0.0.2:8080/crl/"}}) {
        MockAcmeConfig wildcard = quietConfig();
        wildcard.crl = true;
        wildcard.crlHost = host;
        wildcard.crlPort = 8080;
        SystemClock clock;
        MockAcmeEngine engine(wildcard, "https://127.0.0.1:14000", clock, std::make_unique<ChallengeValidator>(wildcard));
        BOOST_TEST(engine.crlUrl().starts_with(named), host << ": " << engine.crlUrl());
    }
}

// A revoked certificate forgotten by forgetAfter before it expired stays on
// the CRL until it expires, across a restart too; then it leaves.
BOOST_AUTO_TEST_CASE(a_forgotten_revoked_certificate_stays_on_the_crl_until_it_expires) {
    test::TempDir dir;
    MockAcmeConfig config = quietConfig();
    config.crl = true;
    config.forgetAfter = std::chrono::hours(1);
    config.persistFile = (dir.path / "state.sqlite").string();
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    const auto entries = [](MockAcmeServer& server) {
        const PlainReply reply = plainRequest(server.crlUrl());
        BOOST_REQUIRE_MESSAGE(reply.status == 200, reply.body);
        return parseCrl(reply.body);
    };
    std::string revokedSerial, keptSerial, lateSerial;
    {
        Server s(config, accountKey);
        const auto issue = [&](const std::string& name) {  // 160 hours (the shortlived profile)
            const Reply order = s.newOrder({name}, R"(,"profile":"shortlived")");
            s.authorize(order);
            const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns(name)});
            BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
            return Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
        };
        const Certificate revoked = issue("gone.example.test"), kept = issue("kept.example.test");
        revokedSerial = revoked.serialHex();
        keptSerial = kept.serialHex();
        BOOST_REQUIRE(s.session.post(s.session.dir("revokeCert"), s.account, s.kid,
                                     R"({"certificate":")" + Base64Url::encode(revoked.toDer()) + R"(","reason":4})")
                          .status == 200);
        s.server.engine().timeTravel(std::chrono::seconds(3700));
        BOOST_REQUIRE(s.newOrder({"trigger.example.test"}).status == 201);  // forgetting happens at a newOrder
        const auto stats = s.session.get(s.server.managementUrl() + "/stats").json();
        BOOST_TEST(stats->getValue<long long>("certificates") == 0);
        BOOST_TEST(stats->getValue<long long>("forgottenRevocations") == 1);
        // the revoked one is still "Revoked" (without its certificate, which is gone); the other is unknown
        const Reply status = s.session.get(s.server.managementUrl() + "/cert-status-by-serial/" + revokedSerial);
        BOOST_TEST(status.status == 200);
        BOOST_TEST(status.str("Status") == "Revoked");
        BOOST_TEST(status.json()->getValue<int>("Reason") == 4);
        BOOST_TEST(!status.json()->has("Certificate"));
        BOOST_TEST(s.session.get(s.server.managementUrl() + "/cert-status-by-serial/" + keptSerial).status == 404);
        // one revoked and still held
        const Certificate late = issue("late.example.test");
        lateSerial = late.serialHex();
        BOOST_REQUIRE(s.session.post(s.session.dir("revokeCert"), s.account, s.kid,
                                     R"({"certificate":")" + Base64Url::encode(late.toDer()) + R"(","reason":1})")
                          .status == 200);
        const CrlPtr crl = entries(s.server);
        BOOST_TEST(crlEntryReason(crl.get(), revokedSerial) == 4);  // superseded
        BOOST_TEST(crlEntryReason(crl.get(), keptSerial) == -1);
        BOOST_TEST(crlEntryReason(crl.get(), lateSerial) == 1);
    }
    {
        Server s(config, accountKey);  // restarted from the snapshot
        BOOST_TEST(crlEntryReason(entries(s.server).get(), revokedSerial) == 4);
        BOOST_TEST(crlEntryReason(entries(s.server).get(), lateSerial) == 1);
        BOOST_TEST(s.session.get(s.server.managementUrl() + "/cert-status-by-serial/" + revokedSerial).str("Status") == "Revoked");
        s.server.engine().timeTravel(std::chrono::hours(24 * 7));  // past its notAfter
        BOOST_TEST(s.session.get(s.server.managementUrl() + "/cert-status-by-serial/" + revokedSerial).status == 404);
        BOOST_TEST(crlEntryReason(entries(s.server).get(), revokedSerial) == -1);
        BOOST_TEST(s.session.get(s.server.managementUrl() + "/stats").json()->getValue<long long>("forgottenRevocations") == 0);
    }
}

BOOST_AUTO_TEST_CASE(blocked_domains_and_every_name_under_them_are_rejected_each_by_name) {
    MockAcmeConfig config = quietConfig();
    config.blockedDomains = {"blocked.example.test"};
    Server s(config);
    const Reply bad = s.newOrder({"ok.example.test", "blocked.example.test", "www.blocked.example.test",
                                  "*.blocked.example.test"});
    BOOST_TEST(bad.status == 400);
    BOOST_TEST(bad.problem() == "rejectedIdentifier");
    auto subproblems = bad.json()->getArray("subproblems");
    BOOST_REQUIRE(subproblems->size() == 3u);
    std::vector<std::string> named;
    for (std::size_t i = 0; i < subproblems->size(); ++i) {
        auto sub = subproblems->getObject(static_cast<unsigned>(i));
        BOOST_TEST(sub->getValue<std::string>("type") == "urn:ietf:params:acme:error:rejectedIdentifier");
        // Boulder's words (its errPolicyForbidden), the default rules
        BOOST_TEST(sub->getValue<std::string>("detail") ==
                   "The ACME server refuses to issue a certificate for this domain name, because it is forbidden by policy");
        named.push_back(sub->getObject("identifier")->getValue<std::string>("value"));
    }
    BOOST_TEST(named == (std::vector<std::string>{"blocked.example.test", "www.blocked.example.test", "*.blocked.example.test"}),
               boost::test_tools::per_element());
    // a name that only ends with the same letters is not under it, nor is its parent
    BOOST_TEST(s.newOrder({"notblocked.example.test", "example.test"}).status == 201);
    // a blocked name is asked after the syntax of every name, as Boulder asks: a malformed
    // name beside it is the one refused
    const Reply both = s.newOrder({"blocked.example.test", "bad_name.example.test"});
    BOOST_TEST(both.json()->getValue<std::string>("detail") ==
               "Error creating new order :: Cannot issue for \"bad_name.example.test\": Domain name contains an invalid character");
    // pebble's rules: in mock-acme's own words
    config.identifierRules = MockAcmeConfig::IdentifierRules::Pebble;
    Server p(config);
    const Reply pebble = p.newOrder({"blocked.example.test"});
    BOOST_TEST(pebble.json()->getArray("subproblems")->getObject(0)->getValue<std::string>("detail") ==
               "policy forbids issuing for \"blocked.example.test\"");
}

BOOST_AUTO_TEST_CASE(revocation_by_account_and_by_certificate_key) {
    Server s;
    const auto issue = [&](const PrivateKey& key) {
        const Reply order = s.newOrder({"r.example.test"});
        s.authorize(order);
        const Reply done = s.finalize(order, key, {Identifier::dns("r.example.test")});
        return Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
    };
    const PrivateKey key1 = PrivateKey::generate(KeyType::EcP256);
    const Certificate cert1 = issue(key1);
    const std::string der1 = Base64Url::encode(cert1.toDer());
    // a reason that is not a code is refused as one, however large (no 500 from a number that does not fit)
    for (const std::string reason : {"7", "-1", "11", "99999999999", "18446744073709551615", "1.5", "\"1\""}) {
        const Reply r = s.session.post(s.session.dir("revokeCert"), s.account, s.kid,
                                       R"({"certificate":")" + der1 + R"(","reason":)" + reason + "}");
        BOOST_TEST(r.status == 400, reason << " -> " << r.status);
        BOOST_TEST(r.problem() == "badRevocationReason", reason);
    }
    BOOST_TEST(s.session.post(s.session.dir("revokeCert"), s.account, s.kid,
                              R"({"certificate":")" + der1 + R"(","reason":1})").status == 200);
    BOOST_TEST(s.session.post(s.session.dir("revokeCert"), s.account, s.kid,
                              R"({"certificate":")" + der1 + R"("})").problem() == "alreadyRevoked");
    const std::string status = s.management("/cert-status-by-serial/" + cert1.serialHex());
    BOOST_TEST(status.find("\"Revoked\"") != std::string::npos);

    const PrivateKey key2 = PrivateKey::generate(KeyType::EcP256);
    const Certificate cert2 = issue(key2);
    const std::string der2 = Base64Url::encode(cert2.toDer());
    // signed by another key: refused; by the certificate's key (jwk): accepted
    const KeySigner stranger(PrivateKey::generate(KeyType::EcP256));
    BOOST_TEST(s.session.post(s.session.dir("revokeCert"), stranger, "", R"({"certificate":")" + der2 + R"("})").problem() ==
               "unauthorized");
    const KeySigner certKey(key2);
    // a look-alike: the same serial, name and key, but not the certificate
    // this server signed (here signed by its own key): not this server's
    const Certificate lookAlike = CertificateBuilder()
                                      .serial(cert2.serialBytes())
                                      .subjectAltNames({Identifier::dns("r.example.test")})
                                      .selfSign(key2);
    BOOST_REQUIRE(lookAlike.serialHex() == cert2.serialHex());
    const Reply notOurs = s.session.post(s.session.dir("revokeCert"), certKey, "",
                                         R"({"certificate":")" + Base64Url::encode(lookAlike.toDer()) + R"("})");
    BOOST_TEST(notOurs.status == 404);
    BOOST_TEST(notOurs.problem() == "malformed");
    BOOST_TEST(s.session.post(s.session.dir("revokeCert"), certKey, "", R"({"certificate":")" + der2 + R"("})").status ==
               200);
}

// RFC 8555 §7.6: another account may revoke when it holds valid
// authorizations for every name of the certificate; a wildcard name needs a
// wildcard authorization, and an expired authorization counts for nothing.
BOOST_AUTO_TEST_CASE(revocation_by_an_account_holding_authorizations_for_every_name) {
    Server s;
    const std::vector<Identifier> ids{Identifier::dns("*.w.example.test"), Identifier::dns("plain.example.test")};
    const Reply order = s.newOrder({"*.w.example.test", "plain.example.test"});
    s.authorize(order, "dns-01");
    const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), ids);
    BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
    const Certificate cert = Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
    const std::string revoke = R"({"certificate":")" + Base64Url::encode(cert.toDer()) + R"("})";

    const KeySigner other(PrivateKey::generate(KeyType::EcP256));
    const std::string otherKid = s.session.newAccount(other);
    const auto otherOrder = [&](const std::vector<std::string>& names) {
        Reply o = s.session.post(s.session.dir("newOrder"), other, otherKid, Server::orderPayload(names));
        BOOST_REQUIRE_MESSAGE(o.status == 201, o.body);
        s.authorizeAs(other, otherKid, o, "dns-01");
        return o;
    };
    const auto tryRevoke = [&] { return s.session.post(s.session.dir("revokeCert"), other, otherKid, revoke); };
    BOOST_TEST(tryRevoke().status == 403);
    otherOrder({"plain.example.test", "w.example.test"});  // w.example.test is not *.w.example.test
    const Reply refused = tryRevoke();
    BOOST_TEST(refused.status == 403);
    BOOST_TEST(refused.problem() == "unauthorized");
    otherOrder({"*.w.example.test"});
    // past the authorizations' 30 days
    BOOST_TEST(s.session.request("POST", s.server.managementUrl() + "/time-travel", R"({"advanceSeconds":2678400})",
                                 "application/json").status == 200);
    BOOST_TEST(tryRevoke().problem() == "unauthorized");
    otherOrder({"*.w.example.test", "plain.example.test"});
    BOOST_TEST(tryRevoke().status == 200);
    BOOST_TEST(s.management("/cert-status-by-serial/" + cert.serialHex()).find("\"Revoked\"") != std::string::npos);
}

// authzReusePercent: a valid authorization of the same account and name is
// handed out again; other accounts and wildcards get their own.
// RFC 8555 §7.4.1: newAuthz makes a pending authorization for one identifier;
// once valid, the account's next orders for it use it (no authorization
// reuse asked for); a wildcard, a blocked name, a jwk signature are refused;
// without the setting (and as pebble) there is no newAuthz.
BOOST_AUTO_TEST_CASE(pre_authorization_serves_the_next_orders) {
    MockAcmeConfig config = quietConfig();  // authzReusePercent 0
    config.orderReuse = false;  // a second order for names whose first is still open (Let's Encrypt would give the first back)
    Server s(config);
    s.login();
    const std::string newAuthz = s.session.dir("newAuthz");
    BOOST_TEST(newAuthz == s.session.dir("newOrder").substr(0, s.session.dir("newOrder").rfind('/')) + "/new-authz");
    const auto preauthorize = [&](const std::string& type, const std::string& value) {
        return s.session.post(newAuthz, s.account, s.kid,
                              R"({"identifier":{"type":")" + type + R"(","value":")" + value + R"("}})");
    };
    const Reply pre = preauthorize("dns", "pre.example.test");
    BOOST_REQUIRE_MESSAGE(pre.status == 201, pre.body);
    const std::string authzUrl = pre.header("Location");
    BOOST_TEST(authzUrl.find("/authZ/") != std::string::npos);
    BOOST_TEST(pre.str("status") == "pending");
    BOOST_TEST(!pre.json()->has("wildcard"));
    BOOST_TEST(pre.json()->getObject("identifier")->getValue<std::string>("value") == "pre.example.test");
    auto challenges = pre.json()->getArray("challenges");
    BOOST_TEST(challenges->size() == 3u);  // http-01, tls-alpn-01, dns-01

    // pending: an order gets an authorization of its own
    const Reply early = s.newOrder({"pre.example.test"});
    BOOST_REQUIRE(early.status == 201);
    BOOST_TEST(early.json()->getArray("authorizations")->getElement<std::string>(0) != authzUrl);
    // valid (validation skipped): the next order is ready at once, on the pre-authorization
    BOOST_REQUIRE(s.session.post(challenges->getObject(0)->getValue<std::string>("url"), s.account, s.kid, "{}").status == 200);
    BOOST_TEST(s.session.post(authzUrl, s.account, s.kid, "").str("status") == "valid");
    const Reply order = s.newOrder({"pre.example.test", "other.example.test"});
    BOOST_REQUIRE(order.status == 201);
    auto authzs = order.json()->getArray("authorizations");
    std::vector<std::string> urls{authzs->getElement<std::string>(0), authzs->getElement<std::string>(1)};
    BOOST_TEST(std::count(urls.begin(), urls.end(), authzUrl) == 1);
    const Reply single = s.newOrder({"pre.example.test"});
    BOOST_TEST(single.str("status") == "ready");
    const Reply done = s.finalize(single, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("pre.example.test")});
    BOOST_TEST(done.str("status") == "valid", done.body);
    // not for another account, nor for the wildcard of the name
    Server other;
    BOOST_TEST(other.newOrder({"pre.example.test"}).str("status") == "pending");
    BOOST_TEST(s.newOrder({"*.pre.example.test"}).str("status") == "pending");

    // an IP identifier: http-01 and tls-alpn-01
    const Reply ip = preauthorize("ip", "192.0.2.9");
    BOOST_REQUIRE_MESSAGE(ip.status == 201, ip.body);
    BOOST_TEST(ip.json()->getArray("challenges")->size() == 2u);
    // refused
    const Reply wildcard = preauthorize("dns", "*.pre.example.test");
    BOOST_TEST(wildcard.status == 400);
    BOOST_TEST(wildcard.problem() == "malformed");
    BOOST_TEST(wildcard.json()->getValue<std::string>("detail").find("wildcard cannot be pre-authorized") != std::string::npos);
    BOOST_TEST(preauthorize("dns", "bad_name.example.test").problem() == "rejectedIdentifier");
    // a name in another case is taken in lower case, as in newOrder
    const Reply upper = preauthorize("dns", "Upper.example.test");
    BOOST_TEST(upper.status == 201, upper.body);
    BOOST_TEST(upper.json()->getObject("identifier")->getValue<std::string>("value") == "upper.example.test");
    BOOST_TEST(preauthorize("email", "a@example.test").problem() == "unsupportedIdentifier");
    BOOST_TEST(s.session.post(newAuthz, s.account, s.kid, R"({"identifiers":[]})").problem() == "malformed");
    BOOST_TEST(s.session.post(newAuthz, s.account, "", R"({"identifier":{"type":"dns","value":"a.example.test"}})").problem() ==
               "malformed");  // jwk, not kid
    MockAcmeConfig blocking = quietConfig();
    blocking.blockedDomains = {"blocked.example.test"};
    Server blocked(blocking);
    blocked.login();
    const Reply refused = blocked.session.post(blocked.session.dir("newAuthz"), blocked.account, blocked.kid,
                                               R"({"identifier":{"type":"dns","value":"www.blocked.example.test"}})");
    BOOST_TEST(refused.problem() == "rejectedIdentifier");
    BOOST_TEST(refused.body.find("www.blocked.example.test") != std::string::npos, refused.body);

    // off: no newAuthz, and its path is not served
    MockAcmeConfig off = quietConfig();
    off.preAuthorization = false;
    Server without(off);
    BOOST_TEST(!without.session.get(without.server.directoryUrl()).json()->has("newAuthz"));
    const std::string path = newAuthz.substr(newAuthz.rfind('/'));
    const std::string base = without.server.directoryUrl().substr(0, without.server.directoryUrl().size() - 4);
    BOOST_TEST(without.session.post(base + path, without.account, without.login(),
                                    R"({"identifier":{"type":"dns","value":"a.example.test"}})").status == 404);
}

// RFC 9444 (ACME for subdomains), with MockAcmeConfig::subdomainAuth: the directory says
// subdomainAuthAllowed; the names of a newOrder that give an ancestorDomain share one
// authorization of it, with subdomainAuthAllowed and dns-01 alone; a pre-authorization
// that asks subdomainAuthAllowed serves the account's later orders for the names below
// it (not for names that only end in its letters, nor for another account), and lets the
// account revoke certificates for them. Without the setting, as at Let's Encrypt, both
// members are ignored.
BOOST_AUTO_TEST_CASE(subdomain_authorization_serves_the_names_below) {
    const auto orderWith = [](Server& s, const std::string& identifiers) {
        return s.session.post(s.session.dir("newOrder"), s.account, s.login(), R"({"identifiers":[)" + identifiers + "]}");
    };
    const auto challengeTypes = [](Server& s, const std::string& authzUrl) {
        const Reply authz = s.session.post(authzUrl, s.account, s.kid, "");
        std::vector<std::string> types;
        auto challenges = authz.json()->getArray("challenges");
        for (std::size_t i = 0; i < challenges->size(); ++i)
            types.push_back(challenges->getObject(static_cast<unsigned>(i))->getValue<std::string>("type"));
        return types;
    };
    const std::string belowExample =
        R"({"type":"dns","value":"a.example.test","ancestorDomain":"example.test"},)"
        R"({"type":"dns","value":"b.deep.example.test","ancestorDomain":"Example.test"},)"
        R"({"type":"dns","value":"*.w.example.test","ancestorDomain":"example.test"})";

    // off: ignored
    {
        Server off;
        BOOST_TEST(!off.session.get(off.server.directoryUrl()).json()->getObject("meta")->has("subdomainAuthAllowed"));
        const Reply order = orderWith(off, belowExample);
        BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
        BOOST_TEST(order.json()->getArray("authorizations")->size() == 3u);
        const Reply pre = off.session.post(off.session.dir("newAuthz"), off.account, off.kid,
                                           R"({"identifier":{"type":"dns","value":"example.test","subdomainAuthAllowed":true}})");
        BOOST_REQUIRE_MESSAGE(pre.status == 201, pre.body);
        BOOST_TEST(!pre.json()->has("subdomainAuthAllowed"));
        BOOST_TEST(pre.json()->getArray("challenges")->size() == 3u);
    }

    MockAcmeConfig config = quietConfig();  // authzReusePercent 0
    config.subdomainAuth = true;
    Server s(config);
    BOOST_TEST(detail::isTrue(*s.session.get(s.server.directoryUrl()).json()->getObject("meta"), "subdomainAuthAllowed"));

    // three names, one authorization of their ancestor
    const Reply order = orderWith(s, belowExample);
    BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
    auto authzs = order.json()->getArray("authorizations");
    BOOST_REQUIRE_MESSAGE(authzs->size() == 1u, order.body);
    const std::string ancestorAuthz = authzs->getElement<std::string>(0);
    const Reply authz = s.session.post(ancestorAuthz, s.account, s.kid, "");
    BOOST_TEST(authz.json()->getObject("identifier")->getValue<std::string>("value") == "example.test");
    BOOST_TEST(detail::isTrue(*authz.json(), "subdomainAuthAllowed"));
    BOOST_TEST(!authz.json()->has("wildcard"));
    BOOST_TEST((challengeTypes(s, ancestorAuthz) == std::vector<std::string>{"dns-01"}));
    auto names = order.json()->getArray("identifiers");
    BOOST_REQUIRE(names->size() == 3u);
    for (std::size_t i = 0; i < names->size(); ++i)  // the names ordered, without their ancestor
        BOOST_TEST(!names->getObject(static_cast<unsigned>(i))->has("ancestorDomain"));
    // an order made so is not given back (Let's Encrypt's order reuse), for an order of the same
    // names with or without their ancestor: each is a new one
    const Reply again = orderWith(s, belowExample);
    BOOST_REQUIRE(again.status == 201);
    BOOST_TEST(again.header("Location") != order.header("Location"));
    const Reply without = s.newOrder({"a.example.test", "b.deep.example.test", "*.w.example.test"});
    BOOST_REQUIRE(without.status == 201);
    BOOST_TEST(without.header("Location") != order.header("Location"));
    BOOST_TEST(without.json()->getArray("authorizations")->size() == 3u);
    s.authorize(order, "dns-01");
    const std::vector<Identifier> ids{Identifier::dns("a.example.test"), Identifier::dns("b.deep.example.test"),
                                      Identifier::dns("*.w.example.test")};
    const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), ids);
    BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
    const Certificate cert = Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
    BOOST_TEST(cert.subjectAltNames().size() == 3u);
    // the order's authorization is not a pre-authorization: a plain order of a name below gets its own
    const Reply plain = s.newOrder({"c.example.test"});
    BOOST_TEST(plain.str("status") == "pending");
    BOOST_TEST(plain.json()->getArray("authorizations")->getElement<std::string>(0) != ancestorAuthz);

    // a pre-authorization that asks for the names below
    const auto preauthorize = [&](Server& on, const std::string& identifier) {
        return on.session.post(on.session.dir("newAuthz"), on.account, on.login(), R"({"identifier":)" + identifier + "}");
    };
    const Reply pre = preauthorize(s, R"({"type":"dns","value":"corp.example.test","subdomainAuthAllowed":true})");
    BOOST_REQUIRE_MESSAGE(pre.status == 201, pre.body);
    const std::string preUrl = pre.header("Location");
    BOOST_TEST(detail::isTrue(*pre.json(), "subdomainAuthAllowed"));
    BOOST_TEST((challengeTypes(s, preUrl) == std::vector<std::string>{"dns-01"}));
    // one that does not ask is as before
    const Reply single = preauthorize(s, R"({"type":"dns","value":"single.example.test","subdomainAuthAllowed":false})");
    BOOST_TEST(!single.json()->has("subdomainAuthAllowed"));
    BOOST_TEST(single.json()->getArray("challenges")->size() == 3u);
    // pending: no use yet
    BOOST_TEST(s.newOrder({"x.corp.example.test"}).str("status") == "pending");
    BOOST_REQUIRE(s.session.post(s.session.post(preUrl, s.account, s.kid, "").json()->getArray("challenges")->getObject(0)->getValue<std::string>("url"),
                                 s.account, s.kid, "{}").status == 200);
    const Reply served = s.newOrder({"y.corp.example.test", "*.z.corp.example.test", "corp.example.test"});
    BOOST_REQUIRE_MESSAGE(served.status == 201, served.body);
    BOOST_TEST(served.str("status") == "ready");
    BOOST_REQUIRE(served.json()->getArray("authorizations")->size() == 1u);
    BOOST_TEST(served.json()->getArray("authorizations")->getElement<std::string>(0) == preUrl);
    // the wildcard of its own name too
    const Reply ownWildcard = s.newOrder({"*.corp.example.test"});
    BOOST_TEST(ownWildcard.str("status") == "ready");
    BOOST_TEST(ownWildcard.json()->getArray("authorizations")->getElement<std::string>(0) == preUrl);
    // and an order that names it as the ancestor
    const Reply named = orderWith(s, R"({"type":"dns","value":"v.corp.example.test","ancestorDomain":"corp.example.test"})");
    BOOST_TEST(named.str("status") == "ready");
    BOOST_TEST(named.json()->getArray("authorizations")->getElement<std::string>(0) == preUrl);
    // not a name that only ends in its letters, nor a name above, nor another account
    BOOST_TEST(s.newOrder({"xcorp.example.test"}).str("status") == "pending");
    BOOST_TEST(s.newOrder({"example.test"}).str("status") == "pending");
    const KeySigner second(PrivateKey::generate(KeyType::EcP256));
    const std::string secondKid = s.session.newAccount(second);
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), second, secondKid, Server::orderPayload({"y.corp.example.test"}))
                   .str("status") == "pending");

    // revocation: an account whose authorization of an ancestor serves every name may revoke
    const auto secondPreauthorizes = [&](const std::string& value) {
        const Reply p = s.session.post(s.session.dir("newAuthz"), second, secondKid,
                                       R"({"identifier":{"type":"dns","value":")" + value + R"(","subdomainAuthAllowed":true}})");
        BOOST_REQUIRE_MESSAGE(p.status == 201, p.body);
        const std::string challenge = p.json()->getArray("challenges")->getObject(0)->getValue<std::string>("url");
        BOOST_REQUIRE(s.session.post(challenge, second, secondKid, "{}").status == 200);
    };
    const std::string revoke = R"({"certificate":")" + Base64Url::encode(cert.toDer()) + R"("})";
    const auto secondRevokes = [&] { return s.session.post(s.session.dir("revokeCert"), second, secondKid, revoke); };
    secondPreauthorizes("deep.example.test");
    BOOST_TEST(secondRevokes().problem() == "unauthorized");  // deep.example.test is not above a.example.test
    secondPreauthorizes("example.test");
    BOOST_TEST(secondRevokes().status == 200);

    // refused
    const auto refusal = [&](const std::string& identifiers) { return orderWith(s, identifiers); };
    const Reply notAbove = refusal(R"({"type":"dns","value":"a.example.test","ancestorDomain":"other.test"})");
    BOOST_TEST(notAbove.problem() == "malformed");
    BOOST_TEST(notAbove.body.find(R"(ancestorDomain \"other.test\" is not a domain above \"a.example.test\")") != std::string::npos,
               notAbove.body);
    BOOST_TEST(refusal(R"({"type":"dns","value":"a.example.test","ancestorDomain":"a.example.test"})").problem() == "malformed");
    BOOST_TEST(refusal(R"({"type":"dns","value":"a.example.test","ancestorDomain":"xa.example.test"})").problem() == "malformed");
    BOOST_TEST(refusal(R"({"type":"dns","value":"aexample.test","ancestorDomain":"example.test"})").problem() == "malformed");
    BOOST_TEST(refusal(R"({"type":"dns","value":"a.example.test","ancestorDomain":7})").problem() == "malformed");
    BOOST_TEST(refusal(R"({"type":"dns","value":"a.example.test","ancestorDomain":"*.example.test"})").problem() == "malformed");
    BOOST_TEST(refusal(R"({"type":"ip","value":"192.0.2.1","ancestorDomain":"example.test"})").problem() == "malformed");
    const Reply badName = refusal(R"({"type":"dns","value":"a.bad_name.test","ancestorDomain":"bad_name.test"})");
    BOOST_TEST(badName.problem() == "rejectedIdentifier", badName.body);
    BOOST_TEST(refusal(R"({"type":"dns","value":"a.example.test","ancestorDomain":"example.test"},)"
                       R"({"type":"dns","value":"a.example.test","ancestorDomain":"deep.example.test"})")
                   .problem() == "malformed");
    BOOST_TEST(preauthorize(s, R"({"type":"dns","value":"example.test","subdomainAuthAllowed":"yes"})").problem() == "malformed");
    BOOST_TEST(preauthorize(s, R"({"type":"ip","value":"192.0.2.1","subdomainAuthAllowed":true})").problem() == "malformed");

    // with a public suffix list, a public suffix is no ancestor: refused as it would be ordered
    const test::TempDir dir;
    const std::string list = (dir.path / "list.dat").string();
    AtomicFile::write(list, "// ===BEGIN ICANN DOMAINS===\ntest\nco.test\n// ===END ICANN DOMAINS===\n", 0644);
    MockAcmeConfig suffixed = config;
    suffixed.publicSuffixList = list;
    Server p(suffixed);
    const Reply suffix = orderWith(p, R"({"type":"dns","value":"shop.co.test","ancestorDomain":"co.test"})");
    BOOST_TEST(suffix.problem() == "rejectedIdentifier", suffix.body);
    BOOST_TEST(suffix.body.find("co.test") != std::string::npos, suffix.body);
    const Reply registered = orderWith(p, R"({"type":"dns","value":"www.shop.co.test","ancestorDomain":"shop.co.test"})");
    BOOST_TEST(registered.status == 201, registered.body);
}

// forgetAfter and pre-authorizations: one no order used goes when an order of
// its age would; one an order used goes with that order; a younger one stays.
BOOST_AUTO_TEST_CASE(pre_authorizations_are_forgotten_with_the_orders_of_their_time) {
    test::TempDir dir;
    MockAcmeConfig config = quietConfig();
    config.forgetAfter = std::chrono::hours(1);
    config.persistFile = (dir.path / "state.sqlite").string();  // and across a restart
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    const auto preauthorize = [](Server& s, const std::string& name) {
        Reply r = s.session.post(s.session.dir("newAuthz"), s.account, s.login(),
                                 R"({"identifier":{"type":"dns","value":")" + name + R"("}})");
        BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
        return r;
    };
    const auto pathOf = [](const std::string& url) { return url.substr(url.find("/authZ/")); };
    std::string unused, used;
    {
        Server s(config, accountKey);
        unused = pathOf(preauthorize(s, "unused.example.test").header("Location"));
        const Reply made = preauthorize(s, "used.example.test");
        used = pathOf(made.header("Location"));
        BOOST_REQUIRE(s.session.post(made.json()->getArray("challenges")->getObject(0)->getValue<std::string>("url"), s.account,
                                     s.kid, "{}").status == 200);
        BOOST_REQUIRE(s.newOrder({"used.example.test"}).str("status") == "ready");  // on the pre-authorization
    }
    Server s(config, accountKey);  // restarted from the snapshot
    const Reply found = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})");
    s.kid = found.header("Location");
    const std::string base = s.server.directoryUrl().substr(0, s.server.directoryUrl().size() - 4);
    s.server.engine().timeTravel(std::chrono::seconds(1800));
    const std::string young = preauthorize(s, "young.example.test").header("Location");
    s.server.engine().timeTravel(std::chrono::seconds(1900));  // the first two are 3700 s old, the young one 1900 s
    BOOST_TEST(s.session.post(base + unused, s.account, s.kid, "").status == 200);  // forgetting happens at a newOrder
    BOOST_REQUIRE(s.newOrder({"trigger.example.test"}).status == 201);
    BOOST_TEST(s.session.post(base + unused, s.account, s.kid, "").status == 404);
    BOOST_TEST(s.session.post(base + used, s.account, s.kid, "").status == 404);  // with its order
    BOOST_TEST(s.session.post(young, s.account, s.kid, "").str("status") == "pending");
    const auto stats = s.session.get(s.server.managementUrl() + "/stats").json();
    BOOST_TEST(stats->getValue<long long>("authorizations") == 2);  // the young one and trigger's
    BOOST_TEST(stats->getValue<long long>("challenges") == 6);
}

BOOST_AUTO_TEST_CASE(valid_authorizations_are_reused_when_asked) {
    MockAcmeConfig config = quietConfig();
    config.orderReuse = false;  // a second order for names whose first is still open (Let's Encrypt would give the first back)
    config.authzReusePercent = 100;
    Server s(config);
    const Reply first = s.newOrder({"reuse.example.test"});
    s.authorize(first);
    const std::string authz = first.json()->getArray("authorizations")->getElement<std::string>(0);
    const Reply second = s.newOrder({"reuse.example.test"});
    BOOST_TEST(second.json()->getArray("authorizations")->getElement<std::string>(0) == authz);
    BOOST_TEST(second.str("status") == "ready");
    const Reply wildcard = s.newOrder({"*.reuse.example.test"});
    BOOST_TEST(wildcard.json()->getArray("authorizations")->getElement<std::string>(0) != authz);
    BOOST_TEST(wildcard.str("status") == "pending");
    const KeySigner other(PrivateKey::generate(KeyType::EcP256));
    const std::string otherKid = s.session.newAccount(other);
    const Reply theirs =
        s.session.post(s.session.dir("newOrder"), other, otherKid, Server::orderPayload({"reuse.example.test"}));
    BOOST_TEST(theirs.json()->getArray("authorizations")->getElement<std::string>(0) != authz);
    BOOST_TEST(theirs.str("status") == "pending");
    // without the knob every order gets a new authorization
    MockAcmeConfig plainConfig = quietConfig();
    plainConfig.orderReuse = false;
    Server plain(plainConfig);
    const Reply a = plain.newOrder({"reuse.example.test"});
    plain.authorize(a);
    const Reply b = plain.newOrder({"reuse.example.test"});
    BOOST_TEST(b.json()->getArray("authorizations")->getElement<std::string>(0) !=
               a.json()->getArray("authorizations")->getElement<std::string>(0));
    BOOST_TEST(b.str("status") == "pending");
}

// As Let's Encrypt (Boulder's GetOrderForNames): a newOrder for the identifiers
// (in any order or case, repeated or not), profile and requested validity of the
// account's pending or ready order gets that order back, 201 and its URL, across a
// restart too. A finished order, another account, profile or set of names, another
// validity, or `replaces` get a new one. pebble's way (orderReuse off): always new.
BOOST_AUTO_TEST_CASE(open_orders_are_given_back_for_the_same_names) {
    test::TempDir dir;
    MockAcmeConfig config = quietConfig();
    config.persistFile = (dir.path / "state.sqlite").string();
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    const auto orderPath = [](const Reply& order) { return order.header("Location").substr(order.header("Location").find("/my-order/")); };
    std::string kept;
    {
        Server s(config, accountKey);
        const Reply first = s.newOrder({"a.example.test", "b.example.test"});
        BOOST_REQUIRE(first.status == 201);
        const Reply again = s.newOrder({"B.example.test", "a.example.test", "a.example.test"});
        BOOST_TEST(again.status == 201);
        BOOST_TEST(orderPath(again) == orderPath(first));
        BOOST_TEST(again.json()->getArray("authorizations")->getElement<std::string>(1) ==
                   first.json()->getArray("authorizations")->getElement<std::string>(1));
        s.authorize(first);
        const Reply ready = s.newOrder({"a.example.test", "b.example.test"});
        BOOST_TEST(orderPath(ready) == orderPath(first));
        BOOST_TEST(ready.str("status") == "ready");

        BOOST_TEST(orderPath(s.newOrder({"a.example.test"})) != orderPath(first));  // another set
        BOOST_TEST(orderPath(s.newOrder({"a.example.test", "b.example.test"}, R"(,"profile":"shortlived")")) != orderPath(first));
        const std::string notAfter = formatRfc3339(std::chrono::system_clock::now() + std::chrono::hours(48));
        const Reply shorter = s.newOrder({"a.example.test", "b.example.test"}, R"(,"notAfter":")" + notAfter + "\"");
        BOOST_TEST(orderPath(shorter) != orderPath(first));
        BOOST_TEST(orderPath(s.newOrder({"a.example.test", "b.example.test"}, R"(,"notAfter":")" + notAfter + "\"")) ==
                   orderPath(shorter));  // the same validity: that one
        const KeySigner other(PrivateKey::generate(KeyType::EcP256));
        const std::string otherKid = s.session.newAccount(other);
        const Reply theirs =
            s.session.post(s.session.dir("newOrder"), other, otherKid, Server::orderPayload({"a.example.test", "b.example.test"}));
        BOOST_TEST(theirs.status == 201);
        BOOST_TEST(orderPath(theirs) != orderPath(first));

        // finished: a new one; and one that replaces a certificate is never given back
        const Reply done = s.finalize(first, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("a.example.test"), Identifier::dns("b.example.test")});
        BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
        const Reply next = s.newOrder({"a.example.test", "b.example.test"});
        BOOST_TEST(orderPath(next) != orderPath(first));
        BOOST_TEST(next.str("status") == "pending");
        const Certificate cert = Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
        const Reply renewal =
            s.newOrder({"a.example.test", "b.example.test"}, R"(,"replaces":")" + AcmeClient::renewalCertificateId(cert) + "\"");
        BOOST_TEST(renewal.status == 201, renewal.body);
        BOOST_TEST(orderPath(renewal) != orderPath(next));
        BOOST_TEST(orderPath(s.newOrder({"a.example.test", "b.example.test"})) == orderPath(next));
        kept = orderPath(next);
    }
    Server s(config, accountKey);  // restarted from the snapshot
    s.kid = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})").header("Location");
    BOOST_TEST(orderPath(s.newOrder({"b.example.test", "a.example.test"})) == kept);

    MockAcmeConfig pebbleLike = quietConfig();
    pebbleLike.orderReuse = false;
    Server p(pebbleLike);
    BOOST_TEST(orderPath(p.newOrder({"a.example.test"})) != orderPath(p.newOrder({"a.example.test"})));

    // an order given back counts under the new-orders limit as a new one
    MockAcmeConfig limited = quietConfig();
    limited.rateLimitOrders = 2;
    limited.rateLimitWindow = std::chrono::seconds(5430);  // as Go writes it: 1h30m30s
    Server l(limited);
    const Reply once = l.newOrder({"a.example.test"});
    BOOST_TEST(orderPath(l.newOrder({"a.example.test"})) == orderPath(once));
    const Reply third = l.newOrder({"a.example.test"});
    BOOST_TEST(third.problem() == "rateLimited");
    BOOST_TEST(third.str("detail").starts_with("too many new orders (2) from this account in the last 1h30m30s, retry after "),
               third.body);
    BOOST_TEST(third.str("detail").ends_with(" UTC: see https://letsencrypt.org/docs/rate-limits/#new-orders-per-account"),
               third.body);
}

// Let's Encrypt's profiles differ in their validation windows too (its
// profiles page): classic gives 7 days to validate and to finish an order and
// reuses a validation for 30 days, with 100 names an order; tlsserver and
// shortlived give an hour to validate, 8-hour orders, 7 hours of reuse and 25
// names. An order cannot outlive its authorizations, and a validation serves
// orders of its own profile only (both as Boulder); a pre-authorization
// serves any profile while its validation is recent enough for that profile.
// As Boulder, a validation is reused only for orders of its own profile, and only
// while an order made on it has time to be finished: an eighth of the profile's
// order lifetime, 1 to 24 hours. pebble's rules reuse any until it expires.
BOOST_AUTO_TEST_CASE(a_validation_near_its_end_is_not_reused) {
    using namespace std::chrono_literals;
    BOOST_TEST((MockAcmeConfig::reuseCutoff(24h * 7) == 21h));
    BOOST_TEST((MockAcmeConfig::reuseCutoff(8h) == 1h));
    BOOST_TEST((MockAcmeConfig::reuseCutoff(24h * 10) == 24h));
    for (const auto rules : {MockAcmeConfig::AuthorizationReuse::Boulder, MockAcmeConfig::AuthorizationReuse::Pebble}) {
        const bool boulder = rules == MockAcmeConfig::AuthorizationReuse::Boulder;
        testing::FakeClock clock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
        MockAcmeConfig config = quietConfig();
        config.authzReusePercent = 100;
        config.authorizationReuse = rules;
        config.orderReuse = false;  // a second order for names whose first is still open (Let's Encrypt would give the first back)
        Server s(config, PrivateKey::generate(KeyType::EcP256), &clock);
        s.login();
        const auto authzUrl = [](const Reply& order) { return order.json()->getArray("authorizations")->getElement<std::string>(0); };
        const auto reused = [&](const Reply& by, const std::string& name, const std::string& extra) {
            const Reply order = s.newOrder({name}, extra);
            BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
            return authzUrl(order) == authzUrl(by);
        };
        // a tlsserver validation (7 hours) and a classic one (30 days), both made now
        const Reply lean = s.newOrder({"cut.example.test"}, R"(,"profile":"tlsserver")");
        const Reply classic = s.newOrder({"long.example.test"});
        s.authorize(lean);
        s.authorize(classic);
        // another profile's: pebble's rules alone take it
        BOOST_TEST(reused(lean, "cut.example.test", "") == !boulder);
        clock.advance(6h - 1s);  // 1 h + 1 s left
        BOOST_TEST(reused(lean, "cut.example.test", R"(,"profile":"tlsserver")"));
        clock.advance(1s);  // an hour left: too little for Boulder
        BOOST_TEST(reused(lean, "cut.example.test", R"(,"profile":"tlsserver")") == !boulder);
        clock.advance(24h * 30 - 6h - 21h - 1s);  // classic: 21 h + 1 s left
        BOOST_TEST(reused(classic, "long.example.test", ""));
        clock.advance(1s);
        BOOST_TEST(reused(classic, "long.example.test", "") == !boulder);
        clock.advance(21h);  // expired: never
        BOOST_TEST(!reused(classic, "long.example.test", ""));
    }
}

BOOST_AUTO_TEST_CASE(each_profile_has_its_own_validation_windows) {
    using namespace std::chrono_literals;
    testing::FakeClock clock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    MockAcmeConfig config = quietConfig();
    config.orderReuse = false;  // a second order for names whose first is still open (Let's Encrypt would give the first back)
    config.authzReusePercent = 100;
    CertificateProfile quickProfile{"2-hour orders", 24h * 90};
    quickProfile.orderLifetime = 2h;
    quickProfile.authorizationLifetime = 24h;
    quickProfile.validAuthorizationLifetime = 48h;
    config.profiles["quick"] = quickProfile;
    Server s(config, PrivateKey::generate(KeyType::EcP256), &clock);
    s.login();
    const auto expires = [](const Reply& r) { return parseRfc3339(r.str("expires")).value(); };
    const auto authzUrl = [](const Reply& order) { return order.json()->getArray("authorizations")->getElement<std::string>(0); };
    const auto get = [&](const std::string& url) { return s.session.post(url, s.account, s.kid, ""); };
    const auto authz = [&](const Reply& order) { return get(authzUrl(order)); };
    const auto profile = [](const std::string& name) { return R"(,"profile":")" + name + "\""; };

    // classic: a week to validate and to finish; a validation then serves 30 days
    const TimePoint t0 = clock.now();
    const Reply classic = s.newOrder({"w.example.test"});
    BOOST_TEST((expires(classic) == t0 + 24h * 7));
    BOOST_TEST((expires(authz(classic)) == t0 + 24h * 7));
    clock.advance(1h);
    s.authorize(classic);
    BOOST_TEST((expires(authz(classic)) == t0 + 1h + 24h * 30));
    BOOST_TEST((expires(get(classic.header("Location"))) == t0 + 24h * 7));  // the order's own is kept

    // tlsserver: not the classic validation but a new authorization, an hour to validate it, and
    // the order cut to that hour
    const TimePoint t1 = clock.now();
    const Reply lean = s.newOrder({"w.example.test"}, profile("tlsserver"));
    BOOST_REQUIRE_MESSAGE(lean.status == 201, lean.body);
    BOOST_TEST(authzUrl(lean) != authzUrl(classic));
    BOOST_TEST(lean.str("status") == "pending");
    BOOST_TEST((expires(authz(lean)) == t1 + 1h));
    BOOST_TEST((expires(lean) == t1 + 1h));
    clock.advance(30min);
    s.authorize(lean);
    BOOST_TEST((expires(authz(lean)) == t1 + 30min + 7h));
    // the next tlsserver order reuses it and ends with it (its own 8 hours would outlive it)
    const Reply again = s.newOrder({"w.example.test"}, profile("tlsserver"));
    BOOST_TEST(authzUrl(again) == authzUrl(lean));
    BOOST_TEST(again.str("status") == "ready");
    BOOST_TEST((expires(again) == t1 + 30min + 7h));
    // (tlsserver's 8 hours never show: a reused authorization ends sooner. A profile whose
    // orders end first has its own order lifetime.)
    const TimePoint t2 = clock.now();
    const Reply quick = s.newOrder({"q.example.test"}, profile("quick"));
    BOOST_TEST((expires(quick) == t2 + 2h));
    BOOST_TEST((expires(authz(quick)) == t2 + 24h));
    s.authorize(quick);
    BOOST_TEST((expires(authz(quick)) == t2 + 48h));
    // 7 hours after its validation the tlsserver one is expired and not reused; classic's still is
    clock.advance(7h);
    BOOST_TEST(authz(lean).str("status") == "expired");
    const Reply late = s.newOrder({"w.example.test"}, profile("tlsserver"));
    BOOST_TEST(authzUrl(late) != authzUrl(lean));
    BOOST_TEST(late.str("status") == "pending");
    const Reply classicLate = s.newOrder({"w.example.test"});
    BOOST_TEST(authzUrl(classicLate) == authzUrl(classic));
    BOOST_TEST(classicLate.str("status") == "ready");
    // an hour left alone: the pending authorization expires, and the order with it
    clock.advance(1h + 1s);
    BOOST_TEST(authz(late).str("status") == "expired");
    BOOST_TEST(get(late.header("Location")).str("status") == "invalid");
    // 30 days after validation the classic one has expired too
    clock.advance(24h * 30);
    BOOST_TEST(authzUrl(s.newOrder({"w.example.test"})) != authzUrl(classic));

    // names: 25 under tlsserver and shortlived, 100 under classic; more is malformed (as Boulder)
    std::vector<std::string> names;
    names.reserve(101);
    for (int i = 0; i < 101; ++i) names.push_back("n" + std::to_string(i) + ".example.test");
    const auto first = [&](std::size_t n) { return std::vector<std::string>(names.begin(), names.begin() + static_cast<long>(n)); };
    BOOST_TEST(s.newOrder(first(25), profile("shortlived")).status == 201);
    const Reply over = s.newOrder(first(26), profile("tlsserver"));
    BOOST_TEST(over.problem() == "malformed");
    BOOST_TEST(over.str("detail").find("at most 25 identifiers, not 26") != std::string::npos, over.body);
    BOOST_TEST(s.newOrder(first(26)).status == 201);
    BOOST_TEST(s.newOrder(first(100)).status == 201);
    const Reply overClassic = s.newOrder(first(101));
    BOOST_TEST(overClassic.problem() == "malformed");
    BOOST_TEST(overClassic.str("detail").find("\"classic\" may have at most 100") != std::string::npos, overClassic.body);

    // a pre-authorization: a week while pending (the default profile's), then it serves a
    // tlsserver order for 7 hours after its validation and a classic one for 30 days
    const TimePoint t3 = clock.now();
    const Reply pre = s.session.post(s.session.dir("newAuthz"), s.account, s.kid,
                                     R"({"identifier":{"type":"dns","value":"pre.example.test"}})");
    BOOST_REQUIRE_MESSAGE(pre.status == 201, pre.body);
    BOOST_TEST((expires(pre) == t3 + 24h * 7));
    BOOST_REQUIRE(s.session.post(pre.json()->getArray("challenges")->getObject(0)->getValue<std::string>("url"), s.account, s.kid,
                                 "{}").status == 200);
    BOOST_TEST((expires(get(pre.header("Location"))) == t3 + 24h * 30));
    BOOST_TEST(authzUrl(s.newOrder({"pre.example.test"}, profile("tlsserver"))) == pre.header("Location"));
    clock.advance(7h + 1s);
    const Reply leanPre = s.newOrder({"pre.example.test"}, profile("tlsserver"));
    BOOST_TEST(authzUrl(leanPre) != pre.header("Location"));
    BOOST_TEST(leanPre.str("status") == "pending");
    BOOST_TEST(authzUrl(s.newOrder({"pre.example.test"})) == pre.header("Location"));
}

// An authorization's profile is kept across a restart: it still serves its own
// profile's orders and no other's. So are an authorization's subdomainAuthAllowed
// (RFC 9444: it serves a name below its own after the restart) and a renewal
// window's explanation.
BOOST_AUTO_TEST_CASE(authorization_profiles_subdomains_and_renewal_explanations_are_kept_across_a_restart) {
    test::TempDir dir;
    MockAcmeConfig config = quietConfig();
    config.authzReusePercent = 100;
    config.subdomainAuth = true;
    config.persistFile = (dir.path / "state.sqlite").string();
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    const auto authzPath = [](const Reply& order) {
        const std::string url = order.json()->getArray("authorizations")->getElement<std::string>(0);
        return url.substr(url.find("/authZ/"));
    };
    std::string lean, certId, team;
    {
        Server s(config, accountKey);
        const Reply order = s.newOrder({"kept.example.test"}, R"(,"profile":"tlsserver")");
        s.authorize(order);
        lean = authzPath(order);
        const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("kept.example.test")});
        BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
        const Certificate cert = Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
        certId = AcmeClient::renewalCertificateId(cert);
        // RFC 9444: an authorization that serves the names below its own
        const Reply below = s.session.post(s.session.dir("newOrder"), s.account, s.kid,
                                           R"({"identifiers":[{"type":"dns","value":"x.team.example.test","ancestorDomain":"team.example.test"}]})");
        s.authorize(below, "dns-01");
        team = authzPath(below);
        BOOST_REQUIRE(s.session.request("POST", s.server.managementUrl() + "/set-renewal-info",
                                        R"({"certID":")" + certId + R"(","start":"2026-02-01T00:00:00Z","end":"2026-02-02T00:00:00Z",)"
                                        R"("explanationURL":"https://ca.example.test/incidents/9"})", "application/json")
                          .status == 200);
    }
    Server s(config, accountKey);  // restarted from the snapshot
    s.kid = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})").header("Location");
    const Reply ari = s.session.get(s.session.dir("renewalInfo") + "/" + certId);
    BOOST_TEST(ari.str("explanationURL") == "https://ca.example.test/incidents/9");
    BOOST_TEST(ari.json()->getObject("suggestedWindow")->getValue<std::string>("start") == "2026-02-01T00:00:00Z");
    const Reply classic = s.newOrder({"kept.example.test"});
    BOOST_TEST(authzPath(classic) != lean);
    BOOST_TEST(classic.str("status") == "pending");
    const Reply again = s.newOrder({"kept.example.test"}, R"(,"profile":"tlsserver")");
    BOOST_TEST(authzPath(again) == lean);
    BOOST_TEST(again.str("status") == "ready");
    const Reply below = s.newOrder({"y.team.example.test"});
    BOOST_TEST(authzPath(below) == team);
    BOOST_TEST(below.str("status") == "ready");
    BOOST_TEST(detail::isTrue(*s.session.post(below.json()->getArray("authorizations")->getElement<std::string>(0), s.account, s.kid, "")
                                   .json(),
                              "subdomainAuthAllowed"));
}

// --duplicate-limit: as Let's Encrypt's limit on new certificates per exact
// set of identifiers (5 a week), counted across accounts, in any order of the
// names; a renewal in its certificate's ARI window is exempt and not counted.
BOOST_AUTO_TEST_CASE(duplicate_certificates_are_limited_per_exact_set_of_identifiers) {
    using namespace std::chrono_literals;
    testing::FakeClock clock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    MockAcmeConfig config = quietConfig();
    config.duplicateCertificateLimit = 2;
    Server s(config, PrivateKey::generate(KeyType::EcP256), &clock);
    const std::vector<Identifier> pair{Identifier::dns("a.example.test"), Identifier::dns("b.example.test")};
    const auto issue = [&](const Reply& order) {
        BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
        s.authorize(order);
        const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), pair);
        BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
        return Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
    };
    const Certificate first = issue(s.newOrder({"a.example.test", "b.example.test"}));
    issue(s.newOrder({"b.example.test", "a.example.test"}));
    const Reply third = s.newOrder({"a.example.test", "b.example.test"});
    BOOST_TEST(third.status == 429);
    BOOST_TEST(third.problem() == "rateLimited");
    // Let's Encrypt's words, with the time a client reads (the CA's clock, a week on)
    std::string weekOn = formatRfc3339(clock.now() + 7 * 24h);
    weekOn[10] = ' ';
    weekOn.pop_back();
    BOOST_TEST(third.str("detail") == "too many certificates (2) already issued for this exact set of identifiers in the last "
                                      "168h0m0s, retry after " + weekOn + " UTC: see "
                                      "https://letsencrypt.org/docs/rate-limits/#new-certificates-per-exact-set-of-identifiers");
    BOOST_TEST(third.header("Retry-After") == std::to_string(7 * 24 * 3600));
    const KeySigner other(PrivateKey::generate(KeyType::EcP256));  // another account: the same set, the same limit
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), other, s.session.newAccount(other),
                              Server::orderPayload({"b.example.test", "a.example.test"}))
                   .problem() == "rateLimited");
    BOOST_TEST(s.newOrder({"a.example.test"}).status == 201);  // another set
    // an ARI renewal: exempt, and not counted
    const std::string certId = AcmeClient::renewalCertificateId(first);
    BOOST_REQUIRE(s.session.request("POST", s.server.managementUrl() + "/set-renewal-info",
                                    R"({"certID":")" + certId + R"(","start":"2026-01-01T00:00:00Z","end":"2026-01-01T01:00:00Z"})",
                                    "application/json").status == 200);
    clock.advance(24h);
    issue(s.newOrder({"a.example.test", "b.example.test"}, R"(,"replaces":")" + certId + "\""));
    clock.advance(24h * 6 - 1s);
    BOOST_TEST(s.newOrder({"a.example.test", "b.example.test"}).header("Retry-After") == "1");
    clock.advance(1s);  // a week after the first two: one more, and then another (the renewal counted, it would be refused)
    issue(s.newOrder({"a.example.test", "b.example.test"}));
    BOOST_TEST(s.newOrder({"a.example.test", "b.example.test"}).status == 201);
    // the set's count goes once it counts nothing for a window (a few at each newOrder)
    const auto limitEntries = [&] {
        return s.session.get(s.server.managementUrl() + "/stats").json()->getValue<long long>("limitEntries");
    };
    BOOST_TEST(limitEntries() == 1);
    clock.advance(24h * 7 - 1s);
    BOOST_TEST(s.newOrder({"c.example.test"}).status == 201);
    BOOST_TEST(limitEntries() == 1);
    clock.advance(1s);
    BOOST_TEST(s.newOrder({"c.example.test"}).status == 201);
    BOOST_TEST(limitEntries() == 0);
}

// --domain-limit: as Let's Encrypt's limit on new certificates per registered
// domain (50 a week), across accounts: a name counts by its public suffix and
// one label (the default rule here: no list), an IPv4 address as its /32, an
// IPv6 one as its /64. A renewal (the exact set issued in the last 120 days)
// is exempt and not counted.
BOOST_AUTO_TEST_CASE(certificates_are_limited_per_registered_domain) {
    using namespace std::chrono_literals;
    testing::FakeClock clock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    MockAcmeConfig config = quietConfig();
    config.registeredDomainLimit = 2;
    Server s(config, PrivateKey::generate(KeyType::EcP256), &clock);
    const auto issue = [&](const std::vector<std::string>& names, const std::string& extra = "") {
        const Reply order = s.newOrder(names, extra);
        BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
        s.authorize(order);
        std::vector<Identifier> ids;
        ids.reserve(names.size());
        for (const auto& n : names) ids.push_back(ServerName::isIpAddress(n) ? Identifier::ip(n) : Identifier::dns(n));
        const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), ids);
        BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
    };
    const auto words = [&](const std::string& domain, Duration wait) {
        std::string when = formatRfc3339(clock.now() + wait);
        when[10] = ' ';
        when.pop_back();
        return "too many certificates (2) already issued for \"" + domain + "\" in the last 168h0m0s, retry after " + when +
               " UTC: see https://letsencrypt.org/docs/rate-limits/#new-certificates-per-registered-domain";
    };
    const TimePoint start = clock.now();
    issue({"a.example.test"});
    clock.advance(1h);
    issue({"a.example.test"});  // a renewal: not counted, so the next one still fits
    clock.advance(1h);
    issue({"b.shop.example.test", "c.example.test"});  // one certificate, counted once
    const Reply refused = s.newOrder({"d.example.test"});
    BOOST_TEST(refused.status == 429);
    BOOST_TEST(refused.problem() == "rateLimited");
    BOOST_TEST(refused.str("detail") == words("example.test", 7 * 24h - 2h));
    BOOST_TEST(refused.header("Retry-After") == std::to_string((7 * 24 - 2) * 3600));
    BOOST_TEST(s.newOrder({"*.example.test"}).problem() == "rateLimited");  // a wildcard by its base
    BOOST_TEST(s.newOrder({"x.other.test", "D.Example.Test"}).problem() == "rateLimited");  // one name is enough
    const KeySigner other(PrivateKey::generate(KeyType::EcP256));  // another account: the same domain, the same limit
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), other, s.session.newAccount(other),
                              Server::orderPayload({"e.example.test"}))
                   .problem() == "rateLimited");
    BOOST_TEST(s.newOrder({"a.example.test"}).status == 201);  // renewals go on
    BOOST_TEST(s.newOrder({"c.example.test", "b.shop.example.test"}).status == 201);  // in any order
    // two domains at their limit: the one waited for longest is named
    clock.advance(1h);
    issue({"x.other.test"});
    issue({"y.other.test"});
    const Reply both = s.newOrder({"d.example.test", "z.other.test"});
    BOOST_TEST(both.str("detail") == words("other.test", 7 * 24h));
    BOOST_TEST(both.header("Retry-After") == std::to_string(7 * 24 * 3600));
    // addresses: an IPv6 one by its /64, an IPv4 one alone
    issue({"2001:db8::1"}, R"(,"profile":"shortlived")");
    issue({"2001:db8::2", "192.0.2.1"}, R"(,"profile":"shortlived")");
    const Reply prefix = s.newOrder({"2001:db8::3"}, R"(,"profile":"shortlived")");
    BOOST_TEST(prefix.str("detail") == words("2001:db8::/64", 7 * 24h));
    BOOST_TEST(s.newOrder({"2001:db8:0:1::1"}, R"(,"profile":"shortlived")").status == 201);
    BOOST_TEST(s.newOrder({"192.0.2.2"}, R"(,"profile":"shortlived")").status == 201);
    // a week after the first: example.test's first certificate counts no more
    clock.advance(start + 7 * 24h - clock.now() - 1s);
    BOOST_TEST(s.newOrder({"d.example.test"}).status == 429);
    clock.advance(1s);
    issue({"d.example.test"});
    BOOST_TEST(s.newOrder({"f.example.test"}).status == 429);
    // a set last issued over 120 days ago is no renewal: limited again
    clock.advance(start + 120 * 24h + 1h - clock.now());
    issue({"g.example.test"});
    issue({"h.example.test"});
    BOOST_TEST(s.newOrder({"g.example.test"}).status == 201);  // within 120 days
    BOOST_TEST(s.newOrder({"a.example.test"}).str("detail") == words("example.test", 7 * 24h));
    // what the limit counts goes once it counts nothing for a window (a few at each newOrder)
    const auto limitEntries = [&] {
        return s.session.get(s.server.managementUrl() + "/stats").json()->getValue<long long>("limitEntries");
    };
    BOOST_TEST(limitEntries() > 0);
    clock.advance(24h * 130);
    BOOST_TEST(s.newOrder({"i.example.test"}).status == 201);
    BOOST_TEST(limitEntries() == 0);
}

// --registration-limit: as Let's Encrypt's limit on new accounts per IP
// address (10 every 3 hours); finding an account is not making one.
BOOST_AUTO_TEST_CASE(new_accounts_are_limited_per_client_address) {
    using namespace std::chrono_literals;
    testing::FakeClock clock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    MockAcmeConfig config = quietConfig();
    config.registrationLimit = 2;
    Server s(config, PrivateKey::generate(KeyType::EcP256), &clock);
    const auto signUp = [&](const ISigner& key, const std::string& payload = R"({"termsOfServiceAgreed":true})") {
        return s.session.post(s.session.dir("newAccount"), key, "", payload);
    };
    BOOST_TEST(signUp(s.account).status == 201);
    clock.advance(1h);
    const KeySigner second(PrivateKey::generate(KeyType::EcP256)), third(PrivateKey::generate(KeyType::EcP256));
    BOOST_TEST(signUp(second).status == 201);
    const Reply refused = signUp(third);
    BOOST_TEST(refused.status == 429);
    BOOST_TEST(refused.problem() == "rateLimited");
    std::string when = formatRfc3339(clock.now() + 2h);
    when[10] = ' ';
    when.pop_back();
    BOOST_TEST(refused.str("detail") == "too many new registrations (2) from this IP address in the last 3h0m0s, retry after " +
                                            when + " UTC: see https://letsencrypt.org/docs/rate-limits/#new-registrations-per-ip-address");
    BOOST_TEST(refused.header("Retry-After") == std::to_string(2 * 3600));
    BOOST_TEST(signUp(s.account).status == 200);  // an existing account is found, not made
    BOOST_TEST(signUp(third, R"({"onlyReturnExisting":true})").problem() == "accountDoesNotExist");
    BOOST_TEST(signUp(third, "{}").problem() == "userActionRequired");  // refused for its own reason first, and not counted
    clock.advance(2h);  // the first account leaves the window
    BOOST_TEST(signUp(third).status == 201);
    BOOST_TEST(signUp(KeySigner(PrivateKey::generate(KeyType::EcP256))).status == 429);
    // the address's count goes once it counts nothing for a window
    const auto limitEntries = [&] {
        return s.session.get(s.server.managementUrl() + "/stats").json()->getValue<long long>("limitEntries");
    };
    BOOST_TEST(limitEntries() == 1);
    clock.advance(3h);
    BOOST_TEST(signUp(KeySigner(PrivateKey::generate(KeyType::EcP256))).status == 201);
    BOOST_TEST(limitEntries() == 1);
    clock.advance(3h);
    BOOST_TEST(s.newOrder({"a.example.test"}).status == 201);  // a few stale counts go at each newOrder
    BOOST_TEST(limitEntries() == 0);
}

// Let's Encrypt's 500 accounts per IPv6 /48 every 3 hours: a server on ::1
// counts its clients by "::/48"; an IPv4 client is not counted by it.
BOOST_AUTO_TEST_CASE(new_accounts_are_limited_per_ipv6_range) {
    using namespace std::chrono_literals;
    testing::FakeClock clock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    MockAcmeConfig config = quietConfig();
    config.listenHost = "::1";
    config.registrationRangeLimit = 2;
    Server s(config, PrivateKey::generate(KeyType::EcP256), &clock);
    BOOST_REQUIRE(s.session.dir("newAccount").starts_with("https://[::1]:"));
    const auto signUp = [&](Server& server, const ISigner& key) {
        return server.session.post(server.session.dir("newAccount"), key, "", R"({"termsOfServiceAgreed":true})");
    };
    const auto fresh = [] { return KeySigner(PrivateKey::generate(KeyType::EcP256)); };
    BOOST_TEST(signUp(s, s.account).status == 201);
    clock.advance(1h);
    BOOST_TEST(signUp(s, fresh()).status == 201);
    const Reply refused = signUp(s, fresh());
    BOOST_TEST(refused.status == 429);
    BOOST_TEST(refused.problem() == "rateLimited");
    std::string when = formatRfc3339(clock.now() + 2h);
    when[10] = ' ';
    when.pop_back();
    BOOST_TEST(refused.str("detail") == "too many new registrations (2) from this /48 subnet of IPv6 addresses in the last 3h0m0s, "
                                        "retry after " + when + " UTC: see https://letsencrypt.org/docs/rate-limits/#new-registrations-per-ipv6-range");
    BOOST_TEST(refused.header("Retry-After") == std::to_string(2 * 3600));
    BOOST_TEST(signUp(s, s.account).status == 200);  // found, not made
    clock.advance(2h);
    BOOST_TEST(signUp(s, fresh()).status == 201);
    // the address's own limit, when both are set, is met first
    config.registrationLimit = 1;
    config.registrationRangeLimit = 5;
    Server both(config, PrivateKey::generate(KeyType::EcP256), &clock);
    BOOST_TEST(signUp(both, both.account).status == 201);
    BOOST_TEST(signUp(both, fresh()).str("detail").starts_with("too many new registrations (1) from this IP address "));
    // a server on 127.0.0.1: IPv4 clients are not counted by the range limit
    config.listenHost = "127.0.0.1";
    config.registrationLimit = 0;
    config.registrationRangeLimit = 1;
    Server v4(config, PrivateKey::generate(KeyType::EcP256), &clock);
    for (int i = 0; i < 3; ++i) BOOST_TEST(signUp(v4, fresh()).status == 201);
    const auto limitEntries = [&](Server& server) {
        return server.session.get(server.server.managementUrl() + "/stats").json()->getValue<long long>("limitEntries");
    };
    BOOST_TEST(limitEntries(v4) == 0);
    BOOST_TEST(limitEntries(s) == 1);  // "::/48"
    clock.advance(4h);
    BOOST_TEST(signUp(s, fresh()).status == 201);  // the stale count goes, a new one comes
    BOOST_TEST(limitEntries(s) == 1);
}

BOOST_AUTO_TEST_CASE(key_rollover) {
    Server s;
    const std::string kid = s.login();
    const KeySigner newKey(PrivateKey::generate(KeyType::EcP384));
    const std::string url = s.session.dir("keyChange");
    Poco::JSON::Object innerHeader;
    innerHeader.set("jwk", newKey.publicJwk().toObject());
    innerHeader.set("url", url);
    const std::string innerPayload = R"({"account":")" + kid + R"(","oldKey":)" + s.account.publicJwk().toJson() + "}";
    const FlattenedJws inner = FlattenedJws::sign(newKey, innerHeader, innerPayload);
    const Reply r = s.session.post(url, s.account, kid, inner.toJson());
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    // the new key works, the old one no longer does
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), newKey, kid, Server::orderPayload({"k.example.test"})).status == 201);
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), s.account, kid, Server::orderPayload({"k.example.test"})).problem() ==
               "malformed");
    const Reply found = s.session.post(s.session.dir("newAccount"), newKey, "", R"({"onlyReturnExisting":true})");
    BOOST_TEST(found.header("Location") == kid);
    // an inner JWS signed by the wrong key
    const FlattenedJws forged = FlattenedJws::sign(s.account, innerHeader, innerPayload);
    BOOST_TEST(s.session.post(url, newKey, kid, forged.toJson()).problem() == "malformed");

    // RFC 8555 §7.3.5: rolling over onto a key another account has is a 409
    // naming that account, and changes nothing
    const KeySigner otherKey(PrivateKey::generate(KeyType::EcP256));
    const std::string otherKid = s.session.newAccount(otherKey);
    Poco::JSON::Object takenHeader;
    takenHeader.set("jwk", otherKey.publicJwk().toObject());
    takenHeader.set("url", url);
    const std::string takenPayload = R"({"account":")" + kid + R"(","oldKey":)" + newKey.publicJwk().toJson() + "}";
    const Reply taken = s.session.post(url, newKey, kid, FlattenedJws::sign(otherKey, takenHeader, takenPayload).toJson());
    BOOST_TEST(taken.status == 409);
    BOOST_TEST(taken.problem() == "malformed");
    BOOST_TEST(taken.header("Location") == otherKid);
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), newKey, kid, Server::orderPayload({"k.example.test"})).status == 201);
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), otherKey, otherKid, Server::orderPayload({"k.example.test"})).status == 201);

    // an inner JWS with an algorithm the server does not take: badSignatureAlgorithm
    // listing the ones it does (RFC 8555 §6.2), and the account keeps its key
    const KeySigner stranger(PrivateKey::generate(KeyType::EcP256));
    for (const std::string alg : {"none", "HS256"}) {
        Poco::JSON::Object header;
        header.set("alg", alg);
        header.set("jwk", stranger.publicJwk().toObject());
        header.set("url", url);
        std::ostringstream text;
        header.stringify(text);
        const std::string payload = R"({"account":")" + kid + R"(","oldKey":)" + newKey.publicJwk().toJson() + "}";
        const Reply refused = s.session.post(url, newKey, kid,
                                             R"({"protected":")" + Base64Url::encode(text.str()) + R"(","payload":")" +
                                                 Base64Url::encode(payload) + R"(","signature":"AAAA"})");
        BOOST_TEST(refused.problem() == "badSignatureAlgorithm", refused.body);
        BOOST_TEST(refused.str("detail").find("\"" + alg + "\"") != std::string::npos, refused.body);
        BOOST_TEST(refused.json()->getArray("algorithms")->size() == 4u);
    }
    BOOST_TEST(s.session.post(s.session.dir("newOrder"), newKey, kid, Server::orderPayload({"k.example.test"})).status == 201);
}

// RFC 8555 §7.3.5: the inner JWS must be one, carry the new key as "jwk" and
// neither "kid" nor a nonce, name the keyChange URL, and say the account and its
// key; anything else is refused with its problem, and the account keeps its key.
BOOST_AUTO_TEST_CASE(key_rollover_refuses_every_inner_jws_the_rfc_does_not_allow) {
    Server s;
    const std::string kid = s.login();
    const KeySigner newKey(PrivateKey::generate(KeyType::EcP256));
    const std::string url = s.session.dir("keyChange");
    const std::string goodPayload = R"({"account":")" + kid + R"(","oldKey":)" + s.account.publicJwk().toJson() + "}";
    const auto innerWith = [&](const std::function<void(Poco::JSON::Object&)>& change, const std::string& payload) {
        Poco::JSON::Object header;
        header.set("jwk", newKey.publicJwk().toObject());
        header.set("url", url);
        change(header);
        return FlattenedJws::sign(newKey, header, payload).toJson();
    };
    const auto refused = [&](const std::string& inner, const std::string& type, const std::string& detail) {
        BOOST_TEST_CONTEXT(detail) {
            const Reply r = s.session.post(url, s.account, kid, inner);
            BOOST_TEST(r.status == 400);
            BOOST_TEST(r.problem() == type, r.body);
            BOOST_TEST(r.body.find(detail) != std::string::npos, r.body);
        }
    };
    const auto same = [](Poco::JSON::Object&) {};
    refused(R"({"protected":1,"payload":"","signature":""})", "malformed", "inner JWS");
    refused(innerWith([&](Poco::JSON::Object& h) { h.set("kid", kid); }, goodPayload), "malformed", "no \\\"kid\\\"");
    refused(innerWith([](Poco::JSON::Object& h) { h.remove("jwk"); }, goodPayload), "malformed", "must have \\\"jwk\\\"");
    refused(innerWith([](Poco::JSON::Object& h) { h.set("nonce", "abc"); }, goodPayload), "malformed", "must not have a nonce");
    refused(innerWith([](Poco::JSON::Object& h) { h.set("jwk", "a key"); }, goodPayload), "malformed", "is not an object");
    refused(innerWith([](Poco::JSON::Object& h) {
                Poco::JSON::Object::Ptr jwk = new Poco::JSON::Object;
                jwk->set("kty", "EC");
                jwk->set("crv", "P-256");
                jwk->set("x", "AAAA");
                jwk->set("y", "AAAA");
                h.set("jwk", jwk);
            }, goodPayload),
            "badPublicKey", "32 bytes");
    refused(innerWith([&](Poco::JSON::Object& h) { h.set("url", s.session.dir("newOrder")); }, goodPayload), "malformed",
            "url differs");
    refused(innerWith([](Poco::JSON::Object& h) { h.remove("url"); }, goodPayload), "malformed", "url");
    const KeySigner stranger(PrivateKey::generate(KeyType::EcP256));
    const std::string strangerKid = s.session.newAccount(stranger);
    refused(innerWith(same, R"({"account":")" + strangerKid + R"(","oldKey":)" + s.account.publicJwk().toJson() + "}"),
            "malformed", "names another account");
    refused(innerWith(same, R"({"account":")" + kid + R"(","oldKey":)" + stranger.publicJwk().toJson() + "}"), "malformed",
            "oldKey is not the account's key");
    refused(innerWith(same, R"({"account":")" + kid + R"("})"), "malformed", "oldKey is not the account's key");
    refused(innerWith(same, R"({"oldKey":)" + s.account.publicJwk().toJson() + "}"), "malformed", "account");
    refused(innerWith(same, "not json"), "malformed", "inner payload");
    // the account still has its own key, and the new one is nobody's
    BOOST_TEST(s.newOrder({"still.example.test"}).status == 201);
    BOOST_TEST(s.session.post(s.session.dir("newAccount"), newKey, "", R"({"onlyReturnExisting":true})").problem() ==
               "accountDoesNotExist");
    BOOST_TEST(s.session.post(url, s.account, kid, innerWith(same, goodPayload)).status == 200);
}

// Let's Encrypt's profiles differ in what the certificate carries: classic
// has a common name (the CSR's, when it is one of the names), a subject key
// identifier and, for RSA, keyEncipherment (and no clientAuth since
// February 2026); tlsserver and shortlived have none of them; classic lasts
// 90 days, tlsserver 45 (since May 2026), shortlived 160 hours.
BOOST_AUTO_TEST_CASE(profiles_shape_the_certificate) {
    Server s;
    const auto profiles = s.session.get(s.server.directoryUrl()).json()->getObject("meta")->getObject("profiles");
    BOOST_TEST(profiles->size() == 3u);
    BOOST_TEST((profiles->has("classic") && profiles->has("tlsserver") && profiles->has("shortlived")));
    const PrivateKey key = PrivateKey::generate(KeyType::Rsa2048);
    // a CSR for a.example.test and b.example.test whose common name is the second
    const std::vector<Identifier> ids{Identifier::dns("a.example.test"), Identifier::dns("b.example.test")};
    cxxacme::detail::X509ReqPtr req(X509_REQ_dup(CertificateSigningRequest::create(key, ids).native()));
    BOOST_REQUIRE(req);
    X509_NAME* subject = X509_REQ_get_subject_name(req.get());
    while (X509_NAME_entry_count(subject) > 0) X509_NAME_ENTRY_free(X509_NAME_delete_entry(subject, 0));
    BOOST_REQUIRE(X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                             reinterpret_cast<const unsigned char*>("B.example.test"), -1, -1, 0) == 1);
    BOOST_REQUIRE(X509_REQ_sign(req.get(), key.native(), EVP_sha256()) > 0);
    const std::string csr = cxxacme::detail::derOf(i2d_X509_REQ, req.get(), "i2d_X509_REQ");
    const auto issue = [&](const std::string& profile) {
        const Reply order = s.newOrder({"a.example.test", "b.example.test"}, profile.empty() ? "" : R"(,"profile":")" + profile + "\"");
        BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
        s.authorize(order);
        const Reply done = s.session.post(order.str("finalize"), s.account, s.kid, R"({"csr":")" + Base64Url::encode(csr) + R"("})");
        BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
        return Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
    };
    const auto commonName = [](const Certificate& c) {
        const int i = X509_NAME_get_index_by_NID(X509_get_subject_name(c.native()), NID_commonName, -1);
        if (i < 0) return std::string();
        const ASN1_STRING* v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(X509_get_subject_name(c.native()), i));
        return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)), static_cast<std::size_t>(ASN1_STRING_length(v)));
    };
    const auto hours = [](const Certificate& c) { return std::chrono::duration_cast<std::chrono::hours>(c.notAfter() - c.notBefore()).count(); };

    for (const std::string profile : {"", "classic"}) {  // the default is classic
        const Certificate classic = issue(profile);
        BOOST_TEST(commonName(classic) == "b.example.test");  // the CSR's, folded to lower case
        BOOST_TEST(X509_get0_subject_key_id(classic.native()) != nullptr);
        BOOST_TEST((X509_get_extended_key_usage(classic.native()) & (XKU_SSL_SERVER | XKU_SSL_CLIENT)) == XKU_SSL_SERVER);
        BOOST_TEST((X509_get_key_usage(classic.native()) & KU_KEY_ENCIPHERMENT) != 0u);
        BOOST_TEST(hours(classic) == 90 * 24);
    }
    for (const std::string profile : {"tlsserver", "shortlived"}) {
        const Certificate lean = issue(profile);
        BOOST_TEST(X509_NAME_entry_count(X509_get_subject_name(lean.native())) == 0);
        BOOST_TEST(X509_EXTENSION_get_critical(X509_get_ext(lean.native(), X509_get_ext_by_NID(lean.native(), NID_subject_alt_name, -1))) == 1);
        BOOST_TEST(lean.subjectAltNames().size() == 2u);
        BOOST_TEST(X509_get0_subject_key_id(lean.native()) == nullptr);
        BOOST_TEST((X509_get_extended_key_usage(lean.native()) & (XKU_SSL_SERVER | XKU_SSL_CLIENT)) == XKU_SSL_SERVER);
        BOOST_TEST((X509_get_key_usage(lean.native()) & KU_KEY_ENCIPHERMENT) == 0u);
        BOOST_TEST(hours(lean) == (profile == "shortlived" ? 160 : 45 * 24));
        // and it still verifies against the root
        BOOST_CHECK_NO_THROW(lean.verifyChain({Certificate::fromPem(s.management("/intermediates/0"))},
                                              {Certificate::fromPem(s.management("/roots/0"))}));
    }

    // clientAuth back on request, as Let's Encrypt's tlsclient profile had it until July 2026
    MockAcmeConfig config = quietConfig();
    config.profiles["tlsclient"] = {"with clientAuth", std::chrono::hours(24 * 90), MockAcmeConfig::kPebbleLeaf};
    Server withClientAuth(config);
    const Reply order = withClientAuth.newOrder({"c.example.test"}, R"(,"profile":"tlsclient")");
    BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
    withClientAuth.authorize(order);
    const Reply done = withClientAuth.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("c.example.test")});
    BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
    const Certificate client =
        Certificate::chainFromPem(withClientAuth.session.post(done.str("certificate"), withClientAuth.account, withClientAuth.kid, "").body).at(0);
    BOOST_TEST((X509_get_extended_key_usage(client.native()) & (XKU_SSL_SERVER | XKU_SSL_CLIENT)) == (XKU_SSL_SERVER | XKU_SSL_CLIENT));
}

// OCSP Must-Staple (RFC 7633's TLS feature extension with status_request):
// refused with badCSR by default, as Let's Encrypt has since it stopped
// answering OCSP, the order staying ready; copied, non-critical, when the CA
// is told to (as pebble does), and any other TLS feature refused either way.
BOOST_AUTO_TEST_CASE(must_staple_is_refused_or_copied_as_configured) {
    const std::vector<Identifier> ids{Identifier::dns("staple.example.test")};
    const auto finalizeWith = [&](Server& s, const Reply& order, const std::vector<test::ExtraExtension>& extra) {
        const std::string csr = test::csrWithExtensions(PrivateKey::generate(KeyType::EcP256), ids, extra);
        return s.session.post(order.str("finalize"), s.account, s.kid, R"({"csr":")" + Base64Url::encode(csr) + R"("})");
    };
    const auto tlsFeatureOf = [](const Certificate& c) -> std::optional<std::pair<int, std::string>> {
        const int at = X509_get_ext_by_NID(c.native(), NID_tlsfeature, -1);
        if (at < 0) return std::nullopt;
        BOOST_TEST(X509_get_ext_by_NID(c.native(), NID_tlsfeature, at) < 0);  // once
        X509_EXTENSION* e = X509_get_ext(c.native(), at);
        const ASN1_OCTET_STRING* d = X509_EXTENSION_get_data(e);
        return std::pair{X509_EXTENSION_get_critical(e),
                         std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(d)), static_cast<std::size_t>(ASN1_STRING_length(d)))};
    };
    const auto certificateOf = [](Server& s, const Reply& done) {
        BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
        return Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
    };
    {
        Server s;  // the default: refuse
        const Reply order = s.newOrder({"staple.example.test"});
        s.authorize(order);
        const Reply refused = finalizeWith(s, order, {test::tlsFeatureExtension({5})});
        BOOST_TEST(refused.problem() == "badCSR");
        BOOST_TEST(refused.str("detail").find("OCSP Must-Staple") != std::string::npos, refused.body);
        BOOST_TEST(s.session.post(order.header("Location"), s.account, s.kid, "").str("status") == "ready");
        const Reply other = finalizeWith(s, order, {test::tlsFeatureExtension({17})});
        BOOST_TEST(other.problem() == "badCSR");
        BOOST_TEST(other.str("detail").find("TLS feature 17") != std::string::npos, other.body);
        const Reply broken = finalizeWith(s, order, {{"1.3.6.1.5.5.7.1.24", false, std::string("\x04\x01\x05", 3)}});
        BOOST_TEST(broken.problem() == "badCSR");
        BOOST_TEST(broken.str("detail").find("unreadable TLS feature") != std::string::npos, broken.body);
        BOOST_TEST(!tlsFeatureOf(certificateOf(s, finalizeWith(s, order, {}))));
    }
    {
        MockAcmeConfig config = quietConfig();
        config.mustStaple = MockAcmeConfig::MustStaple::Copy;
        Server s(config);
        const Reply order = s.newOrder({"staple.example.test"});
        s.authorize(order);
        const Reply other = finalizeWith(s, order, {test::tlsFeatureExtension({5, 17})});
        BOOST_TEST(other.problem() == "badCSR");
        BOOST_TEST(other.str("detail").find("TLS feature 17") != std::string::npos, other.body);
        // asked for critical, twice over in one extension: copied once, non-critical, as status_request alone
        const Certificate stapled = certificateOf(s, finalizeWith(s, order, {{"1.3.6.1.5.5.7.1.24", true, std::string("\x30\x06\x02\x01\x05\x02\x01\x05", 8)}}));
        const auto feature = tlsFeatureOf(stapled);
        BOOST_REQUIRE(feature.has_value());
        BOOST_TEST(feature->first == 0);
        BOOST_TEST(feature->second == test::tlsFeatureExtension({5}).der);
        BOOST_CHECK_NO_THROW(stapled.verifyChain({Certificate::fromPem(s.management("/intermediates/0"))},
                                                 {Certificate::fromPem(s.management("/roots/0"))}));
        // a CSR that does not ask gets none
        const Reply second = s.newOrder({"staple.example.test"});
        s.authorize(second);
        BOOST_TEST(!tlsFeatureOf(certificateOf(s, finalizeWith(s, second, {}))));
    }
}

// A profile may issue for dns or ip identifiers alone. As at Let's Encrypt, the
// built-in classic and tlsserver issue for DNS names only and shortlived for IP
// addresses too; an order naming another kind is refused, each identifier in its
// own subproblem naming the profiles that would take it, and nothing is made.
BOOST_AUTO_TEST_CASE(a_profile_refuses_identifier_types_it_does_not_issue_for) {
    MockAcmeConfig config = quietConfig();
    config.profiles["addresses"] = {"addresses only", std::chrono::hours(24 * 6), MockAcmeConfig::kTlsServerOnly, false, true};
    Server s(config);
    const std::pair<std::string, std::string> refusing[] = {
        {"", "classic"}, {R"(,"profile":"classic")", "classic"}, {R"(,"profile":"tlsserver")", "tlsserver"}};
    for (const auto& [profile, name] : refusing) {
        const Reply mixed = s.newOrder({"a.example.test", "127.0.0.1", "::1"}, profile);
        BOOST_TEST(mixed.status == 400);
        BOOST_TEST(mixed.problem() == "rejectedIdentifier");
        auto sub = mixed.json()->getArray("subproblems");
        BOOST_REQUIRE(sub->size() == 2u);
        for (unsigned i = 0; i < 2; ++i) {
            BOOST_TEST(sub->getObject(i)->getObject("identifier")->getValue<std::string>("type") == "ip");
            const std::string detail = sub->getObject(i)->getValue<std::string>("detail");
            BOOST_TEST(detail == "the profile \"" + name + "\" does not issue for ip identifiers; profiles that do: \"addresses\", "
                                 "\"shortlived\"");
        }
    }
    const Reply names = s.newOrder({"b.example.test", "127.0.0.2"}, R"(,"profile":"addresses")");
    BOOST_TEST(names.problem() == "rejectedIdentifier");
    BOOST_TEST(names.json()->getArray("subproblems")->getObject(0)->getObject("identifier")->getValue<std::string>("value") ==
               "b.example.test");
    BOOST_TEST(names.json()->getArray("subproblems")->getObject(0)->getValue<std::string>("detail").find(
                   "profiles that do: \"classic\", \"shortlived\", \"tlsserver\"") != std::string::npos);
    // no order was made for any
    const Reply account = s.session.post(s.kid, s.account, s.kid, "");
    BOOST_TEST(s.session.post(account.str("orders"), s.account, s.kid, "").json()->getArray("orders")->size() == 0u);
    BOOST_TEST(s.newOrder({"a.example.test"}).status == 201);
    BOOST_TEST(s.newOrder({"127.0.0.1"}, R"(,"profile":"addresses")").status == 201);
    BOOST_TEST(s.newOrder({"a.example.test", "127.0.0.1", "::1"}, R"(,"profile":"shortlived")").status == 201);
}

// RFC 9773's suggested window until one is set: Boulder's (around a third of the
// lifetime left, half under 10 days, 1 % of the lifetime either side) or pebble's
// (a third, a day either side); a revoked certificate's: the half hour that began
// an hour ago, on the server's clock.
BOOST_AUTO_TEST_CASE(renewal_windows_follow_boulders_rules_or_pebbles) {
    testing::FakeClock clock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    for (const auto rules : {MockAcmeConfig::AriRules::Boulder, MockAcmeConfig::AriRules::Pebble}) {
        MockAcmeConfig config = quietConfig();
        config.ariRules = rules;
        const bool boulder = rules == MockAcmeConfig::AriRules::Boulder;
        BOOST_TEST_CONTEXT((boulder ? "Boulder's rules" : "pebble's rules")) {
            Server s(config, PrivateKey::generate(KeyType::EcP256), &clock);
            const auto windowOf = [&](const Certificate& cert) {
                const auto window = s.session.get(s.session.dir("renewalInfo") + "/" + AcmeClient::renewalCertificateId(cert))
                                        .json()->getObject("suggestedWindow");
                return std::pair{window->getValue<std::string>("start"), window->getValue<std::string>("end")};
            };
            using std::chrono::hours;
            using std::chrono::minutes;
            for (const auto& [profile, lifetime] : {std::pair{"classic", hours(90 * 24)}, std::pair{"shortlived", hours(160)}}) {
                const Reply order = s.newOrder({"w.example.test"}, R"(,"profile":")" + std::string(profile) + "\"");
                s.authorize(order);
                const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("w.example.test")});
                const Certificate cert = Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
                BOOST_REQUIRE((cert.notAfter() - cert.notBefore() == lifetime));
                // classic: ideal 30 days before the end, 21.6 h either side (Boulder) or 24 h (pebble);
                // shortlived (160 h): 80 h before the end (Boulder; 53 h 20 min, pebble), 96 min or 24 h
                const std::chrono::seconds span = lifetime;
                const auto ideal = cert.notAfter() - (boulder && lifetime < hours(240) ? span / 2 : span / 3);
                const auto margin = boulder ? span / 100 : std::chrono::seconds(hours(24));
                BOOST_TEST_INFO(profile);
                BOOST_TEST(windowOf(cert).first == formatRfc3339(ideal - margin));
                BOOST_TEST_INFO(profile);
                BOOST_TEST(windowOf(cert).second == formatRfc3339(ideal + margin));
                if (std::string(profile) == "shortlived") {
                    BOOST_REQUIRE(s.session.post(s.session.dir("revokeCert"), s.account, s.kid,
                                                 R"({"certificate":")" + Base64Url::encode(cert.toDer()) + "\"}")
                                      .status == 200);
                    clock.advance(minutes(7));
                    BOOST_TEST(windowOf(cert).first == formatRfc3339(clock.now() - hours(1)));
                    BOOST_TEST(windowOf(cert).second == formatRfc3339(clock.now() - minutes(30)));
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(orders_list_profiles_and_renewal_information) {
    Server s;
    const Reply pending = s.newOrder({"p.example.test"});
    const Reply account = s.session.post(s.kid, s.account, s.kid, "");
    const Reply list = s.session.post(account.str("orders"), s.account, s.kid, "");
    BOOST_TEST(list.json()->getArray("orders")->getElement<std::string>(0) == pending.header("Location"));

    BOOST_TEST(s.newOrder({"p.example.test"}, R"(,"profile":"nonsense")").problem() == "invalidProfile");
    const Reply shortOrder = s.newOrder({"s.example.test"}, R"(,"profile":"shortlived")");
    BOOST_TEST(shortOrder.str("profile") == "shortlived");
    s.authorize(shortOrder);
    const Reply done = s.finalize(shortOrder, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("s.example.test")});
    const Certificate cert =
        Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
    BOOST_TEST(std::chrono::duration_cast<std::chrono::hours>(cert.notAfter() - cert.notBefore()).count() == 160);

    // RFC 9773: AKI keyIdentifier "." serial
    const std::string certId = Base64Url::encode(*cert.authorityKeyId()) + "." + Base64Url::encode(cert.serialBytes());
    const Reply ari = s.session.get(s.session.dir("renewalInfo") + "/" + certId);
    BOOST_TEST(ari.status == 200);
    BOOST_TEST(!ari.header("Retry-After").empty());
    auto window = ari.json()->getObject("suggestedWindow");
    BOOST_TEST(window->getValue<std::string>("start") < window->getValue<std::string>("end"));
    BOOST_TEST(s.session.get(s.session.dir("renewalInfo") + "/AAAA.AAAA").status == 404);
    // a certID not of RFC 9773 §4.1's form is malformed (400), as at Let's Encrypt
    const std::string form = "the certID of the path is not base64url(AKI).base64url(serial) (RFC 9773 §4.1)";
    const std::string akiBad = "the certID of the path: its Authority Key Identifier is not base64url without padding";
    const std::string serialBad = "the certID of the path: its serial number is not base64url without padding";
    for (const auto& [bad, detail] : std::vector<std::pair<std::string, std::string>>{
             {"AAAA", form}, {"AAAA.", form}, {".AAAA", form}, {"AAAA.AAAA.AAAA", form}, {"AA%3D%3D.AAAA", akiBad},
             {"AAAA.A+AA", serialBad}, {"AAAA.AA%3D%3D", serialBad}}) {
        const Reply r = s.session.get(s.session.dir("renewalInfo") + "/" + bad);
        BOOST_TEST(r.status == 400, bad);
        BOOST_TEST(r.problem() == "malformed", bad);
        BOOST_TEST(r.str("detail") == detail, bad);
    }
    // a serial with a zero byte too many or too few names the same certificate, as Let's Encrypt
    // reads the serial by its value
    const std::string serial = cert.serialBytes();
    const std::string aki = Base64Url::encode(*cert.authorityKeyId()) + ".";
    for (const std::string& variant : {std::string(1, '\0') + serial, serial.substr(serial.find_first_not_of('\0'))}) {
        const Reply same = s.session.get(s.session.dir("renewalInfo") + "/" + aki + Base64Url::encode(variant));
        BOOST_TEST(same.status == 200);
        BOOST_TEST(same.json()->getObject("suggestedWindow")->getValue<std::string>("start") == window->getValue<std::string>("start"));
    }

    // the window can be set from the management interface
    const Reply set = s.session.request("POST", s.server.managementUrl() + "/set-renewal-info",
                                        R"({"certID":")" + certId + R"(","start":"2026-01-01T00:00:00Z","end":"2026-01-02T00:00:00Z"})",
                                        "application/json");
    BOOST_TEST(set.status == 200);
    BOOST_TEST(s.session.get(s.session.dir("renewalInfo") + "/" + certId).json()->getObject("suggestedWindow")
                   ->getValue<std::string>("start") == "2026-01-01T00:00:00Z");
    BOOST_TEST(!s.session.get(s.session.dir("renewalInfo") + "/" + certId).json()->has("explanationURL"));
    // with the CA's explanation (RFC 9773 §4.2), an http(s) URL of printable ASCII
    const auto setWithExplanation = [&](const std::string& url) {
        return s.session.request("POST", s.server.managementUrl() + "/set-renewal-info",
                                 R"({"certID":")" + certId + R"(","start":"2026-02-01T00:00:00Z","end":"2026-02-02T00:00:00Z",)"
                                 R"("explanationURL":")" + url + R"("})", "application/json");
    };
    BOOST_TEST(setWithExplanation("https://ca.example.test/incidents/7").status == 200);
    BOOST_TEST(s.session.get(s.session.dir("renewalInfo") + "/" + certId).str("explanationURL") ==
               "https://ca.example.test/incidents/7");
    for (const std::string bad : {"javascript:alert(1)", "https://ca.example.test/a b", "https://ca.example.test/\\u00e9"}) {
        const Reply refused = setWithExplanation(bad);
        BOOST_TEST(refused.status == 400, bad);
        BOOST_TEST(refused.str("detail").find("explanationURL") != std::string::npos, refused.body);
    }
    BOOST_TEST(s.session.get(s.session.dir("renewalInfo") + "/" + certId).str("explanationURL") ==
               "https://ca.example.test/incidents/7");  // a refused one changes nothing

    // replaces (RFC 9773 §5): only by an order sharing an identifier with the
    // certificate; once, then alreadyReplaced (409) while that order is not
    // invalid; again once it is
    const std::string replaces = R"(,"replaces":")" + certId + R"(")";
    const auto replacedBy = [&] {  // what the management interface says replaces it
        const auto status = s.session.get(s.server.managementUrl() + "/cert-status-by-serial/" + cert.serialHex()).json();
        return status->has("ReplacedBy") ? status->getValue<std::string>("ReplacedBy") : std::string();
    };
    BOOST_TEST(replacedBy().empty());
    const Reply notACertId = s.newOrder({"s.example.test"}, R"(,"replaces":"AAAA")");
    BOOST_TEST(notACertId.problem() == "malformed");
    BOOST_TEST(notACertId.str("detail") == "replaces is not base64url(AKI).base64url(serial) (RFC 9773 §4.1)");
    const Reply unrelated = s.newOrder({"other.example.test"}, replaces);
    BOOST_TEST(unrelated.status == 400);
    BOOST_TEST(unrelated.problem() == "malformed");
    const Reply renewal = s.newOrder({"s.example.test", "more.example.test"}, replaces);
    BOOST_TEST(renewal.status == 201);
    BOOST_TEST(renewal.str("replaces") == certId);
    BOOST_TEST(replacedBy() == renewal.header("Location"));
    const Reply twice = s.newOrder({"s.example.test"}, replaces);
    BOOST_TEST(twice.status == 409);
    BOOST_TEST(twice.problem() == "alreadyReplaced");
    const std::string authzUrl = renewal.json()->getArray("authorizations")->getElement<std::string>(0);
    BOOST_TEST(s.session.post(authzUrl, s.account, s.kid, R"({"status":"deactivated"})").str("status") == "deactivated");
    BOOST_TEST(s.session.post(renewal.header("Location"), s.account, s.kid, "").str("status") == "invalid");
    BOOST_TEST(replacedBy().empty());  // an invalid order replaces nothing
    const Reply retry = s.newOrder({"s.example.test"}, replaces);
    BOOST_TEST(retry.status == 201);
    BOOST_TEST(replacedBy() == retry.header("Location"));
    BOOST_TEST(s.newOrder({"s.example.test"}, replaces).problem() == "alreadyReplaced");
}

// A challenge POSTed again once its authorization has ended, as Let's Encrypt answers it
// (RFC 8555 §7.5.1 leaves it open): a valid authorization's comes back as it is, a
// deactivated or expired one's starts nothing (malformed, in Let's Encrypt's words) and
// changes nothing
BOOST_AUTO_TEST_CASE(a_challenge_posted_after_its_authorization_ended) {
    testing::FakeClock clock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    Server s(quietConfig(), PrivateKey::generate(KeyType::EcP256), &clock);  // validation skipped
    const auto http01Of = [&s](const std::string& authzUrl) {
        const auto challenges = s.session.post(authzUrl, s.account, s.kid, "").json()->getArray("challenges");
        for (std::size_t i = 0; i < challenges->size(); ++i)
            if (challenges->getObject(static_cast<unsigned>(i))->getValue<std::string>("type") == "http-01")
                return challenges->getObject(static_cast<unsigned>(i))->getValue<std::string>("url");
        return std::string();
    };
    const Reply validOrder = s.newOrder({"valid-again.example.test"});
    s.authorize(validOrder);
    const std::string validAuthz = validOrder.json()->getArray("authorizations")->getElement<std::string>(0);
    const Reply valid = s.session.post(http01Of(validAuthz), s.account, s.kid, "{}");
    BOOST_TEST(valid.status == 200, valid.body);
    BOOST_TEST(valid.str("status") == "valid");

    const Reply givenUp = s.newOrder({"given-up.example.test"});
    const std::string authzUrl = givenUp.json()->getArray("authorizations")->getElement<std::string>(0);
    const std::string challengeUrl = http01Of(authzUrl);
    BOOST_TEST(s.session.post(authzUrl, s.account, s.kid, R"({"status":"deactivated"})").str("status") == "deactivated");
    const Reply refused = s.session.post(challengeUrl, s.account, s.kid, "{}");
    BOOST_TEST(refused.status == 400);
    BOOST_TEST(refused.problem() == "malformed", refused.body);
    BOOST_TEST(refused.json()->getValue<std::string>("detail") == "Unable to update challenge :: authorization must be pending");
    BOOST_TEST(s.session.post(challengeUrl, s.account, s.kid, "").str("status") == "pending");
    BOOST_TEST(s.session.post(authzUrl, s.account, s.kid, "").str("status") == "deactivated");

    const Reply late = s.newOrder({"too-late.example.test"});
    const std::string lateAuthz = late.json()->getArray("authorizations")->getElement<std::string>(0);
    const std::string lateChallenge = http01Of(lateAuthz);
    clock.advance(std::chrono::hours(24 * 8));  // past the pending authorization's 7 days
    const Reply expired = s.session.post(lateChallenge, s.account, s.kid, "{}");
    BOOST_TEST(expired.status == 400);
    BOOST_TEST(expired.problem() == "malformed", expired.body);
    BOOST_TEST(s.session.post(lateAuthz, s.account, s.kid, "").str("status") == "expired");
}

// pebble's rules (its place's default): only a pending challenge may be started; a valid one is
// refused in pebble's words where Let's Encrypt's give it back as it is (above)
BOOST_AUTO_TEST_CASE(pebbles_rules_refuse_a_challenge_no_longer_pending) {
    MockAcmeConfig config = quietConfig();  // validation skipped
    config.validationRules = MockAcmeConfig::ValidationRules::Pebble;
    Server s(config);
    const Reply order = s.newOrder({"pebble-again.example.test"});
    s.authorize(order);
    const std::string authzUrl = order.json()->getArray("authorizations")->getElement<std::string>(0);
    const auto challenges = s.session.post(authzUrl, s.account, s.kid, "").json()->getArray("challenges");
    std::string challengeUrl;
    for (std::size_t i = 0; i < challenges->size(); ++i)
        if (challenges->getObject(static_cast<unsigned>(i))->getValue<std::string>("status") == "valid")
            challengeUrl = challenges->getObject(static_cast<unsigned>(i))->getValue<std::string>("url");
    BOOST_REQUIRE(!challengeUrl.empty());
    const Reply refused = s.session.post(challengeUrl, s.account, s.kid, "{}");
    BOOST_TEST(refused.status == 400);
    BOOST_TEST(refused.problem() == "malformed", refused.body);
    BOOST_TEST(refused.json()->getValue<std::string>("detail") == "Cannot update challenge with status valid, only status pending");
    // reading it (POST-as-GET) is no update
    BOOST_TEST(s.session.post(challengeUrl, s.account, s.kid, "").str("status") == "valid");
}

// RFC 8555 §7.4: notBefore / notAfter in newOrder, echoed in the order and
// put in the certificate, within the profile's lifetime.
BOOST_AUTO_TEST_CASE(requested_validity_is_honoured_within_the_profile) {
    Server s;
    const auto at = [](std::chrono::seconds fromNow) {
        return formatRfc3339(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) + fromNow);
    };
    const auto window = [](const std::string& notBefore, const std::string& notAfter) {
        std::string extra;
        if (!notBefore.empty()) extra += R"(,"notBefore":")" + notBefore + R"(")";
        if (!notAfter.empty()) extra += R"(,"notAfter":")" + notAfter + R"(")";
        return extra;
    };
    const auto issue = [&](const Reply& order) {
        s.authorize(order);
        const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("v.example.test")});
        BOOST_REQUIRE_MESSAGE(done.str("status") == "valid", done.body);
        return Certificate::chainFromPem(s.session.post(done.str("certificate"), s.account, s.kid, "").body).at(0);
    };

    const std::string from = at(std::chrono::hours(1)), until = at(std::chrono::hours(49));
    const Reply both = s.newOrder({"v.example.test"}, window(from, until));
    BOOST_REQUIRE_MESSAGE(both.status == 201, both.body);
    BOOST_TEST(both.str("notBefore") == from);
    BOOST_TEST(both.str("notAfter") == until);
    const Certificate two = issue(both);
    BOOST_TEST(formatRfc3339(two.notBefore()) == from);
    BOOST_TEST(formatRfc3339(two.notAfter()) == until);

    const std::string soon = at(std::chrono::hours(3));
    const Certificate shortOne = issue(s.newOrder({"v.example.test"}, window("", soon)));
    BOOST_TEST(formatRfc3339(shortOne.notAfter()) == soon);
    BOOST_TEST((shortOne.notBefore() < std::chrono::system_clock::now()));

    for (const std::string& bad : {window("", at(-std::chrono::hours(1))),                          // in the past
                                   window(until, from),                                           // reversed
                                   window("", at(std::chrono::hours(24 * 91))),                   // over 90 days
                                   window("tomorrow", ""),                                         // not RFC 3339
                                   std::string(R"(,"notAfter":12345)"),                            // not a string
                                   window("", at(std::chrono::hours(24 * 7))) + R"(,"profile":"shortlived")"}) {
        const Reply refused = s.newOrder({"v.example.test"}, bad);
        BOOST_TEST(refused.status == 400, bad);
        BOOST_TEST(refused.problem() == "malformed", bad);
    }
}

// RFC 8555 §7.1.2.1: the account's orders, invalid ones left out, a page at
// a time with Link rel="next".
BOOST_AUTO_TEST_CASE(orders_list_pages) {
    MockAcmeConfig config = quietConfig();
    config.ordersPerPage = 2;
    Server s(config);
    std::vector<std::string> expected;
    for (int i = 0; i < 6; ++i) {
        const Reply order = s.newOrder({"o" + std::to_string(i) + ".example.test"});
        if (i == 2) {  // made invalid: not listed
            const std::string authz = order.json()->getArray("authorizations")->getElement<std::string>(0);
            s.session.post(authz, s.account, s.kid, R"({"status":"deactivated"})");
            continue;
        }
        if (i == 4) {  // valid: listed
            s.authorize(order);
            BOOST_TEST(s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("o4.example.test")})
                           .str("status") == "valid");
        }
        expected.push_back(order.header("Location"));
    }
    const std::string ordersUrl = s.session.post(s.kid, s.account, s.kid, "").str("orders");
    std::vector<std::string> seen;
    std::string next = ordersUrl;
    int pages = 0;
    while (!next.empty() && pages < 10) {
        const Reply page = s.session.post(next, s.account, s.kid, "");
        BOOST_REQUIRE_MESSAGE(page.status == 200, page.body);
        auto urls = page.json()->getArray("orders");
        BOOST_TEST(urls->size() <= 2u);
        for (std::size_t i = 0; i < urls->size(); ++i) seen.push_back(urls->getElement<std::string>(static_cast<unsigned>(i)));
        const auto links = page.links("next");
        next = links.empty() ? "" : links.front();
        ++pages;
    }
    BOOST_TEST(pages == 3);
    BOOST_TEST(seen == expected, boost::test_tools::per_element());
    for (const std::string bad : {"?cursor=99", "?cursor=x", "?cursor=", "?page=1", "?cursor=1&cursor=2"}) {
        const Reply r = s.session.post(ordersUrl + bad, s.account, s.kid, "");
        BOOST_TEST(r.status == 400, bad);
        BOOST_TEST(r.problem() == "malformed", bad);
    }
}

BOOST_AUTO_TEST_CASE(time_travel_expires_orders) {
    Server s;
    const Reply order = s.newOrder({"t.example.test"});
    const Reply travelled = s.session.request("POST", s.server.managementUrl() + "/time-travel",
                                              R"({"advanceSeconds":864000})", "application/json");
    BOOST_TEST(travelled.status == 200);
    const Reply later = s.session.post(order.header("Location"), s.account, s.kid, "");
    BOOST_TEST(later.str("status") == "invalid");
}

// forgetAfter: an order made that long ago (by the CA's clock) goes, with its
// certificate and the authorizations and challenges that no kept order lists;
// the account and everything younger stay. Without the knob nothing goes.
BOOST_AUTO_TEST_CASE(old_orders_are_forgotten_when_asked) {
    MockAcmeConfig config = quietConfig();
    config.orderReuse = false;  // a second order for names whose first is still open (Let's Encrypt would give the first back)
    config.forgetAfter = std::chrono::hours(1);
    config.authzReusePercent = 100;
    Server s(config);
    const auto travel = [&](int seconds) {
        BOOST_REQUIRE(s.session.request("POST", s.server.managementUrl() + "/time-travel",
                                        R"({"advanceSeconds":)" + std::to_string(seconds) + "}", "application/json")
                          .status == 200);
    };
    const auto get = [&](const std::string& url) { return s.session.post(url, s.account, s.kid, ""); };
    const auto firstAuthz = [](const Reply& order) {
        return order.json()->getArray("authorizations")->getElement<std::string>(0);
    };
    // what the state holds: orders, authorizations, challenges, certificates
    const auto held = [&] {
        const auto stats = s.session.get(s.server.managementUrl() + "/stats").json();
        return std::vector<long long>{stats->getValue<long long>("orders"), stats->getValue<long long>("authorizations"),
                                      stats->getValue<long long>("challenges"), stats->getValue<long long>("certificates")};
    };
    using Counts = std::vector<long long>;

    // an issued order: its authorization, challenges and certificate
    const Reply old = s.newOrder({"old.example.test"});
    const std::string oldAuthz = firstAuthz(old);
    const std::string oldChallenge =
        get(oldAuthz).json()->getArray("challenges")->getObject(0)->getValue<std::string>("url");
    s.authorize(old);
    const Reply done = s.finalize(old, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("old.example.test")});
    BOOST_REQUIRE(done.str("status") == "valid");
    const Certificate cert = Certificate::chainFromPem(get(done.str("certificate")).body).at(0);
    const std::string certId = AcmeClient::renewalCertificateId(cert);
    // an authorization made for one old order and reused by a younger one
    const Reply sharedOld = s.newOrder({"shared.example.test"});
    s.authorize(sharedOld);
    travel(1800);
    const Reply sharedYoung = s.newOrder({"shared.example.test"});
    BOOST_REQUIRE(firstAuthz(sharedYoung) == firstAuthz(sharedOld));
    travel(1900);  // the old orders are 3700 s old, the young one 1900 s
    BOOST_TEST(get(old.header("Location")).str("status") == "valid");  // forgetting happens at a newOrder
    BOOST_TEST(held() == (Counts{3, 2, 6, 1}));  // three orders on two authorizations (three challenges each)
    const Reply fresh = s.newOrder({"fresh.example.test"});
    BOOST_REQUIRE(fresh.status == 201);
    BOOST_TEST(held() == (Counts{2, 2, 6, 0}));  // the young order and fresh; the shared authorization and fresh's

    for (const std::string& url : {old.header("Location"), oldAuthz, done.str("certificate"), sharedOld.header("Location")}) {
        const Reply r = get(url);
        BOOST_TEST(r.status == 404, url);
        BOOST_TEST(r.problem() == "malformed", url);
    }
    BOOST_TEST(s.session.post(oldChallenge, s.account, s.kid, "{}").status == 404);
    BOOST_TEST(s.session.get(s.session.dir("renewalInfo") + "/" + certId).status == 404);
    BOOST_TEST(s.session.get(s.server.managementUrl() + "/cert-status-by-serial/" + cert.serialHex()).status == 404);
    BOOST_TEST(s.newOrder({"old.example.test"}, R"(,"replaces":")" + certId + R"(")").status == 400);
    // kept: the shared authorization (a younger order lists it), the younger orders, the account
    BOOST_TEST(get(firstAuthz(sharedOld)).str("status") == "valid");
    BOOST_TEST(get(sharedYoung.header("Location")).str("status") == "ready");
    const Reply list = get(get(s.kid).str("orders"));
    auto urls = list.json()->getArray("orders");
    BOOST_REQUIRE(urls->size() == 2u);
    BOOST_TEST(urls->getElement<std::string>(0) == sharedYoung.header("Location"));
    BOOST_TEST(urls->getElement<std::string>(1) == fresh.header("Location"));

    // the shared authorization goes with the last order that lists it
    travel(3600);
    const Reply later = s.newOrder({"later.example.test"});
    BOOST_REQUIRE(later.status == 201);
    BOOST_TEST(get(firstAuthz(sharedOld)).status == 404);
    BOOST_TEST(get(sharedYoung.header("Location")).status == 404);
    BOOST_TEST(get(get(s.kid).str("orders")).json()->getArray("orders")->size() == 1u);
    BOOST_TEST(held() == (Counts{1, 1, 3, 0}));
    // and is not reused once gone: the name gets a new one
    const Reply sharedAgain = s.newOrder({"shared.example.test"});
    BOOST_REQUIRE(sharedAgain.status == 201);
    BOOST_TEST(firstAuthz(sharedAgain) != firstAuthz(sharedOld));
    BOOST_TEST(get(firstAuthz(sharedAgain)).str("status") == "pending");

    // ages go by the CA's clock, even when time travel goes backwards: an order made after
    // travelling back is older than one made before, and goes first
    travel(-7200);
    const Reply madeLater = s.newOrder({"later-but-older.example.test"});
    travel(3700);  // it is 3700 s old; "later", made before it, is by this clock not made yet
    BOOST_REQUIRE(s.newOrder({"trigger.example.test"}).status == 201);
    BOOST_TEST(get(madeLater.header("Location")).status == 404);
    BOOST_TEST(get(later.header("Location")).str("status") == "pending");

    // an order whose challenge is still being validated is kept until it is done
    MockAcmeConfig slow = config;
    slow.skipValidation = false;
    slow.validationDelay = std::chrono::hours(1);  // by the real clock: still waiting when the test ends
    Server busy(slow);
    const Reply validating = busy.newOrder({"busy.example.test"});
    const std::string busyAuthz = firstAuthz(validating);
    busy.authorize(validating);
    BOOST_REQUIRE(busy.session.post(busyAuthz, busy.account, busy.kid, "").json()->getArray("challenges")->size() > 0u);
    BOOST_REQUIRE(busy.session.request("POST", busy.server.managementUrl() + "/time-travel",
                                       R"({"advanceSeconds":7200})", "application/json").status == 200);
    BOOST_REQUIRE(busy.newOrder({"next.example.test"}).status == 201);
    BOOST_TEST(busy.session.post(validating.header("Location"), busy.account, busy.kid, "").str("status") == "pending");
    BOOST_TEST(busy.session.post(busyAuthz, busy.account, busy.kid, "").status == 200);

    // ages survive a restart: an order read back from the snapshot is forgotten in its turn
    MockAcmeConfig saved = config;
    saved.persistFile = (std::filesystem::temp_directory_path() / ("cxxacme-forget-" + std::to_string(::getpid()) + ".sqlite")).string();
    std::filesystem::remove(saved.persistFile);
    const PrivateKey savedKey = PrivateKey::generate(KeyType::EcP256);
    std::string savedOrder, savedAuthz;
    {
        Server before(saved, savedKey);
        savedOrder = before.newOrder({"saved.example.test"}).header("Location");
        const Reply reusable = before.newOrder({"reused.example.test"});
        before.authorize(reusable);
        savedAuthz = firstAuthz(reusable);
    }
    {
        Server after(saved, savedKey);
        after.kid = after.session.post(after.session.dir("newAccount"), after.account, "", R"({"onlyReturnExisting":true})")
                        .header("Location");
        const std::string base = after.server.directoryUrl().substr(0, after.server.directoryUrl().size() - 4);
        const std::string url = base + savedOrder.substr(savedOrder.find("/my-order/"));
        BOOST_TEST(after.session.post(url, after.account, after.kid, "").status == 200);
        // a valid authorization read back is found for reuse
        const Reply reusing = after.newOrder({"reused.example.test"});
        BOOST_TEST(firstAuthz(reusing).substr(firstAuthz(reusing).rfind('/')) == savedAuthz.substr(savedAuthz.rfind('/')));
        BOOST_TEST(reusing.str("status") == "ready");
        BOOST_REQUIRE(after.session.request("POST", after.server.managementUrl() + "/time-travel",
                                            R"({"advanceSeconds":3700})", "application/json").status == 200);
        BOOST_REQUIRE(after.newOrder({"after.example.test"}).status == 201);
        BOOST_TEST(after.session.post(url, after.account, after.kid, "").status == 404);
    }
    std::filesystem::remove(saved.persistFile);

    // without the knob, a day's time travel forgets nothing
    Server keeping;
    const Reply kept = keeping.newOrder({"kept.example.test"});
    BOOST_REQUIRE(keeping.session.request("POST", keeping.server.managementUrl() + "/time-travel",
                                          R"({"advanceSeconds":86400})", "application/json").status == 200);
    BOOST_REQUIRE(keeping.newOrder({"another.example.test"}).status == 201);
    BOOST_TEST(keeping.session.post(kept.header("Location"), keeping.account, keeping.kid, "").status == 200);
}

// The management interface refuses bad input with 400/404 — never a 500, never
// a clock moved out of range — and keeps its state.
// RFC 8555 §7.3.3: terms of service changed through the management interface are asked for
// (403 userActionRequired, Link rel="terms-of-service", `instance`) of what leads to a new
// certificate, until a person agrees at the instance page; reading, downloading and revoking
// go on. requireAgreement false carries the agreements over; "" removes the terms. Kept
// across a restart.
BOOST_AUTO_TEST_CASE(changed_terms_of_service_are_asked_for_until_a_person_agrees) {
    const std::string file = std::filesystem::temp_directory_path() / ("cxxacme-mock-acme-terms-" + std::to_string(::getpid()) + ".sqlite");
    std::filesystem::remove(file);
    MockAcmeConfig config = quietConfig();
    config.persistFile = file;
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    const std::string v2 = "https://127.0.0.1/terms/v2", v3 = "https://127.0.0.1/terms/v3";
    std::string instance, otherKid;
    const KeySigner other(PrivateKey::generate(KeyType::EcP256));
    {
        Server s(config, accountKey);
        s.login();
        const auto manage = [&](const std::string& body) {
            return s.session.request("POST", s.server.managementUrl() + "/set-terms-of-service", body, "application/json");
        };
        otherKid = s.session.newAccount(other);
        // a certificate and a pending order from before the change
        const Reply before = s.newOrder({"before.example.test"});
        s.authorize(before);
        const Reply issued = s.finalize(before, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("before.example.test")});
        BOOST_REQUIRE_MESSAGE(issued.status == 200, issued.body);
        const Reply pending = s.newOrder({"pending.example.test"});
        BOOST_REQUIRE(pending.status == 201);

        const Reply changed = manage(R"({"url":")" + v2 + R"("})");
        BOOST_TEST(changed.status == 200, changed.body);
        BOOST_TEST(s.session.get(s.server.directoryUrl()).json()->getObject("meta")->getValue<std::string>("termsOfService") == v2);

        const Reply asked = s.newOrder({"after.example.test"});
        BOOST_TEST(asked.status == 403);
        BOOST_TEST(asked.problem() == "userActionRequired");
        BOOST_TEST(asked.links("terms-of-service") == std::vector<std::string>{v2}, boost::test_tools::per_element());
        instance = asked.json()->getValue<std::string>("instance");
        BOOST_TEST(instance == s.server.directoryUrl().substr(0, s.server.directoryUrl().size() - 4) + "/terms-agreement/" +
                                   s.kid.substr(s.kid.rfind('/') + 1));
        BOOST_TEST(asked.str("detail").find(v2) != std::string::npos, asked.body);
        // the pending order's challenge is not started, nor a pre-authorization; reading goes on
        const std::string authzUrl = pending.json()->getArray("authorizations")->getElement<std::string>(0);
        const Reply authz = s.session.post(authzUrl, s.account, s.kid, "");
        BOOST_TEST(authz.status == 200);
        const auto challenges = authz.json()->getArray("challenges");
        const Reply start = s.session.post(challenges->getObject(0)->getValue<std::string>("url"), s.account, s.kid, "{}");
        BOOST_TEST(start.problem() == "userActionRequired", start.body);
        const Reply account = s.session.post(s.kid, s.account, s.kid, "");
        BOOST_TEST(account.status == 200);
        BOOST_TEST(account.json()->getValue<bool>("termsOfServiceAgreed") == false);
        const Reply download = s.session.post(issued.str("certificate"), s.account, s.kid, "");
        BOOST_TEST(download.status == 200);
        const std::string leafDer = Certificate::chainFromPem(download.body).front().toDer();
        const Reply revoked = s.session.post(s.session.dir("revokeCert"), s.account, s.kid,
                                             R"({"certificate":")" + Base64Url::encode(leafDer) + R"("})");
        BOOST_TEST(revoked.status == 200, revoked.body);

        // the page a person is sent to: the terms and a button; the button agrees
        const Reply page = s.session.get(instance);
        BOOST_TEST(page.status == 200);
        BOOST_TEST(page.header("Content-Type").starts_with("text/html"));
        BOOST_TEST(page.body.find(v2) != std::string::npos);
        BOOST_TEST(page.body.find("<form method=\"post\">") != std::string::npos);
        BOOST_TEST(s.newOrder({"after.example.test"}).status == 403);  // seeing it is not agreeing
        const Reply agreed = s.session.request("POST", instance, "", "application/x-www-form-urlencoded");
        BOOST_TEST(agreed.status == 200, agreed.body);
        BOOST_TEST(s.session.get(instance).body.find("<form") == std::string::npos);
        BOOST_TEST(s.newOrder({"after.example.test"}).status == 201);
        BOOST_TEST(s.session.post(s.kid, s.account, s.kid, "").json()->getValue<bool>("termsOfServiceAgreed") == true);
        BOOST_TEST(s.session.post(s.session.dir("newOrder"), other, otherKid, Server::orderPayload({"o.example.test"})).problem() ==
                   "userActionRequired");

        // refused: no URL, not http(s), a space or a quote in it, requireAgreement not a boolean; an unknown account's page
        for (const std::string body : {R"({})", R"({"url":5})", R"({"url":"ftp://127.0.0.1/t"})", R"({"url":"https://a b/"})",
                                       R"({"url":"https://x/\"<"})", R"({"url":"/terms"})",
                                       R"({"url":"https://x/","requireAgreement":"yes"})", "[", R"([])"}) {
            const Reply r = manage(body);
            BOOST_TEST(r.status == 400, body << " -> " << r.status);
            BOOST_TEST(r.problem() == "malformed", body);
        }
        BOOST_TEST(s.session.get(s.server.directoryUrl()).json()->getObject("meta")->getValue<std::string>("termsOfService") == v2);
        BOOST_TEST(s.session.get(instance.substr(0, instance.rfind('/') + 1) + "nobody").status == 404);

        // v3 without asking (the engine's own call): whoever agreed to v2 agrees to v3; the other
        // account is still asked (for v3)
        BOOST_CHECK_THROW(s.server.engine().setTermsOfService("https://x.test/<v3>"), Error);
        s.server.engine().setTermsOfService(v3, false);
        BOOST_TEST(s.newOrder({"v3.example.test"}).status == 201);
        const Reply still = s.session.post(s.session.dir("newOrder"), other, otherKid, Server::orderPayload({"o.example.test"}));
        BOOST_TEST(still.problem() == "userActionRequired");
        BOOST_TEST(still.links("terms-of-service") == std::vector<std::string>{v3}, boost::test_tools::per_element());
        // a new account agrees to the terms of its time
        const KeySigner newcomer(PrivateKey::generate(KeyType::EcP256));
        const std::string newcomerKid = s.session.newAccount(newcomer);
        BOOST_TEST(s.session.post(s.session.dir("newOrder"), newcomer, newcomerKid, Server::orderPayload({"n.example.test"})).status == 201);
    }
    {  // restarted: the terms, who agreed to them and who did not
        Server s(config, accountKey);
        s.login();
        otherKid = s.session.newAccount(other);  // found again (on the new port), not made anew
        BOOST_TEST(s.session.post(otherKid, other, otherKid, "").json()->getValue<bool>("termsOfServiceAgreed") == false);
        BOOST_TEST(s.session.get(s.server.directoryUrl()).json()->getObject("meta")->getValue<std::string>("termsOfService") == v3);
        BOOST_TEST(s.newOrder({"restarted.example.test"}).status == 201);
        BOOST_TEST(s.session.post(s.session.dir("newOrder"), other, otherKid, Server::orderPayload({"o.example.test"})).problem() ==
                   "userActionRequired");
        // v4 over the management interface without asking: carried over, answered as set
        const Reply v4 = s.session.request("POST", s.server.managementUrl() + "/set-terms-of-service",
                                           R"({"url":"https://127.0.0.1/terms/v4","requireAgreement":false})", "application/json");
        BOOST_TEST(v4.status == 200, v4.body);
        BOOST_TEST(v4.str("termsOfService") == "https://127.0.0.1/terms/v4");
        BOOST_TEST(v4.json()->getValue<bool>("requireAgreement") == false);
        BOOST_TEST(s.newOrder({"v4.example.test"}).status == 201);
        BOOST_TEST(s.session.post(s.session.dir("newOrder"), other, otherKid, Server::orderPayload({"o.example.test"})).problem() ==
                   "userActionRequired");
        // no terms: nothing asked
        BOOST_TEST(s.session.request("POST", s.server.managementUrl() + "/set-terms-of-service", R"({"url":""})", "application/json").status == 200);
        BOOST_TEST(!s.session.get(s.server.directoryUrl()).json()->getObject("meta")->has("termsOfService"));
        BOOST_TEST(s.session.post(s.session.dir("newOrder"), other, otherKid, Server::orderPayload({"o.example.test"})).status == 201);
    }
    std::filesystem::remove(file);
}

BOOST_AUTO_TEST_CASE(management_refuses_bad_input) {
    Server s;
    const auto post = [&](const std::string& path, const std::string& body) {
        return s.session.request("POST", s.server.managementUrl() + path, body, "application/json");
    };
    for (const std::string body : {R"({"advanceSeconds":1e300})", R"({"advanceSeconds":"5"})",
                                   R"({"advanceSeconds":9223372036854775807})", R"({"advanceSeconds":-9223372036854775807})",
                                   R"({"advanceSeconds":18446744073709551615})",
                                   R"({"advanceSeconds":3200000000})", R"({})", R"([1])", "not json"}) {
        const Reply r = post("/time-travel", body);
        BOOST_TEST(r.status == 400, body << " -> " << r.status << " " << r.body);
        BOOST_TEST(r.problem() == "malformed", body);
    }
    BOOST_TEST(post("/time-travel", R"({"advanceSeconds":3000000000})").status == 200);  // 95 years: allowed once
    BOOST_TEST(post("/time-travel", R"({"advanceSeconds":3000000000})").status == 400);  // the whole offset is bounded
    BOOST_TEST(post("/time-travel", R"({"advanceSeconds":-3000000000})").status == 200);
    BOOST_TEST(s.session.get(s.server.managementUrl() + "/clock").json()->getValue<long long>("offsetSeconds") == 0);
    for (const std::string body : {R"({"serial":{}})", R"({"certID":5})", R"({"serial":"01","start":{},"end":[]})",
                                   R"({"serial":"0A"})", "{"}) {
        const Reply r = post("/set-renewal-info", body);
        BOOST_TEST((r.status == 400 || r.status == 404), body << " -> " << r.status << " " << r.body);
    }
}

BOOST_AUTO_TEST_CASE(external_account_binding) {
    MockAcmeConfig config = quietConfig();
    config.externalAccountRequired = true;
    const std::string macKey = detail::randomBytes(32);
    config.eabKeys["kid-1"] = Base64Url::encode(macKey);
    Server s(config);
    BOOST_TEST(s.session.get(s.server.directoryUrl()).json()->getObject("meta")->getValue<bool>("externalAccountRequired"));
    BOOST_TEST(s.session.post(s.session.dir("newAccount"), s.account, "", "{}").problem() == "externalAccountRequired");

    // newAccount at `srv` signed by `signer`, bound under `key`/`kid` to `bound`
    const auto bind = [](Server& srv, const KeySigner& signer, const std::string& key, const std::string& kid,
                         const Jwk& bound) {
        const auto eab = FlattenedJws::signExternalAccountBinding(key, kid, srv.session.dir("newAccount"), bound);
        return srv.session.post(srv.session.dir("newAccount"), signer, "",
                                R"({"termsOfServiceAgreed":true,"externalAccountBinding":)" + eab.toJson() + "}");
    };
    const auto withEab = [&](const std::string& key, const std::string& kid, const Jwk& bound) {
        return bind(s, s.account, key, kid, bound);
    };
    const auto refusedWith = [](const Reply& r, const std::string& type, int status) {
        BOOST_TEST(r.problem() == type, r.body);
        BOOST_TEST(r.status == status);
    };
    refusedWith(withEab(macKey + "x", "kid-1", s.account.publicJwk()), "unauthorized", 403);
    refusedWith(withEab(macKey, "kid-2", s.account.publicJwk()), "unauthorized", 403);
    const KeySigner other(PrivateKey::generate(KeyType::EcP256));
    refusedWith(withEab(macKey, "kid-1", other.publicJwk()), "unauthorized", 403);
    BOOST_TEST(withEab(macKey, "kid-1", s.account.publicJwk()).status == 201);

    // HS384 and HS512 bindings (RFC 8555 §7.3.4 asks only for a MAC algorithm);
    // a signature algorithm, "none" or a MAC under the wrong digest is refused.
    const auto macBinding = [&](const std::string& alg, const EVP_MD* md, const KeySigner& account) {
        const std::string header = Base64Url::encode(R"({"alg":")" + alg + R"(","kid":"kid-1","url":")" +
                                                     s.session.dir("newAccount") + R"("})");
        const std::string payload = Base64Url::encode(account.publicJwk().toJson());
        const std::string mac = detail::hmac(md, macKey, header + "." + payload);
        const std::string eab = R"({"protected":")" + header + R"(","payload":")" + payload + R"(","signature":")" +
                                Base64Url::encode(mac) + R"("})";
        return s.session.post(s.session.dir("newAccount"), account, "",
                              R"({"termsOfServiceAgreed":true,"externalAccountBinding":)" + eab + "}");
    };
    const KeySigner third(PrivateKey::generate(KeyType::EcP256)), fourth(PrivateKey::generate(KeyType::EcP256));
    refusedWith(macBinding("HS512", EVP_sha256(), third), "unauthorized", 403);
    refusedWith(macBinding("ES256", EVP_sha256(), third), "badSignatureAlgorithm", 400);
    refusedWith(macBinding("none", EVP_sha256(), third), "badSignatureAlgorithm", 400);
    BOOST_TEST(macBinding("HS384", EVP_sha384(), third).status == 201);
    BOOST_TEST(macBinding("HS512", EVP_sha512(), fourth).status == 201);

    // bindings that do not read, or name the wrong URL, a nonce, no key id, or
    // something other than a key: malformed, and no account is made
    const auto rawBinding = [&](const std::string& headerJson, const std::string& payloadText) {
        const std::string header = Base64Url::encode(headerJson);
        const std::string payload = Base64Url::encode(payloadText);
        return R"({"protected":")" + header + R"(","payload":")" + payload + R"(","signature":")" +
               Base64Url::encode(detail::hmac(EVP_sha256(), macKey, header + "." + payload)) + R"("})";
    };
    const std::string newAccountUrl = s.session.dir("newAccount");
    const KeySigner fifth(PrivateKey::generate(KeyType::EcP256));
    for (const auto& [eab, why] : std::vector<std::pair<std::string, std::string>>{
             {R"("a binding")", "externalAccountBinding is not a JWS object"},
             {R"({"protected":1,"payload":"","signature":""})", "externalAccountBinding: "},
             {rawBinding(R"({"alg":"HS256","kid":"kid-1","url":")" + s.session.dir("newOrder") + R"("})",
                         fifth.publicJwk().toJson()),
              "not the newAccount URL"},
             {rawBinding(R"({"alg":"HS256","kid":"kid-1","url":")" + newAccountUrl + R"(","nonce":"n"})",
                         fifth.publicJwk().toJson()),
              "must not have a nonce"},
             {rawBinding(R"({"alg":"HS256","url":")" + newAccountUrl + R"("})", fifth.publicJwk().toJson()), "kid"},
             {rawBinding(R"({"alg":"HS256","kid":"kid-1","url":")" + newAccountUrl + R"("})", "not a key"),
              "externalAccountBinding payload"},
         }) {
        BOOST_TEST_CONTEXT(why) {
            const Reply r = s.session.post(newAccountUrl, fifth, "",
                                           R"({"termsOfServiceAgreed":true,"externalAccountBinding":)" + eab + "}");
            refusedWith(r, "malformed", 400);
            BOOST_TEST(r.body.find(why) != std::string::npos, r.body);
        }
    }
    BOOST_TEST(s.session.post(newAccountUrl, fifth, "", R"({"onlyReturnExisting":true})").problem() == "accountDoesNotExist");

    // by default a key binds any number of accounts (kid-1 now binds three);
    // eabSingleUse refuses the second binding, and nothing is created
    config.eabSingleUse = true;
    Server single(config);
    const auto bindIn = [&](Server& srv, const KeySigner& account) {
        return bind(srv, account, macKey, "kid-1", account.publicJwk());
    };
    BOOST_TEST(bindIn(single, single.account).status == 201);
    refusedWith(bindIn(single, other), "unauthorized", 403);
    BOOST_TEST(single.session.post(single.session.dir("newAccount"), other, "", R"({"onlyReturnExisting":true})")
                   .problem() == "accountDoesNotExist");
    BOOST_TEST(bindIn(single, single.account).status == 200);  // the bound account itself is found again
}

BOOST_AUTO_TEST_CASE(injected_faults) {
    MockAcmeConfig limited = quietConfig();
    limited.rateLimitOrders = 2;
    limited.retryAfterSeconds = 7;
    Server s(limited);
    const Reply first = s.newOrder({"a.example.test"});
    BOOST_TEST(first.status == 201);
    s.authorize(first);
    const Reply issued = s.finalize(first, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("a.example.test")});
    BOOST_REQUIRE_MESSAGE(issued.str("status") == "valid", issued.body);
    const Certificate cert = Certificate::chainFromPem(s.session.post(issued.str("certificate"), s.account, s.kid, "").body).at(0);
    BOOST_TEST(s.newOrder({"b.example.test"}).status == 201);
    const Reply third = s.newOrder({"c.example.test"});
    BOOST_TEST(third.status == 429);
    BOOST_TEST(third.problem() == "rateLimited");
    BOOST_TEST(std::stoi(third.header("Retry-After")) > 0);
    // as Boulder, a renewal (an order for an exact set issued in the last 120 days) is exempt
    // from the new orders per account, and not counted
    BOOST_TEST(s.newOrder({"a.example.test"}).status == 201);
    BOOST_TEST(s.newOrder({"c.example.test"}).problem() == "rateLimited");
    // as Let's Encrypt, a renewal that says what it replaces is exempt within that
    // certificate's ARI window, not before it, whatever its names
    const std::string certId = AcmeClient::renewalCertificateId(cert);
    const std::string replaces = R"(,"replaces":")" + certId + "\"";
    BOOST_TEST(s.newOrder({"a.example.test", "d.example.test"}, replaces).problem() == "rateLimited");
    BOOST_REQUIRE(s.session.request("POST", s.server.managementUrl() + "/set-renewal-info",
                                    R"({"certID":")" + certId + R"(","start":"2026-01-01T00:00:00Z","end":"2026-01-01T01:00:00Z"})",
                                    "application/json").status == 200);
    const Reply renewal = s.newOrder({"a.example.test", "d.example.test"}, replaces);
    BOOST_TEST(renewal.status == 201, renewal.body);
    BOOST_TEST(renewal.str("replaces") == certId);
    BOOST_TEST(s.newOrder({"c.example.test"}).problem() == "rateLimited");  // others still are not

    MockAcmeConfig nonces = quietConfig();
    nonces.nonceRejectPercent = 100;
    Server n(nonces);
    BOOST_TEST(n.session.post(n.session.dir("newAccount"), n.account, "", "{}").problem() == "badNonce");

    MockAcmeConfig failing = quietConfig();
    failing.serverErrorPercent = 50;
    failing.randomSeed = 42;
    MockAcmeServer server(failing);
    int errors = 0, ok = 0;
    AcmeTestSession session(server.directoryUrl(), server.httpsCaPem());
    for (int i = 0; i < 40; ++i) {
        const Reply r = session.get(server.directoryUrl());
        if (r.status == 500 && r.problem() == "serverInternal") ++errors;
        else if (r.status == 200) ++ok;
    }
    BOOST_TEST(errors + ok == 40);
    BOOST_TEST(errors > 0);
    BOOST_TEST(ok > 0);
}

// An order kept across a restart whose profile the new configuration no
// longer offers: finalize says so (invalidProfile), and the order stays ready
// rather than stuck in processing; a new order is issued as usual.
BOOST_AUTO_TEST_CASE(an_order_whose_profile_is_gone_after_a_restart_is_refused_at_finalize) {
    const std::string file =
        std::filesystem::temp_directory_path() / ("cxxacme-profile-gone-" + std::to_string(::getpid()) + ".sqlite");
    std::filesystem::remove(file);
    MockAcmeConfig config = quietConfig();
    config.persistFile = file;
    config.profiles["weekly"] = {"7-day certificates", std::chrono::hours(24 * 7)};
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    std::string orderPath;
    {
        Server s(config, accountKey);
        const Reply order = s.newOrder({"weekly.example.test"}, R"(,"profile":"weekly")");
        BOOST_REQUIRE(order.status == 201);
        s.authorize(order);
        orderPath = order.header("Location").substr(order.header("Location").find("/my-order/"));
    }
    config.profiles.erase("weekly");
    {
        Server s(config, accountKey);
        const Reply found = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})");
        BOOST_REQUIRE(found.status == 200);
        s.kid = found.header("Location");
        const std::string orderUrl = s.server.directoryUrl().substr(0, s.server.directoryUrl().size() - 4) + orderPath;
        const Reply kept = s.session.post(orderUrl, s.account, s.kid, "");
        BOOST_REQUIRE(kept.str("status") == "ready");
        const Reply refused = s.finalize(kept, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("weekly.example.test")});
        BOOST_TEST(refused.status == 400);
        BOOST_TEST(refused.problem() == "invalidProfile");
        BOOST_TEST(refused.json()->getValue<std::string>("detail").find("\"weekly\"") != std::string::npos);
        BOOST_TEST(s.session.post(orderUrl, s.account, s.kid, "").str("status") == "ready");
        const Reply again = s.newOrder({"weekly.example.test"});
        s.authorize(again);
        BOOST_TEST(s.finalize(again, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("weekly.example.test")}).str("status") ==
                   "valid");
    }
    std::filesystem::remove(file);
}

// --persist keeps the rate limits' counts: a restart does not give an
// account, a set of names, a registered domain or an address a fresh start.
BOOST_AUTO_TEST_CASE(persistence_keeps_the_rate_limits_counts_across_a_restart) {
    using namespace std::chrono_literals;
    test::TempDir dir;
    testing::FakeClock clock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    MockAcmeConfig config = quietConfig();
    config.persistFile = (dir.path / "state.sqlite").string();
    config.rateLimitOrders = 2;
    config.duplicateCertificateLimit = 1;
    config.registeredDomainLimit = 1;
    config.registrationLimit = 2;
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    {
        Server s(config, accountKey, &clock);  // one account made, one order, one certificate for a.one.test
        const Reply order = s.newOrder({"a.one.test"});
        BOOST_REQUIRE_MESSAGE(order.status == 201, order.body);
        s.authorize(order);
        BOOST_REQUIRE(s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("a.one.test")}).str("status") ==
                      "valid");
    }
    Server s(config, accountKey, &clock);  // the same state and clock, restarted
    BOOST_TEST(s.newOrder({"b.two.test"}).status == 201);
    const Reply third = s.newOrder({"c.three.test"});
    BOOST_TEST(third.status == 429);
    BOOST_TEST(third.str("detail").starts_with("too many new orders (2) from this account"), third.body);
    const KeySigner second(PrivateKey::generate(KeyType::EcP256));
    const std::string secondKid = s.session.newAccount(second);  // the address's second account
    const Reply sameSet = s.session.post(s.session.dir("newOrder"), second, secondKid, Server::orderPayload({"a.one.test"}));
    BOOST_TEST(sameSet.status == 429);
    BOOST_TEST(sameSet.str("detail").starts_with("too many certificates (1) already issued for this exact set of identifiers"),
               sameSet.body);
    const Reply sameDomain = s.session.post(s.session.dir("newOrder"), second, secondKid, Server::orderPayload({"x.one.test"}));
    BOOST_TEST(sameDomain.status == 429);
    BOOST_TEST(sameDomain.str("detail").starts_with("too many certificates (1) already issued for \"one.test\""), sameDomain.body);
    const KeySigner thirdAccount(PrivateKey::generate(KeyType::EcP256));
    const Reply refused = s.session.post(s.session.dir("newAccount"), thirdAccount, "", R"({"termsOfServiceAgreed":true})");
    BOOST_TEST(refused.status == 429);
    BOOST_TEST(refused.str("detail").starts_with("too many new registrations (2) from this IP address"), refused.body);
    // and the windows end as they would have without the restart
    clock.advance(1h);
    BOOST_TEST(s.newOrder({"c.three.test"}).status == 201);
    clock.advance(2h);
    BOOST_TEST(s.session.post(s.session.dir("newAccount"), thirdAccount, "", R"({"termsOfServiceAgreed":true})").status == 201);
}

BOOST_AUTO_TEST_CASE(persistence_keeps_the_ca_accounts_orders_and_certificates_across_a_restart) {
    const std::string file = std::filesystem::temp_directory_path() / ("cxxacme-mock-acme-" + std::to_string(::getpid()) + ".sqlite");
    std::filesystem::remove(file);
    MockAcmeConfig config = quietConfig();
    config.persistFile = file;
    const PrivateKey accountKey = PrivateKey::generate(KeyType::EcP256);
    std::string kid, orderUrl, rootPem, serial, readyOrderUrl, certUrl, leafDer;
    const std::string readyNotAfter =
        formatRfc3339(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours(48));
    {
        Server s(config, accountKey);
        kid = s.login();
        // written by the snapshot writer while the server runs, not only when it stops
        const std::string accountId = kid.substr(kid.rfind('/') + 1);
        bool written = false;
        for (int i = 0; i < 200 && !written; ++i) {
            sqlite3* db = nullptr;
            if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
                sqlite3_stmt* stmt = nullptr;
                if (sqlite3_prepare_v2(db, "SELECT instr(json, ?) > 0 FROM snapshot", -1, &stmt, nullptr) == SQLITE_OK) {
                    sqlite3_bind_text(stmt, 1, accountId.c_str(), -1, SQLITE_TRANSIENT);
                    written = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) == 1;
                }
                sqlite3_finalize(stmt);
            }
            sqlite3_close(db);
            if (!written) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        BOOST_TEST(written, "the new account did not reach the snapshot within 10 s");
        const Reply ready = s.newOrder({"ready.example.test"}, R"(,"notAfter":")" + readyNotAfter + R"(")");
        readyOrderUrl = ready.header("Location");
        s.authorize(ready);
        BOOST_TEST(s.session.post(readyOrderUrl, s.account, s.kid, "").str("status") == "ready");
        const Reply order = s.newOrder({"kept.example.test"});
        orderUrl = order.header("Location");
        s.authorize(order);
        const Reply done = s.finalize(order, PrivateKey::generate(KeyType::EcP256), {Identifier::dns("kept.example.test")});
        certUrl = done.str("certificate");
        const auto chain = Certificate::chainFromPem(s.session.post(certUrl, s.account, s.kid, "").body);
        serial = chain.at(0).serialHex();
        leafDer = chain.at(0).toDer();
        rootPem = s.management("/roots/0");
        s.session.post(s.session.dir("revokeCert"), s.account, s.kid,
                       R"({"certificate":")" + Base64Url::encode(chain.at(0).toDer()) + R"(","reason":1})");
        // a valid pre-authorization, which the next order after the restart must use
        const Reply pre = s.session.post(s.session.dir("newAuthz"), s.account, s.kid,
                                         R"({"identifier":{"type":"dns","value":"pre.example.test"}})");
        BOOST_REQUIRE(pre.status == 201);
        BOOST_REQUIRE(s.session.post(pre.json()->getArray("challenges")->getObject(0)->getValue<std::string>("url"), s.account,
                                     s.kid, "{}").status == 200);
    }
    struct stat st {};
    BOOST_REQUIRE(::stat(file.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);  // it holds the CA's keys
    {
        // as if the process had stopped while signing for the ready order: it was "processing"
        sqlite3* db = nullptr;
        BOOST_REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
        char* error = nullptr;
        BOOST_REQUIRE(sqlite3_exec(db, R"(UPDATE snapshot SET json = replace(json, '"status":"ready"', '"status":"processing"'))",
                                   nullptr, nullptr, &error) == SQLITE_OK);
        BOOST_TEST(sqlite3_changes(db) == 1);
        sqlite3_close(db);
    }
    {
        // a new process would bind new ports: URLs change, identities stay
        Server s(config, accountKey);
        BOOST_TEST(s.management("/roots/0") == rootPem);
        const Reply found = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})");
        BOOST_TEST(found.status == 200);
        s.kid = found.header("Location");
        BOOST_TEST(s.kid.substr(s.kid.rfind('/')) == kid.substr(kid.rfind('/')));
        const std::string newOrderUrl = s.server.directoryUrl().substr(0, s.server.directoryUrl().size() - 4) +
                                        orderUrl.substr(orderUrl.find("/my-order/"));
        BOOST_TEST(s.session.post(newOrderUrl, s.account, s.kid, "").str("status") == "valid");
        // the certificate downloads as before, the same leaf over the same chain
        const auto kept = Certificate::chainFromPem(
            s.session.post(s.server.directoryUrl().substr(0, s.server.directoryUrl().size() - 4) +
                               certUrl.substr(certUrl.find("/certZ/")), s.account, s.kid, "").body);
        BOOST_REQUIRE(kept.size() == 2u);
        BOOST_TEST(kept.at(0).toDer() == leafDer);
        BOOST_CHECK_NO_THROW(kept.at(0).verifyChain({kept.at(1)}, {Certificate::fromPem(rootPem)}));
        // the order whose finalize never finished is ready again, and can be finalized
        const std::string base = s.server.directoryUrl().substr(0, s.server.directoryUrl().size() - 4);
        const Reply again = s.session.post(base + readyOrderUrl.substr(readyOrderUrl.find("/my-order/")), s.account, s.kid, "");
        BOOST_TEST(again.str("status") == "ready");
        BOOST_TEST(again.str("notAfter") == readyNotAfter);
        const Reply finalized = s.session.post(
            again.str("finalize"), s.account, s.kid,
            R"({"csr":")" + Base64Url::encode(CertificateSigningRequest::create(PrivateKey::generate(KeyType::EcP256),
                                                                                 {Identifier::dns("ready.example.test")})
                                                    .toDer()) + R"("})");
        BOOST_TEST(finalized.str("status") == "valid");
        const auto issued = Certificate::chainFromPem(s.session.post(finalized.str("certificate"), s.account, s.kid, "").body);
        BOOST_TEST(formatRfc3339(issued.at(0).notAfter()) == readyNotAfter);
        BOOST_TEST(s.management("/cert-status-by-serial/" + serial).find("\"Revoked\"") != std::string::npos);
    }
    // a hand-edited snapshot: instants past what a TimePoint holds (it ends in 2262) read as
    // 2200-01-01 instead of wrapping into the past; a clock offset beyond 100 years is refused
    const auto edit = [&file](const std::string& sql) {
        sqlite3* db = nullptr;
        BOOST_REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
        char* error = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
        BOOST_TEST(rc == SQLITE_OK, (error ? error : ""));
        sqlite3_free(error);
        sqlite3_close(db);
    };
    edit("UPDATE snapshot SET json = json_set(json, '$.orders[0].expires', 99999999999, '$.orders[1].expires', 99999999999)");
    {
        Server s(config, accountKey);
        const Reply found = s.session.post(s.session.dir("newAccount"), s.account, "", R"({"onlyReturnExisting":true})");
        s.kid = found.header("Location");
        const std::string base = s.server.directoryUrl().substr(0, s.server.directoryUrl().size() - 4);
        BOOST_TEST(s.session.post(base + orderUrl.substr(orderUrl.find("/my-order/")), s.account, s.kid, "").str("expires") ==
                   "2200-01-01T00:00:00Z");
        BOOST_TEST(s.newOrder({"pre.example.test"}).str("status") == "ready");  // on the restored pre-authorization
    }
    // damaged snapshots: each is refused naming the file, the place and what is wrong, and the
    // file is left as it was (the next start reads it again)
    const std::string good = file + ".good";
    std::filesystem::copy_file(file, good);
    const std::vector<std::pair<std::string, std::string>> damages = {
        {"json_set(json, '$.offsetSeconds', 99999999999)", "at the snapshot: its clock offset is beyond 100 years"},
        {"json_set(json, '$.offsetSeconds', 'soon')", "at the snapshot: \"offsetSeconds\" is missing or not an integer"},
        {"json_set(json, '$.accounts[0]', 5)", "at accounts[0]: accounts[0] is not an object"},
        {"json_remove(json, '$.accounts[0].status')", "at accounts[0]: \"status\" is missing or not a string"},
        {"json_set(json, '$.accounts[0].key', 'k')", "at accounts[0]: \"key\" is missing or not an object"},
        {"json_set(json, '$.accounts[0].orderIds', json('[1]'))", "at accounts[0]: orderIds[0] is not a string"},
        {"json_set(json, '$.orders[1].expires', '2030-01-01')", "at orders[1]: \"expires\" is missing or not an integer"},
        {"json_set(json, '$.orders[0].identifiers', json('{}'))", "at orders[0]: \"identifiers\" is not an array"},
        {"json_set(json, '$.authorizations[0].wildcard', 0)", "at authorizations[0]: \"wildcard\" is missing or not true or false"},
        {"json_set(json, '$.certificates[0].reason', 99)", "at certificates[0]: \"reason\" is not a CRL reason code"},
        {"json_set(json, '$.certificates[0].leaf', 'not PEM')", "at certificates[0]: "},
        {"json_set(json, '$.ca.roots[0].key', 'not PEM')", "at ca.roots[0]: "},
        {"json_set(json, '$.ca.chains[0][0]', 7)", "at ca.chains[0][0]: not a string"},
        {"json_set(json, '$.ca', json('[]'))", "at ca: \"ca\" is missing or not an object"},
        {"json_set(json, '$.forgottenRevocations', json('[{\"serial\":\"0a\",\"reason\":1,\"revokedAt\":0,\"notAfter\":0}]'))",
         "at forgottenRevocations[0]: \"serial\" is not a serial number in upper-case hex"},
        {"json_set(json, '$.accounts[0].paused', json('[\"dns:held.example.test\"]'), '$.accounts[0].unpauseToken', '')",
         "at accounts[0]: an account with paused names has no unpause token"},
        // the links between records, which the engine follows without looking
        {"json_set(json, '$.authorizations[0].challengeIds[0]', 'gone')", "at the snapshot: authorization "},
        {"json_set(json, '$.challenges[0].authzId', 'gone')", "at the snapshot: challenge "},
        {"json_set(json, '$.orders[0].authzIds[0]', 'gone')", "at the snapshot: order "},
    };
    // what the three links' refusals go on to say
    const std::map<std::string, std::string> linkWords = {
        {"at the snapshot: authorization ", " lists challenge gone, which it does not hold"},
        {"at the snapshot: challenge ", " belongs to authorization gone, which it does not hold"},
        {"at the snapshot: order ", " lists authorization gone, which it does not hold"},
    };
    for (const auto& [change, expected] : damages) {
        std::filesystem::copy_file(good, file, std::filesystem::copy_options::overwrite_existing);
        edit("UPDATE snapshot SET json = " + change);
        const auto before = std::filesystem::file_size(file);
        try {
            MockAcmeServer damaged(config);
            BOOST_ERROR("started on a snapshot with " << change);
        } catch (const Error& e) {
            const std::string what = e.what();
            BOOST_TEST(what.find(file + " holds an unreadable snapshot: " + expected) != std::string::npos,
                       change << " gave: " << what);
            if (const auto words = linkWords.find(expected); words != linkWords.end())
                BOOST_TEST(what.ends_with(words->second), change << " gave: " << what);
            // nothing that the server's TLS set-up left queued in OpenSSL ("dh key too small")
            BOOST_TEST(what.find("dh key") == std::string::npos, what);
        }
        BOOST_TEST(std::filesystem::file_size(file) == before);
    }
    // a snapshot written by another version of the format is refused, not guessed at
    std::filesystem::copy_file(good, file, std::filesystem::copy_options::overwrite_existing);
    edit("UPDATE snapshot SET version = 2");
    try {
        MockAcmeServer later(config);
        BOOST_ERROR("started on a snapshot of another version");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()).find(file + " has snapshot version 2, this build reads 1") != std::string::npos,
                   e.what());
    }
    std::filesystem::remove(good);
    // a file that is not a snapshot is a clear error
    std::filesystem::remove(file);
    AtomicFile::write(file, "not a database");
    try {
        MockAcmeServer broken(config);
        BOOST_FAIL("started on a broken snapshot");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()).find(file) != std::string::npos);
    }
    std::filesystem::remove(file);
}

BOOST_AUTO_TEST_CASE(tls_sni01_is_offered_only_when_enabled) {
    const auto types = [](Server& s) {
        const Reply order = s.newOrder({"sni.example.test"});
        auto authz = s.session.post(order.json()->getArray("authorizations")->getElement<std::string>(0), s.account,
                                    s.kid, "").json();
        std::set<std::string> out;
        auto challenges = authz->getArray("challenges");
        for (std::size_t i = 0; i < challenges->size(); ++i)
            out.insert(challenges->getObject(static_cast<unsigned>(i))->getValue<std::string>("type"));
        return out;
    };
    Server plain;
    BOOST_TEST(types(plain).count("tls-sni-01") == 0u);
    MockAcmeConfig config = quietConfig();
    config.enableTlsSni01 = true;
    Server legacy(config);
    BOOST_TEST(types(legacy).count("tls-sni-01") == 1u);
}
