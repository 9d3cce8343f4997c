#define BOOST_TEST_MODULE issuing_service
#include <boost/test/unit_test.hpp>

// AcmeIssuingService's rules, driven by a FakeClock and a fake issuer: days
// and weeks pass in microseconds, and nothing sleeps to make time pass.
// (Real-time waits below only wait for worker threads to finish work that
// the fake clock has already made due.)

#include <atomic>
#include <condition_variable>
#include <map>
#include <thread>

#include "../TestPrinting.h"
#include "../support/LoggerCapture.h"
#include "cxxacme/AcmeIssuingService.h"
#include "cxxacme/IExpiryIndex.h"
#include "cxxacme/RevocationReason.h"
#include "cxxacme/testing/FakeClock.h"
#include "cxxacme/testing/FakeIssuer.h"
#include "cxxacme/testing/MemoryStore.h"

using namespace cxxacme;
using namespace std::chrono_literals;
using cxxacme::testing::FakeClock;
using cxxacme::testing::FakeIssuer;
using cxxacme::testing::MemoryStore;

namespace {

constexpr auto kDay = std::chrono::hours(24);
// A lifetime of certificates issued more than 120 days before they are due: their renewals
// are no exact set's (Let's Encrypt's exemption), so that every limit holds them.
constexpr Duration kIssuedLongAgo = 200 * kDay;

struct EventLog {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<IssuingEvent> events;
    AcmeIssuingService::Subscription subscription;

    explicit EventLog(AcmeIssuingService& service)
        : subscription(service.onEvent([this](const IssuingEvent& e) {
              std::lock_guard lock(mutex);
              events.push_back(e);
              changed.notify_all();
          })) {}

    int count(IssuingEvent::Kind kind) {
        std::lock_guard lock(mutex);
        return static_cast<int>(std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.kind == kind; }));
    }
    bool waitFor(IssuingEvent::Kind kind, int n) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, 30s, [&] {
            return std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.kind == kind; }) >= n;
        });
    }
};

struct World {
    FakeClock clock;
    MemoryStore store;
    FakeIssuer issuer{clock};
    testing::TestCertificateAuthority ca;
    std::vector<std::pair<std::string, std::string>> panics;
    std::mutex panicMutex;

    AcmeIssuingServiceOptions options() {
        AcmeIssuingServiceOptions o;
        o.randomSeed = 1;
        o.panic = [this](const std::string& names, const std::string& error) {
            std::lock_guard lock(panicMutex);
            panics.emplace_back(names, error);
        };
        return o;
    }
    // An entry whose certificate has `left` of its 90 days remaining.
    void add(const std::string& names, Duration left, Duration lifetime = 90 * kDay) {
        const TimePoint notAfter = clock.now() + left;
        store.store(names, ca.issue(names, notAfter - lifetime, notAfter));
    }
    TimePoint notAfter(const std::string& names) { return store.get(names)->notAfter(); }
    // The issuer's next call is refused as a CA refuses a rate limit: 429 rateLimited with
    // `detail`, and its Retry-After `wait` from now.
    void refuseNextAsRateLimit(const std::string& detail, Duration wait) {
        AcmeProblem limited("rateLimited", detail, 429);
        limited.withRetryAt(clock.now() + wait);
        issuer.failNextWith(1, std::make_exception_ptr(limited));
    }
    // One issuance at a time: the entries' in the store's order, the others queued behind.
    AcmeIssuingServiceOptions oneAtATime() {
        auto o = options();
        o.maxConcurrentIssuances = 1;
        return o;
    }
    // Lets workers finish what is due (they run on real threads).
    void settle() { std::this_thread::sleep_for(100ms); }
};

bool ready(const std::shared_future<void>& f) { return f.wait_for(30s) == std::future_status::ready; }

}  // namespace

BOOST_AUTO_TEST_CASE(empty_entries_are_issued_at_start_and_whenCertsValid_waits_for_them) {
    World w;
    w.store.store("a.example.test", PemBundle());
    w.store.store("b.example.test,www.b.example.test", PemBundle());
    w.add("valid.example.test", 80 * kDay);
    AcmeIssuingService service(w.store, w.issuer, w.clock, w.options());
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(ready(service.whenCertsValid()));
    BOOST_TEST(w.issuer.calls() == 2);
    BOOST_TEST(!w.store.get("a.example.test")->empty());
    BOOST_TEST(w.store.get("b.example.test,www.b.example.test")->certificate().subjectAltNames().size() == 2u);
    BOOST_TEST(w.issuer.calls("valid.example.test") == 0);
    BOOST_TEST(log.count(IssuingEvent::Kind::Issued) == 2);
    BOOST_TEST(w.issuer.replacements() == 0);
}


// renewalAllowed: an entry it refuses is left to expire (an on-demand name whose owner left),
// with no order, failure or panic; one it cannot answer for is renewed; empty entries and
// issueCert are not its business.
BOOST_AUTO_TEST_CASE(an_entry_renewalAllowed_refuses_is_left_to_expire) {
    World w;
    w.add("kept.example.test", 20 * kDay);
    w.add("gone.example.test", 5 * kDay);  // within the panic threshold
    w.add("unsure.example.test", 20 * kDay);
    w.add("later.example.test", 80 * kDay);  // not due: not asked
    w.store.store("new.example.test", PemBundle());
    std::mutex mutex;
    std::vector<std::string> asked;
    auto options = w.options();
    options.renewalAllowed = [&](const std::string& names) {
        {
            std::lock_guard lock(mutex);
            asked.push_back(names);
        }
        if (names == "unsure.example.test") throw std::runtime_error("the decision service is down");
        return names != "gone.example.test";
    };
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(ready(service.whenCertsValid()));
    w.settle();
    BOOST_TEST(w.issuer.calls("kept.example.test") == 1);
    BOOST_TEST(w.issuer.calls("unsure.example.test") == 1);
    BOOST_TEST(w.issuer.calls("new.example.test") == 1);
    BOOST_TEST(w.issuer.calls("gone.example.test") == 0);
    BOOST_TEST(w.issuer.calls("later.example.test") == 0);
    BOOST_TEST(log.count(IssuingEvent::Kind::Failed) == 0);
    BOOST_TEST(log.count(IssuingEvent::Kind::Panic) == 0);
    {
        std::lock_guard lock(w.panicMutex);
        BOOST_TEST(w.panics.empty());
    }
    {
        std::lock_guard lock(mutex);
        std::sort(asked.begin(), asked.end());
        BOOST_TEST((asked == std::vector<std::string>{"gone.example.test", "kept.example.test", "unsure.example.test"}));
    }
    // the next check asks again, and still orders nothing for it
    w.clock.advance(kDay);
    w.settle();
    BOOST_TEST(w.issuer.calls("gone.example.test") == 0);
    // asked for by name, it is issued
    BOOST_REQUIRE_NO_THROW(service.issueCert("gone.example.test").get());
    BOOST_TEST(w.issuer.calls("gone.example.test") == 1);
    service.stop();
}
BOOST_AUTO_TEST_CASE(renews_within_the_reissue_interval_at_a_later_check) {
    World w;
    w.add("r.example.test", 40 * kDay + 12h);
    const TimePoint old = w.notAfter("r.example.test");
    AcmeIssuingService service(w.store, w.issuer, w.clock, w.options());
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(ready(service.whenCertsValid()));
    for (int day = 1; day <= 10; ++day) w.clock.advance(kDay);  // 30.5 days left: not yet
    w.settle();
    BOOST_TEST(w.issuer.calls() == 0);
    w.clock.advance(kDay);  // 29.5 days left
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    BOOST_TEST(w.issuer.calls() == 1);
    BOOST_TEST(w.issuer.replacements() == 1);
    BOOST_TEST((w.notAfter("r.example.test") > old));
}

BOOST_AUTO_TEST_CASE(a_failure_within_the_panic_interval_panics) {
    World w;
    w.add("p.example.test", 10 * kDay);
    w.store.store("blank.example.test", PemBundle());
    w.issuer.failAlways("CA unreachable");
    AcmeIssuingService service(w.store, w.issuer, w.clock, w.options());
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(ready(service.whenCertsValid()));  // resolves after trying, even though it failed
    BOOST_TEST(w.issuer.calls() == 2);
    BOOST_TEST(log.count(IssuingEvent::Kind::Panic) == 2);
    std::lock_guard lock(w.panicMutex);
    BOOST_REQUIRE(w.panics.size() == 2u);
    BOOST_TEST(w.panics[0].second.find("CA unreachable") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failure_outside_the_panic_interval_is_retried_without_panic) {
    World w;
    w.add("f.example.test", 20 * kDay);
    w.issuer.failNext(1);
    auto options = w.options();
    options.initialBackoff = 1h;
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Failed, 1));
    BOOST_TEST(log.count(IssuingEvent::Kind::Panic) == 0);
    BOOST_TEST(w.panics.empty());
    w.clock.advance(2h);  // past the jittered back-off (at most 1.25 h)
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    BOOST_TEST(w.issuer.calls() == 2);
}

BOOST_AUTO_TEST_CASE(back_off_doubles_with_jitter) {
    World w;
    w.store.store("b.example.test", PemBundle());
    w.issuer.failAlways();
    auto options = w.options();
    options.initialBackoff = 60s;
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Failed, 1));
    // Retry 1 comes 45 to 75 s after the failure; retry 2 comes 90 to 150 s
    // after retry 1 failed, which was somewhere between 45 and 76 s.
    w.clock.advance(44s);
    w.settle();
    BOOST_TEST(w.issuer.calls() == 1);
    w.clock.advance(32s);  // 76 s
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Failed, 2));
    w.clock.advance(58s);  // 134 s < 45 + 90
    w.settle();
    BOOST_TEST(w.issuer.calls() == 2);
    w.clock.advance(93s);  // 227 s > 76 + 150
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Failed, 3));
    // the next check does not retry a name that is backing off
    BOOST_TEST(w.issuer.calls() == 3);
}

BOOST_AUTO_TEST_CASE(short_lived_certificates_renew_at_a_third_of_their_lifetime) {
    World w;
    w.issuer.setLifetime(6 * kDay);
    w.store.store("s.example.test", PemBundle());
    AcmeIssuingService service(w.store, w.issuer, w.clock, w.options());
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(ready(service.whenCertsValid()));
    BOOST_TEST(w.issuer.calls() == 1);
    for (int day = 1; day <= 3; ++day) w.clock.advance(kDay);  // 5, 4, 3 days left: keep
    w.settle();
    BOOST_TEST(w.issuer.calls() == 1);
    w.clock.advance(kDay + 1min);  // a little under 2 days left
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    w.clock.advance(kDay);  // the new certificate has 5 days left
    w.settle();
    BOOST_TEST(w.issuer.calls() == 2);
}

BOOST_AUTO_TEST_CASE(concurrent_issueCert_calls_share_one_issuance) {
    World w;
    AcmeIssuingService service(w.store, w.issuer, w.clock, w.options());
    w.issuer.hold();
    auto first = service.issueCert("shared.example.test");
    auto second = service.issueCert(" Shared.Example.Test ");
    w.issuer.release();
    const PemBundle& a = first.get();
    const PemBundle& b = second.get();
    BOOST_TEST(a.toPem() == b.toPem());
    BOOST_TEST(w.issuer.calls() == 1);
    BOOST_TEST(w.store.get("shared.example.test")->toPem() == a.toPem());
    // once done, a new call issues again
    service.issueCert("shared.example.test").get();
    BOOST_TEST(w.issuer.calls() == 2);
}

BOOST_AUTO_TEST_CASE(concurrent_issuances_are_bounded) {
    World w;
    for (int i = 0; i < 8; ++i) w.store.store("c" + std::to_string(i) + ".example.test", PemBundle());
    auto options = w.options();
    options.maxConcurrentIssuances = 2;
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    w.issuer.hold();
    service.start();
    for (int i = 0; i < 300 && w.issuer.calls() < 2; ++i) std::this_thread::sleep_for(10ms);
    w.settle();
    BOOST_TEST(w.issuer.calls() == 2);  // two workers, both held
    w.issuer.release();
    BOOST_REQUIRE(ready(service.whenCertsValid()));
    BOOST_TEST(w.issuer.calls() == 8);
    BOOST_TEST(w.issuer.maxConcurrent() == 2);
}

BOOST_AUTO_TEST_CASE(renewal_information_moves_the_renewal) {
    World w;
    w.add("early.example.test", 80 * kDay);
    w.add("late.example.test", 80 * kDay);
    w.issuer.setLifetime(365 * kDay);  // renewed certificates stay out of the way
    auto options = w.options();
    const TimePoint start = w.clock.now();
    const std::string earlySerial = w.store.get("early.example.test")->certificate().serialHex();
    const std::string lateSerial = w.store.get("late.example.test")->certificate().serialHex();
    options.renewalInfo = [&](const Certificate& cert) -> std::optional<RenewalInfo> {
        if (cert.serialHex() == earlySerial) return RenewalInfo{start - 1h, start, "", {}};  // the CA says: now
        if (cert.serialHex() == lateSerial) return RenewalInfo{start + 60 * kDay, start + 60 * kDay + 1h, "", {}};
        return std::nullopt;  // new certificates: the lifetime rule
    };
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    BOOST_TEST(w.issuer.calls("early.example.test") == 1);
    for (int day = 1; day <= 55; ++day) w.clock.advance(kDay);  // past the 30-day rule, before the window
    w.settle();
    BOOST_TEST(w.issuer.calls("late.example.test") == 0);
    for (int day = 56; day <= 61; ++day) w.clock.advance(kDay);
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 2));
    BOOST_TEST(w.issuer.calls("late.example.test") == 1);
}

// After a change of CA, the new CA knows nothing of the old one's
// certificates: its renewalInfo answers 404. That is no failure of the CA's:
// the lifetime rule decides, the CA is asked again a day later (not at every
// look at the entry), and it is told once per certificate, as a notice. A CA
// that fails otherwise is still warned of.
BOOST_AUTO_TEST_CASE(a_certificate_the_ca_does_not_know_is_renewed_by_its_lifetime_and_told_once) {
    World w;
    w.add("old-ca.example.test", 60 * kDay);
    w.add("known.example.test", 60 * kDay);
    w.add("failing.example.test", 60 * kDay);
    w.issuer.setLifetime(365 * kDay);
    const TimePoint start = w.clock.now();
    std::mutex askedMutex;
    std::map<std::string, int> asked;
    auto options = w.options();
    options.renewalInfo = [&](const Certificate& cert) -> std::optional<RenewalInfo> {
        const std::string name = cert.subjectAltNames().front().value;
        if (cert.notAfter() > start + 300 * kDay) return std::nullopt;  // the renewed ones
        {
            std::lock_guard lock(askedMutex);
            ++asked[name];
        }
        if (name == "old-ca.example.test") throw AcmeProblem("malformed", "Certificate not found", 404);
        if (name == "failing.example.test") throw AcmeProblem("serverInternal", "database unavailable", 500);
        return RenewalInfo{start + 40 * kDay, start + 41 * kDay, "", 6h};
    };
    const auto askedOf = [&](const std::string& name) {
        std::lock_guard lock(askedMutex);
        return asked[name];
    };
    test::LoggerCapture lines("cxxacme.service");
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(ready(service.whenCertsValid()));
    w.settle();
    BOOST_TEST(askedOf("old-ca.example.test") == 1);
    for (int day = 1; day <= 3; ++day) w.clock.advance(kDay);
    w.settle();
    BOOST_TEST(askedOf("old-ca.example.test") <= 4, "asked " << askedOf("old-ca.example.test") << " times in 4 checks");
    BOOST_TEST(askedOf("old-ca.example.test") >= 2, "never asked again");
    const auto told = [&](const std::string& what) {
        return lines.count([&](const std::string& line) { return line.find(what) != std::string::npos; });
    };
    BOOST_TEST(told("has no renewal information for") == 1u);
    BOOST_TEST(told("unavailable") >= 1u);  // the failing CA's answers are warned of
    for (const auto& line : lines.lines()) {
        BOOST_TEST_CONTEXT(line) {
            BOOST_TEST((line.find("unavailable") == std::string::npos || line.find("database unavailable") != std::string::npos));
        }
    }
    BOOST_TEST(w.issuer.calls() == 0);
    // the lifetime rule renews it, 30 days before its end; the CA's window holds the known one back
    for (int day = 4; day <= 31; ++day) w.clock.advance(kDay);
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 2));
    w.settle();
    BOOST_TEST(w.issuer.calls("old-ca.example.test") == 1);
    BOOST_TEST(w.issuer.calls("failing.example.test") == 1);
    BOOST_TEST(w.issuer.calls("known.example.test") == 0);
    BOOST_TEST(told("has no renewal information for") == 1u);
}

BOOST_AUTO_TEST_CASE(stop_cancels_checks_and_retries) {
    World w;
    w.add("x.example.test", 31 * kDay);
    AcmeIssuingService service(w.store, w.issuer, w.clock, w.options());
    service.start();
    BOOST_REQUIRE(ready(service.whenCertsValid()));
    service.stop();
    BOOST_TEST(w.clock.pendingCount() == 0u);
    w.clock.advance(5 * kDay);
    w.settle();
    BOOST_TEST(w.issuer.calls() == 0);
    BOOST_CHECK_THROW(service.issueCert("x.example.test").get(), Error);
}

BOOST_AUTO_TEST_CASE(a_broken_entry_does_not_stop_the_others) {
    World w;
    class BrokenStore final : public ICertificateStore {
    public:
        std::optional<PemBundle> get(const std::string&) override { throw StoreError("x", "", "disk on fire"); }
        void store(const std::string&, const PemBundle&) override { throw StoreError("x", "", "disk on fire"); }
        std::map<std::string, PemBundle> asMap() override { throw StoreError("*", "", "disk on fire"); }
    } broken;
    AcmeIssuingService service(broken, w.issuer, w.clock, w.options());
    service.start();
    BOOST_TEST(ready(service.whenCertsValid()));  // a failing store still lets start-up finish
    BOOST_CHECK_THROW(service.issueCert("y.example.test").get(), StoreError);
}

// A CA's Retry-After on a rate limit holds the name back until then, past the
// back-off and past the daily check (held to maxCaRetryAfter, next test).
BOOST_AUTO_TEST_CASE(a_rate_limited_name_waits_for_the_cas_retry_after) {
    World w;
    w.add("r.example.test", 20 * kDay);
    AcmeProblem limited("rateLimited", "too many certificates already issued", 429);
    limited.withRetryAt(w.clock.now() + 50h);
    w.issuer.failNextWith(1, std::make_exception_ptr(limited));
    auto options = w.options();
    options.initialBackoff = 60s;
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Failed, 1));
    w.clock.advance(kDay);  // the back-off and a check have passed
    w.settle();
    w.clock.advance(kDay);  // and a second check
    w.settle();
    BOOST_TEST(w.issuer.calls() == 1);
    w.clock.advance(2h + 1s);  // 50 h
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    BOOST_TEST(w.issuer.calls() == 2);
}

BOOST_AUTO_TEST_CASE(a_cas_retry_after_is_held_to_max_ca_retry_after) {
    World w;
    w.add("m.example.test", 20 * kDay);
    AcmeProblem month("rateLimited", "come back next month", 429);
    month.withRetryAt(w.clock.now() + 30 * kDay);
    w.issuer.failNextWith(1, std::make_exception_ptr(month));
    auto options = w.options();
    options.maxCaRetryAfter = 3 * kDay;
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Failed, 1));
    w.clock.advance(3 * kDay - 1h);
    w.settle();
    BOOST_TEST(w.issuer.calls() == 1);
    w.clock.advance(1h + 1s);
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    BOOST_TEST(w.issuer.calls() == 2);
}

// A refusal whose scope is the whole account (Let's Encrypt's new orders per
// account) holds every entry until the CA's time: the entries queued behind
// the refused one are not sent into the same refusal, a check passes them
// over (one in its panic threshold calls panic, saying why), and a check at
// the hold's end asks for them all. issueCert asks all the same.
BOOST_AUTO_TEST_CASE(an_account_wide_rate_limit_holds_every_entry_until_the_cas_time) {
    World w;
    w.add("a.example.test", 20 * kDay, kIssuedLongAgo);
    w.add("b.example.test", 20 * kDay, kIssuedLongAgo);
    w.add("c.other.test", 5 * kDay, kIssuedLongAgo);  // within the panic threshold
    w.add("d.other.test", 80 * kDay, kIssuedLongAgo);  // not due
    w.refuseNextAsRateLimit("too many new orders (300) from this account in the last 3h0m0s, retry after 2026-12-06 01:00:00 "
                            "UTC: see https://letsencrypt.org/docs/rate-limits/#new-orders-per-account",
                            5h);
    AcmeIssuingService service(w.store, w.issuer, w.clock, w.oneAtATime());  // a first, the others queued behind it
    EventLog log(service);
    test::LoggerCapture warnings("cxxacme.service");
    service.start();
    BOOST_REQUIRE(ready(service.whenCertsValid()));
    w.settle();
    BOOST_TEST(w.issuer.calls() == 1);  // a, refused; b and c not asked
    BOOST_TEST(log.count(IssuingEvent::Kind::Failed) == 1);
    {
        std::lock_guard lock(w.panicMutex);
        BOOST_REQUIRE(w.panics.size() == 1u);
        BOOST_TEST(w.panics[0].first == "c.other.test");
        BOOST_TEST(w.panics[0].second.starts_with("not asked: the CA refuses every name of the account until " +
                                                  formatRfc3339(w.clock.now() + 5h) + " (ACME problem urn:ietf:params:acme:error:rateLimited (HTTP 429): too many new orders"),
                   w.panics[0].second);
    }
    BOOST_TEST(warnings.count([](const std::string& line) { return line.starts_with("the CA refuses every name of the account until"); }) == 1u);  // once
    w.clock.advance(4h);  // the back-off of a (1 minute, doubling) would have asked again by now
    w.settle();
    BOOST_TEST(w.issuer.calls() == 1);
    // asked by the program: asked of the CA
    BOOST_CHECK_NO_THROW(service.issueCert("d.other.test").get());
    BOOST_TEST(w.issuer.calls("d.other.test") == 1);
    w.clock.advance(1h);  // the hold ends: a check asks for the three
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 4));
    w.settle();
    BOOST_TEST(w.issuer.calls("a.example.test") == 2);
    BOOST_TEST(w.issuer.calls("b.example.test") == 1);
    BOOST_TEST(w.issuer.calls("c.other.test") == 1);
    BOOST_TEST(w.issuer.calls() == 5);
}

// A renewal in the CA's renewal window names what it replaces, and Let's
// Encrypt exempts such renewals from its limits: an account's hold does not
// keep it back (a mass revocation's renewals go through).
BOOST_AUTO_TEST_CASE(a_renewal_in_the_cas_window_is_not_held_by_a_rate_limit) {
    World w;
    w.add("a.example.test", 20 * kDay, kIssuedLongAgo);
    w.add("b-ari.example.test", 60 * kDay, kIssuedLongAgo);  // not due by its lifetime: by the CA's window alone
    w.add("c.example.test", 20 * kDay, kIssuedLongAgo);
    w.refuseNextAsRateLimit("too many new orders (300) from this account in the last 3h0m0s, retry after 2026-12-06 01:00:00 "
                            "UTC: see https://letsencrypt.org/docs/rate-limits/#new-orders-per-account",
                            5h);
    auto options = w.oneAtATime();
    const TimePoint start = w.clock.now();
    options.renewalInfo = [&](const Certificate& cert) -> std::optional<RenewalInfo> {
        if (cert.subjectAltNames().front().value != "b-ari.example.test") return std::nullopt;
        return RenewalInfo{start - 2h, start - 1h, "", {}};
    };
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    BOOST_TEST(service.inRenewalWindow(*w.store.get("b-ari.example.test")));
    BOOST_TEST(!service.inRenewalWindow(*w.store.get("a.example.test")));
    BOOST_TEST(!service.inRenewalWindow(PemBundle()));
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    w.settle();
    BOOST_TEST(w.issuer.calls("a.example.test") == 1);
    BOOST_TEST(w.issuer.calls("b-ari.example.test") == 1);
    BOOST_TEST(w.issuer.calls("c.example.test") == 0);
}

// As Let's Encrypt (Boulder's newOrder), the renewal of an exact set issued
// in the last 120 days counts against neither the account's new orders nor a
// registered domain's certificates: those holds keep new certificates back,
// not such renewals. A certificate issued longer ago, or for other names,
// is no such renewal.
BOOST_AUTO_TEST_CASE(renewals_of_an_exact_set_go_through_holds_on_new_orders_and_registered_domains) {
    for (const std::string detail :
         {"too many new orders (300) from this account in the last 3h0m0s, retry after 2026-12-06 01:00:00 UTC: see "
          "https://letsencrypt.org/docs/rate-limits/#new-orders-per-account",
          "too many certificates (50) already issued for \"example.test\" in the last 168h0m0s, retry after 2026-12-06 "
          "01:00:00 UTC: see https://letsencrypt.org/docs/rate-limits/#new-certificates-per-registered-domain"}) {
        BOOST_TEST_CONTEXT(detail.substr(0, 24)) {
            World w;
            w.store.store("a.example.test", PemBundle());                     // new: refused, and the hold begins
            w.add("b.example.test", 20 * kDay);                                 // issued 70 days ago: an exact set's renewal
            w.add("c.example.test", 20 * kDay, kIssuedLongAgo);                 // issued 180 days ago
            w.store.store("d.example.test,www.d.example.test", w.ca.issue("d.example.test", w.clock.now() - 70 * kDay,
                                                                          w.clock.now() + 20 * kDay));  // other names
            w.store.store("e.example.test", PemBundle());                     // new
            w.refuseNextAsRateLimit(detail, 5h);
            AcmeIssuingService service(w.store, w.issuer, w.clock, w.oneAtATime());  // in the store's order: a first
            service.start();
            BOOST_REQUIRE(ready(service.whenCertsValid()));
            w.settle();
            BOOST_TEST(w.issuer.calls("a.example.test") == 1);
            BOOST_TEST(w.issuer.calls("b.example.test") == 1, "an exact set's renewal was held");
            BOOST_TEST(w.issuer.calls("c.example.test") == 0);
            BOOST_TEST(w.issuer.calls("d.example.test,www.d.example.test") == 0);
            BOOST_TEST(w.issuer.calls("e.example.test") == 0);
            BOOST_TEST((service.renewalOf("b.example.test", *w.store.get("b.example.test")) == RateLimitScope::Renewal::ExactSet));
            BOOST_TEST((service.renewalOf("c.example.test", *w.store.get("c.example.test")) == RateLimitScope::Renewal::None));
        }
    }
}

// Issuances under way together that meet the same limit make one hold, told once.
BOOST_AUTO_TEST_CASE(the_same_limit_met_twice_at_once_is_one_hold) {
    World w;
    for (const char* name : {"a.example.test", "b.example.test", "c.example.test", "d.example.test"}) w.add(name, 20 * kDay, kIssuedLongAgo);
    AcmeProblem limited("rateLimited", "too many new orders (300) from this account in the last 3h0m0s, retry after "
                                       "2026-12-06 01:00:00 UTC: see https://letsencrypt.org/docs/rate-limits/#new-orders-per-account",
                        429);
    limited.withRetryAt(w.clock.now() + 5h);
    w.issuer.failNextWith(4, std::make_exception_ptr(limited));
    test::LoggerCapture lines("cxxacme.service");
    AcmeIssuingService service(w.store, w.issuer, w.clock, w.options());  // four at once
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(ready(service.whenCertsValid()));
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Failed, 1));
    w.settle();
    const int calls = w.issuer.calls();  // one, or more that were under way before the first refusal
    BOOST_TEST(calls >= 1);
    BOOST_TEST(lines.count([](const std::string& line) { return line.starts_with("the CA refuses every name of the account"); }) == 1u);
    w.clock.advance(4h);
    w.settle();
    BOOST_TEST(w.issuer.calls() == calls);
}

// A registered domain's limit holds the names under it alone; others go on.
BOOST_AUTO_TEST_CASE(a_registered_domains_rate_limit_holds_the_names_under_it) {
    World w;
    w.add("a.example.test", 20 * kDay, kIssuedLongAgo);
    w.add("b.example.test,www.b.example.test", 20 * kDay, kIssuedLongAgo);
    w.add("c.other.test", 20 * kDay, kIssuedLongAgo);
    w.add("d.other.test,*.shop.example.test", 20 * kDay, kIssuedLongAgo);
    w.refuseNextAsRateLimit("too many certificates (50) already issued for \"example.test\" in the last 168h0m0s, retry after "
                            "2026-12-12 01:00:00 UTC: see https://letsencrypt.org/docs/rate-limits/#new-certificates-per-registered-domain",
                            2 * kDay);
    AcmeIssuingService service(w.store, w.issuer, w.clock, w.oneAtATime());
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    w.settle();
    BOOST_TEST(w.issuer.calls("a.example.test") == 1);
    BOOST_TEST(w.issuer.calls("b.example.test,www.b.example.test") == 0);
    BOOST_TEST(w.issuer.calls("c.other.test") == 1);
    BOOST_TEST(w.issuer.calls("d.other.test,*.shop.example.test") == 0);  // one name under it is enough
    w.clock.advance(kDay);  // a check: still held
    w.settle();
    BOOST_TEST(w.issuer.calls() == 2);
    w.clock.advance(kDay);
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 4));
    w.settle();
    BOOST_TEST(w.issuer.calls() == 5);
    BOOST_TEST(log.count(IssuingEvent::Kind::Failed) == 1);
}

// A limit of the order's own names (an exact set's), or anything not read as
// wider, holds those names alone, as before.
BOOST_AUTO_TEST_CASE(an_exact_sets_rate_limit_holds_that_entry_alone) {
    World w;
    w.add("a.example.test", 20 * kDay);
    w.add("b.example.test", 20 * kDay);
    w.refuseNextAsRateLimit("too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, "
                            "retry after 2026-12-12 01:00:00 UTC: see "
                            "https://letsencrypt.org/docs/rate-limits/#new-certificates-per-exact-set-of-identifiers",
                            2 * kDay);
    AcmeIssuingService service(w.store, w.issuer, w.clock, w.oneAtATime());
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    w.settle();
    BOOST_TEST(w.issuer.calls("a.example.test") == 1);
    BOOST_TEST(w.issuer.calls("b.example.test") == 1);
}

BOOST_AUTO_TEST_CASE(a_failure_is_retried_at_the_next_check_at_the_latest) {
    World w;
    w.add("n.example.test", 20 * kDay);
    w.issuer.failNext(1);
    auto options = w.options();
    options.initialBackoff = 72h;  // longer than a check interval
    options.maxBackoff = 72h;
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Failed, 1));
    w.clock.advance(kDay);
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    BOOST_TEST(w.issuer.calls() == 2);
}

namespace {

// A MemoryStore that also offers IExpiryIndex, and counts how it is read.
class IndexedStore final : public ICertificateStore, public IExpiryIndex {
public:
    std::optional<PemBundle> get(const std::string& name) override {
        ++gets;
        return inner.get(name);
    }
    void store(const std::string& name, const PemBundle& entry) override { inner.store(name, entry); }
    std::map<std::string, PemBundle> asMap() override {
        ++maps;
        return inner.asMap();
    }
    std::vector<std::string> expiringBefore(TimePoint time) override {
        ++queries;
        asked = time;
        std::vector<std::string> out;
        for (const auto& [name, entry] : inner.asMap())
            if (entry.empty() || entry.notAfter() < time) out.push_back(name);
        return out;
    }
    MemoryStore inner;
    std::atomic<int> gets{0}, maps{0}, queries{0};
    TimePoint asked{};
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_store_with_an_expiry_index_is_read_through_it) {
    World w;
    IndexedStore store;
    for (int i = 0; i < 200; ++i) {
        const std::string name = "valid" + std::to_string(i) + ".example.test";
        store.inner.store(name, w.ca.issue(name, w.clock.now() - 10 * kDay, w.clock.now() + 80 * kDay));
    }
    store.inner.store("due.example.test", w.ca.issue("due.example.test", w.clock.now() - 80 * kDay, w.clock.now() + 10 * kDay));
    store.inner.store("empty.example.test", PemBundle());
    auto options = w.options();
    AcmeIssuingService service(store, w.issuer, w.clock, options);
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(ready(service.whenCertsValid()));
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    BOOST_TEST(w.issuer.calls() == 2);
    BOOST_TEST(w.issuer.calls("due.example.test") == 1);
    BOOST_TEST(w.issuer.calls("empty.example.test") == 1);
    BOOST_TEST(store.maps.load() == 0);       // never a full read
    BOOST_TEST(store.queries.load() == 1);
    BOOST_TEST((store.asked == w.clock.now() + options.reissueInterval));
    BOOST_TEST(store.gets.load() <= 6);       // the two candidates (and their issuance), not 202 entries
}

// With renewal information, a store's expiry index does not hide a
// certificate the CA calls in early (80 days left, a window that has begun:
// a revocation in view); the renewal is logged with the CA's explanation
// (RFC 9773 §4.2), made printable. An answer is kept for its Retry-After
// (RFC 9773 §4.3.2) and asked again after it, not at every check.
BOOST_AUTO_TEST_CASE(renewal_information_reaches_past_the_expiry_index_and_is_kept_for_its_retry_after) {
    World w;
    IndexedStore store;
    for (const char* name : {"early.example.test", "quiet.example.test"})
        store.inner.store(name, w.ca.issue(name, w.clock.now() - 10 * kDay, w.clock.now() + 80 * kDay));
    w.issuer.setLifetime(365 * kDay);
    auto options = w.options();
    options.checkInterval = 1h;
    const TimePoint start = w.clock.now();
    const std::string earlySerial = store.inner.get("early.example.test")->certificate().serialHex();
    const std::string quietSerial = store.inner.get("quiet.example.test")->certificate().serialHex();
    std::mutex askedMutex;
    std::map<std::string, int> asked;  // serial -> calls
    const auto askedFor = [&](const std::string& serial) {
        std::lock_guard lock(askedMutex);
        return asked[serial];
    };
    options.renewalInfo = [&](const Certificate& cert) -> std::optional<RenewalInfo> {
        {
            std::lock_guard lock(askedMutex);
            ++asked[cert.serialHex()];
        }
        if (cert.serialHex() == earlySerial) return RenewalInfo{start - 1h, start, "https://ca.example.test/incident/7\x01", 6h};
        return RenewalInfo{start + 50 * kDay, start + 51 * kDay, "", 6h};
    };
    test::LoggerCapture lines("cxxacme.service");
    AcmeIssuingService service(store, w.issuer, w.clock, options);
    EventLog log(service);
    service.start();
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    w.settle();
    BOOST_TEST(w.issuer.calls("early.example.test") == 1);
    BOOST_TEST(w.issuer.calls("quiet.example.test") == 0);
    BOOST_TEST(lines.count([](const std::string& line) {
                   return line.find("renewing early.example.test early, as the CA's renewal information asks "
                                    "(explanation: https://ca.example.test/incident/7\\x01)") != std::string::npos;
               }) == 1u);
    BOOST_TEST(lines.count([](const std::string& line) { return line.find("quiet.example.test") != std::string::npos; }) == 0u);
    BOOST_TEST(askedFor(quietSerial) == 1);
    for (int hour = 1; hour <= 5; ++hour) {  // hourly checks within the 6 hours use the kept answer
        w.clock.advance(1h);
        w.settle();
    }
    BOOST_TEST(askedFor(quietSerial) == 1);
    w.clock.advance(1h);  // 6 hours on: asked again
    w.settle();
    BOOST_TEST(askedFor(quietSerial) == 2);
    BOOST_TEST(w.issuer.calls("quiet.example.test") == 0);
}

// ---- a fleet over one store: IIssuanceLock -------------------------------

namespace {

bool eventually(const std::function<bool()>& condition) {
    for (int i = 0; i < 3000; ++i) {
        if (condition()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

std::size_t linesWith(cxxacme::test::LoggerCapture& log, const std::string& text) {
    return log.count([&](const std::string& line) { return line.find(text) != std::string::npos; });
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_entry_another_instance_is_issuing_is_left_to_it_and_looked_at_again) {
    World w;
    w.add("taken.example.test", 20 * kDay);  // due, not in panic
    w.add("done.example.test", 20 * kDay);
    w.add("free.example.test", 20 * kDay);
    cxxacme::test::LoggerCapture serviceLog("cxxacme.service");
    auto options = w.options();
    options.lockRetryInterval = 2min;
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    EventLog log(service);
    // two entries another instance is renewing
    auto takenLock = w.store.tryLock("taken.example.test");
    auto doneLock = w.store.tryLock("done.example.test");
    BOOST_REQUIRE((takenLock && doneLock));
    service.start();
    BOOST_REQUIRE(eventually([&] { return linesWith(serviceLog, "left to it") == 2; }));
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    BOOST_TEST(w.issuer.calls() == 1);
    BOOST_TEST(w.issuer.calls("free.example.test") == 1);
    BOOST_TEST(log.count(IssuingEvent::Kind::Failed) == 0, "another instance's work counted as a failure");
    BOOST_TEST(w.panics.empty());
    // the other instance renews one and stores it; it gives the other up (it died, or failed)
    w.add("done.example.test", 90 * kDay);
    doneLock.reset();
    takenLock.reset();
    w.clock.advance(2min);  // looked at again
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 2));
    w.settle();
    BOOST_TEST(w.issuer.calls("taken.example.test") == 1, "an entry left by its holder was not issued here");
    BOOST_TEST(w.issuer.calls("done.example.test") == 0, "an entry another instance renewed was renewed again");
    BOOST_TEST(w.issuer.calls() == 2);
}

BOOST_AUTO_TEST_CASE(issueCert_waits_for_another_instance_and_takes_what_it_stored) {
    World w;
    w.add("w.example.test", 60 * kDay);
    auto options = w.options();
    options.lockRetryInterval = 10s;
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    cxxacme::test::LoggerCapture serviceLog("cxxacme.service");
    auto other = w.store.tryLock("w.example.test");
    BOOST_REQUIRE(other);
    auto asked = service.issueCert("w.example.test");
    BOOST_REQUIRE(eventually([&] { return linesWith(serviceLog, "waiting for it") == 1; }));
    w.clock.advance(10s);  // asks again: still held
    w.settle();
    BOOST_TEST((asked.wait_for(0s) == std::future_status::timeout), "issueCert did not wait for the lock");
    // the other instance stores its new certificate and lets go
    w.add("w.example.test", 90 * kDay);
    const PemBundle theirs = *w.store.get("w.example.test");
    other.reset();
    w.clock.advance(10s);
    BOOST_REQUIRE((asked.wait_for(30s) == std::future_status::ready));
    BOOST_TEST(asked.get().toPem() == theirs.toPem());
    BOOST_TEST(w.issuer.calls() == 0, "the certificate another instance stored meanwhile was ordered again");
    BOOST_TEST(w.store.get("w.example.test")->toPem() == theirs.toPem());
    // asked when nobody holds it: issued, as always
    const PemBundle mine = service.issueCert("w.example.test").get();
    BOOST_TEST(w.issuer.calls() == 1);
    BOOST_TEST(mine.toPem() != theirs.toPem());
}

BOOST_AUTO_TEST_CASE(stop_ends_a_wait_for_a_lock) {
    World w;
    AcmeIssuingService service(w.store, w.issuer, w.clock, w.options());
    cxxacme::test::LoggerCapture serviceLog("cxxacme.service");
    auto other = w.store.tryLock("s.example.test");
    auto asked = service.issueCert("s.example.test");
    BOOST_REQUIRE(eventually([&] { return linesWith(serviceLog, "waiting for it") == 1; }));
    service.stop();
    BOOST_REQUIRE((asked.wait_for(30s) == std::future_status::ready));
    BOOST_CHECK_THROW(asked.get(), Error);
    BOOST_TEST(w.issuer.calls() == 0);
    BOOST_TEST(w.clock.pendingCount() == 0u);
}

// What an instance of one account leaves on the store's rate-limit board
// when the CA refuses its account's orders for 5 hours: it ordered a
// (refused), held b, and stopped.
static void meetAccountLimit(World& w, const std::string& identity) {
    w.issuer.setRateLimitIdentity(identity);
    w.refuseNextAsRateLimit("too many new orders (300) from this account in the last 3h0m0s, retry after 2026-12-06 01:00:00 "
                            "UTC: see https://letsencrypt.org/docs/rate-limits/#new-orders-per-account",
                            5h);
    AcmeIssuingService one(w.store, w.issuer, w.clock, w.oneAtATime());
    one.start();
    BOOST_REQUIRE(ready(one.whenCertsValid()));
    w.settle();
    BOOST_REQUIRE(w.issuer.calls() == 1);
    BOOST_REQUIRE(w.store.refusals(w.clock.now()).size() == 1u);
}

// A fleet shares the CA's refusals through the store: another instance of
// the same account orders nothing in the refusal's scope until its time,
// then orders what is due.
BOOST_AUTO_TEST_CASE(instances_of_one_account_share_a_rate_limits_hold_through_the_store) {
    World w;
    w.add("a.example.test", 20 * kDay, kIssuedLongAgo);
    w.add("b.example.test", 20 * kDay, kIssuedLongAgo);
    meetAccountLimit(w, "https://ca.test/dir thumbprint-1");
    FakeIssuer sameAccount{w.clock};
    sameAccount.setRateLimitIdentity("https://ca.test/dir thumbprint-1");
    test::LoggerCapture warnings("cxxacme.service");
    AcmeIssuingService two(w.store, sameAccount, w.clock, w.options());
    EventLog log(two);
    two.start();
    BOOST_REQUIRE(ready(two.whenCertsValid()));
    w.settle();
    BOOST_TEST(sameAccount.calls() == 0, "an instance ordered into a refusal another one met");
    BOOST_TEST(log.count(IssuingEvent::Kind::Failed) == 0);
    BOOST_TEST(warnings.count([](const std::string& line) {
        return line.starts_with("another instance over the store met it: the CA refuses every name of the account until");
    }) == 1u);
    w.clock.advance(4h);  // a check within the hold: still nothing
    w.settle();
    BOOST_TEST(sameAccount.calls() == 0);
    w.clock.advance(1h + 1s);  // the hold ends: a check asks for both
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 2));
    BOOST_TEST(sameAccount.calls("a.example.test") == 1);
    BOOST_TEST(sameAccount.calls("b.example.test") == 1);
    BOOST_TEST(w.store.refusals(w.clock.now()).empty());
}

// A refusal of another account (or CA) holds nothing; nor does the board
// of an issuer that names no identity.
BOOST_AUTO_TEST_CASE(a_refusal_of_another_account_on_the_board_holds_nothing) {
    for (const std::string identity : {"https://ca.test/dir thumbprint-2", "https://other-ca.test/dir thumbprint-1", ""}) {
        World w;
        w.add("a.example.test", 20 * kDay, kIssuedLongAgo);
        w.add("b.example.test", 20 * kDay, kIssuedLongAgo);
        meetAccountLimit(w, "https://ca.test/dir thumbprint-1");
        FakeIssuer otherAccount{w.clock};
        otherAccount.setRateLimitIdentity(identity);
        AcmeIssuingService two(w.store, otherAccount, w.clock, w.options());
        EventLog log(two);
        two.start();
        BOOST_REQUIRE(ready(two.whenCertsValid()));
        BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 2));
        BOOST_TEST(otherAccount.calls() == 2, identity);
    }
}

BOOST_AUTO_TEST_CASE(two_instances_over_one_store_issue_each_entry_once) {
    World w;
    constexpr int kEntries = 12;
    for (int i = 0; i < kEntries; ++i) w.store.store("e" + std::to_string(i) + ".example.test", PemBundle());
    FakeIssuer otherIssuer{w.clock};
    auto options = w.options();
    options.lockRetryInterval = 1min;
    AcmeIssuingService one(w.store, w.issuer, w.clock, options);
    AcmeIssuingService two(w.store, otherIssuer, w.clock, options);
    // both at work at once: each instance's four workers busy before any finishes
    w.issuer.hold();
    otherIssuer.hold();
    one.start();
    two.start();
    BOOST_REQUIRE(eventually([&] { return w.issuer.calls() + otherIssuer.calls() >= 8; }));
    w.settle();
    w.issuer.release();
    otherIssuer.release();
    BOOST_REQUIRE(ready(one.whenCertsValid()));
    BOOST_REQUIRE(ready(two.whenCertsValid()));
    w.clock.advance(1min);  // the entries each left to the other are looked at again
    BOOST_REQUIRE(eventually([&] {
        const auto all = w.store.asMap();
        return std::all_of(all.begin(), all.end(), [](const auto& e) { return !e.second.empty(); });
    }));
    w.settle();
    BOOST_TEST(w.issuer.calls() + otherIssuer.calls() == kEntries, "an entry was ordered by both instances");
    for (int i = 0; i < kEntries; ++i) {
        const std::string name = "e" + std::to_string(i) + ".example.test";
        BOOST_TEST(w.issuer.calls(name) + otherIssuer.calls(name) == 1, name);
    }
}

// ---- a fleet over one store: IRenewalInfoBoard ----------------------------

namespace {

// A renewal-information source that counts what it is asked, per certificate serial.
struct CountingRenewalInfo {
    explicit CountingRenewalInfo(RenewalInfo a) : answer(std::move(a)) {}
    RenewalInfo answer;
    std::mutex mutex;
    std::map<std::string, int> asked;
    std::function<std::optional<RenewalInfo>(const Certificate&)> source() {
        return [this](const Certificate& cert) -> std::optional<RenewalInfo> {
            std::lock_guard lock(mutex);
            ++asked[cert.serialHex()];
            return answer;
        };
    }
    int total() {
        std::lock_guard lock(mutex);
        int n = 0;
        for (const auto& [serial, calls] : asked) n += calls;
        return n;
    }
};

}  // namespace

// The CA's renewal information is asked by one instance over the store and
// read by the others while its Retry-After holds: a fleet asks once per
// certificate, not once per instance. An answer about a certificate the
// entry no longer holds, or one kept longer than a day (RFC 9773 §4.3.2),
// is not used.
BOOST_AUTO_TEST_CASE(instances_over_one_store_share_the_cas_renewal_information) {
    World w;
    w.add("a.example.test", 60 * kDay);
    w.add("b.example.test", 60 * kDay);
    const TimePoint start = w.clock.now();
    CountingRenewalInfo caOne{{start + 40 * kDay, start + 41 * kDay, "https://ca.example.test/why", 6h}};
    CountingRenewalInfo caTwo{caOne.answer};
    auto options = w.options();
    options.checkInterval = 1h;
    options.renewalInfo = caOne.source();
    auto one = std::make_unique<AcmeIssuingService>(w.store, w.issuer, w.clock, options);
    one->start();
    BOOST_REQUIRE(ready(one->whenCertsValid()));
    w.settle();
    BOOST_TEST(caOne.total() == 2);
    const auto posted = w.store.renewalInfo("a.example.test", w.clock.now());
    BOOST_REQUIRE(posted.has_value());
    BOOST_TEST((posted->until == start + 6h && posted->windowStart == start + 40 * kDay));
    BOOST_TEST(posted->explanationUrl == "https://ca.example.test/why");

    options.renewalInfo = caTwo.source();
    AcmeIssuingService two(w.store, w.issuer, w.clock, options);
    two.start();
    BOOST_REQUIRE(ready(two.whenCertsValid()));
    w.settle();
    BOOST_TEST(caTwo.total() == 0, "an instance asked the CA what another one over the store had asked");
    const PemBundle a = *w.store.get("a.example.test");
    BOOST_TEST((two.renewalDue(a, "a.example.test") == one->renewalDue(a, "a.example.test")),
               "the shared answer gives another renewal time");
    BOOST_TEST((two.renewalDue(a, "a.example.test") >= start + 40 * kDay && two.renewalDue(a, "a.example.test") < start + 41 * kDay));
    BOOST_TEST(caTwo.total() == 0);
    w.clock.advance(5h);  // checks within the 6 hours: nobody asks
    w.settle();
    BOOST_TEST(caOne.total() + caTwo.total() == 2);

    one.reset();  // one instance left: when the answers end, it asks, and posts
    w.clock.advance(1h);
    BOOST_REQUIRE(eventually([&] { return caTwo.total() == 2; }));
    w.settle();
    BOOST_TEST(caTwo.total() == 2);
    BOOST_TEST((w.store.renewalInfo("b.example.test", w.clock.now())->until == start + 12h));
    BOOST_TEST(w.issuer.calls() == 0);

    // an answer about the entry's earlier certificate is not the new one's
    CountingRenewalInfo caThree{caOne.answer};
    options.renewalInfo = caThree.source();
    AcmeIssuingService four(w.store, w.issuer, w.clock, options);  // not started: asked directly
    w.add("a.example.test", 60 * kDay, 80 * kDay);
    const PemBundle renewed = *w.store.get("a.example.test");
    (void)four.renewalDue(renewed, "a.example.test");
    BOOST_TEST(caThree.total() == 1, "an answer about another certificate was used");
    BOOST_TEST((w.store.renewalInfo("a.example.test", w.clock.now())->certificate !=
                posted->certificate), "the new certificate's answer did not take the old one's place");
    (void)four.renewalDue(*w.store.get("b.example.test"), "b.example.test");
    BOOST_TEST(caThree.total() == 1);
    // without the entry's name, nothing is read from the store
    CountingRenewalInfo caFive{caOne.answer};
    options.renewalInfo = caFive.source();
    AcmeIssuingService five(w.store, w.issuer, w.clock, options);
    (void)five.renewalDue(*w.store.get("b.example.test"));
    BOOST_TEST(caFive.total() == 1);

    // one kept for longer than a day, put there by another hand, is asked again
    auto planted = *w.store.renewalInfo("b.example.test", w.clock.now());
    planted.until = w.clock.now() + 30 * kDay;
    planted.windowStart = w.clock.now() + 300 * kDay;
    planted.windowEnd = planted.windowStart + kDay;
    w.store.postRenewalInfo("b.example.test", planted);
    CountingRenewalInfo caSix{caOne.answer};
    options.renewalInfo = caSix.source();
    AcmeIssuingService six(w.store, w.issuer, w.clock, options);
    BOOST_TEST((six.renewalDue(*w.store.get("b.example.test"), "b.example.test") < start + 41 * kDay));
    BOOST_TEST(caSix.total() == 1);
}

// An explanation URL the board does not keep (a control character) does not
// keep the answer from being shared: it is shared without it.
BOOST_AUTO_TEST_CASE(renewal_information_with_an_unprintable_explanation_is_shared_without_it) {
    World w;
    w.add("a.example.test", 60 * kDay);
    const TimePoint start = w.clock.now();
    CountingRenewalInfo caOne{{start + 40 * kDay, start + 41 * kDay, "https://ca.example.test/\x01", 6h}};
    auto options = w.options();
    options.renewalInfo = caOne.source();
    AcmeIssuingService one(w.store, w.issuer, w.clock, options);
    const PemBundle a = *w.store.get("a.example.test");
    const TimePoint due = one.renewalDue(a, "a.example.test");
    const auto posted = w.store.renewalInfo("a.example.test", w.clock.now());
    BOOST_REQUIRE(posted.has_value());
    BOOST_TEST(posted->explanationUrl.empty());
    CountingRenewalInfo caTwo{caOne.answer};
    options.renewalInfo = caTwo.source();
    AcmeIssuingService two(w.store, w.issuer, w.clock, options);
    BOOST_TEST((two.renewalDue(a, "a.example.test") == due));
    BOOST_TEST(caOne.total() + caTwo.total() == 1);
}

namespace {

// The CA's answer for every certificate: a window weeks away, kept 6 hours; counts the questions.
struct DistantWindow {
    TimePoint start;
    std::shared_ptr<std::atomic<int>> asked = std::make_shared<std::atomic<int>>(0);
    std::function<std::optional<RenewalInfo>(const Certificate&)> source() const {
        return [start = start, asked = asked](const Certificate&) -> std::optional<RenewalInfo> {
            ++*asked;
            return RenewalInfo{start + 60 * kDay, start + 61 * kDay, "", 6h};
        };
    }
};

std::string serialOf(MemoryStore& store, const std::string& names) { return store.get(names)->certificate().serialHex(); }

}  // namespace

BOOST_AUTO_TEST_CASE(revokeCert_revokes_forgets_the_cas_window_and_replaces_the_certificate) {
    World w;
    w.add("a.example.test", 80 * kDay);
    w.add("b.example.test", 80 * kDay);
    const DistantWindow ca{w.clock.now()};
    auto options = w.options();
    options.renewalInfo = ca.source();
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    EventLog log(service);
    const PemBundle before = *w.store.get("a.example.test");
    const std::string revoked = before.certificate().serialHex();
    BOOST_TEST((service.renewalDue(before, "a.example.test") > w.clock.now()));  // the CA's window is weeks away
    BOOST_TEST(*ca.asked == 1);
    BOOST_REQUIRE(w.store.renewalInfo("a.example.test", w.clock.now()).has_value());  // and the store keeps its answer

    // in any case, as a store key is
    auto replaced = service.revokeCert("A.Example.TEST", RevocationReason::kKeyCompromise);
    BOOST_REQUIRE(replaced.wait_for(30s) == std::future_status::ready);
    const PemBundle& after = replaced.get();
    BOOST_TEST(after.certificate().serialHex() != revoked);
    BOOST_TEST(serialOf(w.store, "a.example.test") == after.certificate().serialHex());
    const std::vector<std::pair<std::string, int>> expected{{revoked, 1}};
    BOOST_TEST((w.issuer.revocations() == expected));
    BOOST_TEST(w.issuer.calls("a.example.test") == 1);
    BOOST_TEST(w.issuer.replacements() == 1);  // its order names the revoked certificate as the one it replaces
    BOOST_TEST(w.issuer.calls("b.example.test") == 0);
    BOOST_REQUIRE(log.waitFor(IssuingEvent::Kind::Renewed, 1));
    BOOST_TEST(log.count(IssuingEvent::Kind::Revoked) == 1);
    {
        std::lock_guard lock(log.mutex);
        BOOST_TEST((log.events.front().kind == IssuingEvent::Kind::Revoked));  // before its replacement
        BOOST_TEST(log.events.front().names == "a.example.test");
        BOOST_TEST(log.events.front().detail == "serial " + revoked + ", reason 1 (keyCompromise)");
    }
    // what the CA said of the revoked certificate's window is forgotten, on the store and here:
    // the window it gives now (begun) is asked for
    BOOST_TEST(!w.store.renewalInfo("a.example.test", w.clock.now()).has_value());
    (void)service.renewalDue(before, "a.example.test");
    BOOST_TEST(*ca.asked == 2);
}

BOOST_AUTO_TEST_CASE(revokeCert_that_is_refused_changes_nothing) {
    World w;
    w.add("a.example.test", 80 * kDay);
    w.store.store("empty.example.test", PemBundle());
    const DistantWindow ca{w.clock.now()};
    auto options = w.options();
    options.renewalInfo = ca.source();
    AcmeIssuingService service(w.store, w.issuer, w.clock, options);
    EventLog log(service);
    const std::string serial = serialOf(w.store, "a.example.test");
    (void)service.renewalDue(*w.store.get("a.example.test"), "a.example.test");

    for (const int notAReason : {7, -1, 11})
        BOOST_CHECK_EXCEPTION(service.revokeCert("a.example.test", notAReason), Error, [](const Error& e) {
            return std::string(e.what()).find("not an RFC 5280 CRLReason code") != std::string::npos;
        });
    BOOST_CHECK_THROW(service.revokeCert("a.example.test/../x", 1), InvalidNameError);
    BOOST_CHECK_EXCEPTION(service.revokeCert("empty.example.test", 1), Error, [](const Error& e) {
        return std::string(e.what()) == "the store has no certificate for empty.example.test to revoke";
    });
    BOOST_CHECK_THROW(service.revokeCert("none.example.test", 1), Error);
    {
        // a stopped service would not replace it: not revoked
        AcmeIssuingService stopped(w.store, w.issuer, w.clock, options);
        stopped.stop();
        BOOST_CHECK_EXCEPTION(stopped.revokeCert("a.example.test", 1), Error, [](const Error& e) {
            return std::string(e.what()) == "the issuing service is stopped: a.example.test is not revoked";
        });
    }
    w.issuer.refuseRevocations(std::make_exception_ptr(AcmeProblem("unauthorized", "the account may not revoke this", 403)));
    BOOST_CHECK_EXCEPTION(service.revokeCert("a.example.test", 1), AcmeProblem,
                          [](const AcmeProblem& e) { return e.is("unauthorized"); });
    w.settle();
    BOOST_TEST(w.issuer.revocations().empty());
    BOOST_TEST(w.issuer.calls() == 0);
    BOOST_TEST(serialOf(w.store, "a.example.test") == serial);
    BOOST_TEST(w.store.renewalInfo("a.example.test", w.clock.now()).has_value());  // still about a good certificate
    BOOST_TEST(log.count(IssuingEvent::Kind::Revoked) == 0);
    BOOST_TEST(*ca.asked == 1);

    // revoked already (by another instance over the store, or a call whose replacement failed): replaced all the same
    w.issuer.refuseRevocations(std::make_exception_ptr(AcmeProblem("alreadyRevoked", "the certificate is already revoked", 400)));
    auto replaced = service.revokeCert("a.example.test", RevocationReason::kSuperseded);
    BOOST_REQUIRE(replaced.wait_for(30s) == std::future_status::ready);
    BOOST_TEST(replaced.get().certificate().serialHex() != serial);
    BOOST_TEST(log.count(IssuingEvent::Kind::Revoked) == 1);
    BOOST_TEST(!w.store.renewalInfo("a.example.test", w.clock.now()).has_value());

    // a replacement that fails panics, whatever the revoked certificate's life: it is served meanwhile
    w.issuer.refuseRevocations(nullptr);
    w.issuer.failNext(1, "the CA is down");
    auto failed = service.revokeCert("a.example.test", RevocationReason::kKeyCompromise);
    BOOST_CHECK_THROW(failed.get(), Error);
    BOOST_TEST(w.issuer.revocations().size() == 1u);
    std::lock_guard lock(w.panicMutex);
    BOOST_REQUIRE(w.panics.size() == 1u);
    BOOST_TEST(w.panics[0].first == "a.example.test");
    BOOST_TEST(w.panics[0].second == "the CA is down");
}

BOOST_AUTO_TEST_CASE(an_issuer_that_cannot_revoke_says_so) {
    struct IssuesOnly final : IIssuer {
        PemBundle issue(const std::string&, const std::optional<Certificate>&) override { throw Error("not asked"); }
    } issuer;
    World w;
    w.add("a.example.test", 80 * kDay);
    AcmeIssuingService service(w.store, issuer, w.clock, w.options());
    BOOST_CHECK_EXCEPTION(service.revokeCert("a.example.test", 0), Error, [](const Error& e) {
        return std::string(e.what()) == "this issuer cannot revoke certificates";
    });
}
