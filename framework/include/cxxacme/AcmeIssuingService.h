#pragma once

#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cxxacme/AcmeResources.h"
#include "cxxacme/ICertificateStore.h"
#include "cxxacme/IClock.h"
#include "cxxacme/IIssuanceLock.h"
#include "cxxacme/IIssuer.h"
#include "cxxacme/RateLimitScope.h"
#include "cxxacme/WorkerPool.h"

namespace cxxacme {

/// Something that happened to a certificate, for the embedding program.
struct IssuingEvent {
    enum class Kind {
        Issued,   ///< an empty entry got its first certificate
        Renewed,  ///< an existing certificate was replaced
        Failed,   ///< an issuance failed (it will be retried)
        Panic,    ///< an issuance failed within the panic interval
        Revoked,  ///< the CA revoked the entry's certificate (`revokeCert`); its replacement follows
    };
    Kind kind;
    std::string names;
    /// The error for Failed and Panic; "serial S, reason R (name)" for
    /// Revoked; the new notAfter otherwise.
    std::string detail;
    TimePoint at;
};

/// txacme's issuing service, with what today's CAs need. Each default is
/// the reason beside it.
struct AcmeIssuingServiceOptions {
    Duration checkInterval = std::chrono::hours(24);        ///< txacme: check daily
    Duration reissueInterval = std::chrono::hours(24 * 30); ///< txacme: renew 30 days before expiry
    Duration panicInterval = std::chrono::hours(24 * 15);   ///< txacme: panic within 15 days
    std::size_t maxConcurrentIssuances = 4;                 ///< be gentle with the CA
    Duration initialBackoff = std::chrono::minutes(1);      ///< first retry of a failed name
    Duration maxBackoff = std::chrono::hours(6);            ///< doubling stops here
    /// A failure the CA answered with a `Retry-After` (`AcmeProblem::retryAt`:
    /// a 429 rate limit, a 503) is not retried before then, however short
    /// the back-off, nor by a check; the CA's time is held to this at most.
    Duration maxCaRetryAfter = std::chrono::hours(24 * 7);
    /// Called when a reissue fails within the panic interval. Default: a
    /// critical line on the `cxxacme.service` logger.
    std::function<void(const std::string& names, const std::string& error)> panic;
    /// RFC 9773: the CA's suggested renewal window for a certificate, or
    /// nothing. Default: none (use lifetimes only). An answer is kept for
    /// its `retryAfter`, held to 1 minute .. 1 day (RFC 9773 §4.3.2), in
    /// memory and on the store's `IRenewalInfoBoard`; one without is asked
    /// again at the next check. An `AcmeProblem` of HTTP status 404 says the
    /// CA does not know the certificate (another CA's, as after a change of
    /// CA): the lifetime rule decides, the CA is asked again a day later, and
    /// it is logged once per certificate as a notice. Other exceptions are
    /// warned of, and asked again at the next check.
    std::function<std::optional<RenewalInfo>(const Certificate&)> renewalInfo;
    /// Asked, with the entry's key, before a check or a retry renews an
    /// entry that holds a certificate: false leaves it to expire, with no
    /// order, failure or panic (an on-demand name whose owner has left:
    /// certmagic asks its decision function again too). Not asked for an
    /// empty entry or by `issueCert`. An exception is a yes: a decision
    /// service that is down must not let certificates lapse. Default: every
    /// entry is renewed.
    std::function<bool(const std::string& names)> renewalAllowed;
    /// With a store that offers `IIssuanceLock` (a fleet over one store):
    /// how soon an entry another instance is issuing is looked at again,
    /// and how often `issueCert` asks for the lock while it waits.
    Duration lockRetryInterval = std::chrono::seconds(30);
    std::uint64_t randomSeed = std::random_device{}();     ///< jitter; fixed in tests
};

/// Keeps every entry of a store issued and renewed (txacme's
/// `AcmeIssuingService`).
///
/// - A check runs at `start()` and every `checkInterval`.
/// - An entry is reissued when it is empty, or when its certificate's
///   remaining life is at most the *renewal threshold*: `reissueInterval`,
///   or a third of the certificate's lifetime when that is shorter (so a
///   6-day certificate renews with 2 days left, not at every check). With a
///   renewal-information source, a suggested window that has begun makes the
///   entry due at once, and one in the future holds it back until then.
/// - Within the *panic threshold* (`panicInterval`, or half the renewal
///   threshold when that is shorter), or for an empty entry, a failed
///   reissue calls `panic`.
/// - `whenCertsValid()` resolves once the first check has tried every
///   panicking entry.
/// - Concurrent `issueCert` calls for the same names share one issuance; at
///   most `maxConcurrentIssuances` run at once.
/// - A failed name is retried after an exponential, jittered back-off that
///   never exceeds `checkInterval`, so at the next check at the latest;
///   checks skip it while it backs off.
///
/// - A CA's refusal with a Retry-After whose scope is wider than the names
///   asked (`RateLimitScope`: Let's Encrypt's new orders per account, new
///   certificates per registered domain, failed authorizations of a name;
///   a 503 from a CA that is down) holds every entry in that scope until
///   then, as well as the names asked: checks and retries do not ask the CA
///   for them, so 500 names under one exhausted limit cost one refused
///   request, not 500. An entry whose renewal window from the CA has begun
///   is held by a down CA only: its order names what it replaces, and Let's
///   Encrypt exempts such renewals from its limits (a mass revocation's
///   renewals go through). A held entry within its panic threshold calls `panic`
///   (and a Panic event) at each check that passes it over. A check runs
///   when a hold ends. `issueCert` asks all the same.
///
/// - A renewal the CA's renewal information calls for before the lifetime
///   rule would is logged with the CA's `explanationURL`, which RFC 9773
///   §4.2 says to show the operator.
///
/// When the store offers `IIssuanceLock`, several instances (processes,
/// machines) can keep one store: an issuance takes the entry's lock before
/// it orders and reads the entry again once it has it, so the instance that
/// comes second finds the certificate renewed and sends nothing. A check or
/// retry that finds the lock held leaves the entry to its holder and looks
/// again after `lockRetryInterval` (not a failure: no event, no back-off);
/// `issueCert` waits for the lock and, when the holder stored a new
/// certificate meanwhile, returns that one without ordering.
///
/// When the store offers `IRateLimitBoard` too, a hold is shared: the
/// instance that meets the refusal posts it (the CA's problem document and
/// its time), and the others, at each check and before each order they
/// start, hold the same scope until then without asking, when their issuer
/// orders for the same CA and account (`IIssuer::rateLimitIdentity`). A fleet
/// of N costs the CA one refused order per limit instead of N.
///
/// When the store offers `IRenewalInfoBoard` too, the CA's renewal
/// information is shared: an answer the CA gave one instance is posted on
/// the store with the certificate it is about, and the others read it there
/// instead of asking, until its Retry-After, while the entry holds that
/// certificate. A fleet of N asks the CA once per certificate and
/// Retry-After, not N times. Board failures are logged, and the CA asked.
///
/// When the store offers `IChangeNotifier`, an entry written empty while
/// the service runs (txacme's "issue me", by another process or by hand) is
/// issued at once, not at the next check.
///
/// When the store offers `IExpiryIndex` and there is no renewal-information
/// source, a check reads only the entries that expire within
/// `reissueInterval` (and empty ones), so 100 000 entries are not parsed
/// daily. With one, every entry is read: the CA may call any certificate in
/// early (a revocation in view), and asking it costs a request per
/// certificate anyway.
///
/// Time comes from the injected clock only. Thread-safe.
class AcmeIssuingService {
public:
    using Subscription = std::shared_ptr<void>;

    AcmeIssuingService(ICertificateStore& store, IIssuer& issuer, IClock& clock, AcmeIssuingServiceOptions options = {});
    ~AcmeIssuingService();
    AcmeIssuingService(const AcmeIssuingService&) = delete;
    AcmeIssuingService& operator=(const AcmeIssuingService&) = delete;

    /// Runs the first check (on a worker) and schedules the next ones.
    void start();
    /// Cancels timers, lets running issuances finish, stops. Idempotent.
    void stop();

    /// Resolves after the first check has tried every panicking entry.
    std::shared_future<void> whenCertsValid() const { return certsValid_; }

    /// Issues (or reissues) `names` now and stores the result; the future
    /// holds the bundle or the error. Shared with any issuance of the same
    /// names already under way.
    std::shared_future<PemBundle> issueCert(const std::string& names);

    /// RFC 8555 §7.6: has the CA revoke the certificate `names`'s entry
    /// holds, with a `RevocationReason` code (`kKeyCompromise` when its key
    /// got out, `kSuperseded`, ...), then replaces it at once, as
    /// `issueCert` does; the future holds the replacement or its error (a
    /// failure calls `panic`: the revoked certificate is served meanwhile).
    /// Blocks until the CA has answered the revocation. A name that is no
    /// store key throws `InvalidNameError`, a code that is no reason, an
    /// entry without a certificate, a stopped service, an issuer that cannot
    /// revoke or a CA that refuses throw `Error` (the CA's `AcmeProblem`),
    /// and nothing is changed. A certificate the CA says is revoked already
    /// (`alreadyRevoked`: another instance over the store, an earlier call)
    /// is replaced all the same. What the CA said of its renewal window
    /// before is forgotten, here and on the store's `IRenewalInfoBoard`.
    /// To stop serving the names instead, take the entry out of the store
    /// first, then revoke through `IIssuer::revoke`.
    std::shared_future<PemBundle> revokeCert(const std::string& names, int reason);

    /// Why the CA is not to be asked for `names` (a store key) now, as a new
    /// order: the hold of a CA's rate-limit refusal that covers them (met
    /// here, or by another instance and read from the store's
    /// `IRateLimitBoard`), as "not asked: the CA refuses … until … (…)";
    /// nothing when none does. `issueCert` asks all the same: its callers
    /// that should not (on-demand issuance) look here first.
    std::optional<std::string> holdOn(const std::string& names);

    /// Calls `listener` for every event until the returned handle is dropped.
    [[nodiscard]] Subscription onEvent(std::function<void(const IssuingEvent&)> listener);

    /// When `entry` is due for renewal (a time in the past: now). `names`,
    /// the entry's key, lets the store's `IRenewalInfoBoard` answer for the
    /// CA, and keep what the CA answered; without it the CA is asked.
    TimePoint renewalDue(const PemBundle& entry, const std::string& names = {}) const;
    /// Whether the CA's renewal window for `entry`'s certificate has begun:
    /// its renewal then names what it replaces, which Let's Encrypt exempts
    /// from its rate limits. False for an empty entry, or without renewal
    /// information. `names` as for `renewalDue`.
    bool inRenewalWindow(const PemBundle& entry, const std::string& names = {}) const;
    /// What an order for `names` would renew, `entry` being what the store
    /// holds for them (`RateLimitScope::renewalOf`, with the CA's window).
    RateLimitScope::Renewal renewalOf(const std::string& names, const PemBundle& entry) const;

private:
    struct Listener;
    struct Assessment {
        bool due = false;    ///< reissue now
        bool panic = false;  ///< a failure would call `panic`
        bool early = false;  ///< due by the CA's renewal information before the lifetime rule
        std::string explanation;  ///< its explanationURL, if it gave one
        /// What its order renews, for the rate limits' exemptions: an ARI
        /// renewal (the CA's window has begun) is held by a down CA only, an
        /// exact set's renewal by no limit on new orders or on a registered
        /// domain (Let's Encrypt's exemptions). Read for a due entry only.
        RateLimitScope::Renewal renewal = RateLimitScope::Renewal::None;
    };
    struct Due {
        TimePoint at;
        bool byRenewalInfo = false;  ///< the CA's window set `at`
        std::string explanation;
        std::optional<TimePoint> windowStart;  ///< the CA's renewal window's start, when it gave one
    };
    /// Forgets what the CA said of `cert`'s renewal window, in memory and,
    /// for `names`, on the store's board (a failure there is logged).
    void forgetRenewalInfo(const Certificate& cert, const std::string& names);
    /// `names`: the entry's key, for the store's renewal-information board; empty: none read.
    Due dueOf(const Certificate& cert, const std::string& names) const;
    /// The longest an answer is kept (RFC 9773 §4.3.2: a Retry-After over a day counts as a day).
    static constexpr std::chrono::hours kMaxRenewalInfoKeep{24};
    /// The answer kept from an earlier call until its retryAfter has passed;
    /// else the one the store's `IRenewalInfoBoard` keeps for `names` (when
    /// given) about this certificate; else `options_.renewalInfo(cert)`,
    /// kept, and posted on the board for the others.
    std::optional<RenewalInfo> renewalInfoFor(const Certificate& cert, const std::string& names) const;
    /// The one place the rules are applied to an entry. Throws `Error` for an
    /// entry whose certificate cannot be read.
    /// `names`: the entry's key, for `Assessment::renewal`; empty when only whether it is due is wanted.
    Assessment assess(const std::string& names, const PemBundle& entry, TimePoint now) const;
    void check(bool first);
    /// The entries a check looks at: all of them, or, when the store offers
    /// `IExpiryIndex` and there is no renewal information, those expiring
    /// within `reissueInterval` and the empty ones.
    std::map<std::string, PemBundle> candidates(TimePoint now);
    void scheduleCheck();
    void emit(const IssuingEvent& event);
    /// `asked`: by `issueCert`, which asks the CA even under a hold; a
    /// check's or a retry's issuance that finds its names held when its turn
    /// comes does not.
    std::shared_future<PemBundle> startIssuance(const std::string& names, bool panicking, bool renewal, bool asked,
                                                RateLimitScope::Renewal renewalKind = RateLimitScope::Renewal::None);
    /// Backs `names` off after `error`: the doubling back-off, or the CA's
    /// Retry-After when later.
    void recordFailure(const std::string& names, const std::exception_ptr& error);
    /// A retry of `names` after `delay` (under `mutex_`): it issues if the
    /// entry is still due and not held.
    ScheduledCall retryLater(const std::string& names, Duration delay);
    /// Asks for `names`'s issuance lock every `lockRetryInterval` until it
    /// gets it; throws `Error` when the service stops meanwhile.
    std::unique_ptr<IIssuanceLock::Held> waitForLock(IIssuanceLock& locks, const std::string& names);
    /// Whether `names`'s `entry` is due now (one whose certificate does not read is).
    bool stillDue(const std::string& names, const PemBundle& entry) const;
    /// The Panic event and the panic callback for `names`.
    void callPanic(const std::string& names, const std::string& why);
    Duration panicThreshold(const Certificate& cert) const;
    /// The hold that covers `names` now, if any (under `mutex_`); for an ARI
    /// renewal, only a down CA's.
    struct Hold {
        RateLimitScope scope;
        TimePoint until;
        std::string reason;  ///< the CA's refusal
        /// What an entry it holds is told: "not asked: the CA refuses … until … (…)".
        std::string notAsked() const;
    };
    const Hold* heldBy(const std::string& names, TimePoint now, RateLimitScope::Renewal renewal) const;
    /// Holds `scope` until `until` unless it is held that long already, with
    /// a check at its end (under `mutex_`); `learned`: from another instance.
    void adoptHold(const RateLimitScope& scope, TimePoint until, const std::string& reason, TimePoint now, bool learned);
    /// Issues `names` if its entry is empty and nothing else is under way for it (a change the store reported).
    void issueIfEmpty(const std::string& names);
    /// The entry under `names`; none when it is gone or cannot be read (logged, for `purpose`).
    std::optional<PemBundle> readEntry(const std::string& names, const char* purpose) const;
    /// Adopts the refusals other instances posted for this issuer's CA and
    /// account (`SharedRateLimits`; not under `mutex_`).
    void learnHolds();
    /// `options_.renewalAllowed` for a due entry holding a certificate (true without one).
    bool renewalAllowed(const std::string& names, const PemBundle& entry) const;
    Duration renewalThreshold(const Certificate& cert) const;

    ICertificateStore& store_;
    IIssuer& issuer_;
    IClock& clock_;
    AcmeIssuingServiceOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable lockWait_;  ///< waitForLock's: a tick of the clock, or stop()
    bool running_ = false;
    bool stopped_ = false;
    std::map<std::string, std::shared_future<PemBundle>> inFlight_;
    std::map<std::string, std::pair<int, TimePoint>> failures_;  // names -> (count, not before)
    std::map<std::string, ScheduledCall> retries_;
    std::vector<Hold> holds_;               ///< the CA's refusals of more than their names, until they end
    std::vector<ScheduledCall> holdChecks_; ///< a check when each hold ends
    ScheduledCall nextCheck_;
    std::shared_ptr<void> storeSubscription_;  ///< the store's change reports (IChangeNotifier), while running
    std::mt19937_64 random_;
    std::vector<std::weak_ptr<Listener>> listeners_;
    std::promise<void> certsValidPromise_;
    std::shared_future<void> certsValid_;

    mutable std::mutex renewalInfoMutex_;
    /// serial (hex) -> (the answer, when to ask again); no answer: the CA
    /// does not know the certificate (404)
    mutable std::map<std::string, std::pair<std::optional<RenewalInfo>, TimePoint>> renewalInfoKept_;
    /// serial (hex) -> the certificate's end: those whose CA's 404 was
    /// logged (once each), until they end
    mutable std::map<std::string, TimePoint> renewalInfoUnknownTold_;

    WorkerPool checker_{1, "cxxacme.service"};
    WorkerPool issuers_;
};

}  // namespace cxxacme
