#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace cxxacme {

/// The handle of a call scheduled with `IClock::callLater`.
///
/// RAII: destroying or reassigning a handle cancels its call, so a callback
/// that captures `this` cannot outlive its owner. `detach()` lets the call
/// run without the handle. After `cancel()` returns, the callback is either
/// finished or will never start — except when `cancel()` is called from
/// inside that same callback, where it returns at once.
class ScheduledCall {
public:
    /// Shared between a handle and the clock that runs the call. Clock
    /// implementations (including users' own) drive it; users do not.
    class State {
    public:
        explicit State(std::function<void()> fn) : fn_(std::move(fn)) {}
        /// Runs the callback unless cancelled; returns false if it did not run.
        /// Exceptions from the callback are caught and logged.
        bool run();
        void cancel();
        bool pending() const;

    private:
        enum class Phase { Pending, Running, Done, Cancelled };
        mutable std::mutex mutex_;
        std::condition_variable done_;
        Phase phase_ = Phase::Pending;
        std::thread::id runner_;
        std::function<void()> fn_;
    };

    ScheduledCall() = default;
    explicit ScheduledCall(std::shared_ptr<State> state) : state_(std::move(state)) {}
    ~ScheduledCall() { cancel(); }
    ScheduledCall(ScheduledCall&&) noexcept = default;
    ScheduledCall& operator=(ScheduledCall&& other) noexcept;
    ScheduledCall(const ScheduledCall&) = delete;
    ScheduledCall& operator=(const ScheduledCall&) = delete;

    /// Cancels the call if it has not run; idempotent.
    void cancel();
    /// True while the call is scheduled and has not started.
    bool pending() const;
    /// Lets the call run even after this handle is gone.
    void detach() noexcept { state_.reset(); }

private:
    std::shared_ptr<State> state_;
};

}  // namespace cxxacme
