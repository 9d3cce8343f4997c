#define BOOST_TEST_MODULE on_demand_issuance
#include <boost/test/unit_test.hpp>

// OnDemandIssuance's rules, over an issuing service with a fake issuer and a
// fake clock (holds end when the clock says so). The handshake side, over
// mock-acme and real TLS, is in AutoTlsEndpointTest.

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../TestPrinting.h"
#include "../support/TempDir.h"
#include "cxxacme/AcmeIssuingService.h"
#include "cxxacme/endpoints/OnDemandAskUrl.h"
#include "cxxacme/endpoints/OnDemandIssuance.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/stores/SqliteStore.h"
#include "cxxacme/testing/FakeClock.h"
#include "cxxacme/testing/FakeIssuer.h"
#include "cxxacme/testing/MemoryStore.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

using namespace cxxacme;
using namespace std::chrono_literals;
using cxxacme::endpoints::OnDemandAskUrl;
using cxxacme::endpoints::OnDemandIssuance;
using cxxacme::endpoints::OnDemandOptions;

namespace {

struct World {
    testing::FakeClock clock;
    testing::MemoryStore store;
    testing::FakeIssuer issuer{clock};
    AcmeIssuingService service{store, issuer, clock, serviceOptions()};
    std::mutex mutex;
    std::vector<std::string> asked;  // what `allow` was called with
    std::atomic<bool> allowAll = true;

    static AcmeIssuingServiceOptions serviceOptions() {
        AcmeIssuingServiceOptions o;
        o.randomSeed = 1;
        o.panic = [](const std::string&, const std::string&) {};
        return o;
    }
    OnDemandOptions options() {
        OnDemandOptions o;
        o.allow = [this](const std::string& name) {
            {
                std::lock_guard lock(mutex);
                asked.push_back(name);
            }
            if (name == "throws.example.test") throw std::runtime_error("the ask service is down");
            return allowAll.load() && !name.starts_with("no.");
        };
        return o;
    }
    std::vector<std::string> allowAsked() {
        std::lock_guard lock(mutex);
        return asked;
    }
};

const char* storeName(const ICertificateStore* store, const ICertificateStore& memory, const ICertificateStore& directory) {
    return store == &memory ? "MemoryStore" : store == &directory ? "DirectoryStore" : "SqliteStore";
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_allowed_name_is_issued_into_the_store_while_the_handshake_waits) {
    World w;
    w.service.start();
    OnDemandIssuance onDemand(w.service, w.store, w.clock, w.options());
    BOOST_TEST(onDemand.obtain("Shop.Example.TEST"));
    BOOST_TEST(w.allowAsked() == std::vector<std::string>{"shop.example.test"});
    const auto entry = w.store.get("shop.example.test");
    BOOST_REQUIRE(entry.has_value());
    BOOST_REQUIRE(!entry->empty());
    BOOST_TEST((entry->certificate().subjectAltNames() == std::vector<Identifier>{Identifier::dns("shop.example.test")}));
    BOOST_TEST(w.issuer.calls("shop.example.test") == 1);
    BOOST_TEST(onDemand.counters().issued == 1u);
    // its certificate is in the store now: served, not issued again
    BOOST_TEST(onDemand.obtain("shop.example.test"));
    BOOST_TEST(w.issuer.calls("shop.example.test") == 1);
    w.service.stop();
}

// A name listed in an entry of several names that is not issued yet (its
// first order failed, or the service has not come to it) is issued as that
// entry, with all its names: one certificate, not a second entry of its own.
// In stores with an expiry index (a directory, SQLite) and in one without.
BOOST_AUTO_TEST_CASE(a_name_of_an_empty_entry_of_several_names_is_issued_as_that_entry) {
    test::TempDir dir;
    testing::MemoryStore memory;
    stores::DirectoryStore directory((dir.path / "certs").string());
    stores::SqliteStore sqlite((dir.path / "certs.sqlite").string());
    for (ICertificateStore* store : std::vector<ICertificateStore*>{&memory, &directory, &sqlite}) {
        BOOST_TEST_CONTEXT(storeName(store, memory, directory)) {
            testing::FakeClock clock;
            testing::FakeIssuer issuer{clock};
            AcmeIssuingService service{*store, issuer, clock, World::serviceOptions()};
            const std::string multi = "multi.example.test,www.multi.example.test";
            store->store(multi, PemBundle());
            store->store("other.example.test,www.other.example.test", PemBundle());
            store->store("single.example.test", PemBundle());
            OnDemandOptions options;
            options.allow = [](const std::string&) { return true; };
            OnDemandIssuance onDemand(service, *store, clock, options);  // the service not started: nothing issued by a check
            BOOST_TEST(onDemand.obtain("WWW.multi.example.test"));
            BOOST_TEST(issuer.calls(multi) == 1);
            BOOST_TEST(issuer.calls("www.multi.example.test") == 0);
            BOOST_TEST(!store->get("www.multi.example.test").has_value());  // no entry of its own
            const auto entry = store->get(multi);
            BOOST_REQUIRE((entry && !entry->empty()));
            BOOST_TEST(entry->certificate().subjectAltNames().size() == 2u);
            // a name in no entry, and one whose entry is its own, are issued as before
            BOOST_TEST(onDemand.obtain("new.example.test"));
            BOOST_TEST(issuer.calls("new.example.test") == 1);
            BOOST_TEST(onDemand.obtain("single.example.test"));
            BOOST_TEST(issuer.calls("single.example.test") == 1);
            BOOST_TEST(issuer.calls("other.example.test,www.other.example.test") == 0);
            BOOST_TEST(issuer.calls() == 3);
            service.stop();
        }
    }
}

// A name listed in a stored entry of several names whose certificate is in
// force (issued by the service, or stored by another process, before the
// endpoint heard of it) is served from it, with no order; one whose
// certificate has expired is renewed as that entry. In stores with an expiry
// index (a directory, SQLite) and in one without.
BOOST_AUTO_TEST_CASE(a_name_of_a_stored_entry_of_several_names_is_served_or_renewed_as_that_entry) {
    test::TempDir dir;
    testing::MemoryStore memory;
    stores::DirectoryStore directory((dir.path / "certs").string());
    stores::SqliteStore sqlite((dir.path / "certs.sqlite").string());
    testing::TestCertificateAuthority ca;
    for (ICertificateStore* store : std::vector<ICertificateStore*>{&memory, &directory, &sqlite}) {
        BOOST_TEST_CONTEXT(storeName(store, memory, directory)) {
            testing::FakeClock clock;
            testing::FakeIssuer issuer{clock};
            AcmeIssuingService service{*store, issuer, clock, World::serviceOptions()};
            const std::string held = "held.example.test,www.held.example.test";
            const std::string expired = "old.example.test,www.old.example.test";
            store->store(held, ca.issue(held, clock.now() - 24h, clock.now() + 30 * 24h));
            store->store(expired, ca.issue(expired, clock.now() - 100 * 24h, clock.now() - 24h));
            OnDemandOptions options;
            options.allow = [](const std::string&) { return true; };
            OnDemandIssuance onDemand(service, *store, clock, options);  // the service not started: nothing issued by a check
            BOOST_TEST(onDemand.obtain("www.held.example.test"));
            BOOST_TEST(issuer.calls() == 0);
            BOOST_TEST(!store->get("www.held.example.test").has_value());
            BOOST_TEST(onDemand.obtain("www.old.example.test"));
            BOOST_TEST(issuer.calls(expired) == 1);
            BOOST_TEST(issuer.calls() == 1);
            BOOST_TEST(!store->get("www.old.example.test").has_value());
            const auto renewed = store->get(expired);
            BOOST_REQUIRE((renewed && !renewed->empty()));
            BOOST_TEST((clock.now() < renewed->notAfter()));
            BOOST_TEST(renewed->certificate().subjectAltNames().size() == 2u);
            BOOST_TEST(onDemand.counters().issued == 1u);
            service.stop();
        }
    }
}

BOOST_AUTO_TEST_CASE(names_not_allowed_and_no_dns_names_are_refused_without_an_order) {
    World w;
    w.service.start();
    OnDemandIssuance onDemand(w.service, w.store, w.clock, w.options());
    BOOST_TEST(!onDemand.obtain("no.example.test"));
    BOOST_TEST(!onDemand.obtain("throws.example.test"));  // an allow function that fails is a no
    // never asked about: a wildcard, addresses, names that are no names
    const std::string uLabels = std::string("b\xc3\xbc") + "cher.example";  // SNI is ASCII (RFC 6066)
    const std::vector<std::string> refused{"*.example.test", "127.0.0.1", "::1", "a..example.test", "a_b.example.test",
                                           "-a.example.test", uLabels, "", std::string(300, 'a')};
    for (const std::string& bad : refused) {
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!onDemand.obtain(bad)); }
    }
    BOOST_TEST((w.allowAsked() == std::vector<std::string>{"no.example.test", "throws.example.test"}));
    BOOST_TEST(w.issuer.calls("no.example.test") == 0);
    BOOST_TEST(w.store.asMap().empty());
    BOOST_TEST(onDemand.counters().notAllowed == 11u);
    BOOST_TEST(onDemand.counters().issued == 0u);
    // an allow function is required: without one, nothing would stop strangers' names
    OnDemandOptions none;
    BOOST_CHECK_THROW(OnDemandIssuance(w.service, w.store, w.clock, none), Error);
    auto zero = w.options();
    zero.maxConcurrent = 0;
    BOOST_CHECK_THROW(OnDemandIssuance(w.service, w.store, w.clock, zero), Error);
    w.service.stop();
}

BOOST_AUTO_TEST_CASE(a_name_whose_issuance_failed_is_held_without_asking_the_ca) {
    World w;
    w.service.start();
    auto options = w.options();
    options.failureHold = 10min;
    OnDemandIssuance onDemand(w.service, w.store, w.clock, options);
    w.issuer.failNext(1, "urn:ietf:params:acme:error:connection");
    BOOST_TEST(!onDemand.obtain("fails.example.test"));
    BOOST_TEST(onDemand.counters().failed == 1u);
    for (int i = 0; i < 5; ++i) BOOST_TEST(!onDemand.obtain("fails.example.test"));
    BOOST_TEST(onDemand.counters().held == 5u);
    BOOST_TEST(w.issuer.calls("fails.example.test") == 1);
    // other names are not held by it
    BOOST_TEST(onDemand.obtain("other.example.test"));
    w.clock.advance(9min);
    BOOST_TEST(!onDemand.obtain("fails.example.test"));
    w.clock.advance(1min);
    BOOST_TEST(onDemand.obtain("fails.example.test"));
    BOOST_TEST(w.issuer.calls("fails.example.test") == 2);
    w.service.stop();
}

// The account's limit on new orders met: every new name's handshake is refused without a
// refused order of its own, until the CA's Retry-After.
BOOST_AUTO_TEST_CASE(under_a_cas_rate_limit_new_names_are_refused_without_asking_the_ca) {
    World w;
    w.service.start();
    OnDemandIssuance onDemand(w.service, w.store, w.clock, w.options());
    AcmeProblem limited("rateLimited",
                        "too many new orders (300) from this account in the last 3h0m0s, retry after 2026-12-06 01:00:00 UTC", 429);
    limited.withRetryAt(w.clock.now() + 1h);
    w.issuer.failNextWith(1, std::make_exception_ptr(limited));
    BOOST_TEST(!onDemand.obtain("first.example.test"));
    BOOST_TEST(onDemand.counters().failed == 1u);
    BOOST_TEST(w.service.holdOn("second.example.test").value_or("").starts_with("not asked: the CA refuses every name of the account until"));
    for (const std::string name : {"second.example.test", "third.example.test", "fourth.other.test"})
        BOOST_TEST(!onDemand.obtain(name));
    BOOST_TEST(onDemand.counters().rateLimited == 3u);
    BOOST_TEST(w.issuer.calls() == 1);
    w.clock.advance(1h + 1s);
    BOOST_TEST(!w.service.holdOn("second.example.test").has_value());
    BOOST_TEST(onDemand.obtain("second.example.test"));
    BOOST_TEST(w.issuer.calls() == 2);
    w.service.stop();
}

BOOST_AUTO_TEST_CASE(handshakes_for_one_name_share_its_issuance_and_more_than_allowed_at_once_are_refused) {
    World w;
    w.service.start();
    auto options = w.options();
    options.maxConcurrent = 2;
    OnDemandIssuance onDemand(w.service, w.store, w.clock, options);
    w.issuer.hold();
    std::atomic<int> served = 0;
    std::vector<std::thread> handshakes;
    handshakes.reserve(2);
    for (int i = 0; i < 2; ++i)
        handshakes.emplace_back([&] {
            if (onDemand.obtain("busy.example.test")) ++served;
        });
    // both wait (in the issuer), so a handshake for a third name is refused at once
    for (int i = 0; i < 3000 && w.allowAsked().size() < 2; ++i) std::this_thread::sleep_for(10ms);
    BOOST_REQUIRE(w.allowAsked().size() == 2u);
    BOOST_TEST(!onDemand.obtain("third.example.test"));
    BOOST_TEST(onDemand.counters().busy == 1u);
    w.issuer.release();
    for (auto& t : handshakes) t.join();
    BOOST_TEST(served == 2);
    BOOST_TEST(w.issuer.calls("busy.example.test") == 1);
    BOOST_TEST(w.issuer.calls("third.example.test") == 0);
    // the slots are free again
    BOOST_TEST(onDemand.obtain("third.example.test"));
    w.service.stop();
}

BOOST_AUTO_TEST_CASE(a_handshake_that_stops_waiting_leaves_the_issuance_to_the_next) {
    World w;
    w.service.start();
    auto options = w.options();
    options.handshakeWait = 1s;  // what a held issuer makes each wait take; ample for one released
    OnDemandIssuance onDemand(w.service, w.store, w.clock, options);

    // it succeeds after the handshake gave up: the next handshake gets what it stored
    w.issuer.hold();
    BOOST_TEST(!onDemand.obtain("slow.example.test"));
    BOOST_TEST(onDemand.counters().timedOut == 1u);
    w.issuer.release();
    BOOST_REQUIRE(w.issuer.waitForCompleted(1));
    BOOST_TEST(onDemand.obtain("slow.example.test"));
    BOOST_TEST(w.store.get("slow.example.test").has_value());
    BOOST_TEST(w.issuer.calls("slow.example.test") == 1);

    // it fails after the handshake gave up: the next handshake finds out, and the name is held
    w.issuer.hold();
    w.issuer.failNext(1);
    BOOST_TEST(!onDemand.obtain("late.example.test"));
    w.issuer.release();
    BOOST_REQUIRE(w.issuer.waitForCompleted(2));
    BOOST_TEST(!onDemand.obtain("late.example.test"));
    BOOST_TEST(onDemand.counters().failed == 1u);
    BOOST_TEST(!onDemand.obtain("late.example.test"));
    BOOST_TEST(onDemand.counters().held == 1u);
    BOOST_TEST(w.issuer.calls("late.example.test") == 1);

    // one still under way is waited for again, not ordered twice
    w.issuer.hold();
    BOOST_TEST(!onDemand.obtain("later.example.test"));
    BOOST_TEST(!onDemand.obtain("later.example.test"));
    BOOST_TEST(onDemand.counters().timedOut == 4u);
    w.issuer.release();
    BOOST_TEST(onDemand.obtain("later.example.test"));
    BOOST_TEST(w.issuer.calls("later.example.test") == 1);
    w.service.stop();
}

BOOST_AUTO_TEST_CASE(stop_ends_the_waits_and_refuses_from_then_on) {
    World w;
    w.service.start();
    auto options = w.options();
    options.handshakeWait = std::chrono::hours(1);  // without stop(), ctest's time limit ends the test first
    OnDemandIssuance onDemand(w.service, w.store, w.clock, options);
    w.issuer.hold();
    std::atomic<bool> answered = false, result = true;
    std::thread handshake([&] {
        result = onDemand.obtain("waits.example.test");
        answered = true;
    });
    for (int i = 0; i < 3000 && w.allowAsked().empty(); ++i) std::this_thread::sleep_for(10ms);
    onDemand.stop();
    handshake.join();
    BOOST_TEST(answered.load());
    BOOST_TEST(!result.load());
    BOOST_TEST(!onDemand.obtain("after.example.test"));
    BOOST_TEST(w.allowAsked().size() == 1u);
    w.issuer.release();
    w.service.stop();
}

// The ask service's URL: http(s) alone, and never shown with what may be secret in it. (Its
// questions and answers are in cli.serve, against a real service.)
BOOST_AUTO_TEST_CASE(an_ask_url_is_checked_and_shown_without_its_secrets) {
    BOOST_TEST(OnDemandAskUrl("http://user:pw@127.0.0.1:5555/may-i?token=s3cret").display() == "http://127.0.0.1:5555/may-i");
    BOOST_TEST(OnDemandAskUrl("https://ask.example.test/check").display() == "https://ask.example.test/check");
    BOOST_TEST(OnDemandAskUrl("http://[::1]:80/q?x=1").display() == "http://[::1]/q");
    BOOST_TEST(OnDemandAskUrl("http://[::1]:80/q?x=1").url() == "http://[::1]:80/q?x=1");
    for (const std::string bad : {"ftp://x.test/", "127.0.0.1:5555/may-i", "http:///path", "http://x.test/#frag", "http://[::1/", ""}) {
        BOOST_TEST_CONTEXT(bad) { BOOST_CHECK_THROW(OnDemandAskUrl{bad}, Error); }
    }
}
