#define BOOST_TEST_MODULE responder conformance
#include <boost/test/unit_test.hpp>

// Every responder cxxacme ships, against the IResponder contract, each asked
// the way a CA's validator asks: HTTP for http-01, an acme-tls/1 handshake
// for tls-alpn-01, the lookup hook for tls-sni-01, DNS (Knot on loopback)
// for dns-01.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include "../TestPrinting.h"
#include "../support/KnotServer.h"
#include "cxxacme/DnsTxtLookup.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/responders/Dns01Responder.h"
#include "cxxacme/responders/Http01Responder.h"
#include "cxxacme/responders/PortTakeover.h"
#include "cxxacme/responders/Rfc2136DnsProvider.h"
#include "cxxacme/responders/TlsAlpn01Responder.h"
#include "cxxacme/responders/TlsSni01Responder.h"
#include "cxxacme/testing/FakeClock.h"
#include "cxxacme/testing/MemoryStore.h"
#include "cxxacme/testing/ResponderConformance.h"
#include "cxxacme/testing/TlsProbe.h"

using namespace cxxacme;

namespace {

bool http01Answers(std::uint16_t port, const std::string& name, const std::string& token, const std::string& keyAuthorization) {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/.well-known/acme-challenge/" + token,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setHost(name);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    return response.getStatus() == 200 && body == keyAuthorization;
}

struct Http01Factory {
    responders::Http01Responder http;
    std::uint16_t port = http.listen("127.0.0.1", 0);
    IResponder& responder() { return http; }
    bool answers(const std::string& name, const std::string& token, const std::string& keyAuthorization) {
        return http01Answers(port, name, token, keyAuthorization);
    }
};

struct TlsAlpn01Factory {
    responders::TlsAlpn01Responder tls;
    std::uint16_t port = tls.listen("127.0.0.1", 0);
    IResponder& responder() { return tls; }
    bool answers(const std::string& name, const std::string&, const std::string& keyAuthorization) {
        testing::TlsProbeOptions o;
        o.port = port;
        o.serverName = name;
        o.alpn = {KeyAuthorization::kAcmeTlsAlpnProtocol};
        testing::TlsProbe probe(o);
        if (!probe.ok() || probe.alpn() != KeyAuthorization::kAcmeTlsAlpnProtocol) return false;
        const auto ext = probe.peerChain().at(0).extension(KeyAuthorization::kAcmeIdentifierOid);
        return ext && ext->critical && ext->value == KeyAuthorization::acmeIdentifierExtensionValue(keyAuthorization);
    }
};

struct TlsSni01Factory {
    responders::TlsSni01Responder sni;
    IResponder& responder() { return sni; }
    bool answers(const std::string&, const std::string&, const std::string& keyAuthorization) {
        const std::string z = KeyAuthorization::tlsSni01Name(keyAuthorization);
        const auto bundle = sni.challengeCertificate(z);
        if (!bundle) return false;
        const auto sans = bundle->certificate().subjectAltNames();
        return sans.size() == 1 && sans[0].value == z && bundle->privateKey().matches(bundle->certificate().publicKey());
    }
};

struct Dns01Factory {
    test::KnotServer knot;
    responders::Rfc2136DnsProvider provider{knot.address(), "example.test", responders::TsigKey::fromFile(knot.bindKeyFile)};
    responders::Dns01Responder dns{provider, [] {
                                       responders::Dns01ResponderOptions o;
                                       o.pollInterval = std::chrono::milliseconds(50);
                                       return o;
                                   }()};
    IResponder& responder() { return dns; }
    bool answers(const std::string& name, const std::string&, const std::string& keyAuthorization) {
        const auto values = DnsTxtLookup::query(knot.address(), responders::Dns01Responder::recordName(name));
        return std::find(values.begin(), values.end(), KeyAuthorization::dns01TxtValue(keyAuthorization)) != values.end();
    }
};

}  // namespace

CXXACME_RESPONDER_CONFORMANCE_TESTS(http01_conformance, Http01Factory)
CXXACME_RESPONDER_CONFORMANCE_TESTS(tls_alpn01_conformance, TlsAlpn01Factory)
CXXACME_RESPONDER_CONFORMANCE_TESTS(tls_sni01_conformance, TlsSni01Factory)
CXXACME_RESPONDER_CONFORMANCE_TESTS(dns01_conformance, Dns01Factory)

// The suite must be able to fail: a responder whose stop does nothing is caught.
namespace {

struct NeverStopsFactory {
    struct NeverStops final : public IResponder {
        responders::Http01Responder& inner;
        explicit NeverStops(responders::Http01Responder& i) : inner(i) {}
        std::string challengeType() const override { return "http-01"; }
        void startResponding(const std::string& n, const Challenge& c, const std::string& k) override {
            inner.startResponding(n, c, k);
        }
        void stopResponding(const std::string&, const Challenge&, const std::string&) override {}
    };
    Http01Factory http;
    NeverStops broken{http.http};
    IResponder& responder() { return broken; }
    bool answers(const std::string& n, const std::string& t, const std::string& k) { return http.answers(n, t, k); }
};

}  // namespace

// exactly the one check after stopResponding fails (and this case passes only then)
BOOST_AUTO_TEST_CASE(the_suite_catches_a_responder_that_never_stops, *boost::unit_test::expected_failures(1)) {
    cxxacme::testing::ResponderConformanceFixture<NeverStopsFactory> fixture;
    fixture.answersOnlyWhileStarted();
}

BOOST_AUTO_TEST_CASE(tls_alpn01_listener_answers_while_silent_connections_wait) {
    // Connections that open and say nothing (a port scanner, a stuck client)
    // each hold a handshake worker until its 5 s timeout; a CA's validation
    // arriving behind them is still answered at once, not after all of them.
    TlsAlpn01Factory f;
    std::vector<Poco::Net::StreamSocket> silent;
    silent.reserve(8);
    for (int i = 0; i < 8; ++i) silent.emplace_back(Poco::Net::SocketAddress("127.0.0.1", f.port));
    const std::string token = "tokenBehindSilentConnections";
    f.tls.startResponding("a.example.test", Challenge{"tls-alpn-01", "u", token, "pending"}, token + ".k");
    // TlsProbe gives up after 10 s; answered one silent connection after another, this would take 40
    BOOST_TEST(f.answers("a.example.test", token, token + ".k"));
    f.tls.stopResponding("a.example.test", Challenge{"tls-alpn-01", "u", token, "pending"}, token + ".k");
}

BOOST_AUTO_TEST_CASE(http01_tls_alpn01_and_tls_sni01_can_tell_when_the_ca_has_come) {
    // The conformance case accepts a responder that cannot tell; these three
    // can (the client's first poll waits for them); dns-01 cannot.
    const Challenge http{"http-01", "u", "tokenH", "pending"}, alpn{"tls-alpn-01", "u", "tokenT", "pending"};
    Http01Factory h;
    h.http.startResponding("a.example.test", http, "tokenH.k");
    BOOST_TEST(h.http.watchValidation("a.example.test", http, [] {}));
    TlsAlpn01Factory t;
    t.tls.startResponding("a.example.test", alpn, "tokenT.k");
    BOOST_TEST(t.tls.watchValidation("A.example.test", alpn, [] {}));
    TlsSni01Factory s;
    const Challenge sni{"tls-sni-01", "u", "tokenS", "pending"};
    s.sni.startResponding("a.example.test", sni, "tokenS.k");
    BOOST_TEST(s.sni.watchValidation("a.example.test", sni, [] {}));
    s.sni.stopResponding("a.example.test", sni, "tokenS.k");
    BOOST_TEST(!s.sni.watchValidation("a.example.test", sni, [] {}));
}

// A port another listener holds is refused, not shared: POCO's listening sockets
// set SO_REUSEPORT, with which a second responder on the port would take part
// of the CA's validation requests.
BOOST_AUTO_TEST_CASE(a_port_another_listener_holds_is_refused) {
    const auto inUse = [](const ListenError& e) { return e.addressInUse() && std::string(e.what()).find("in use") != std::string::npos; };
    Http01Factory first;
    responders::Http01Responder second;
    BOOST_CHECK_EXCEPTION(second.listen("127.0.0.1", first.port), ListenError, inUse);
    TlsAlpn01Factory firstTls;
    responders::TlsAlpn01Responder secondTls;
    BOOST_CHECK_EXCEPTION(secondTls.listen("127.0.0.1", firstTls.port), ListenError, inUse);
    // the first still answers every request
    const Challenge challenge{"http-01", "u", "tokenHeld", "pending"};
    first.http.startResponding("a.example.test", challenge, "tokenHeld.thumb");
    for (int i = 0; i < 8; ++i) BOOST_TEST(first.answers("a.example.test", "tokenHeld", "tokenHeld.thumb"));
    first.http.stopResponding("a.example.test", challenge, "tokenHeld.thumb");
    // an address that is not this host's is no port in use
    BOOST_CHECK_EXCEPTION(second.listen("192.0.2.1", 0), ListenError, [](const ListenError& e) { return !e.addressInUse(); });
}

// The server that held the port stops before the CA's validation comes
// (another `cxxacme issue`, a restart): a responder that found the port
// taken and left its answers on the board takes the port over.
BOOST_AUTO_TEST_CASE(a_port_let_go_is_taken_over) {
    testing::MemoryStore board;
    testing::FakeClock clock;
    auto holder = std::make_unique<Http01Factory>();
    holder->http.share(board);
    const std::uint16_t port = holder->port;
    responders::Http01Responder waiting;
    waiting.share(board);
    BOOST_CHECK_THROW(waiting.listen("127.0.0.1", port), ListenError);
    const Challenge challenge{"http-01", "u", "tokenTakenOver", "pending"};
    waiting.startResponding("a.example.test", challenge, "tokenTakenOver.thumb");
    int taken = 0;
    responders::PortTakeover takeover(
        clock, std::chrono::seconds(1), [&] { waiting.listen("127.0.0.1", port); }, [&] { ++taken; });
    BOOST_TEST(takeover.waiting());
    clock.advance(std::chrono::seconds(3));
    BOOST_TEST(!takeover.taken());
    BOOST_TEST(takeover.waiting());
    BOOST_TEST(holder->answers("a.example.test", "tokenTakenOver", "tokenTakenOver.thumb"), "the holder answers from the board");
    holder.reset();
    BOOST_CHECK_THROW(http01Answers(port, "a.example.test", "tokenTakenOver", "tokenTakenOver.thumb"), Poco::Exception);
    clock.advance(std::chrono::seconds(1));
    BOOST_TEST(takeover.taken());
    BOOST_TEST(!takeover.waiting());
    BOOST_TEST(taken == 1);
    BOOST_TEST(http01Answers(port, "a.example.test", "tokenTakenOver", "tokenTakenOver.thumb"), "the port was not taken over");
    clock.advance(std::chrono::seconds(5));
    BOOST_TEST(taken == 1, "taken more than once");
    BOOST_TEST(clock.pendingCount() == 0u);

    // a reason other than a port in use ends the attempts
    int attempts = 0;
    responders::PortTakeover refused(clock, std::chrono::seconds(1), [&] {
        ++attempts;
        throw ListenError("192.0.2.1:80", "Cannot assign requested address", false);
    });
    clock.advance(std::chrono::seconds(5));
    BOOST_TEST(attempts == 1);
    BOOST_TEST(!refused.waiting());
    BOOST_TEST(!refused.taken());
    // destroyed while waiting: no attempt after
    attempts = 0;
    {
        responders::PortTakeover held(clock, std::chrono::seconds(1), [&] {
            ++attempts;
            throw ListenError("127.0.0.1:80", "Address already in use", true);
        });
        clock.advance(std::chrono::seconds(2));
        BOOST_TEST(attempts == 2);
    }
    clock.advance(std::chrono::seconds(5));
    BOOST_TEST(attempts == 2);
    BOOST_TEST(clock.pendingCount() == 0u);
}

// A fleet behind a load balancer: the CA's validation reaches whichever
// server it reaches. Two responders sharing one board answer each other's
// challenges, and stop when the one that posted them stops.
BOOST_AUTO_TEST_CASE(responders_sharing_a_board_answer_each_others_challenges) {
    testing::MemoryStore board;
    {
        Http01Factory posting, other, alone;
        posting.http.share(board);
        other.http.share(board);
        const Challenge challenge{"http-01", "u", "tokenShared-_1", "pending"};
        posting.http.startResponding("a.example.test", challenge, "tokenShared-_1.thumb");
        BOOST_TEST(board.challengeAnswer("http-01", "tokenShared-_1").value_or("") == "tokenShared-_1.thumb");
        BOOST_TEST(other.answers("a.example.test", "tokenShared-_1", "tokenShared-_1.thumb"), "the other server does not answer");
        BOOST_TEST(!alone.answers("a.example.test", "tokenShared-_1", "tokenShared-_1.thumb"), "a server not sharing answers");
        BOOST_TEST(!other.answers("a.example.test", "tokenUnknown", ""));
        BOOST_TEST(!other.answers("a.example.test", "..%2F..%2Fetc", ""));
        posting.http.stopResponding("a.example.test", challenge, "tokenShared-_1.thumb");
        BOOST_TEST(!board.challengeAnswer("http-01", "tokenShared-_1").has_value());
        BOOST_TEST(!other.answers("a.example.test", "tokenShared-_1", "tokenShared-_1.thumb"), "an answer taken down is still served");
    }
    {
        TlsAlpn01Factory posting, other, alone;
        posting.tls.share(board);
        other.tls.share(board);
        const Challenge first{"tls-alpn-01", "u", "tokenT1", "pending"}, second{"tls-alpn-01", "u", "tokenT2", "pending"};
        posting.tls.startResponding("B.example.test", first, "tokenT1.thumb");
        BOOST_TEST(other.answers("b.example.test", "tokenT1", "tokenT1.thumb"), "the other server does not answer");
        BOOST_TEST(other.answers("b.example.test", "tokenT1", "tokenT1.thumb"), "the kept certificate does not answer");
        BOOST_TEST(!alone.answers("b.example.test", "tokenT1", "tokenT1.thumb"), "a server not sharing answers");
        BOOST_TEST(!other.answers("c.example.test", "tokenT1", "tokenT1.thumb"));
        posting.tls.stopResponding("b.example.test", first, "tokenT1.thumb");
        BOOST_TEST(!board.challengeAnswer("tls-alpn-01", "b.example.test").has_value());
        BOOST_TEST(!other.answers("b.example.test", "tokenT1", "tokenT1.thumb"), "an answer taken down is still served");
        // a new challenge for the name: the other server answers the new one, not the one it kept
        posting.tls.startResponding("b.example.test", second, "tokenT2.thumb");
        BOOST_TEST(other.answers("b.example.test", "tokenT2", "tokenT2.thumb"));
        posting.tls.stopResponding("b.example.test", second, "tokenT2.thumb");
    }
    {
        // IP identifiers (RFC 8738 §6): the CA's SNI is the reverse-DNS name, and the
        // certificate names the address, as an iPAddress
        TlsAlpn01Factory posting, other;
        posting.tls.share(board);
        other.tls.share(board);
        for (const std::string ip : {"192.0.2.7", "2001:db8::7"}) {
            BOOST_TEST_CONTEXT(ip) {
                const Challenge challenge{"tls-alpn-01", "u", "tokenIp", "pending"};
                const std::string sni = ServerName::reverseDnsName(ip);
                posting.tls.startResponding(ip, challenge, "tokenIp.thumb");
                BOOST_TEST(board.challengeAnswer("tls-alpn-01", sni).value_or("") == "tokenIp.thumb");
                BOOST_TEST(other.answers(sni, "tokenIp", "tokenIp.thumb"), "the other server does not answer");
                const auto shared = other.tls.challengeCertificate(sni);
                BOOST_REQUIRE(shared.has_value());
                const auto sans = shared->certificate.subjectAltNames();
                BOOST_REQUIRE(sans.size() == 1u);
                BOOST_TEST((sans[0].type == Identifier::Type::Ip));
                BOOST_TEST(sans[0].value == ServerName::canonical(ip));
                BOOST_TEST(shared->key.matches(shared->certificate.publicKey()));
                posting.tls.stopResponding(ip, challenge, "tokenIp.thumb");
                BOOST_TEST(!board.challengeAnswer("tls-alpn-01", sni).has_value());
                BOOST_TEST(!other.answers(sni, "tokenIp", "tokenIp.thumb"), "an answer taken down is still served");
            }
        }
        // a reverse-DNS name not spelt as a CA spells it is no address: nothing is served
        board.postChallenge("tls-alpn-01", "07.2.0.192.in-addr.arpa", "tokenOdd.thumb");
        BOOST_TEST(!other.tls.challengeCertificate("07.2.0.192.in-addr.arpa").has_value());
    }
}
