#pragma once

#include <mutex>
#include <string>

#include "cxxacme/ICertificateStore.h"
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
class SqliteStore final : public ICertificateStore, public IExpiryIndex {
public:
    static constexpr int kSchemaVersion = 1;

    /// Opens or creates `path`. With `encryption`, private keys are sealed
    /// at rest (see `KeyEncryption`). Throws `StoreError`.
    explicit SqliteStore(std::string path, std::shared_ptr<const KeyEncryption> encryption = nullptr);
    ~SqliteStore() override;

    std::optional<PemBundle> get(const std::string& name) override;
    void store(const std::string& name, const PemBundle& entry) override;
    std::map<std::string, PemBundle> asMap() override;
    std::vector<std::string> expiringBefore(TimePoint time) override;

    const std::string& path() const noexcept { return path_; }

private:
    void migrate();

    std::string path_;
    std::shared_ptr<const KeyEncryption> encryption_;
    sqlite3* db_ = nullptr;
    std::mutex mutex_;
};

}  // namespace cxxacme::stores
