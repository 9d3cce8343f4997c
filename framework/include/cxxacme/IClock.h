#pragma once

#include <functional>

#include "cxxacme/ScheduledCall.h"
#include "cxxacme/Time.h"

namespace cxxacme {

/// Where cxxacme gets the time and schedules later work. Only
/// `SystemClock` reads the system time; tests inject `testing::FakeClock`.
///
/// Implementations are thread-safe. Callbacks run on a thread the clock
/// chooses (SystemClock: its timer thread; FakeClock: the caller of
/// `advance`), one at a time, and must not block for long: hand real work to
/// a worker. An exception escaping a callback is logged and dropped.
class IClock {
public:
    virtual ~IClock() = default;
    IClock() = default;
    IClock(const IClock&) = delete;
    IClock& operator=(const IClock&) = delete;

    virtual TimePoint now() const = 0;

    /// Runs `fn` once, `delay` from now (at once if `delay` is not
    /// positive, but never inside this call). The returned handle cancels
    /// the call when destroyed; see `ScheduledCall`.
    [[nodiscard]] virtual ScheduledCall callLater(Duration delay, std::function<void()> fn) = 0;
};

}  // namespace cxxacme
