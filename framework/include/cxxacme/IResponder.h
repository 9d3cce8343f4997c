#pragma once

#include <string>

#include "cxxacme/Challenge.h"

namespace cxxacme {

/// Answers one ACME challenge type for the issuing service (txacme's
/// `IResponder`).
///
/// The service calls `startResponding` before it asks the CA to validate,
/// and `stopResponding` afterwards, whatever the outcome (also after a
/// failure or a cancelled issuance). Both are idempotent for the same
/// arguments, and safe to call from several threads at once for different
/// names. A failure throws a `cxxacme::Error`; after a failed
/// `startResponding` the service still calls `stopResponding`.
class IResponder {
public:
    virtual ~IResponder() = default;
    IResponder() = default;
    IResponder(const IResponder&) = delete;
    IResponder& operator=(const IResponder&) = delete;

    /// The challenge type answered: "http-01", "tls-alpn-01", "dns-01", ….
    virtual std::string challengeType() const = 0;

    /// Starts answering `challenge` for `serverName` with `keyAuthorization`
    /// (RFC 8555 §8.1). Returns once the answer is in place.
    virtual void startResponding(const std::string& serverName, const Challenge& challenge,
                                 const std::string& keyAuthorization) = 0;

    /// Stops answering; removes everything `startResponding` put in place.
    virtual void stopResponding(const std::string& serverName, const Challenge& challenge,
                                const std::string& keyAuthorization) = 0;
};

}  // namespace cxxacme
