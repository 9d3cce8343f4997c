#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cxxacme/IChangeNotifier.h"
#include "cxxacme/IExpiryIndex.h"
#include "cxxacme/IIssuanceLock.h"
#include "cxxacme/IChallengeBoard.h"
#include "cxxacme/IRateLimitBoard.h"
#include "cxxacme/IRenewalInfoBoard.h"
#include "cxxacme/stores/KeyEncryption.h"
#include "cxxacme/ICertificateStore.h"

namespace cxxacme::stores {

/// txacme's certificate directory (and txsni's host directory): one
/// `NAME.pem` per entry holding key, certificate and chain, `client.key`
/// beside them for the account key, and an empty `NAME.pem` meaning "issue
/// me".
///
/// Names are checked with `ServerName::canonicalKey` before they become a
/// path. Writes go to a temporary file in the same directory (mode 0600,
/// `O_NOFOLLOW`), are fsynced, renamed into place, and the directory is
/// fsynced: a reader or a crash sees the old entry or the new one. Reads do
/// not follow links. `asMap` skips (and logs, on `cxxacme.store.directory`)
/// files that are not valid entries, naming the file and the reason, without
/// hiding the others.
///
/// `onChange` watches the directory with inotify, so writes by other
/// processes (or by hand) are reported too. `expiringBefore` answers from an
/// index of every entry's notAfter kept in memory and refreshed by a
/// directory scan: a file whose inode, size and mtime are unchanged is not
/// read again.
///
/// `tryLock` is an advisory `flock` on `.NAME.lock` beside the entry (mode
/// 0600, holding the holder's host and process id for the operator to read),
/// removed on release. The kernel drops the lock of a process that dies, so
/// no lease is needed. Processes on one machine share it; on NFS, Linux
/// turns `flock` into the server's byte-range locks.
///
/// The challenge board keeps each answer in `.challenge.TYPE.KEY` (0600,
/// written atomically). The rate-limit board keeps each refusal in
/// `.ratelimit/SCOPE` ("UNTIL STATUS" on the first line, the problem
/// document after it; removed by the first reader after its time), and the
/// renewal-information board each entry's answer in `.renewalinfo/NAME`
/// ("CERTIFICATE UNTIL START END" on the first line, in seconds since the
/// epoch, the explanation URL after it; removed by the first reader after
/// its time): directories of their own (0700, made on the first post), so
/// that reading a board never lists the entries.
class DirectoryStore final : public ICertificateStore,
                             public IChangeNotifier,
                             public IExpiryIndex,
                             public IIssuanceLock,
                             public IChallengeBoard,
                             public IRateLimitBoard,
                             public IRenewalInfoBoard {
public:
    /// The file name of the account key inside the directory.
    static constexpr const char* kAccountKeyFile = "client.key";
    /// The boards' directories inside the directory (mode 0700, made on the first post).
    static constexpr const char* kRefusalDirectory = ".ratelimit";
    static constexpr const char* kRenewalInfoDirectory = ".renewalinfo";
    /// Where the store kept each refusal before it had `kRefusalDirectory`:
    /// ".ratelimit.SCOPE" beside the entries, which every reader scanned the
    /// whole directory for. Such a file is moved into `kRefusalDirectory`
    /// when a store opens the directory.
    static constexpr const char* kLegacyRefusalPrefix = ".ratelimit.";
    static constexpr std::size_t kMaxEntryBytes = std::size_t{1024} * 1024;
    /// Temporary files of interrupted writes (`AtomicFile::isTemporaryName`:
    /// of entries, answers and the account key) older than this are removed
    /// when a store opens the directory.
    static constexpr std::chrono::hours kStaleTemporaryAge{1};
    /// Challenge answers (`.challenge.*`) older than this are removed when a
    /// store opens the directory: left by a process that died mid-order.
    static constexpr std::chrono::hours kStaleChallengeAge{24};

    /// Uses `directory`, creating it (mode 0700) and its parents if it does
    /// not exist. With `encryption`, private keys are sealed at rest (see
    /// `KeyEncryption`).
    explicit DirectoryStore(std::string directory, std::shared_ptr<const KeyEncryption> encryption = nullptr);
    ~DirectoryStore() override;

    std::optional<PemBundle> get(const std::string& name) override;
    void store(const std::string& name, const PemBundle& entry) override;
    std::map<std::string, PemBundle> asMap() override;
    [[nodiscard]] Subscription onChange(std::function<void(const std::string& name)> listener) override;
    std::vector<std::string> expiringBefore(TimePoint time) override;
    [[nodiscard]] std::unique_ptr<Held> tryLock(const std::string& name) override;
    void postChallenge(const std::string& type, const std::string& key, const std::string& keyAuthorization) override;
    void removeChallenge(const std::string& type, const std::string& key) override;
    std::optional<std::string> challengeAnswer(const std::string& type, const std::string& key) override;
    void postRefusal(const Refusal& refusal) override;
    std::vector<Refusal> refusals(TimePoint now) override;
    void postRenewalInfo(const std::string& name, const Answer& answer) override;
    std::optional<Answer> renewalInfo(const std::string& name, TimePoint now) override;
    void removeRenewalInfo(const std::string& name) override;

    const std::string& directory() const noexcept { return directory_; }
    /// The path of `name`'s entry (after checking the name).
    std::string pathFor(const std::string& name) const;
    /// The path of the account key.
    std::string accountKeyPath() const { return directory_ + "/" + kAccountKeyFile; }
    /// The path of `name`'s issuance lock file (after checking the name).
    std::string lockPathFor(const std::string& name) const;
    /// The path of a challenge answer on the board (after checking type and key).
    std::string challengePathFor(const std::string& type, const std::string& key) const;
    /// The path of `name`'s renewal information on the board (after checking the name).
    std::string renewalInfoPathFor(const std::string& name) const;

private:
    struct Watcher;
    /// The boards' directories (`kRefusalDirectory`, `kRenewalInfoDirectory`) in this store's.
    std::string refusalDirectory() const { return directory_ + "/" + kRefusalDirectory; }
    std::string renewalInfoDirectory() const { return directory_ + "/" + kRenewalInfoDirectory; }
    struct IndexedFile {
        std::uint64_t inode;
        std::int64_t size;
        std::int64_t mtimeNs;
        std::optional<TimePoint> notAfter;  ///< nothing: an empty entry
    };
    void sweepStaleTemporaries() const;
    /// The canonical names of the entry files (others are logged and skipped).
    std::vector<std::string> entryNames() const;
    std::string directory_;
    std::shared_ptr<const KeyEncryption> encryption_;
    std::mutex watcherMutex_;
    std::shared_ptr<Watcher> watcher_;
    std::mutex indexMutex_;
    std::map<std::string, IndexedFile> index_;
};

}  // namespace cxxacme::stores
