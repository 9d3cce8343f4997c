#include "cxxacme/responders/PortTakeover.h"

#include <string>

#include <Poco/Logger.h>

#include "cxxacme/Error.h"

namespace cxxacme::responders {

namespace {
Poco::Logger& logger() { return Poco::Logger::get("cxxacme.responder.port"); }
}  // namespace

PortTakeover::PortTakeover(IClock& clock, Duration interval, std::function<void()> listen, std::function<void()> taken)
    : clock_(clock), interval_(interval), listen_(std::move(listen)), taken_(std::move(taken)) {
    schedule();
}

PortTakeover::~PortTakeover() {
    ScheduledCall next;
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        next = std::move(next_);
    }
    next.cancel();  // waits for an attempt that is running, outside the lock it takes
}

bool PortTakeover::taken() const {
    std::lock_guard lock(mutex_);
    return done_;
}

bool PortTakeover::waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
}

void PortTakeover::schedule() {
    std::lock_guard lock(mutex_);
    waiting_ = !stopped_;
    if (stopped_) return;
    // replacing the handle of the attempt that calls this returns at once (ScheduledCall)
    next_ = clock_.callLater(interval_, [this] { attempt(); });
}

void PortTakeover::attempt() {
    std::string failure;
    try {
        listen_();
    } catch (const ListenError& e) {
        if (e.addressInUse()) {
            schedule();  // still held
            return;
        }
        failure = e.what();
    } catch (const std::exception& e) {
        failure = e.what();
    }
    {
        std::lock_guard lock(mutex_);
        waiting_ = false;
        done_ = failure.empty();
    }
    if (!failure.empty())
        logger().warning("no longer waiting for the port: " + failure);
    else if (taken_)
        taken_();
}

}  // namespace cxxacme::responders
