#include "cxxacme/stores/SqliteStore.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <Poco/Logger.h>

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

namespace cxxacme::stores {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.store.sqlite"); }

// An empty entry sorts first in expiry order.
constexpr long long kEmptyNotAfter = 0;

class Statement {
public:
    Statement(sqlite3* db, const char* sql, const std::string& name, const std::string& path) : db_(db), name_(name), path_(path) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail("preparing a query");
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bind(int i, const std::string& text) {
        if (sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK)
            fail("binding a value");
    }
    void bind(int i, long long value) {
        if (sqlite3_bind_int64(stmt_, i, value) != SQLITE_OK) fail("binding a value");
    }
    /// True while there is a row.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail("running a query");
    }
    std::string text(int column) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw StoreError(name_, path_, what + ": " + sqlite3_errmsg(db_));
    }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    std::string name_, path_;
};

long long notAfterOf(const PemBundle& entry) {
    if (entry.empty()) return kEmptyNotAfter;
    return std::chrono::duration_cast<std::chrono::seconds>(entry.notAfter().time_since_epoch()).count();
}

}  // namespace

SqliteStore::SqliteStore(std::string path, std::shared_ptr<const KeyEncryption> encryption)
    : path_(std::move(path)), encryption_(std::move(encryption)) {
    const bool existed = ::access(path_.c_str(), F_OK) == 0;
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
        SQLITE_OK) {
        const std::string reason = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw StoreError("", path_, "cannot open: " + reason);
    }
    if (!existed) ::chmod(path_.c_str(), 0600);  // entries hold private keys
    sqlite3_busy_timeout(db_, 10000);
    try {
        migrate();
    } catch (...) {
        sqlite3_close(db_);
        throw;
    }
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

void SqliteStore::migrate() {
    char* error = nullptr;
    const auto exec = [&](const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
            const std::string reason = error ? error : "unknown error";
            sqlite3_free(error);
            throw StoreError("", path_, "schema: " + reason);
        }
    };
    exec("PRAGMA journal_mode=WAL");
    exec("BEGIN IMMEDIATE");
    try {
        Statement version(db_, "PRAGMA user_version", "", path_);
        version.step();
        const int current = std::stoi(version.text(0).empty() ? "0" : version.text(0));
        if (current > kSchemaVersion)
            throw StoreError("", path_, "schema version " + std::to_string(current) + " is newer than this build's " +
                                            std::to_string(kSchemaVersion));
        if (current < 1) {
            exec("CREATE TABLE IF NOT EXISTS entries (name TEXT PRIMARY KEY NOT NULL, pem TEXT NOT NULL, "
                 "not_after INTEGER NOT NULL)");
            exec("CREATE INDEX IF NOT EXISTS entries_by_expiry ON entries (not_after)");
            exec("PRAGMA user_version = 1");
        }
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::optional<PemBundle> SqliteStore::get(const std::string& name) {
    const std::string key = ServerName::canonicalKey(name);
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT pem FROM entries WHERE name = ?", key, path_);
    q.bind(1, key);
    if (!q.step()) return std::nullopt;
    try {
        return KeyEncryption::decode(key, q.text(0), encryption_.get());
    } catch (const PemError& e) {
        throw StoreError(key, path_, e.what());
    } catch (const CryptoError& e) {
        throw StoreError(key, path_, e.what());
    }
}

void SqliteStore::store(const std::string& name, const PemBundle& entry) {
    const std::string key = ServerName::canonicalKey(name);
    std::lock_guard lock(mutex_);
    Statement q(db_,
                "INSERT INTO entries (name, pem, not_after) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET pem = excluded.pem, not_after = excluded.not_after",
                key, path_);
    q.bind(1, key);
    q.bind(2, KeyEncryption::encode(key, entry, encryption_.get()));
    q.bind(3, notAfterOf(entry));
    q.step();
}

std::map<std::string, PemBundle> SqliteStore::asMap() {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT name, pem FROM entries", "", path_);
    std::map<std::string, PemBundle> out;
    while (q.step()) {
        const std::string name = q.text(0);
        try {
            out.emplace(name, KeyEncryption::decode(name, q.text(1), encryption_.get()));
        } catch (const Error& e) {
            logger().warning("skipping entry \"" + InvalidNameError::printable(name) + "\": " + e.what());
        }
    }
    return out;
}

std::vector<std::string> SqliteStore::expiringBefore(TimePoint time) {
    std::lock_guard lock(mutex_);
    Statement q(db_, "SELECT name FROM entries WHERE not_after < ? ORDER BY not_after", "", path_);
    q.bind(1, static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count()));
    std::vector<std::string> out;
    while (q.step()) out.push_back(q.text(0));
    return out;
}

}  // namespace cxxacme::stores
