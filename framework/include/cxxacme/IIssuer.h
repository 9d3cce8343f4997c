#pragma once

#include <optional>
#include <string>

#include "cxxacme/Certificate.h"
#include "cxxacme/Error.h"
#include "cxxacme/PemBundle.h"

namespace cxxacme {

/// Gets a certificate for a store key: the seam between the issuing
/// service and the CA. `AcmeIssuer` speaks ACME; service tests use a fake.
class IIssuer {
public:
    virtual ~IIssuer() = default;
    IIssuer() = default;
    IIssuer(const IIssuer&) = delete;
    IIssuer& operator=(const IIssuer&) = delete;

    /// A new bundle (key, certificate, chain) for `names` (a canonical store
    /// key). `replacing` is the certificate being renewed, if any (for ARI's
    /// `replaces`). Blocks; throws `cxxacme::Error` (often `AcmeProblem`) on
    /// failure. Safe to call from several threads for different names.
    virtual PemBundle issue(const std::string& names, const std::optional<Certificate>& replacing) = 0;

    /// Whom the CA counts this issuer's orders against: issuers that answer
    /// the same share their rate-limit refusals through a store's
    /// `IRateLimitBoard` (the instances of a fleet). `AcmeIssuer` answers its
    /// CA's directory URL and its account key's thumbprint; "" (the
    /// default) shares nothing.
    virtual std::string rateLimitIdentity() const { return {}; }

    /// Asks the CA to revoke `certificate`, one this issuer's account got,
    /// with a `RevocationReason` code. Blocks; throws `cxxacme::Error` (an
    /// `AcmeProblem` from the CA) when it is not revoked. The default: an
    /// issuer that cannot revoke, which throws `Error` saying so.
    virtual void revoke(const Certificate& /*certificate*/, int /*reason*/) {
        throw Error("this issuer cannot revoke certificates");
    }
};

}  // namespace cxxacme
