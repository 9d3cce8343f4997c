#define BOOST_TEST_MODULE clock
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>

#include "cxxacme/SystemClock.h"

using namespace cxxacme;
using namespace std::chrono_literals;

// SystemClock is tested for order and cancellation, never for timing: the
// tests wait on futures, not on the wall clock.

BOOST_AUTO_TEST_CASE(system_clock_runs_calls_in_deadline_order) {
    SystemClock clock;
    std::mutex mutex;
    std::vector<int> order;
    std::promise<void> done;
    auto record = [&](int n) {
        std::lock_guard lock(mutex);
        order.push_back(n);
        if (order.size() == 3) done.set_value();
    };
    auto c = clock.callLater(30ms, [&] { record(3); });
    auto a = clock.callLater(0ms, [&] { record(1); });
    auto b = clock.callLater(10ms, [&] { record(2); });
    BOOST_REQUIRE(done.get_future().wait_for(30s) == std::future_status::ready);
    BOOST_TEST((order == std::vector<int>{1, 2, 3}));
    BOOST_TEST(!a.pending());
}

BOOST_AUTO_TEST_CASE(cancelled_and_dropped_calls_never_run) {
    SystemClock clock;
    std::atomic<int> runs{0};
    auto cancelled = clock.callLater(1ms, [&] { ++runs; });
    cancelled.cancel();
    BOOST_TEST(!cancelled.pending());
    { auto dropped = clock.callLater(1ms, [&] { ++runs; }); }  // RAII: destroyed handle cancels
    std::promise<void> marker;
    auto last = clock.callLater(20ms, [&] { marker.set_value(); });
    BOOST_REQUIRE(marker.get_future().wait_for(30s) == std::future_status::ready);
    BOOST_TEST(runs.load() == 0);
}

BOOST_AUTO_TEST_CASE(detached_calls_run_without_their_handle) {
    SystemClock clock;
    std::promise<void> ran;
    clock.callLater(1ms, [&] { ran.set_value(); }).detach();
    BOOST_TEST((ran.get_future().wait_for(30s) == std::future_status::ready));
}

BOOST_AUTO_TEST_CASE(cancel_waits_for_a_running_call) {
    SystemClock clock;
    std::promise<void> started;
    std::promise<void> release;
    std::atomic<bool> finished{false};
    auto call = clock.callLater(0ms, [&] {
        started.set_value();
        release.get_future().wait();
        finished = true;
    });
    started.get_future().wait();
    auto releaser = std::async(std::launch::async, [&] { release.set_value(); });
    call.cancel();  // returns only after the callback has finished
    BOOST_TEST(finished.load());
}

BOOST_AUTO_TEST_CASE(a_call_may_cancel_itself_and_exceptions_are_contained) {
    SystemClock clock;
    ScheduledCall self;
    std::promise<void> done;
    std::mutex m;
    std::unique_lock lock(m);
    self = clock.callLater(0ms, [&] {
        std::lock_guard inner(m);
        self.cancel();  // must not deadlock
        done.set_value();
    });
    lock.unlock();
    auto thrower = clock.callLater(0ms, [] { throw std::runtime_error("boom"); });
    BOOST_TEST((done.get_future().wait_for(30s) == std::future_status::ready));
    std::promise<void> after;
    auto next = clock.callLater(1ms, [&] { after.set_value(); });
    BOOST_TEST((after.get_future().wait_for(30s) == std::future_status::ready));  // the timer thread survived
}

BOOST_AUTO_TEST_CASE(now_is_the_system_time) {
    SystemClock clock;
    const auto before = std::chrono::system_clock::now();
    const auto now = clock.now();
    const auto after = std::chrono::system_clock::now();
    BOOST_TEST((before <= now && now <= after));
}
