#pragma once

#include <functional>
#include <mutex>

#include "cxxacme/IClock.h"
#include "cxxacme/ScheduledCall.h"
#include "cxxacme/Time.h"

namespace cxxacme::responders {

/// Takes a port over when the process that holds it lets it go.
///
/// A responder that shares a challenge board may find its port held by
/// another server of the fleet, which answers from the board meanwhile. That
/// server may stop before the CA's validation comes (it was another
/// `cxxacme issue`, or it was restarted): then nothing would answer. A
/// `PortTakeover` calls `listen` (say, `[&] { http.listen(host, port); }`)
/// every `interval` on `clock` until it returns: while it throws a
/// `ListenError` with `addressInUse()` the port is still held and it tries
/// again; any other error ends the attempts, logged. `taken` is called once,
/// on the clock's thread, after `listen` returned.
///
/// The first attempt is `interval` after construction. Destroying the
/// takeover stops the attempts (an attempt running meanwhile finishes
/// first); the responder stays listening if it was taken. Declare it after
/// the responder it listens with, so that it goes first.
class PortTakeover {
public:
    PortTakeover(IClock& clock, Duration interval, std::function<void()> listen, std::function<void()> taken = {});
    ~PortTakeover();
    PortTakeover(const PortTakeover&) = delete;
    PortTakeover& operator=(const PortTakeover&) = delete;

    /// True once `listen` returned.
    bool taken() const;
    /// True while attempts are still scheduled.
    bool waiting() const;

private:
    void schedule();
    void attempt();

    IClock& clock_;
    const Duration interval_;
    const std::function<void()> listen_;
    const std::function<void()> taken_;
    mutable std::mutex mutex_;
    ScheduledCall next_;
    bool stopped_ = false;
    bool done_ = false;
    bool waiting_ = false;
};

}  // namespace cxxacme::responders
