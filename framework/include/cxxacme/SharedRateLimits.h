#pragma once

#include <string>
#include <vector>

#include "cxxacme/AcmeProblem.h"
#include "cxxacme/ICertificateStore.h"
#include "cxxacme/IIssuer.h"
#include "cxxacme/RateLimitScope.h"
#include "cxxacme/Time.h"

namespace cxxacme {

/// The CA's refusals wider than an order (`RateLimitScope`), shared by the
/// instances of a fleet through their store's `IRateLimitBoard`, for one
/// issuer: what `AcmeIssuingService` and the `cxxacme` command post when
/// they meet one and read before they order.
///
/// A refusal is posted under the SHA-256 of the issuer's
/// `rateLimitIdentity` (its CA and account) and of the scope, and read back
/// only when the reader's issuer has the same identity and the problem's
/// scope is the one its key names. A store without the board, or an issuer
/// without an identity, shares nothing. Board failures are logged
/// (`cxxacme.service`), never thrown: sharing saves the CA requests, and
/// issuance goes on without it.
class SharedRateLimits {
public:
    struct Refusal {
        RateLimitScope scope;
        TimePoint until;
        std::string reason;  ///< the CA's problem, as `AcmeProblem::what()` gives it
    };

    /// `store` and `issuer` must outlive this.
    SharedRateLimits(ICertificateStore& store, const IIssuer& issuer) : store_(store), issuer_(issuer) {}

    /// Posts `problem`'s refusal of `scope` (wider than an order) until `until`.
    void post(const AcmeProblem& problem, const RateLimitScope& scope, TimePoint until) const;
    /// The refusals of this issuer's CA and account whose time has not ended at `now`.
    std::vector<Refusal> read(TimePoint now) const;

    /// The key a refusal of `scope` is posted under, for an issuer of `identity`.
    static std::string key(const std::string& identity, const RateLimitScope& scope);

private:
    ICertificateStore& store_;
    const IIssuer& issuer_;
};

}  // namespace cxxacme
