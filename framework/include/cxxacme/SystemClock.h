#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "cxxacme/IClock.h"

namespace cxxacme {

/// The real clock: `now()` is the system time, and calls run on one timer
/// thread owned by the clock, ordered by deadline. Delays are measured on
/// the monotonic clock, so a change of system time neither fires nor holds
/// back a pending call. Destroying the clock cancels what has not run.
class SystemClock final : public IClock {
public:
    SystemClock();
    ~SystemClock() override;

    TimePoint now() const override;
    ScheduledCall callLater(Duration delay, std::function<void()> fn) override;

private:
    void loop();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::multimap<std::chrono::steady_clock::time_point, std::shared_ptr<ScheduledCall::State>> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace cxxacme
