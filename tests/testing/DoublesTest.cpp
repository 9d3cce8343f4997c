#define BOOST_TEST_MODULE doubles
#include <boost/test/unit_test.hpp>

#include "../TestPrinting.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/ServerSocket.h>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/testing/FakeClock.h"
#include "cxxacme/testing/FreePort.h"
#include "cxxacme/testing/MockAcmeFixture.h"
#include "cxxacme/testing/NullResponder.h"

using namespace cxxacme;
using namespace std::chrono_literals;
using cxxacme::testing::FakeClock;

BOOST_AUTO_TEST_CASE(fake_clock_runs_due_calls_in_time_order) {
    FakeClock clock;
    const auto start = clock.now();
    std::vector<std::pair<int, TimePoint>> ran;
    auto c = clock.callLater(72h, [&] { ran.emplace_back(3, clock.now()); });
    auto a = clock.callLater(24h, [&] { ran.emplace_back(1, clock.now()); });
    auto b = clock.callLater(48h, [&] { ran.emplace_back(2, clock.now()); });
    clock.advance(47h);
    BOOST_REQUIRE(ran.size() == 1u);
    BOOST_TEST((ran[0].second == start + 24h));  // ran at its deadline, not at the end of the step
    clock.advance(30 * 24h);
    BOOST_REQUIRE(ran.size() == 3u);
    BOOST_TEST(ran[1].first == 2);
    BOOST_TEST(ran[2].first == 3);
    BOOST_TEST((clock.now() == start + 47h + 30 * 24h));
    BOOST_TEST(clock.pendingCount() == 0u);
}

BOOST_AUTO_TEST_CASE(fake_clock_same_deadline_keeps_scheduling_order_and_runs_rescheduled_calls) {
    FakeClock clock;
    std::vector<int> ran;
    ScheduledCall inner;
    auto first = clock.callLater(1h, [&] {
        ran.push_back(1);
        inner = clock.callLater(1h, [&] { ran.push_back(3); });  // due inside the same advance
    });
    auto second = clock.callLater(1h, [&] { ran.push_back(2); });
    clock.advance(3h);
    BOOST_TEST((ran == std::vector<int>{1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(fake_clock_cancellation) {
    FakeClock clock;
    int runs = 0;
    auto kept = clock.callLater(1h, [&] { ++runs; });
    { auto dropped = clock.callLater(1h, [&] { runs += 100; }); }
    auto cancelled = clock.callLater(1h, [&] { runs += 1000; });
    cancelled.cancel();
    BOOST_TEST(clock.pendingCount() == 1u);
    clock.advance(2h);
    BOOST_TEST(runs == 1);
    auto zero = clock.callLater(-5s, [&] { ++runs; });
    BOOST_TEST(runs == 1);  // never inside callLater
    clock.advance(0s);
    BOOST_TEST(runs == 2);
}

BOOST_AUTO_TEST_CASE(free_loopback_ports_lie_below_the_ephemeral_range_bind_and_are_never_given_twice) {
    int ephemeralLow = 0;
    std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeralLow;
    std::set<std::uint16_t> seen;
    for (int i = 0; i < 40; ++i) {
        const std::uint16_t port = testing::freeLoopbackPort();
        BOOST_TEST_CONTEXT("port " << port) {
            BOOST_TEST(seen.insert(port).second);
            if (ephemeralLow > 12000) {
                BOOST_TEST(port >= 10000);
                BOOST_TEST(port < ephemeralLow);  // where no outgoing connection takes it
            }
            Poco::Net::ServerSocket tcp(Poco::Net::SocketAddress("127.0.0.1", port));  // throws if it is not free
            Poco::Net::DatagramSocket udp(Poco::Net::SocketAddress("127.0.0.1", port));
            BOOST_TEST(tcp.address().port() == port);
            BOOST_TEST(udp.address().port() == port);
        }
    }
}

BOOST_AUTO_TEST_CASE(null_responder_records_what_it_answers) {
    cxxacme::testing::NullResponder responder("tls-alpn-01");
    BOOST_TEST(responder.challengeType() == "tls-alpn-01");
    const Challenge challenge{"tls-alpn-01", "https://ca/chall/1", "tok", "pending"};
    responder.startResponding("a.example", challenge, "tok.thumb");
    BOOST_TEST(responder.active().count({"a.example", "tok"}) == 1u);
    responder.stopResponding("a.example", challenge, "tok.thumb");
    responder.stopResponding("a.example", challenge, "tok.thumb");  // idempotent
    BOOST_TEST(responder.active().empty());
    BOOST_TEST(responder.startCount() == 1);
}

BOOST_AUTO_TEST_CASE(mock_acme_fixture_serves_on_free_ports_and_writes_its_ca) {
    std::string path;
    {
        cxxacme::testing::MockAcmeFixture acme;
        BOOST_TEST(acme.directoryUrl().find("https://127.0.0.1:") == 0u);
        BOOST_TEST(acme.directoryUrl().find(":14000/") == std::string::npos);
        path = acme.caBundlePath();
        const std::string pem = AtomicFile::read(path, 1 << 20);
        BOOST_TEST(pem == acme.caBundlePem());
        BOOST_TEST(Certificate::fromPem(pem).isCa());
        BOOST_TEST(acme.issuingRoot().isCa());
        cxxacme::testing::MockAcmeFixture second;  // two at once do not collide
        BOOST_TEST(second.directoryUrl() != acme.directoryUrl());
    }
    BOOST_TEST(!std::filesystem::exists(path));
}
