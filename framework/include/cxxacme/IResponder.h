#pragma once

#include <functional>
#include <string>

#include "cxxacme/Challenge.h"

namespace cxxacme {

/// Answers one ACME challenge type for the issuing service (txacme's
/// `IResponder`).
///
/// The service calls `startResponding` before it asks the CA to validate
/// (and `watchValidation`, to poll only once the CA has come), and
/// `stopResponding` afterwards, whatever the outcome (also after a
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
    /// (RFC 8555 §8.1). Returns once the answer is in place. For a wildcard's
    /// authorization `serverName` is `*.NAME`; for dns-persist-01, which has
    /// no token, `keyAuthorization` is empty.
    virtual void startResponding(const std::string& serverName, const Challenge& challenge,
                                 const std::string& keyAuthorization) = 0;

    /// Stops answering; removes everything `startResponding` put in place.
    virtual void stopResponding(const std::string& serverName, const Challenge& challenge,
                                const std::string& keyAuthorization) = 0;

    /// Whether this responder can tell when the CA has made its validation
    /// request for `challenge`, which it answers since `startResponding`
    /// (RFC 8555 §7.5.1: a client that can tell SHOULD NOT poll before).
    /// When it can, it returns true and calls `seen` each time it has
    /// answered one, from its own thread, until `stopResponding` for the
    /// challenge returns, never after; `seen` is quick and does not throw.
    /// False, the default: it cannot tell (a dns-01 record is served by the
    /// DNS), or it does not answer `challenge`; `seen` is dropped.
    virtual bool watchValidation(const std::string& serverName, const Challenge& challenge,
                                 std::function<void()> seen) {  // NOLINT(performance-unnecessary-value-param): overrides keep it
        (void)serverName, (void)challenge, (void)seen;
        return false;
    }
};

}  // namespace cxxacme
