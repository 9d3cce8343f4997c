#include "cxxacme/ScheduledCall.h"

#include <exception>

#include <Poco/Logger.h>

namespace cxxacme {

bool ScheduledCall::State::run() {
    {
        std::lock_guard lock(mutex_);
        if (phase_ != Phase::Pending) return false;
        phase_ = Phase::Running;
        runner_ = std::this_thread::get_id();
    }
    try {
        fn_();
    } catch (const std::exception& e) {
        Poco::Logger::get("cxxacme.clock").error(std::string("scheduled call failed: ") + e.what());
    } catch (...) {
        Poco::Logger::get("cxxacme.clock").error("scheduled call failed with an unknown exception");
    }
    {
        std::lock_guard lock(mutex_);
        phase_ = Phase::Done;
        fn_ = nullptr;  // release captures now, not when the last handle goes
    }
    done_.notify_all();
    return true;
}

void ScheduledCall::State::cancel() {
    std::function<void()> drop;
    std::unique_lock lock(mutex_);
    if (phase_ == Phase::Pending) {
        phase_ = Phase::Cancelled;
        drop = std::move(fn_);
        return;
    }
    if (phase_ == Phase::Running && runner_ != std::this_thread::get_id())
        done_.wait(lock, [this] { return phase_ == Phase::Done; });
}

bool ScheduledCall::State::pending() const {
    std::lock_guard lock(mutex_);
    return phase_ == Phase::Pending;
}

ScheduledCall& ScheduledCall::operator=(ScheduledCall&& other) noexcept {
    if (this != &other) {
        cancel();
        state_ = std::move(other.state_);
    }
    return *this;
}

void ScheduledCall::cancel() {
    if (state_) state_->cancel();
}

bool ScheduledCall::pending() const { return state_ && state_->pending(); }

}  // namespace cxxacme
