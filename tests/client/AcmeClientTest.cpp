#define BOOST_TEST_MODULE acme_client
#include <boost/test/unit_test.hpp>

// cxxacme's ACME client against mock-acme, over real HTTPS on loopback,
// with real http-01 and tls-alpn-01 validation through cxxacme's responders.

#include <algorithm>
#include <atomic>
#include <csignal>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Logger.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <openssl/err.h>

#include "../TestPrinting.h"
#include "../support/StandInServer.h"
#include "../support/ChildProcess.h"
#include "../support/GatedRelay.h"
#include "../support/LoggerCapture.h"
#include "../support/TempDir.h"
#include "cxxacme/AcmeClient.h"
#include "cxxacme/AcmeHttpClient.h"
#include "cxxacme/AcmeIssuer.h"
#include "cxxacme/RevocationReason.h"
#include "cxxacme/AcmeIssuingService.h"
#include "cxxacme/Base64Url.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/responders/Http01Responder.h"
#include "cxxacme/responders/TlsAlpn01Responder.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/testing/MemoryStore.h"
#include "cxxacme/testing/MockAcmeFixture.h"
#include "cxxacme/testing/NullResponder.h"

using namespace cxxacme;
using namespace std::chrono_literals;
using cxxacme::testing::MockAcmeFixture;
using cxxacme::test::freePort;
using cxxacme::test::StandInServer;

namespace {

std::string managementGet(const MockAcmeFixture& acme, const std::string& path) {
    const Poco::URI uri(acme.managementUrl());
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(resp), body);
    return body;
}

int managementPost(const MockAcmeFixture& acme, const std::string& path, const std::string& body) {
    const Poco::URI uri(acme.managementUrl());
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::string ignored;
    Poco::StreamCopier::copyToString(session.receiveResponse(resp), ignored);
    return static_cast<int>(resp.getStatus());
}

mock_acme::MockAcmeConfig config() {
    auto c = MockAcmeFixture::defaultConfig();
    c.retryAfterSeconds = 0;
    return c;
}

// A CA, an account key, a client, and responders listening on free ports
// that the CA validates against.
struct World {
    explicit World(mock_acme::MockAcmeConfig c = config()) : acme(withPorts(std::move(c))), client(options(), key, clock) {}

    mock_acme::MockAcmeConfig withPorts(mock_acme::MockAcmeConfig c) {
        c.http01Port = http.listen("127.0.0.1", 0);
        c.tlsAlpn01Port = tls.listen("127.0.0.1", 0);
        return c;
    }
    AcmeClientOptions options() {
        AcmeClientOptions o;
        o.directoryUrl = acme.directoryUrl();
        o.http.caBundleFile = acme.caBundlePath();
        o.pollInterval = 50ms;
        o.badNonceRetries = 10;
        o.transientRetries = 8;
        o.validationRequestWait = 1s;  // a validation that fails is reported sooner
        return o;
    }

    responders::Http01Responder http;
    responders::TlsAlpn01Responder tls;
    MockAcmeFixture acme;
    SystemClock clock;
    std::shared_ptr<KeySigner> key = std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256));
    AcmeClient client;
};

// The request lines ("POST /certZ/ID/1 200") an in-process mock-acme logs.
struct RequestLog : test::LoggerCapture {
    RequestLog() : LoggerCapture("cxxacme.mock_acme.requests") {}
};

// "POST /certZ/ID 200" downloads the default chain, "POST /certZ/ID/N 200" an alternate.
bool isChainDownload(const std::string& line, bool alternate) {
    const std::string prefix = "POST /certZ/", suffix = " 200";
    if (!line.starts_with(prefix) || !line.ends_with(suffix) || line.size() <= prefix.size() + suffix.size()) return false;
    const std::string rest = line.substr(prefix.size(), line.size() - prefix.size() - suffix.size());
    return (rest.find('/') != std::string::npos) == alternate;
}
bool isDefaultChainDownload(const std::string& line) { return isChainDownload(line, false); }
bool isAlternateChainDownload(const std::string& line) { return isChainDownload(line, true); }

// Serves challenges with one responder and watches the CA's validation
// requests on another (the same one, or one the CA never reaches), keeping
// how many request lines `log` held when the watcher was first told.
class WatchRecorder final : public IResponder {
public:
    WatchRecorder(IResponder& served, IResponder& watched, RequestLog& log) : served_(served), watched_(watched), log_(log) {}
    std::string challengeType() const override { return served_.challengeType(); }
    void startResponding(const std::string& name, const Challenge& c, const std::string& keyAuth) override {
        served_.startResponding(name, c, keyAuth);
        if (&watched_ != &served_) watched_.startResponding(name, c, keyAuth);
    }
    void stopResponding(const std::string& name, const Challenge& c, const std::string& keyAuth) override {
        served_.stopResponding(name, c, keyAuth);
        if (&watched_ != &served_) watched_.stopResponding(name, c, keyAuth);
    }
    bool watchValidation(const std::string& name, const Challenge& c, std::function<void()> seen) override {
        return watched_.watchValidation(name, c, [this, seen = std::move(seen)] {
            std::size_t none = 0;
            seenAt_.compare_exchange_strong(none, log_.lines().size() + 1);  // + 1: 0 is "not yet"
            seen();
        });
    }
    /// The number of request lines logged before the watcher was first told.
    std::optional<std::size_t> seenAt() const {
        const std::size_t at = seenAt_.load();
        return at == 0 ? std::nullopt : std::optional<std::size_t>(at - 1);
    }

private:
    IResponder& served_;
    IResponder& watched_;
    RequestLog& log_;
    std::atomic<std::size_t> seenAt_{0};
};

void checkBundle(const PemBundle& bundle, const Certificate& root, std::size_t names) {
    BOOST_TEST(bundle.certificate().subjectAltNames().size() == names);
    BOOST_TEST(bundle.privateKey().matches(bundle.certificate().publicKey()));
    BOOST_CHECK_NO_THROW(bundle.certificate().verifyChain(bundle.chain(), {root}));
}

// One instance of a fleet over a certificate directory: its own store object, client (of the
// world's account key), issuer and issuing service.
struct FleetInstance {
    stores::DirectoryStore store;
    AcmeClient client;
    cxxacme::testing::NullResponder http;
    AcmeIssuer issuer{client, {&http}};
    AcmeIssuingService service;
    FleetInstance(World& w, const std::string& certs, AcmeIssuingServiceOptions options)
        : store(certs), client(w.options(), w.key, w.clock), service(store, issuer, w.clock, std::move(options)) {}
};

}  // namespace

BOOST_AUTO_TEST_CASE(issues_through_http01) {
    World w;
    AcmeIssuer issuer(w.client, {&w.http});
    const PemBundle bundle = issuer.issue("a.example.test,b.example.test");
    checkBundle(bundle, w.acme.issuingRoot(), 2);
    BOOST_TEST(bundle.certificate().subjectAltNames()[0].value == "a.example.test");
    BOOST_TEST(!w.http.lookup("anything").has_value());
}

BOOST_AUTO_TEST_CASE(issues_through_tls_alpn01_including_an_ip_identifier) {
    World w;
    AcmeIssuerOptions options;
    options.keyType = KeyType::Rsa2048;
    options.profile = "shortlived";  // as at Let's Encrypt, the profile that issues for IP addresses
    AcmeIssuer issuer(w.client, {&w.tls}, options);
    const PemBundle bundle = issuer.issue("t.example.test,127.0.0.1");
    checkBundle(bundle, w.acme.issuingRoot(), 2);
    BOOST_TEST((bundle.privateKey().type() == KeyType::Rsa2048));
    BOOST_TEST(!w.tls.challengeCertificate("t.example.test").has_value());  // stopped afterwards
}

BOOST_AUTO_TEST_CASE(the_first_poll_waits_until_the_responder_has_answered_the_ca) {
    // RFC 8555 §7.5.1: a client that can tell when the CA has made its
    // validation request SHOULD NOT poll before it has seen it. The CA here
    // comes half a second after the challenge POST; a client polling on its
    // timer (every 10 ms: the CA says Retry-After: 0) would have asked about
    // the authorization some fifty times.
    auto c = config();
    c.validationDelay = 500ms;
    World w(c);
    RequestLog log;
    WatchRecorder watching(w.http, w.http, log);
    AcmeIssuer issuer(w.client, {&watching});
    checkBundle(issuer.issue("first-poll.example.test"), w.acme.issuingRoot(), 1);
    const std::vector<std::string> lines = log.lines();
    BOOST_REQUIRE(watching.seenAt().has_value());
    const auto challenge = std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("POST /chalZ/"); });
    BOOST_REQUIRE(challenge != lines.end());
    const auto seen = lines.begin() + static_cast<std::ptrdiff_t>(*watching.seenAt());
    BOOST_REQUIRE((challenge < seen));
    const auto isPoll = [](const std::string& l) { return l.starts_with("POST /authZ/"); };
    BOOST_TEST(std::count_if(challenge, seen, isPoll) == 0);     // none while the CA had not come
    BOOST_TEST(std::count_if(seen, lines.end(), isPoll) >= 1);   // and then the one that found it valid
}

BOOST_AUTO_TEST_CASE(a_validation_request_nobody_sees_delays_the_first_poll_only_so_long) {
    // The CA's request reaches a responder that is not the watched one (as
    // in a fleet behind one name): the client polls after the wait instead.
    World w;
    RequestLog requests;
    test::LoggerCapture clientLog("cxxacme.client");
    responders::Http01Responder unreached;  // never listens
    WatchRecorder watching(w.http, unreached, requests);
    AcmeClientOptions options = w.options();
    options.validationRequestWait = 300ms;
    AcmeClient client(options, w.key, w.clock);
    AcmeIssuer issuer(client, {&watching});
    checkBundle(issuer.issue("unseen.example.test"), w.acme.issuingRoot(), 1);
    BOOST_TEST(!watching.seenAt().has_value());
    BOOST_TEST(clientLog.count([](const std::string& l) { return l.find("no validation request of the CA seen") != std::string::npos; }) == 1u);
}

BOOST_AUTO_TEST_CASE(a_challenge_answered_invalid_is_not_waited_for) {
    // The CA answers the challenge POST only once it has tried (and here
    // failed: nobody listens): nothing more will come to the responder, so
    // the client reads the error at once instead of waiting to see a request.
    auto c = config();
    c.challengeWait = 5s;
    World w(c);
    w.http.stop();
    test::LoggerCapture clientLog("cxxacme.client");
    AcmeIssuer issuer(w.client, {&w.http});
    try {
        issuer.issue("refused.example.test");
        BOOST_FAIL("issued without validation");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.is("connection"));
    }
    BOOST_TEST(clientLog.count([](const std::string& l) { return l.find("no validation request of the CA seen") != std::string::npos; }) == 0u);
}

BOOST_AUTO_TEST_CASE(responders_are_chosen_in_preference_order_and_always_stopped) {
    auto c = config();
    c.skipValidation = true;
    World w(c);
    cxxacme::testing::NullResponder alpn("tls-alpn-01"), http("http-01"), dns("dns-01");
    AcmeIssuer issuer(w.client, {&dns, &alpn, &http});
    issuer.issue("p.example.test");
    BOOST_TEST(dns.startCount() == 1);  // first in the list and offered
    BOOST_TEST(alpn.startCount() == 0);
    BOOST_TEST(dns.active().empty());

    cxxacme::testing::NullResponder unknown("tls-sni-01");
    AcmeIssuer cannot(w.client, {&unknown});
    try {
        cannot.issue("q.example.test");
        BOOST_FAIL("issued without a usable responder");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()).find("http-01") != std::string::npos);  // says what the CA offers
    }
}

BOOST_AUTO_TEST_CASE(a_failed_validation_is_an_acme_problem_and_responders_stop) {
    auto c = config();
    World w(c);
    w.http.stop();  // nobody answers http-01
    AcmeIssuer issuer(w.client, {&w.http});
    try {
        issuer.issue("f.example.test");
        BOOST_FAIL("issued without validation");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.is("connection"));
        BOOST_TEST(p.detail().find("f.example.test") != std::string::npos);
    }
}

// RFC 8555 §7.3.3: when the CA's terms of service change, its userActionRequired names the
// new terms (a Link header) and the page where a person agrees (`instance`): both are in the
// message, the terms' URL in the problem's "termsOfService". Once agreed there, issuance goes on.
BOOST_AUTO_TEST_CASE(changed_terms_of_service_are_told_with_where_to_agree) {
    World w;
    w.client.registerAccount({}, true);
    AcmeIssuer issuer(w.client, {&w.http});
    BOOST_CHECK_NO_THROW(issuer.issue("terms-before.example.test"));
    const std::string v2 = "https://127.0.0.1/terms/2026-12";
    BOOST_REQUIRE(managementPost(w.acme, "/set-terms-of-service", R"({"url":")" + v2 + R"("})") == 200);
    std::string instance;
    try {
        issuer.issue("terms-after.example.test");
        BOOST_FAIL("issued without agreeing to the new terms");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.is("userActionRequired"));
        BOOST_TEST(p.status() == 403);
        BOOST_TEST(p.extra()->optValue<std::string>("termsOfService", "") == v2);
        instance = p.extra()->optValue<std::string>("instance", "");
        BOOST_TEST(instance.find("/terms-agreement/") != std::string::npos);
        const std::string message = p.what();
        BOOST_TEST(message.find("terms of service: " + v2) != std::string::npos, message);
        BOOST_TEST(message.find("a person agrees at " + instance) != std::string::npos, message);
    }
    BOOST_TEST(!w.client.findAccount().termsOfServiceAgreed);
    AcmeHttpClient person({.caBundleFile = w.acme.caBundlePath()});
    BOOST_TEST(person.post(instance, "application/x-www-form-urlencoded", "").status == 200);
    BOOST_CHECK_NO_THROW(issuer.issue("terms-after.example.test"));
    BOOST_TEST(w.client.findAccount().termsOfServiceAgreed);
}

BOOST_AUTO_TEST_CASE(accounts_contact_deactivation_and_key_rollover) {
    World w;
    BOOST_CHECK_THROW(w.client.findAccount(), AcmeProblem);
    // not agreeing to the directory's terms: the server's problem, whole, and no account
    try {
        w.client.registerAccount({"mailto:ops@example.com"}, false);
        BOOST_FAIL("an account without agreeing to the terms");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.is("userActionRequired"));
        BOOST_TEST(p.status() == 403);
        BOOST_TEST(p.extra()->optValue<std::string>("instance", "").starts_with("https://"));
    }
    BOOST_CHECK_THROW(w.client.findAccount(), AcmeProblem);
    const AcmeAccount created = w.client.registerAccount({"mailto:ops@example.com"}, true);
    BOOST_TEST(created.status == "valid");
    BOOST_TEST(created.contact.at(0) == "mailto:ops@example.com");
    BOOST_TEST(w.client.findAccount().url == created.url);
    BOOST_TEST(w.client.updateContact({"mailto:new@example.com"}).contact.at(0) == "mailto:new@example.com");

    auto newKey = std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP384));
    w.client.rollKey(newKey);
    AcmeClient withNewKey(w.options(), newKey, w.clock);
    BOOST_TEST(withNewKey.findAccount().url == created.url);
    AcmeClient withOldKey(w.options(), w.key, w.clock);
    BOOST_CHECK_THROW(withOldKey.findAccount(), AcmeProblem);

    BOOST_TEST(w.client.deactivateAccount().status == "deactivated");
    try {
        w.client.newOrder({Identifier::dns("x.example.test")});
        BOOST_FAIL("a deactivated account ordered");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.is("unauthorized"));
        BOOST_TEST(p.status() == 401);
    }
}

// RFC 8555 §7.5.2: a client gives up an authorization it will not complete; its order
// goes invalid with it, and a deactivated authorization cannot be taken up again
BOOST_AUTO_TEST_CASE(an_authorization_is_deactivated_and_its_order_with_it) {
    World w;
    w.client.registerAccount({}, true);
    const AcmeOrder order = w.client.newOrder({Identifier::dns("given-up.example.test")});
    BOOST_REQUIRE(order.authorizations.size() == 1u);
    const std::string authzUrl = order.authorizations.at(0);
    BOOST_TEST(w.client.fetchAuthorization(authzUrl).status == "pending");
    const AcmeAuthorization gone = w.client.deactivateAuthorization(authzUrl);
    BOOST_TEST(gone.status == "deactivated");
    BOOST_TEST(gone.identifier.value == "given-up.example.test");
    BOOST_TEST(w.client.fetchAuthorization(authzUrl).status == "deactivated");
    BOOST_TEST(w.client.fetchOrder(order.url).status == "invalid");
    // its challenge starts nothing now: refused as Let's Encrypt refuses it, and the
    // authorization stays deactivated
    try {
        w.client.startChallenge(gone.challenges.at(0));
        BOOST_ERROR("a challenge of a deactivated authorization was taken");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.shortType() == "malformed");
        BOOST_TEST(p.detail() == "Unable to update challenge :: authorization must be pending");
    }
    BOOST_TEST(w.client.fetchAuthorization(authzUrl).status == "deactivated");
    // a new order for the name is a new authorization, which validates as any other
    AcmeIssuer issuer(w.client, {&w.http});
    checkBundle(issuer.issue("given-up.example.test"), w.acme.issuingRoot(), 1);
    BOOST_TEST(w.client.fetchAuthorization(authzUrl).status == "deactivated");
}

// What a CA sends is read up to maxResponseBytes and no further: an answer that streams
// on without end (chunked, no length) or one that says it is too long is refused, not
// kept in memory, and the connection is dropped
BOOST_AUTO_TEST_CASE(an_answer_over_the_size_limit_is_refused) {
    std::atomic<std::size_t> served{0};  // bytes of body written, over all connections
    StandInServer server([&served](Poco::Net::StreamSocket& peer) {
        char head[4096];
        const int got = peer.receiveBytes(head, sizeof head);  // the request's head, all of it in one read here
        const bool endless = got > 0 && std::string(head, static_cast<std::size_t>(got)).find("/endless") != std::string::npos;
        const std::string chunk(std::size_t{64} * 1024, 'x');
        std::string answer = endless ? "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     : "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4194304\r\n\r\n";
        peer.sendBytes(answer.data(), static_cast<int>(answer.size()));
        // "endless": 64 MiB, far past the limit, without a length (and no more, so that a
        // client without its limit fails this test instead of filling the machine's memory)
        for (int i = 0; i < (endless ? 1024 : 64); ++i) {  // until the client hangs up
            const std::string piece = endless ? "10000\r\n" + chunk + "\r\n" : chunk;
            peer.sendBytes(piece.data(), static_cast<int>(piece.size()));
            served += chunk.size();
        }
    });
    AcmeHttpClient http({.caBundleFile = "", .timeout = 10s, .maxResponseBytes = std::size_t{1024} * 1024});
    const std::string base = server.base();
    std::signal(SIGPIPE, SIG_IGN);  // the client's hang-up fails the server's write instead of ending the run
    for (const std::string path : {"/long", "/endless"}) {
        served = 0;
        try {
            http.get(base + path);
            BOOST_ERROR("an answer over 1 MiB was taken from " << path);
        } catch (const NetworkError& e) {
            BOOST_TEST(e.url() == base + path);
            BOOST_TEST(std::string(e.what()).find("response larger than 1048576 bytes") != std::string::npos, e.what());
        }
    }
    // the endless one (the last) stopped when the client hung up at the limit, give or take what
    // the sockets' buffers held, long before its 64 MiB were written
    server.stop();
    BOOST_TEST(served.load() < std::size_t{64} * 1024 * 1024);
}

// A chunked answer is whole only with its last (zero-size) chunk and the end of its trailer
// section (RFC 9112 §7.1): cut anywhere before, it is a truncated response, as one shorter
// than its Content-Length is; a chunk size that does not read is no answer either, nor is a
// Content-Length that does not read, nor a transfer coding the client did not ask for
BOOST_AUTO_TEST_CASE(a_chunked_answer_is_read_to_its_last_chunk) {
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    // (the trailer's value holds byte 0xFF, which HTTP allows there as obs-text)
    const std::string whole = head + "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\xff\r\n\r\n";
    const std::map<std::string, std::string> answers = {
        {"/whole", whole},
        {"/cut-at-a-boundary", whole.substr(0, whole.find("0\r\nX-Trailer"))},
        {"/cut-inside", whole.substr(0, whole.find("hello") + 3)},
        {"/cut-in-the-trailer", whole.substr(0, whole.find("yes"))},
        {"/bad-size", head + "zz\r\nhello\r\n0\r\n\r\n"},
        {"/long-chunk", head + "5\r\nhello!!\r\n0\r\n\r\n"},
        // chunks beside a length: the chunks' length (RFC 9112 §6.3)
        {"/chunks-and-length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n" + whole.substr(17)},
        {"/gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
        {"/bad-length", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\nConnection: close\r\n\r\nhello"},
    };
    StandInServer server(answers);
    AcmeHttpClient http({.caBundleFile = "", .timeout = 10s});
    const std::string base = server.base();
    const HttpReply reply = http.get(base + "/whole");
    BOOST_TEST(reply.status == 200);
    BOOST_TEST(reply.body == "hello world");
    BOOST_TEST(http.get(base + "/chunks-and-length").body == "hello world");
    const std::vector<std::pair<std::string, std::string>> refused = {
        {"/cut-at-a-boundary", "truncated response (chunked, the connection ended before a chunk's size)"},
        {"/cut-inside", "truncated response (chunked, the connection ended inside a chunk)"},
        {"/cut-in-the-trailer", "truncated response (chunked, the connection ended inside the trailer section)"},
        {"/bad-size", "a chunked answer whose chunk size does not read: \"zz\""},
        {"/long-chunk", "a chunked answer with a chunk longer than its size"},
        {"/gzip", "an answer in a transfer coding other than chunked alone: \"gzip, chunked\""},
        {"/bad-length", "a Content-Length that does not read: \"5x\""},
    };
    for (const auto& [path, words] : refused) {
        try {
            const HttpReply taken = http.get(base + path);
            BOOST_ERROR(path << " was taken as whole: \"" << taken.body << "\"");
        } catch (const NetworkError& e) {
            BOOST_TEST(e.url() == base + path);
            BOOST_TEST(std::string(e.what()).find(words) != std::string::npos, e.what());
            // cut short: the kind of failure worth sending again where that is harmless
            BOOST_TEST(e.transient() == (words.find("truncated") == 0), path);
        }
    }
}

BOOST_AUTO_TEST_CASE(survives_rejected_nonces_server_errors_and_rate_limits) {
    auto c = config();
    c.nonceRejectPercent = 40;
    c.serverErrorPercent = 20;
    c.rateLimitOrders = 1;
    c.rateLimitWindow = 2s;
    c.randomSeed = 7;
    World w(c);
    AcmeIssuer issuer(w.client, {&w.http});
    checkBundle(issuer.issue("n1.example.test"), w.acme.issuingRoot(), 1);
    checkBundle(issuer.issue("n2.example.test"), w.acme.issuingRoot(), 1);  // waits out the 429
}

// Answers cut short now and then (mock-acme's --truncated-responses, after the
// request has had its effect): the client sends again what is harmless to send
// again, and the certificates come.
BOOST_AUTO_TEST_CASE(survives_answers_cut_short) {
    auto c = config();
    c.truncatedResponsePercent = 20;
    c.randomSeed = 11;
    World w(c);
    test::LoggerCapture clientLog("cxxacme.client");
    AcmeIssuer issuer(w.client, {&w.http});
    std::vector<PemBundle> issued;
    for (const char* name : {"cut1.example.test", "cut2.example.test", "cut3.example.test", "cut4.example.test"}) {
        issued.push_back(issuer.issue(name));
        checkBundle(issued.back(), w.acme.issuingRoot(), 1);
    }
    const auto resent = clientLog.count([](const std::string& line) { return line.find("the connection to the CA failed") != std::string::npos; });
    BOOST_TEST(resent > 0u);

    // every answer cut: the directory is asked for again, as many times as transientRetries says, then reported
    auto always = config();
    always.truncatedResponsePercent = 100;
    MockAcmeFixture cut(always);
    RequestLog requests;
    AcmeClientOptions o = cut.clientOptions();
    o.pollInterval = 10ms;
    AcmeClient client(o, w.key, w.clock);
    try {
        client.directory();
        BOOST_FAIL("a truncated directory was taken");
    } catch (const NetworkError& e) {
        BOOST_TEST(e.transient());
    }
    // the directory was asked for once and then as many times again as transientRetries says
    BOOST_TEST(requests.count([](const std::string& line) { return line.starts_with("GET /dir "); }) ==
               static_cast<std::size_t>(o.transientRetries + 1));
}

// One answer lost (POST /set-truncated-responses {"next": 1}): a finalize is not
// sent again but followed through its order, which the CA has moved on; a
// revocation, which cannot be sent twice, is reported, and it did take effect.
BOOST_AUTO_TEST_CASE(a_lost_finalize_is_followed_and_a_lost_revocation_reported) {
    auto c = config();
    c.skipValidation = true;
    World w(c);
    w.client.registerAccount({}, true);
    AcmeOrder order = w.client.newOrder({Identifier::dns("lost.example.test")});
    for (const auto& url : order.authorizations) w.client.startChallenge(w.client.fetchAuthorization(url).challenges.at(0));
    order = w.client.fetchOrder(order.url);
    BOOST_REQUIRE(order.status == "ready");
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    RequestLog requests;
    const auto posts = [&](const std::string& path) {
        return requests.count([&](const std::string& line) { return line.starts_with("POST " + path); });
    };
    BOOST_REQUIRE(managementPost(w.acme, "/set-truncated-responses", R"({"next": 1})") == 200);
    const AcmeOrder valid = w.client.finalize(order, CertificateSigningRequest::create(key, {Identifier::dns("lost.example.test")}));
    BOOST_TEST(valid.status == "valid");
    BOOST_TEST(posts("/finalize-order/") == 1u);  // once: the order said the CA had taken it
    const Certificate leaf = Certificate::chainFromPem(w.client.downloadCertificate(valid.certificate).pem).at(0);
    BOOST_TEST(leaf.publicKey() == key.publicKey());

    BOOST_REQUIRE(managementPost(w.acme, "/set-truncated-responses", R"({"next": 1})") == 200);
    try {
        w.client.revoke(leaf);
        BOOST_FAIL("a revocation whose answer was lost was taken for done");
    } catch (const NetworkError& e) {
        BOOST_TEST(e.transient());
    }
    BOOST_TEST(posts("/revoke-cert") == 1u);
    try {
        w.client.revoke(leaf);
        BOOST_FAIL("revoked twice");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.is("alreadyRevoked"));  // the first did take effect
    }
    // the management interface refuses what it cannot use
    BOOST_TEST(managementPost(w.acme, "/set-truncated-responses", R"({"percent": 101})") == 400);
    BOOST_TEST(managementPost(w.acme, "/set-truncated-responses", R"({"next": -1})") == 400);
    BOOST_TEST(managementPost(w.acme, "/set-truncated-responses", R"({})") == 400);
}

// A CA that stops answering (mock-acme's --delayed-responses; POST
// /set-delayed-responses {"next": 1} holds the next answer back): the request
// times out with an error naming its URL and is not sent again, since the CA
// may have acted on it, and it did. A finalize that times out is followed
// through its order instead. An answer that is slow but within the client's
// timeout is taken.
BOOST_AUTO_TEST_CASE(a_ca_that_stops_answering_times_out_and_nothing_is_sent_twice) {
    auto c = config();
    c.skipValidation = true;
    World w(c);
    AcmeClientOptions o = w.options();
    o.http.timeout = 1s;
    AcmeClient impatient(o, w.key, w.clock);
    impatient.registerAccount({}, true);
    RequestLog requests;
    const auto posts = [&](const std::string& path) {
        return requests.count([&](const std::string& line) { return line.starts_with("POST " + path); });
    };
    const auto holdNext = [&](const std::string& ms) {
        BOOST_REQUIRE(managementPost(w.acme, "/set-delayed-responses", R"({"next": 1, "ms": )" + ms + "}") == 200);
    };

    holdNext("3600000");
    try {
        impatient.newOrder({Identifier::dns("slow.example.test")});
        BOOST_FAIL("an order without an answer was taken");
    } catch (const NetworkError& e) {
        BOOST_TEST(e.timedOut());
        BOOST_TEST(!e.transient());
        BOOST_TEST(e.url() == impatient.directory().newOrder);
        BOOST_TEST(std::string(e.what()).find("timed out") != std::string::npos, e.what());
    }
    BOOST_TEST(posts("/order-plz") == 1u);  // not sent again
    const auto orders = impatient.listOrders();
    BOOST_REQUIRE(orders.size() == 1u);  // but it was made
    AcmeOrder order = impatient.fetchOrder(orders.at(0));
    BOOST_TEST(order.identifiers.at(0).value == "slow.example.test");

    // the finalize's answer never comes: the order says the CA took the CSR, and is followed
    for (const auto& url : order.authorizations) impatient.startChallenge(impatient.fetchAuthorization(url).challenges.at(0));
    order = impatient.fetchOrder(order.url);
    BOOST_REQUIRE(order.status == "ready");
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    holdNext("3600000");
    const AcmeOrder valid = impatient.finalize(order, CertificateSigningRequest::create(key, {Identifier::dns("slow.example.test")}));
    BOOST_TEST(valid.status == "valid");
    BOOST_TEST(posts("/finalize-order/") == 1u);

    // slow, within the timeout of a patient client: taken
    holdNext("1500");
    w.client.registerAccount({}, true);  // the same key: the same account
    const AcmeOrder slow = w.client.newOrder({Identifier::dns("patient.example.test")});
    BOOST_TEST(slow.status == "pending");
    BOOST_TEST(posts("/order-plz") == 2u);

    // the management interface refuses what it cannot use, and says what it now does
    BOOST_TEST(managementPost(w.acme, "/set-delayed-responses", R"({"ms": 0})") == 400);
    BOOST_TEST(managementPost(w.acme, "/set-delayed-responses", R"({"ms": 3600001})") == 400);
    BOOST_TEST(managementPost(w.acme, "/set-delayed-responses", R"({"percent": 101})") == 400);
    BOOST_TEST(managementPost(w.acme, "/set-delayed-responses", R"({"next": "1"})") == 400);
    BOOST_TEST(managementPost(w.acme, "/set-delayed-responses", R"({})") == 400);
    BOOST_TEST(managementPost(w.acme, "/set-delayed-responses", R"({"percent": 0, "ms": 5})") == 200);
    BOOST_TEST(w.client.fetchOrder(slow.url).status == "pending");  // no answer held: 0 %
}

// A CA that cannot be reached in time: a connect that neither succeeds nor is
// refused (test::GatedRelay, closed), as behind a saturated or firewalled front
// end. The request never went out, and the error says so (requestSent() false;
// transient, not timedOut()), so that even a request that is never sent twice,
// a revocation, is sent again once the CA is back; and it arrives once. One
// that went out and got no answer is not sent again
// (a_ca_that_stops_answering_times_out_and_nothing_is_sent_twice).
BOOST_AUTO_TEST_CASE(a_request_that_never_went_out_is_sent_again_when_the_ca_is_back) {
    auto c = config();
    c.skipValidation = true;
    World w(c);
    test::GatedRelay relay(Poco::URI(w.acme.directoryUrl()).getPort());
    AcmeClientOptions o = w.options();
    o.directoryUrl = "https://127.0.0.1:" + std::to_string(relay.port()) + "/dir";
    o.http.timeout = 1s;
    AcmeClient client(o, w.key, w.clock);
    client.registerAccount({}, true);
    AcmeIssuer issuer(client, {&w.http});
    const Certificate leaf = issuer.issue("unreachable.example.test").certificate();

    relay.close();
    AcmeHttpClient http({.caBundleFile = w.acme.caBundlePath(), .timeout = 1s});
    try {
        http.get(o.directoryUrl);
        BOOST_FAIL("a closed relay answered");
    } catch (const NetworkError& e) {
        BOOST_TEST(e.url() == o.directoryUrl);
        BOOST_TEST(std::string(e.what()).find("not sent: no connection within 1 s") != std::string::npos, e.what());
        BOOST_TEST(e.transient());
        BOOST_TEST(!e.timedOut());
        BOOST_TEST(!e.requestSent());
    }

    RequestLog requests;
    test::LoggerCapture clientLog("cxxacme.client");
    const auto saidNotSent = [&] {
        return clientLog.count([](const std::string& line) { return line.find("not sent: ") != std::string::npos; });
    };
    std::atomic<bool> done{false};
    std::thread reopen([&] {  // the CA comes back once the client has found it unreachable
        while (saidNotSent() == 0 && !done) std::this_thread::sleep_for(10ms);
        relay.open();
    });
    try {
        client.revoke(leaf, 4);
    } catch (...) {
        done = true;
        reopen.join();
        throw;
    }
    done = true;
    reopen.join();
    BOOST_TEST(saidNotSent() >= 1u);
    BOOST_TEST(requests.count([](const std::string& line) { return line.starts_with("POST /revoke-cert"); }) == 1u);
    BOOST_TEST(managementGet(w.acme, "/cert-status-by-serial/" + leaf.serialHex()).find("Revoked") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_long_retry_after_is_reported_not_waited_for) {
    auto c = config();
    c.skipValidation = true;
    c.rateLimitOrders = 1;
    c.rateLimitWindow = 3600s;
    World w(c);
    cxxacme::testing::NullResponder http;
    AcmeIssuer issuer(w.client, {&http});
    issuer.issue("r1.example.test");
    try {
        issuer.issue("r2.example.test");
        BOOST_FAIL("rate limit not reported");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.is("rateLimited"));
        BOOST_TEST(p.status() == 429);
        // the CA's Retry-After (the hour's window) comes with it, for a caller to wait out
        BOOST_REQUIRE(p.retryAt());
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(*p.retryAt() - w.clock.now());
        BOOST_TEST(left.count() > 3500);
        BOOST_TEST(left.count() <= 3600);
    }
    // a problem without Retry-After says nothing of when
    try {
        w.client.fetchAuthorization(w.acme.directoryUrl().substr(0, w.acme.directoryUrl().size() - 4) + "/authZ/none");
        BOOST_FAIL("a made-up authorization was found");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.status() == 404);
        BOOST_TEST(!p.retryAt());
    }
}

// A 429 without Retry-After (Let's Encrypt's pause of a name whose validations
// keep failing) is reported at once, not asked again: asking does not pass it.
BOOST_AUTO_TEST_CASE(a_paused_name_is_reported_at_once_with_the_link) {
    auto c = config();
    c.pauseAfterFailures = 1;
    World w(c);
    cxxacme::testing::NullResponder nothing;  // http-01 answered by no one: the validation fails
    AcmeIssuer failing(w.client, {&nothing});
    BOOST_CHECK_THROW(failing.issue("paused.example.test"), AcmeProblem);
    RequestLog requests;
    AcmeIssuer issuer(w.client, {&w.http});
    try {
        issuer.issue("paused.example.test");
        BOOST_FAIL("a paused name was issued for");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.is("rateLimited"));
        BOOST_TEST(p.status() == 429);
        BOOST_TEST(!p.retryAt());
        BOOST_TEST(p.detail().find("temporarily prevented from requesting certificates for paused.example.test") !=
                   std::string::npos, p.detail());
        BOOST_TEST(p.detail().find("/sfe/v1/unpause?jwt=") != std::string::npos, p.detail());
    }
    BOOST_TEST(requests.count([](const std::string& line) { return line.starts_with("POST /order-plz"); }) == 1u);
}

// The issuing service against a CA that limits the account's new orders (mock-acme
// in Let's Encrypt's words): five empty entries, two orders allowed an hour. The
// third is refused, and the two behind it are not sent into the same refusal:
// the CA sees three orders, not five, and the service one failure.
BOOST_AUTO_TEST_CASE(the_issuing_service_sends_no_order_into_an_account_wide_rate_limit) {
    auto c = config();
    c.skipValidation = true;
    c.rateLimitOrders = 2;
    c.rateLimitWindow = 3600s;
    World w(c);
    cxxacme::testing::NullResponder http;
    AcmeIssuer issuer(w.client, {&http});
    cxxacme::testing::MemoryStore store;
    for (int i = 1; i <= 5; ++i) store.store("e" + std::to_string(i) + ".example.test", PemBundle());
    AcmeIssuingServiceOptions options;
    options.maxConcurrentIssuances = 1;
    std::mutex mutex;
    std::vector<std::pair<std::string, std::string>> panics;
    options.panic = [&](const std::string& names, const std::string& why) {
        std::lock_guard lock(mutex);
        panics.emplace_back(names, why);
    };
    RequestLog requests;
    AcmeIssuingService service(store, issuer, w.clock, options);
    int failed = 0;
    const auto subscription = service.onEvent([&](const IssuingEvent& e) {
        std::lock_guard lock(mutex);
        failed += e.kind == IssuingEvent::Kind::Failed;
    });
    service.start();
    BOOST_REQUIRE(service.whenCertsValid().wait_for(60s) == std::future_status::ready);
    service.stop();
    BOOST_TEST(!store.get("e1.example.test")->empty());
    BOOST_TEST(!store.get("e2.example.test")->empty());
    for (const char* held : {"e3.example.test", "e4.example.test", "e5.example.test"}) BOOST_TEST(store.get(held)->empty());
    BOOST_TEST(requests.count([](const std::string& line) { return line.starts_with("POST /order-plz"); }) == 3u);
    BOOST_TEST(requests.count([](const std::string& line) { return line == "POST /order-plz 429 rateLimited"; }) == 1u);
    std::lock_guard lock(mutex);
    BOOST_TEST(failed == 1);
    // empty entries are in their panic threshold: each is reported, the two behind as not asked
    BOOST_REQUIRE(panics.size() == 3u);
    std::sort(panics.begin(), panics.end());
    BOOST_TEST(panics[0].second.find("too many new orders (2) from this account in the last 1h0m0s") != std::string::npos,
               panics[0].second);
    for (int i : {1, 2}) {
        BOOST_TEST(panics[static_cast<std::size_t>(i)].second.starts_with("not asked: the CA refuses every name of the account until "),
                   panics[static_cast<std::size_t>(i)].second);
    }
}

// A fleet: two instances, each with its own client, issuer and store object
// over one certificate directory (their flock()s exclude each other as two
// processes' do), both starting at once with six names to issue. Each
// certificate is ordered once.
BOOST_AUTO_TEST_CASE(two_issuing_services_over_one_cert_directory_order_each_certificate_once) {
    auto c = config();
    c.skipValidation = true;
    c.validationDelay = 200ms;  // orders long enough for the two to overlap
    World w(c);
    test::TempDir dir;
    constexpr int kEntries = 6;
    const std::string certs = (dir.path / "certs").string();
    {
        stores::DirectoryStore setup(certs);
        for (int i = 0; i < kEntries; ++i) setup.store("f" + std::to_string(i) + ".example.test", PemBundle());
    }
    AcmeIssuingServiceOptions options;
    options.lockRetryInterval = 500ms;
    options.panic = [](const std::string&, const std::string&) {};
    RequestLog requests;
    FleetInstance one(w, certs, options), two(w, certs, options);
    one.service.start();
    two.service.start();
    bool done = false;
    for (int i = 0; i < 600 && !done; ++i) {
        const auto all = one.store.asMap();
        done = std::all_of(all.begin(), all.end(), [](const auto& e) { return !e.second.empty(); });
        if (!done) std::this_thread::sleep_for(100ms);
    }
    BOOST_REQUIRE_MESSAGE(done, "the two instances did not issue every entry");
    one.service.stop();
    two.service.stop();
    BOOST_TEST(requests.count([](const std::string& line) { return line.starts_with("POST /order-plz"); }) ==
                   static_cast<std::size_t>(kEntries),
               "a certificate was ordered by both instances");
    BOOST_TEST(requests.count([](const std::string& line) { return line.starts_with("POST /finalize-order/"); }) ==
               static_cast<std::size_t>(kEntries));
    for (const auto& entry : std::filesystem::directory_iterator(certs))
        BOOST_TEST(!entry.path().filename().string().ends_with(".lock"), entry.path() << " is left behind");
}

// An entry written empty while the service runs (txacme's "issue me", by
// another process or by hand) is issued at once, not at the next check a
// day away; what the service stores itself, a certificate written over an
// entry, and a removal are not ordered.
BOOST_AUTO_TEST_CASE(an_entry_written_empty_while_the_service_runs_is_issued_at_once) {
    auto c = config();
    c.skipValidation = true;
    World w(c);
    test::TempDir dir;
    const std::string certs = (dir.path / "certs").string();
    AcmeIssuingServiceOptions options;
    options.panic = [](const std::string&, const std::string&) {};
    RequestLog requests;
    FleetInstance one(w, certs, options);
    one.service.start();
    BOOST_REQUIRE(one.service.whenCertsValid().wait_for(60s) == std::future_status::ready);
    const auto orders = [&] { return requests.count([](const std::string& line) { return line.starts_with("POST /order-plz"); }); };
    BOOST_REQUIRE(orders() == 0u);
    stores::DirectoryStore other(certs);  // as another process
    other.store("late.example.test", PemBundle());
    bool issued = false;
    for (int i = 0; i < 300 && !issued; ++i) {
        const auto entry = other.get("late.example.test");
        issued = entry && !entry->empty();
        if (!issued) std::this_thread::sleep_for(100ms);
    }
    BOOST_REQUIRE_MESSAGE(issued, "an empty entry written while the service ran was not issued");
    std::this_thread::sleep_for(500ms);  // the service's own write is reported too: it orders nothing for it
    BOOST_TEST(orders() == 1u);
    other.store("copy.example.test", *other.get("late.example.test"));  // a certificate, not "issue me"
    std::filesystem::remove(certs + "/late.example.test.pem");
    std::this_thread::sleep_for(500ms);
    one.service.stop();
    BOOST_TEST(orders() == 1u);
    BOOST_TEST(!other.get("late.example.test").has_value());
}

// A fleet meets the CA's limit on new orders per account: the instance that
// meets it posts the refusal in the certificate directory, and another
// instance of the same account, started after, sends no order into it.
BOOST_AUTO_TEST_CASE(a_fleet_sends_one_order_into_an_account_wide_rate_limit_not_one_per_instance) {
    auto c = config();
    c.skipValidation = true;
    c.rateLimitOrders = 2;
    c.rateLimitWindow = 3600s;
    World w(c);
    test::TempDir dir;
    const std::string certs = (dir.path / "certs").string();
    {
        stores::DirectoryStore setup(certs);
        for (int i = 0; i < 5; ++i) setup.store("r" + std::to_string(i) + ".example.test", PemBundle());
    }
    AcmeIssuingServiceOptions options;
    options.maxConcurrentIssuances = 1;
    options.panic = [](const std::string&, const std::string&) {};
    RequestLog requests;
    FleetInstance one(w, certs, options);
    one.service.start();
    BOOST_REQUIRE(one.service.whenCertsValid().wait_for(60s) == std::future_status::ready);
    BOOST_REQUIRE(requests.count([](const std::string& line) { return line == "POST /order-plz 429 rateLimited"; }) == 1u);
    BOOST_TEST(!std::filesystem::is_empty(std::filesystem::path(certs) / stores::DirectoryStore::kRefusalDirectory),
               "the refusal is not on the board");
    FleetInstance two(w, certs, options);
    two.service.start();
    BOOST_REQUIRE(two.service.whenCertsValid().wait_for(60s) == std::future_status::ready);
    one.service.stop();
    two.service.stop();
    BOOST_TEST(requests.count([](const std::string& line) { return line.starts_with("POST /order-plz"); }) == 3u);
    BOOST_TEST(requests.count([](const std::string& line) { return line == "POST /order-plz 429 rateLimited"; }) == 1u,
               "the second instance sent an order into the limit the first met");
    int issued = 0;
    for (const auto& [name, entry] : two.store.asMap()) issued += !entry.empty();
    BOOST_TEST(issued == 2);
}

// A fleet behind a load balancer: the server that orders (A) is not the one
// the CA's validation reaches (B). B answers A's http-01 and tls-alpn-01
// challenges from the board of the certificate directory they share; a
// server that does not share cannot.
BOOST_AUTO_TEST_CASE(a_fleet_server_the_ca_does_not_reach_is_validated_through_the_shared_board) {
    test::TempDir dir;
    const std::string certs = (dir.path / "certs").string();
    stores::DirectoryStore boardOfA(certs), boardOfB(certs);  // before the responders that share them: they outlive them
    World w;  // w.http and w.tls listen on the ports the CA validates: server B
    w.http.share(boardOfB);
    w.tls.share(boardOfB);
    responders::Http01Responder httpOfA;  // listening nowhere the CA goes
    responders::TlsAlpn01Responder tlsOfA;
    httpOfA.share(boardOfA);
    tlsOfA.share(boardOfA);
    {
        AcmeIssuer issuer(w.client, {&httpOfA});
        checkBundle(issuer.issue("fleet-http.example.test"), w.acme.issuingRoot(), 1);
    }
    {
        AcmeIssuer issuer(w.client, {&tlsOfA});
        checkBundle(issuer.issue("fleet-tls.example.test"), w.acme.issuingRoot(), 1);
    }
    // every answer taken down again
    for (const auto& entry : std::filesystem::directory_iterator(certs))
        BOOST_TEST(!entry.path().filename().string().starts_with(".challenge."), entry.path() << " is left behind");
    // without the board, B has nothing to say
    responders::Http01Responder alone;
    AcmeIssuer issuer(w.client, {&alone});
    BOOST_CHECK_THROW(issuer.issue("fleet-alone.example.test"), AcmeProblem);
}

// A CA that makes no more accounts from this address (Let's Encrypt's limit on
// new registrations): no entry can be ordered, so one refused newAccount holds
// them all.
BOOST_AUTO_TEST_CASE(the_issuing_service_asks_once_for_an_account_the_ca_will_not_make) {
    auto c = config();
    c.skipValidation = true;
    c.registrationLimit = 1;
    World w(c);
    {
        AcmeClient other(w.options(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), w.clock);
        other.registerAccount({}, true);  // the address's one account
    }
    cxxacme::testing::NullResponder http;
    AcmeIssuer issuer(w.client, {&http});
    cxxacme::testing::MemoryStore store;
    for (int i = 1; i <= 3; ++i) store.store("r" + std::to_string(i) + ".example.test", PemBundle());
    AcmeIssuingServiceOptions options;
    options.maxConcurrentIssuances = 1;
    options.panic = [](const std::string&, const std::string&) {};
    RequestLog requests;
    AcmeIssuingService service(store, issuer, w.clock, options);
    service.start();
    BOOST_REQUIRE(service.whenCertsValid().wait_for(60s) == std::future_status::ready);
    service.stop();
    BOOST_TEST(requests.count([](const std::string& line) { return line == "POST /sign-me-up 429 rateLimited"; }) == 1u);
    BOOST_TEST(requests.count([](const std::string& line) { return line.starts_with("POST /order-plz"); }) == 0u);
}

BOOST_AUTO_TEST_CASE(revocation_by_account_and_by_certificate_key) {
    World w;
    AcmeIssuer issuer(w.client, {&w.http});
    const PemBundle first = issuer.issue("rv.example.test");
    w.client.revoke(first.certificate(), 4);
    BOOST_TEST(managementGet(w.acme, "/cert-status-by-serial/" + first.certificate().serialHex()).find("Revoked") !=
               std::string::npos);
    try {
        w.client.revoke(first.certificate());
        BOOST_FAIL("revoked twice");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.is("alreadyRevoked"));
    }
    const PemBundle second = issuer.issue("rv.example.test");
    const KeySigner certificateKey(second.privateKey());
    w.client.revoke(second.certificate(), 1, &certificateKey);
    BOOST_TEST(managementGet(w.acme, "/cert-status-by-serial/" + second.certificate().serialHex()).find("Revoked") !=
               std::string::npos);
}

// AcmeIssuer::revoke, as the issuing service's revokeCert calls it, in a
// process that has not used the account yet: the account is found, never made.
BOOST_AUTO_TEST_CASE(an_issuer_revokes_through_its_account_found_never_made) {
    World w;
    AcmeIssuer issuer(w.client, {&w.http});
    const PemBundle first = issuer.issue("rk.example.test");
    const PemBundle second = issuer.issue("rk.example.test");
    const auto status = [&](const PemBundle& b) {
        return managementGet(w.acme, "/cert-status-by-serial/" + b.certificate().serialHex());
    };

    AcmeClient later(w.options(), w.key, w.clock);
    AcmeIssuer laterIssuer(later, {&w.http});
    BOOST_CHECK_EXCEPTION(laterIssuer.revoke(first.certificate(), 7), Error,
                          [](const Error& e) { return std::string(e.what()).find("CRLReason") != std::string::npos; });
    BOOST_TEST(later.accountUrl() == "");  // refused before anything was asked
    BOOST_TEST(status(first).find("\"Valid\"") != std::string::npos);
    laterIssuer.revoke(first.certificate(), RevocationReason::kCessationOfOperation);
    BOOST_TEST(later.accountUrl() == w.client.accountUrl());
    BOOST_TEST(status(first).find("\"Revoked\"") != std::string::npos);
    BOOST_TEST(status(first).find("\"Reason\":5") != std::string::npos, status(first));

    // a key without an account: the CA says so, and no account is made for it
    AcmeClient stranger(w.options(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), w.clock);
    AcmeIssuer strangerIssuer(stranger, {&w.http});
    BOOST_CHECK_EXCEPTION(strangerIssuer.revoke(second.certificate(), 0), AcmeProblem,
                          [](const AcmeProblem& p) { return p.is("accountDoesNotExist"); });
    BOOST_TEST(stranger.accountUrl() == "");
    BOOST_CHECK_THROW(stranger.findAccount(), AcmeProblem);
    BOOST_TEST(status(second).find("\"Valid\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(renewal_information_and_replaces) {
    World w;
    AcmeIssuer issuer(w.client, {&w.http});
    const PemBundle first = issuer.issue("ari.example.test");
    const auto info = w.client.renewalInfo(first.certificate());
    BOOST_REQUIRE(info.has_value());
    BOOST_TEST((info->windowStart > first.certificate().notBefore()));
    BOOST_TEST((info->windowEnd < first.certificate().notAfter()));
    BOOST_TEST((info->retryAfter > Duration::zero()));
    BOOST_TEST(info->explanationUrl.empty());
    // a CA calling the certificate in early, and saying why (RFC 9773 §4.2)
    BOOST_REQUIRE(managementPost(w.acme, "/set-renewal-info",
                                 R"({"serial":")" + first.certificate().serialHex() +
                                     R"(","start":"2026-01-01T00:00:00Z","end":"2026-01-01T01:00:00Z",)"
                                     R"("explanationURL":"https://ca.example.test/incidents/7"})") == 200);
    const auto early = w.client.renewalInfo(first.certificate());
    BOOST_REQUIRE(early.has_value());
    BOOST_TEST(formatRfc3339(early->windowStart) == "2026-01-01T00:00:00Z");
    BOOST_TEST(early->explanationUrl == "https://ca.example.test/incidents/7");
    // a renewal names the replaced certificate; a second one falls back
    const PemBundle second = issuer.issue("ari.example.test", first.certificate());
    const PemBundle third = issuer.issue("ari.example.test", first.certificate());
    BOOST_TEST(!(second.certificate() == third.certificate()));
}

// A store's certificate from another CA (staging before production, a CA changed) or from
// another account (a lost account key): the CA refuses a `replaces` naming it (mock-acme
// as Let's Encrypt: malformed, unauthorized), and the renewal is ordered without it
// instead of failing at every check until the certificate expires.
BOOST_AUTO_TEST_CASE(a_renewal_of_another_accounts_or_cas_certificate_is_ordered_without_replaces) {
    World w;
    AcmeIssuer issuer(w.client, {&w.http});
    const PemBundle first = issuer.issue("moved.example.test");
    test::LoggerCapture said("cxxacme.issuer");
    RequestLog requests;
    const auto refusedOrders = [&](const std::string& statusAndType) {
        return requests.count([&](const std::string& line) { return line == "POST /order-plz " + statusAndType; });
    };

    // the same CA, another account
    AcmeClient otherAccount(w.options(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), w.clock);
    AcmeIssuer otherAccountIssuer(otherAccount, {&w.http});
    const PemBundle second = otherAccountIssuer.issue("moved.example.test", first.certificate());
    BOOST_TEST((second.certificate().subjectAltNames() == std::vector<Identifier>{Identifier::dns("moved.example.test")}));
    BOOST_TEST(!(second.certificate() == first.certificate()));
    BOOST_TEST(refusedOrders("403 unauthorized") == 1u);

    // another CA altogether
    World elsewhere;
    AcmeIssuer elsewhereIssuer(elsewhere.client, {&elsewhere.http});
    const PemBundle third = elsewhereIssuer.issue("moved.example.test", first.certificate());
    BOOST_CHECK_NO_THROW(third.certificate().verifyChain(third.chain(), {elsewhere.acme.issuingRoot()}));
    BOOST_TEST(refusedOrders("400 malformed") == 1u);
    BOOST_TEST(said.count([](const std::string& line) {
                   return line.find("ordering moved.example.test without replaces") != std::string::npos;
               }) == 2u);

    // its own certificate: named, and accepted
    const PemBundle fourth = elsewhereIssuer.issue("moved.example.test", third.certificate());
    BOOST_TEST(refusedOrders("400 malformed") == 1u);
    BOOST_TEST(said.count([](const std::string& line) { return line.find("without replaces") != std::string::npos; }) == 2u);
    BOOST_TEST(!(fourth.certificate() == third.certificate()));
}

// A CA's mistake in what it sends is refused before anyone keeps it (mock-acme's
// set-misissued-certificates): a leaf naming other names, one already expired, a chain
// that does not link up, a leaf for another key than the one ordered with, PEM that
// holds no certificate.
BOOST_AUTO_TEST_CASE(a_certificate_the_ca_got_wrong_is_refused) {
    World w;
    AcmeIssuer issuer(w.client, {&w.http});
    const auto refused = [&](const std::string& fault, const std::string& words) {
        BOOST_TEST_CONTEXT(fault) {
            BOOST_REQUIRE(managementPost(w.acme, "/set-misissued-certificates", R"({"fault":")" + fault + R"(","next":1})") == 200);
            BOOST_CHECK_EXCEPTION(issuer.issue("checked.example.test"), AcmeProblem, [&](const AcmeProblem& p) {
                BOOST_TEST_MESSAGE(p.what());
                return std::string(p.what()).find(words) != std::string::npos;
            });
        }
    };
    refused("names", "the CA's certificate for checked.example.test does not name checked.example.test");
    refused("expired", "the CA's certificate for checked.example.test expired at ");
    refused("chain", "the CA's chain for checked.example.test does not link up: its certificate 2 (");
    refused("key", "the CA's certificate does not fit the key");
    refused("unreadable", "the CA sent an unreadable certificate chain");
    // the faults spent: what was ordered
    const PemBundle good = issuer.issue("checked.example.test");
    checkBundle(good, w.acme.issuingRoot(), 1);
    for (const std::string bad : {R"({"fault":"other","next":1})", R"({"fault":"names","next":-1})",
                                  R"({"fault":"names","next":1001})", R"({"next":1})", R"({"fault":"names"})"}) {
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(managementPost(w.acme, "/set-misissued-certificates", bad) == 400); }
    }
}

BOOST_AUTO_TEST_CASE(profiles_and_preferred_chains) {
    World w;
    AcmeIssuerOptions options;
    options.profile = "shortlived";
    options.preferredChainIssuer = "mock-acme root 1";
    AcmeIssuer issuer(w.client, {&w.http}, options);
    const PemBundle bundle = issuer.issue("sl.example.test");
    const auto& c = bundle.certificate();
    BOOST_TEST(std::chrono::duration_cast<std::chrono::hours>(c.notAfter() - c.notBefore()).count() == 160);  // shortlived: 160 hours
    BOOST_CHECK_NO_THROW(c.verifyChain(bundle.chain(), {w.acme.server().issuingRoot(1)}));
    BOOST_CHECK_THROW(c.verifyChain(bundle.chain(), {w.acme.issuingRoot()}), CertificateError);
    BOOST_TEST(w.client.directory().profiles.count("shortlived") == 1u);
}

BOOST_AUTO_TEST_CASE(alternate_chains_are_fetched_only_for_a_preference) {
    World w;  // mock-acme offers one alternate chain, to "mock-acme root 1"
    RequestLog log;

    struct Case {
        std::string preference;
        std::size_t root;        // the root the chain taken leads to
        std::size_t alternates;  // alternate chains downloaded
    };
    const Case cases[] = {
        {"", 0, 0},                  // no preference: the default chain alone, one request
        {"mock-acme root 0", 0, 0},  // a preference the default chain meets: no alternate either
        {"mock-acme root 1", 1, 1},  // one only the alternate meets: it is fetched and taken
        {"no such root", 0, 1},      // one no chain meets: every alternate looked at, the default kept
    };
    int n = 0;
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT("preferred chain issuer \"" << c.preference << "\"") {
            log.clear();
            AcmeIssuerOptions options;
            options.preferredChainIssuer = c.preference;
            const PemBundle bundle =
                AcmeIssuer(w.client, {&w.http}, options).issue("chain" + std::to_string(++n) + ".example.test");
            BOOST_CHECK_NO_THROW(bundle.certificate().verifyChain(bundle.chain(), {w.acme.server().issuingRoot(c.root)}));
            BOOST_TEST(log.count(isDefaultChainDownload) == 1u);
            BOOST_TEST(log.count(isAlternateChainDownload) == c.alternates);
        }
    }
}

BOOST_AUTO_TEST_CASE(certificate_download_names_its_alternates) {
    auto c = config();
    c.skipValidation = true;
    World w(c);
    w.client.registerAccount({}, true);
    const std::vector<Identifier> ids{Identifier::dns("chains.example.test")};
    AcmeOrder order = w.client.newOrder(ids);
    for (const auto& url : order.authorizations) {
        const AcmeAuthorization authz = w.client.fetchAuthorization(url);
        if (authz.status == "pending") w.client.startChallenge(authz.challenges.front());
        BOOST_REQUIRE(w.client.waitForAuthorization(url).status == "valid");
    }
    order.status = "ready";
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    const AcmeOrder valid = w.client.finalize(order, CertificateSigningRequest::create(key, ids));

    const AcmeCertificateChain first = w.client.downloadCertificate(valid.certificate);
    BOOST_TEST(first.alternates.size() == 1u);
    const auto all = w.client.downloadCertificateChains(valid.certificate);
    BOOST_REQUIRE(all.size() == 2u);
    BOOST_TEST(all[0] == first.pem);
    BOOST_TEST(all[1] == w.client.downloadCertificate(first.alternates.at(0)).pem);
    const auto roots = std::vector<Certificate>{w.acme.issuingRoot(), w.acme.server().issuingRoot(1)};
    for (std::size_t i = 0; i < all.size(); ++i) {
        auto chain = Certificate::chainFromPem(all[i]);
        const Certificate leaf = chain.front();
        chain.erase(chain.begin());
        BOOST_CHECK_NO_THROW(leaf.verifyChain(chain, {roots[i]}));
        BOOST_CHECK_THROW(leaf.verifyChain(chain, {roots[1 - i]}), CertificateError);
    }
}

BOOST_AUTO_TEST_CASE(external_account_binding) {
    auto c = config();
    c.externalAccountRequired = true;
    const std::string mac = detail::randomBytes(32);
    c.eabKeys["eab-kid"] = Base64Url::encode(mac);
    World w(c);
    BOOST_TEST(w.client.directory().externalAccountRequired);
    try {
        w.client.registerAccount({}, true);
        BOOST_FAIL("registered without binding");
    } catch (const AcmeProblem& p) {
        BOOST_TEST(p.is("externalAccountRequired"));
    }
    BOOST_TEST(w.client.registerAccount({}, true, ExternalAccountBinding{"eab-kid", mac}).status == "valid");
}

BOOST_AUTO_TEST_CASE(network_failures_are_clear_errors) {
    SystemClock clock;
    auto key = std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256));
    AcmeClientOptions closed;
    closed.directoryUrl = "https://127.0.0.1:" + std::to_string(freePort()) + "/dir";
    closed.pollInterval = 10ms;  // a refused connection is tried again (transientRetries), then reported
    try {
        AcmeClient(closed, key, clock).directory();
        BOOST_FAIL("a closed port answered");
    } catch (const NetworkError& e) {
        BOOST_TEST(e.transient());
    }

    // a server whose certificate the client does not trust
    MockAcmeFixture acme;
    AcmeClientOptions untrusted;
    untrusted.directoryUrl = acme.directoryUrl();
    try {
        AcmeClient(untrusted, key, clock).directory();
        BOOST_FAIL("trusted an unknown CA");
    } catch (const NetworkError& e) {
        BOOST_TEST(e.url() == acme.directoryUrl());
        BOOST_TEST(!e.transient());  // asking again would not help
    }

    // a server that accepts and never answers: over HTTPS its TLS is never set up, so the
    // request never went out (tried again, then reported); over HTTP it went out and
    // timed out, and is not tried again (the server may be at it)
    Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
    AcmeClientOptions slow;
    slow.directoryUrl = "https://127.0.0.1:" + std::to_string(silent.address().port()) + "/dir";
    slow.http.timeout = 1s;
    slow.pollInterval = 10ms;
    slow.transientRetries = 1;
    try {
        AcmeClient(slow, key, clock).directory();
        BOOST_FAIL("no timeout");
    } catch (const NetworkError& e) {
        BOOST_TEST(std::string(e.what()).find("127.0.0.1") != std::string::npos);
        BOOST_TEST(std::string(e.what()).find("not sent: no connection within 1 s (TCP and TLS)") != std::string::npos,
                   e.what());
        BOOST_TEST(e.transient());
        BOOST_TEST(!e.timedOut());
        BOOST_TEST(!e.requestSent());
    }
    AcmeHttpClient plain({.caBundleFile = "", .timeout = 1s});
    const std::string plainUrl = "http://127.0.0.1:" + std::to_string(silent.address().port()) + "/dir";
    try {
        plain.get(plainUrl);
        BOOST_FAIL("no timeout");
    } catch (const NetworkError& e) {
        BOOST_TEST(e.url() == plainUrl);
        BOOST_TEST(std::string(e.what()).find("timed out after 1 s") != std::string::npos, e.what());
        BOOST_TEST(!e.transient());
        BOOST_TEST(e.timedOut());
        BOOST_TEST(e.requestSent());
    }
    AcmeClientOptions missingBundle;
    missingBundle.directoryUrl = acme.directoryUrl();
    missingBundle.http.caBundleFile = "/nonexistent/ca.pem";
    BOOST_CHECK_THROW(AcmeClient(missingBundle, key, clock).directory(), Error);
}

// http.connectTimeout bounds a new connection's TCP connect and TLS set-up, apart
// from the request's timeout: a CA that takes no connection, or never speaks TLS, is
// reported as such after the connect timeout, as not sent (transient), however long
// the request's timeout is. A connection that takes no request within the timeout
// (a server that never reads) is not sent either; only a request that went out and
// met no answer is timedOut().
BOOST_AUTO_TEST_CASE(a_connection_not_made_in_time_is_told_apart_from_a_slow_answer) {
    const auto expectNotSent = [](AcmeHttpClient& http, const std::string& url, const std::string& what,
                                  const std::string& body = "") {
        try {
            if (body.empty())
                http.get(url);
            else
                http.post(url, "application/octet-stream", body);
            BOOST_FAIL("no error from " + url);
        } catch (const NetworkError& e) {
            BOOST_TEST(e.url() == url);
            BOOST_TEST(std::string(e.what()).find(what) != std::string::npos, e.what());
            BOOST_TEST(e.transient());
            BOOST_TEST(!e.timedOut());
            BOOST_TEST(!e.requestSent());
        }
    };
    // TCP connects, TLS never comes: the connect timeout (1.5 s), not the request's (60 s)
    Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
    const std::string silentPort = std::to_string(silent.address().port());
    AcmeHttpClient http({.caBundleFile = "", .timeout = 60s, .connectTimeout = 1500ms});
    expectNotSent(http, "https://127.0.0.1:" + silentPort + "/dir", "not sent: no connection within 1500 ms (TCP and TLS)");

    // TCP itself never connects (a gate that drops SYNs)
    MockAcmeFixture acme;
    test::GatedRelay relay(Poco::URI(acme.directoryUrl()).getPort());
    const std::string relayed = "https://127.0.0.1:" + std::to_string(relay.port()) + "/dir";
    AcmeHttpClient trusting({.caBundleFile = acme.caBundlePath(), .timeout = 60s, .connectTimeout = 1s});
    BOOST_TEST(trusting.get(relayed).status == 200);  // through the open gate
    relay.close();  // cuts the pooled connection too: the fresh one is the one that waits
    expectNotSent(trusting, relayed, "not sent: no connection within 1 s (TCP and TLS)");

    // a connect timeout above the request's is the request's
    AcmeHttpClient capped({.caBundleFile = "", .timeout = 1s, .connectTimeout = 30s});
    expectNotSent(capped, "https://127.0.0.1:" + silentPort + "/dir", "no connection within 1 s");

    // connected, but the server reads nothing: a large body fills the socket's buffers
    // and the request never wholly goes out
    AcmeHttpClient plain({.caBundleFile = "", .timeout = 1s, .connectTimeout = 1s});
    expectNotSent(plain, "http://127.0.0.1:" + silentPort + "/new-acct",
                  "not sent within 1 s: the connection took no request", std::string(64 << 20, 'x'));
}

// mock-acme's --truncated-responses: an answer cut short, then the connection
// closed. The client says so, with the URL, whether the cut falls in the body
// (fewer bytes than Content-Length promised) or in the head; nothing hangs.
BOOST_AUTO_TEST_CASE(answers_cut_short_are_clear_errors) {
    auto c = config();
    c.truncatedResponsePercent = 100;
    MockAcmeFixture acme(c);
    AcmeHttpClient http({.caBundleFile = acme.caBundlePath()});
    const std::string dir = acme.directoryUrl();
    try {
        http.get(dir);
        BOOST_FAIL("a truncated directory was taken");
    } catch (const NetworkError& e) {
        BOOST_TEST(e.url() == dir);
        BOOST_TEST(std::string(e.what()).find("truncated response (") != std::string::npos, e.what());
    }
    const std::string nonceUrl = dir.substr(0, dir.rfind('/')) + "/nonce-plz";
    // half a head: POCO takes a head cut inside a value for a shorter head, so the exchange
    // fails or what came lacks what was cut (Link comes last); either way at once, no wait
    try {
        BOOST_TEST(http.head(nonceUrl).header("Link").empty());
    } catch (const NetworkError& e) {
        BOOST_TEST(std::string(e.what()).find("timed out") == std::string::npos, e.what());
    }
    // the client over it: a clear error, not a crash or a hang
    auto key = std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256));
    SystemClock clock;
    AcmeClient client(acme.clientOptions(), key, clock);
    BOOST_CHECK_THROW(client.directory(), NetworkError);
}

// OpenSSL's error queue is per thread and outlives the call that filled it. POCO's
// TLS set-up used to leave "dh key too small" there (its 1024-bit DH default, which
// OpenSSL 3 refuses), and the next failure's message in that thread carried it.
BOOST_AUTO_TEST_CASE(setting_up_tls_leaves_no_openssl_error_queued) {
    ERR_clear_error();
    MockAcmeFixture acme;  // mock-acme's HTTPS server, made in this thread
    BOOST_TEST(ERR_peek_error() == 0ul);
    AcmeHttpClient http({.caBundleFile = acme.caBundlePath()});
    BOOST_TEST(ERR_peek_error() == 0ul);
}

BOOST_AUTO_TEST_CASE(cancel_ends_waits) {
    auto c = config();
    c.validationDelay = 30s;  // validation would take long
    World w(c);
    AcmeIssuer issuer(w.client, {&w.http});
    std::thread canceller([&] {
        std::this_thread::sleep_for(300ms);
        w.client.cancel();
    });
    BOOST_CHECK_THROW(issuer.issue("c.example.test"), Error);
    canceller.join();
}

BOOST_AUTO_TEST_CASE(reused_authorizations_and_a_given_certificate_key) {
    auto c = config();
    c.authzReusePercent = 100;
    World w(c);
    cxxacme::testing::NullResponder counting("http-01");
    AcmeIssuerOptions options;
    options.certificateKey = PrivateKey::generate(KeyType::EcP384);
    AcmeIssuer real(w.client, {&w.http}, options);
    const PemBundle first = real.issue("reuse.example.test");
    AcmeIssuer second(w.client, {&counting}, options);
    const PemBundle again = second.issue("reuse.example.test");
    BOOST_TEST(counting.startCount() == 0);  // the valid authorization was reused: nothing to answer
    BOOST_TEST(first.privateKey().publicKey() == again.privateKey().publicKey());
    BOOST_TEST(again.certificate().publicKey() == options.certificateKey->publicKey());
}

// RFC 9444 through the client: names below an ancestor domain ordered naming it share
// one authorization of it (subdomainAuthAllowed, dns-01 alone), which the issuer answers
// once, for the domain's name; a pre-authorization that asks for the names below serves
// a later order at once. With a CA that does not offer it, the client refuses before
// sending anything and the issuer orders every name as usual; a domain that is not a DNS
// name is refused.
BOOST_AUTO_TEST_CASE(ancestor_domains_and_pre_authorization_for_subdomains) {
    auto c = config();
    c.skipValidation = true;
    c.subdomainAuth = true;
    World w(c);
    BOOST_TEST(w.client.directory().subdomainAuthAllowed);
    cxxacme::testing::NullResponder dns("dns-01");
    AcmeIssuerOptions options;
    options.ancestorDomains = {"Deep.Example.Test", "example.test"};  // the nearest is taken, in any order
    std::vector<std::string> said;
    options.progress = [&said](const std::string& line) {
        if (line.starts_with("answering ")) said.push_back(line);
    };
    AcmeIssuer issuer(w.client, {&dns}, options);
    const PemBundle bundle = issuer.issue("a.example.test,b.deep.example.test,c.deep.example.test,other.test");
    checkBundle(bundle, w.acme.issuingRoot(), 4);
    std::sort(said.begin(), said.end());
    BOOST_TEST((said == std::vector<std::string>{"answering dns-01 for deep.example.test", "answering dns-01 for example.test",
                                                 "answering dns-01 for other.test"}));

    // the order, as the client sees it
    const AcmeOrder order = w.client.newOrder({Identifier::dns("x.example.test"), Identifier::dns("*.x.example.test")}, "", "",
                                              {"example.test"});
    BOOST_REQUIRE(order.authorizations.size() == 1u);
    const AcmeAuthorization ancestor = w.client.fetchAuthorization(order.authorizations.front());
    BOOST_TEST(ancestor.identifier.value == "example.test");
    BOOST_TEST(ancestor.subdomainAuthAllowed);
    BOOST_TEST(!ancestor.wildcard);
    BOOST_REQUIRE(ancestor.challenges.size() == 1u);
    BOOST_TEST(ancestor.challenges.front().type == "dns-01");

    // pre-authorization
    const AcmeAuthorization pre = w.client.preAuthorize(Identifier::dns("pre.example.test"), true);
    BOOST_TEST(pre.url.find("/authZ/") != std::string::npos);
    BOOST_TEST(pre.status == "pending");
    BOOST_TEST(pre.subdomainAuthAllowed);
    BOOST_TEST(pre.challenges.front().accountUrl == w.client.accountUrl());
    BOOST_TEST(w.client.startChallenge(pre.challenges.front()).status == "valid");
    BOOST_TEST(w.client.newOrder({Identifier::dns("y.pre.example.test")}).status == "ready");
    const AcmeAuthorization plain = w.client.preAuthorize(Identifier::dns("plain.example.test"));
    BOOST_TEST(!plain.subdomainAuthAllowed);
    BOOST_TEST(plain.challenges.size() == 3u);

    // refused here
    BOOST_CHECK_THROW(w.client.newOrder({Identifier::dns("a.example.test")}, "", "", {"bad_name.test"}), InvalidNameError);
    BOOST_CHECK_THROW(w.client.newOrder({Identifier::dns("a.example.test")}, "", "", {"*.example.test"}), InvalidNameError);
    BOOST_CHECK_THROW(w.client.newOrder({Identifier::dns("a.example.test")}, "", "", {"192.0.2.1"}), InvalidNameError);
    AcmeIssuerOptions bad;  // an issuer says so when it is made, not at each issuance
    bad.ancestorDomains = {"example.test", "*.example.test"};
    BOOST_CHECK_THROW(AcmeIssuer(w.client, {&dns}, bad), InvalidNameError);
    auto without = config();
    without.skipValidation = true;
    World v(without);
    RequestLog log;
    const auto refusal = [](const std::function<void()>& request) {
        try {
            request();
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("nothing thrown");
    };
    const std::string said1 = refusal([&] { v.client.newOrder({Identifier::dns("a.example.test")}, "", "", {"example.test"}); });
    BOOST_TEST(said1.find("does not offer authorizations for subdomains (RFC 9444)") != std::string::npos, said1);
    const std::string said2 = refusal([&] { v.client.preAuthorize(Identifier::dns("example.test"), true); });
    BOOST_TEST(said2.find("does not offer authorizations for subdomains (RFC 9444)") != std::string::npos, said2);
    BOOST_TEST(!log.lines().empty());  // the directory was asked for
    for (const auto& line : log.lines()) {
        BOOST_TEST(line.find("/order-plz") == std::string::npos, line);
        BOOST_TEST(line.find("/new-authz") == std::string::npos, line);
    }
    cxxacme::testing::NullResponder counting("dns-01");
    AcmeIssuer plainIssuer(v.client, {&counting}, options);
    checkBundle(plainIssuer.issue("a.example.test,b.deep.example.test"), v.acme.issuingRoot(), 2);
    BOOST_TEST(counting.startCount() == 2);  // each name validated itself
}
