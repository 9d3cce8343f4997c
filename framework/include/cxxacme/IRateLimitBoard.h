#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cxxacme/Time.h"

namespace cxxacme {

/// An optional ability of a certificate store (found with `dynamic_cast`):
/// the CA's refusals of more than the order refused (a rate limit's scope:
/// the account's orders, a registered domain, a name; a CA that is down),
/// shared by every instance over the store. An `AcmeIssuingService` that
/// meets one posts it; the others read it before they order, and so do not
/// each send an order into the same refusal: a fleet of N costs the CA one
/// refused order per limit, not N.
///
/// A refusal is kept under its scope's key until its time ends; posting one
/// replaces what was posted under the same key. What is kept is the CA's
/// own problem document, so that each reader judges its scope by its own
/// rules. Checked with `checkRefusal` before it touches a path or a query
/// (`InvalidNameError`); a storage failure throws `StoreError`. Thread-safe.
class IRateLimitBoard {
public:
    static constexpr std::size_t kMaxProblemBytes = std::size_t{16} * 1024;

    struct Refusal {
        std::string scope;    ///< the scope's key: 1-64 base64url characters
        std::string problem;  ///< the CA's problem document (RFC 7807 JSON), at most kMaxProblemBytes
        int status = 0;       ///< the HTTP status it came with, 400-599
        TimePoint until;      ///< when the CA takes orders in the scope again
        bool operator==(const Refusal&) const = default;
    };

    virtual ~IRateLimitBoard() = default;
    IRateLimitBoard() = default;
    IRateLimitBoard(const IRateLimitBoard&) = delete;
    IRateLimitBoard& operator=(const IRateLimitBoard&) = delete;

    virtual void postRefusal(const Refusal& refusal) = 0;
    /// The refusals whose time has not ended at `now` (`until` > `now`), to
    /// the second; ended ones are dropped. One that does not read (put there
    /// by another hand) is left out, and logged.
    virtual std::vector<Refusal> refusals(TimePoint now) = 0;

    /// Throws `InvalidNameError` unless the scope key, the problem's size
    /// and the status are as `Refusal` says.
    static void checkRefusal(const Refusal& refusal);
    /// `until` as the boards keep it: whole seconds since the epoch, rounded up.
    static long long untilSeconds(TimePoint until);
    /// And back; throws `InvalidNameError` for a time before 1970 or after 9999.
    static TimePoint untilFromSeconds(const std::string& scope, long long seconds);
};

}  // namespace cxxacme
