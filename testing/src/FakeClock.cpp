#include "cxxacme/testing/FakeClock.h"

namespace cxxacme::testing {

FakeClock::FakeClock(TimePoint start) : now_(start) {}

TimePoint FakeClock::defaultStart() {
    using namespace std::chrono;
    return sys_days{year{2026} / January / 1};
}

TimePoint FakeClock::now() const {
    std::lock_guard lock(mutex_);
    return now_;
}

ScheduledCall FakeClock::callLater(Duration delay, std::function<void()> fn) {
    auto state = std::make_shared<ScheduledCall::State>(std::move(fn));
    std::lock_guard lock(mutex_);
    queue_.emplace(std::make_pair(now_ + (delay > Duration::zero() ? delay : Duration::zero()), sequence_++), state);
    return ScheduledCall(state);
}

void FakeClock::advance(Duration d) {
    std::unique_lock lock(mutex_);
    const TimePoint target = now_ + d;
    while (!queue_.empty() && queue_.begin()->first.first <= target) {
        auto node = queue_.extract(queue_.begin());
        if (node.key().first > now_) now_ = node.key().first;
        lock.unlock();
        node.mapped()->run();
        lock.lock();
    }
    if (target > now_) now_ = target;
}

std::size_t FakeClock::pendingCount() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [key, state] : queue_)
        if (state->pending()) ++n;
    return n;
}

}  // namespace cxxacme::testing
