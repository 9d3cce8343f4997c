#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cxxacme/ICertificateStore.h"
#include "cxxacme/IChangeNotifier.h"
#include "cxxacme/stores/KeyEncryption.h"
#include "cxxacme/IExpiryIndex.h"
#include "cxxacme/IIssuanceLock.h"
#include "cxxacme/IChallengeBoard.h"
#include "cxxacme/IRateLimitBoard.h"
#include "cxxacme/IRenewalInfoBoard.h"
#include "cxxacme/IClock.h"

struct sqlite3;

namespace cxxacme::stores {

/// Certificates in one SQLite file: one row per name holding the bundle
/// and its notAfter in an indexed column (so `expiringBefore` needs no
/// parsing). WAL mode and a busy timeout let several processes share the
/// file; the schema is versioned (`PRAGMA user_version`) and migrated on
/// open. Names are checked before they reach a query, and every query is
/// prepared with bound parameters. The file is created with mode 0600.
///
/// Change notification: every row carries a revision that triggers bump on
/// each insert and update, whoever writes (this store, another process, a
/// person with `sqlite3`). A watcher thread, started by the first
/// `onChange`, wakes on inotify events of the database's files and at least
/// every `kChangeCheckInterval`, checks `PRAGMA data_version` on a
/// read-only connection of its own, and reports the names whose revision
/// changed, appeared or went.
///
/// `tryLock` is a lease: a row of `issuance_locks` (name, holder, expires)
/// written under `BEGIN IMMEDIATE`, so that one process of all those sharing
/// the file gets it. The store renews its leases every fifth of
/// `kIssuanceLockLease` while they are held and deletes them on release; a
/// holder that dies keeps the others waiting until its lease runs out. A
/// process stopped for longer than the lease loses it. Leases are read by
/// the clock given to the constructor (the system's by default), which must
/// agree with the other holders' to within much less than the lease.
///
/// The challenge board is the table `challenges (type, key,
/// key_authorization, posted)`; an answer a day old is swept when a store
/// opens the file. The rate-limit board is the table
/// `rate_limit_refusals (scope, until, status, problem)`, the
/// renewal-information board `renewal_info (name, certificate, until,
/// window_start, window_end, explanation)`, times in seconds since the epoch.
class SqliteStore final : public ICertificateStore,
                          public IExpiryIndex,
                          public IChangeNotifier,
                          public IIssuanceLock,
                          public IChallengeBoard,
                          public IRateLimitBoard,
                          public IRenewalInfoBoard {
public:
    /// 1: entries (name, pem, not_after). 2: + revision, kept by triggers.
    /// 3: + issuance_locks (name, holder, expires). 4: + challenges.
    /// 5: + challenges.posted. 6: + rate_limit_refusals. 7: + renewal_info.
    static constexpr int kSchemaVersion = 7;
    /// Challenge answers older than this are removed when a store opens the
    /// file: left by a process that died mid-order.
    static constexpr std::chrono::hours kStaleChallengeAge{24};
    /// How long an issuance lock outlives a holder that stopped renewing it.
    static constexpr std::chrono::minutes kIssuanceLockLease{5};
    /// The longest a committed change waits to be reported (inotify usually
    /// wakes the watcher at once; the commit itself is not a file event).
    static constexpr std::chrono::milliseconds kChangeCheckInterval{250};

    /// Opens or creates `path`. With `encryption`, private keys are sealed
    /// at rest (see `KeyEncryption`). `clock` times the issuance locks'
    /// leases and the challenge answers' age (default: the system's).
    /// Throws `StoreError`.
    explicit SqliteStore(std::string path, std::shared_ptr<const KeyEncryption> encryption = nullptr, IClock* clock = nullptr);
    ~SqliteStore() override;

    std::optional<PemBundle> get(const std::string& name) override;
    void store(const std::string& name, const PemBundle& entry) override;
    std::map<std::string, PemBundle> asMap() override;
    std::vector<std::string> expiringBefore(TimePoint time) override;
    [[nodiscard]] Subscription onChange(std::function<void(const std::string& name)> listener) override;
    /// A held lock must not outlive the store.
    [[nodiscard]] std::unique_ptr<Held> tryLock(const std::string& name) override;
    void postChallenge(const std::string& type, const std::string& key, const std::string& keyAuthorization) override;
    void removeChallenge(const std::string& type, const std::string& key) override;
    std::optional<std::string> challengeAnswer(const std::string& type, const std::string& key) override;
    void postRefusal(const Refusal& refusal) override;
    std::vector<Refusal> refusals(TimePoint now) override;
    void postRenewalInfo(const std::string& name, const Answer& answer) override;
    std::optional<Answer> renewalInfo(const std::string& name, TimePoint now) override;
    void removeRenewalInfo(const std::string& name) override;

    const std::string& path() const noexcept { return path_; }

private:
    class Lease;
    void migrate();
    IClock& leaseClock();
    /// The clock's time in seconds since the epoch (the system's when none was given).
    long long nowSeconds();
    long long leaseExpiry();
    void releaseLease(const std::string& name, const std::string& holder);
    /// Moves every held lease's expiry on, and schedules the next renewal while any is held.
    void renewLeases();

    struct Watcher;

    std::string path_;
    std::shared_ptr<const KeyEncryption> encryption_;
    sqlite3* db_ = nullptr;
    std::mutex mutex_;
    std::mutex leaseMutex_;
    IClock* clock_;                            ///< the given clock, or ownClock_
    std::unique_ptr<IClock> ownClock_;         ///< made at the first lock when none was given
    std::map<std::string, std::string> leases_; ///< holder -> name, held by this store
    ScheduledCall leaseRenewal_;
    /// A renewal is scheduled or running and has not yet looked at leases_
    /// (under leaseMutex_): it renews a lease taken meanwhile and schedules
    /// the next, so tryLock leaves it be. (Reassigning leaseRenewal_ while
    /// it runs would wait for it under leaseMutex_, which it waits for.)
    bool leaseRenewalDue_ = false;
    bool closing_ = false;
    std::mutex watcherMutex_;
    std::unique_ptr<Watcher> watcher_;  // last: stopped before the connection closes
};

}  // namespace cxxacme::stores
