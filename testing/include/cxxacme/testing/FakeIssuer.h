#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cxxacme/IClock.h"
#include "cxxacme/IIssuer.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

namespace cxxacme::testing {

/// An `IIssuer` for service tests: issues real bundles from a
/// `TestCertificateAuthority`, valid from the clock's now for `lifetime`,
/// and can be told to fail or to hold issuances until released. Counts
/// calls, and the largest number running at once. Revocations are
/// recorded, or refused when told.
class FakeIssuer final : public IIssuer {
public:
    explicit FakeIssuer(const IClock& clock, Duration lifetime = std::chrono::hours(24 * 90));

    PemBundle issue(const std::string& names, const std::optional<Certificate>& replacing) override;

    /// The next `n` issuances throw `Error(message)`.
    void failNext(int n, std::string message = "injected failure");
    /// The next `n` issuances throw `error` (an `AcmeProblem` with a
    /// `retryAt`, say, as a rate-limited CA's answer makes one).
    void failNextWith(int n, std::exception_ptr error);
    /// Every issuance fails until `failNext(0)`.
    void failAlways(std::string message = "injected failure");
    /// Issuances wait in `issue` until `release()`.
    void hold();
    void release();
    void setLifetime(Duration lifetime);
    /// What `rateLimitIdentity` answers ("" unless set: shares no refusal).
    void setRateLimitIdentity(std::string identity);
    std::string rateLimitIdentity() const override;
    /// Records the revocation (the certificate's serial and the reason), or
    /// throws what `refuseRevocations` set; a code that is no reason throws
    /// `Error`, as `AcmeIssuer`.
    void revoke(const Certificate& certificate, int reason) override;
    /// Revocations throw `error` from now on (null: they are recorded again).
    void refuseRevocations(std::exception_ptr error);
    /// The revocations recorded: (serial in hex, reason), in order.
    std::vector<std::pair<std::string, int>> revocations() const;

    int calls() const;
    int calls(const std::string& names) const;
    int maxConcurrent() const;
    /// How many `issue` calls got a certificate to replace.
    int replacements() const;
    /// Waits (up to `limit`, real time) until `n` calls have finished.
    bool waitForCompleted(int n, std::chrono::milliseconds limit = std::chrono::seconds(30)) const;

private:
    const IClock& clock_;
    TestCertificateAuthority ca_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    Duration lifetime_;
    int failNext_ = 0;
    bool failAlways_ = false;
    std::string failMessage_;
    std::exception_ptr failError_;  ///< thrown instead of Error(failMessage_) when set
    bool holding_ = false;
    int calls_ = 0;
    int completed_ = 0;
    int running_ = 0;
    int maxRunning_ = 0;
    int replacements_ = 0;
    std::map<std::string, int> perName_;
    std::string identity_;
    std::exception_ptr revocationError_;
    std::vector<std::pair<std::string, int>> revocations_;
};

}  // namespace cxxacme::testing
