#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "cxxacme/Time.h"

namespace cxxacme {

/// An optional ability of a certificate store (found with `dynamic_cast`):
/// the CA's renewal information (RFC 9773) for the certificates the store
/// holds, kept until the CA said to ask again, and shared by every instance
/// over the store. An `AcmeIssuingService` that asks the CA posts the
/// answer; the others (and the next `cxxacme renew`) read it and do not ask:
/// a fleet of N costs the CA one renewalInfo request per certificate and
/// Retry-After, not N.
///
/// One answer is kept per entry, under the entry's name, with the identity
/// of the certificate it is about (`certificate`: the service posts the
/// base64url SHA-256 of its DER). Posting replaces what the entry had, so a
/// renewed entry's next answer takes its old certificate's place and the
/// board never holds more than one answer per entry. A reader compares
/// `certificate` with the certificate it holds: an answer about another one
/// is not its own.
///
/// Times are kept to the second (rounded down). Names are checked with
/// `ServerName::canonicalKey`, the rest with `checkAnswer`, before they
/// touch a path or a query (`InvalidNameError`); a storage failure throws
/// `StoreError`. Thread-safe.
class IRenewalInfoBoard {
public:
    static constexpr std::size_t kMaxExplanationBytes = 1024;

    struct Answer {
        std::string certificate;     ///< the certificate's identity: 1-64 base64url characters
        TimePoint windowStart;       ///< the CA's suggested window, start before end
        TimePoint windowEnd;
        std::string explanationUrl;  ///< printable ASCII without spaces, at most kMaxExplanationBytes; may be empty
        TimePoint until;             ///< when to ask the CA again
        bool operator==(const Answer&) const = default;
    };

    virtual ~IRenewalInfoBoard() = default;
    IRenewalInfoBoard() = default;
    IRenewalInfoBoard(const IRenewalInfoBoard&) = delete;
    IRenewalInfoBoard& operator=(const IRenewalInfoBoard&) = delete;

    /// Keeps `answer` for the entry `name`, in place of what it had.
    virtual void postRenewalInfo(const std::string& name, const Answer& answer) = 0;
    /// The answer kept for `name` if its `until` is after `now`; nothing
    /// otherwise (an ended one is dropped). One that does not read (put
    /// there by another hand) is nothing too, and logged.
    virtual std::optional<Answer> renewalInfo(const std::string& name, TimePoint now) = 0;
    /// Forgets the entry's answer, as when its certificate was revoked and
    /// the CA's answer changes with it; nothing when there is none.
    virtual void removeRenewalInfo(const std::string& name) = 0;

    /// Throws `InvalidNameError` unless `answer` is as `Answer` says.
    static void checkAnswer(const Answer& answer);
    /// A time as the boards keep it: whole seconds since the epoch, rounded down.
    static long long seconds(TimePoint time);
    /// `answer` with its times as the boards keep them (read back through
    /// `timePointFromUnixSeconds`).
    static Answer toSeconds(Answer answer);
};

}  // namespace cxxacme
