#include "cxxacme/testing/FakeIssuer.h"

#include "cxxacme/Error.h"
#include "cxxacme/RevocationReason.h"

namespace cxxacme::testing {

FakeIssuer::FakeIssuer(const IClock& clock, Duration lifetime) : clock_(clock), lifetime_(lifetime) {}

PemBundle FakeIssuer::issue(const std::string& names, const std::optional<Certificate>& replacing) {
    std::unique_lock lock(mutex_);
    ++calls_;
    ++perName_[names];
    if (replacing) ++replacements_;
    ++running_;
    maxRunning_ = std::max(maxRunning_, running_);
    changed_.notify_all();
    changed_.wait(lock, [this] { return !holding_; });
    const auto finish = [this] {
        --running_;
        ++completed_;
        changed_.notify_all();
    };
    if (failAlways_ || failNext_ > 0) {
        if (failNext_ > 0) --failNext_;
        const std::string message = failMessage_;
        const std::exception_ptr error = failError_;
        finish();
        if (error) std::rethrow_exception(error);
        throw Error(message);
    }
    const Duration lifetime = lifetime_;
    lock.unlock();
    const TimePoint now = clock_.now();
    PemBundle bundle = ca_.issue(names, now - std::chrono::minutes(1), now - std::chrono::minutes(1) + lifetime);
    lock.lock();
    finish();
    return bundle;
}

void FakeIssuer::failNext(int n, std::string message) {
    std::lock_guard lock(mutex_);
    failNext_ = n;
    failAlways_ = false;
    failMessage_ = std::move(message);
    failError_ = nullptr;
}

void FakeIssuer::failNextWith(int n, std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    failNext_ = n;
    failAlways_ = false;
    failError_ = std::move(error);
}

void FakeIssuer::failAlways(std::string message) {
    std::lock_guard lock(mutex_);
    failAlways_ = true;
    failMessage_ = std::move(message);
    failError_ = nullptr;
}

void FakeIssuer::hold() {
    std::lock_guard lock(mutex_);
    holding_ = true;
}

void FakeIssuer::release() {
    std::lock_guard lock(mutex_);
    holding_ = false;
    changed_.notify_all();
}

void FakeIssuer::setLifetime(Duration lifetime) {
    std::lock_guard lock(mutex_);
    lifetime_ = lifetime;
}

int FakeIssuer::calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
}

int FakeIssuer::calls(const std::string& names) const {
    std::lock_guard lock(mutex_);
    const auto it = perName_.find(names);
    return it == perName_.end() ? 0 : it->second;
}

int FakeIssuer::maxConcurrent() const {
    std::lock_guard lock(mutex_);
    return maxRunning_;
}

int FakeIssuer::replacements() const {
    std::lock_guard lock(mutex_);
    return replacements_;
}

bool FakeIssuer::waitForCompleted(int n, std::chrono::milliseconds limit) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return completed_ >= n; });
}

void FakeIssuer::setRateLimitIdentity(std::string identity) {
    std::lock_guard lock(mutex_);
    identity_ = std::move(identity);
}

std::string FakeIssuer::rateLimitIdentity() const {
    std::lock_guard lock(mutex_);
    return identity_;
}

void FakeIssuer::revoke(const Certificate& certificate, int reason) {
    RevocationReason::check(reason);
    std::lock_guard lock(mutex_);
    if (revocationError_) std::rethrow_exception(revocationError_);
    revocations_.emplace_back(certificate.serialHex(), reason);
}

void FakeIssuer::refuseRevocations(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    revocationError_ = std::move(error);
}

std::vector<std::pair<std::string, int>> FakeIssuer::revocations() const {
    std::lock_guard lock(mutex_);
    return revocations_;
}

}  // namespace cxxacme::testing
