#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "cxxacme/IClock.h"

namespace cxxacme::testing {

/// A clock that moves only when told (Twisted's `task.Clock`): renewal rules
/// of days and weeks are tested in microseconds, with no sleeping.
///
/// `advance(d)` walks time forward to each due call in deadline order (calls
/// with the same deadline run in the order they were scheduled), sets `now()`
/// to that deadline and runs the call on the caller's thread; calls scheduled
/// by a callback inside the window run in the same `advance`. Then `now()`
/// is the old time plus `d`.
class FakeClock final : public IClock {
public:
    /// Starts at `start`; the default is 2026-01-01T00:00:00Z.
    explicit FakeClock(TimePoint start = defaultStart());

    TimePoint now() const override;
    ScheduledCall callLater(Duration delay, std::function<void()> fn) override;

    void advance(Duration d);
    /// Calls scheduled and neither run nor cancelled.
    std::size_t pendingCount() const;

    static TimePoint defaultStart();

private:
    mutable std::mutex mutex_;
    TimePoint now_;
    std::uint64_t sequence_ = 0;
    std::map<std::pair<TimePoint, std::uint64_t>, std::shared_ptr<ScheduledCall::State>> queue_;
};

}  // namespace cxxacme::testing
