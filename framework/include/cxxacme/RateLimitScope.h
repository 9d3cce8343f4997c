#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cxxacme/AcmeProblem.h"
#include "cxxacme/Certificate.h"
#include "cxxacme/Time.h"

namespace cxxacme {

/// What a CA's refusal holds back besides the order that met it: the scope
/// of a rate limit, read from the problem as Let's Encrypt words its limits
/// (Boulder's limiter) and from the answer's status.
///
/// An issuing service that keeps many names asks the CA for none of those in
/// the scope until the CA's Retry-After, instead of sending each into the
/// same refusal. Whatever is not recognised, or does not read as a name or
/// an address, is `Kind::Order`: the names asked alone, as before.
class RateLimitScope {
public:
    enum class Kind {
        Order,             ///< the names of the refused order only (an exact set's limit; anything unknown)
        /// every order: "too many new orders (N) from this account …", and
        /// "too many new registrations (N) …" (no account to order with)
        Account,
        RegisteredDomain,  ///< every name at or under a subject ("too many certificates (N) already issued for "example.com" …")
        Identifiers,       ///< every order naming a subject ("too many failed authorizations (N) for "NAME" …", its subproblems)
        Server,            ///< every request: the CA is unavailable (503)
    };

    /// What an order renews, for the limits' exemptions (Boulder's newOrder).
    enum class Renewal {
        None,      ///< a new certificate
        /// the names of a certificate issued in the last 120 days, exactly:
        /// exempt from new orders per account and certificates per registered domain
        ExactSet,
        /// names what it replaces within the CA's renewal window: exempt from every limit
        Ari,
    };
    /// How long after its issue a certificate's names are renewed as an exact set.
    static constexpr Duration kExactSetLookBack = std::chrono::hours(24 * 120);

    /// The scope of `problem` (any problem: one that is no rate limit is `Order`).
    static RateLimitScope of(const AcmeProblem& problem);
    /// What an order for `names` (a canonical store key) renews, `current`
    /// being the certificate it holds (if any), `inAriWindow` whether the
    /// CA's renewal window for it has begun.
    static Renewal renewalOf(std::string_view names, const Certificate* current, TimePoint now, bool inAriWindow);

    Kind kind() const noexcept { return kind_; }
    /// The registered domains ("example.com", or an address block "192.0.2.1/32",
    /// "2001:db8::/64") or the identifiers ("www.example.com", "*.example.com",
    /// "192.0.2.1") the scope names, in canonical form; empty for the others.
    const std::vector<std::string>& subjects() const noexcept { return subjects_; }

    /// Whether an order for `names` (a canonical store key: names joined by
    /// commas) falls within the scope. `Order` covers none: the refused
    /// order's own names are the caller's to hold.
    bool covers(std::string_view names) const;
    /// Whether an order for `names` waits: `covers`, except for what Let's
    /// Encrypt exempts: an ARI renewal waits for a CA that is down
    /// (`Server`) only, and a renewal of an exact set waits for neither the
    /// account's new orders nor a registered domain's certificates.
    bool holds(std::string_view names, Renewal renewal) const;

    /// Whether an exact set's renewal is exempt from it (new orders per
    /// account, certificates per registered domain).
    bool exemptsSetRenewals() const noexcept { return exemptsSetRenewals_; }

    bool operator==(const RateLimitScope&) const = default;

    /// For a log line: "every name of the account", "every name under example.com", …
    std::string describe() const;
    /// What an order within the scope is told when it is not sent: "not
    /// asked: the CA refuses every name under example.com until 2026-12-12T01:00:00Z".
    std::string notAsked(TimePoint until) const;

private:
    RateLimitScope(Kind kind, std::vector<std::string> subjects, bool exemptsSetRenewals = false)
        : kind_(kind), subjects_(std::move(subjects)), exemptsSetRenewals_(exemptsSetRenewals) {}
    bool coversName(std::string_view name) const;

    Kind kind_;
    std::vector<std::string> subjects_;
    bool exemptsSetRenewals_;  ///< a limit an exact set's renewal is not counted against
};

}  // namespace cxxacme
