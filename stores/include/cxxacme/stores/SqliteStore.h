#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "cxxacme/ICertificateStore.h"
#include "cxxacme/IChangeNotifier.h"
#include "cxxacme/stores/KeyEncryption.h"
#include "cxxacme/IExpiryIndex.h"

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
class SqliteStore final : public ICertificateStore, public IExpiryIndex, public IChangeNotifier {
public:
    /// 1: entries (name, pem, not_after). 2: + revision, kept by triggers.
    static constexpr int kSchemaVersion = 2;
    /// The longest a committed change waits to be reported (inotify usually
    /// wakes the watcher at once; the commit itself is not a file event).
    static constexpr std::chrono::milliseconds kChangeCheckInterval{250};

    /// Opens or creates `path`. With `encryption`, private keys are sealed
    /// at rest (see `KeyEncryption`). Throws `StoreError`.
    explicit SqliteStore(std::string path, std::shared_ptr<const KeyEncryption> encryption = nullptr);
    ~SqliteStore() override;

    std::optional<PemBundle> get(const std::string& name) override;
    void store(const std::string& name, const PemBundle& entry) override;
    std::map<std::string, PemBundle> asMap() override;
    std::vector<std::string> expiringBefore(TimePoint time) override;
    [[nodiscard]] Subscription onChange(std::function<void(const std::string& name)> listener) override;

    const std::string& path() const noexcept { return path_; }

private:
    void migrate();

    struct Watcher;

    std::string path_;
    std::shared_ptr<const KeyEncryption> encryption_;
    sqlite3* db_ = nullptr;
    std::mutex mutex_;
    std::mutex watcherMutex_;
    std::unique_ptr<Watcher> watcher_;  // last: stopped before the connection closes
};

}  // namespace cxxacme::stores
