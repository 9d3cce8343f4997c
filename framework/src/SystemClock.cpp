#include "cxxacme/SystemClock.h"

namespace cxxacme {

SystemClock::SystemClock() : thread_([this] { loop(); }) {}

SystemClock::~SystemClock() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& [when, state] : queue_) state->cancel();
        queue_.clear();
    }
    wake_.notify_all();
    thread_.join();
}

TimePoint SystemClock::now() const { return std::chrono::system_clock::now(); }

ScheduledCall SystemClock::callLater(Duration delay, std::function<void()> fn) {
    auto state = std::make_shared<ScheduledCall::State>(std::move(fn));
    const auto when = std::chrono::steady_clock::now() +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay);
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            state->cancel();
            return ScheduledCall(state);
        }
        queue_.emplace(when, state);
    }
    wake_.notify_all();
    return ScheduledCall(state);
}

void SystemClock::loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (queue_.empty()) {
            wake_.wait(lock);
            continue;
        }
        const auto next = queue_.begin()->first;
        if (std::chrono::steady_clock::now() < next) {
            wake_.wait_until(lock, next);
            continue;
        }
        auto state = queue_.begin()->second;
        queue_.erase(queue_.begin());
        lock.unlock();
        state->run();
        lock.lock();
    }
}

}  // namespace cxxacme
