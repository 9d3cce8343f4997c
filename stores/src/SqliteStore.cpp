#include "cxxacme/stores/SqliteStore.h"

#include <sqlite3.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include <Poco/Logger.h>

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/SystemClock.h"
#include "ChangeListeners.h"
#include "DirectoryWatch.h"
#include "HolderName.h"

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
    long long integer(int column) const { return sqlite3_column_int64(stmt_, column); }
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

SqliteStore::SqliteStore(std::string path, std::shared_ptr<const KeyEncryption> encryption, IClock* clock)
    : path_(std::move(path)), encryption_(std::move(encryption)), clock_(clock) {
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

SqliteStore::~SqliteStore() {
    ScheduledCall renewal;
    {
        std::lock_guard lock(leaseMutex_);
        closing_ = true;  // a renewal under way schedules no other
        renewal = std::move(leaseRenewal_);
    }
    renewal.cancel();  // outside the lock: a renewal under way takes it
    watcher_.reset();
    sqlite3_close(db_);
}

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
        if (current < 2) {
            // A revision per row from one counter that only grows, bumped by
            // triggers so that writes by hand count too; a name removed and
            // written again never gets its old revision back.
            exec("ALTER TABLE entries ADD COLUMN revision INTEGER NOT NULL DEFAULT 0");
            exec("CREATE TABLE revision_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)");
            exec("INSERT INTO revision_counter VALUES (1, 0)");
            for (const char* event : {"INSERT", "UPDATE OF name, pem, not_after"}) {
                const std::string name = std::string(event) == "INSERT" ? "entries_revision_insert" : "entries_revision_update";
                exec(("CREATE TRIGGER " + name + " AFTER " + event + " ON entries BEGIN "
                      "UPDATE revision_counter SET value = value + 1 WHERE id = 1; "
                      "UPDATE entries SET revision = (SELECT value FROM revision_counter WHERE id = 1) "
                      "WHERE name = NEW.name; END")
                         .c_str());
            }
            exec("UPDATE entries SET pem = pem");  // rows from version 1 get revisions
            exec("PRAGMA user_version = 2");
        }
        if (current < 3) {
            // expires: seconds since the epoch by the holder's clock
            exec("CREATE TABLE issuance_locks (name TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL, "
                 "expires INTEGER NOT NULL)");
            exec("PRAGMA user_version = 3");
        }
        if (current < 4) {
            exec("CREATE TABLE challenges (type TEXT NOT NULL, key TEXT NOT NULL, key_authorization TEXT NOT NULL, "
                 "PRIMARY KEY (type, key))");
            exec("PRAGMA user_version = 4");
        }
        if (current < 5) {
            // posted: seconds since the epoch by the poster's clock; rows of version 4 count from now
            exec("ALTER TABLE challenges ADD COLUMN posted INTEGER NOT NULL DEFAULT 0");
            Statement stamp(db_, "UPDATE challenges SET posted = ?", "", path_);
            stamp.bind(1, nowSeconds());
            stamp.step();
            exec("PRAGMA user_version = 5");
        }
        if (current < 6) {
            // until: seconds since the epoch, by the poster's clock
            exec("CREATE TABLE rate_limit_refusals (scope TEXT PRIMARY KEY NOT NULL, until INTEGER NOT NULL, "
                 "status INTEGER NOT NULL, problem TEXT NOT NULL)");
            exec("PRAGMA user_version = 6");
        }
        if (current < 7) {
            // one answer per entry; times: seconds since the epoch, by the poster's clock
            exec("CREATE TABLE renewal_info (name TEXT PRIMARY KEY NOT NULL, certificate TEXT NOT NULL, "
                 "until INTEGER NOT NULL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, "
                 "explanation TEXT NOT NULL)");
            exec("PRAGMA user_version = 7");
        }
        // An answer posted by a process that died mid-order: a challenge is
        // answered for minutes, and one a day old is no use to a CA.
        Statement sweep(db_, "DELETE FROM challenges WHERE posted < ?", "", path_);
        sweep.bind(1, nowSeconds() - std::chrono::duration_cast<std::chrono::seconds>(kStaleChallengeAge).count());
        sweep.step();
        if (const int swept = sqlite3_changes(db_); swept > 0)
            logger().information("removed " + std::to_string(swept) + " stale challenge answer(s) from " + path_);
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

// ---- issuance locks --------------------------------------------------------

class SqliteStore::Lease final : public IIssuanceLock::Held {
public:
    Lease(SqliteStore& store, std::string name, std::string holder)
        : store_(store), name_(std::move(name)), holder_(std::move(holder)) {}
    ~Lease() override {
        try {
            store_.releaseLease(name_, holder_);
        } catch (const std::exception& e) {
            // its lease runs out instead
            logger().warning("cannot release the issuance lock of " + name_ + ": " + e.what());
        }
    }

private:
    SqliteStore& store_;
    std::string name_;
    std::string holder_;
};

long long SqliteStore::nowSeconds() {
    // never under mutex_: leaseMutex_ is taken first (tryLock, renewLeases)
    std::lock_guard leases(leaseMutex_);
    const TimePoint now = clock_ ? clock_->now() : std::chrono::system_clock::now();
    return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

IClock& SqliteStore::leaseClock() {
    // under leaseMutex_
    if (!clock_) {
        ownClock_ = std::make_unique<SystemClock>();
        clock_ = ownClock_.get();
    }
    return *clock_;
}

long long SqliteStore::leaseExpiry() {
    return std::chrono::duration_cast<std::chrono::seconds>((leaseClock().now() + kIssuanceLockLease).time_since_epoch()).count();
}

std::unique_ptr<IIssuanceLock::Held> SqliteStore::tryLock(const std::string& name) {
    const std::string key = ServerName::canonicalKey(name);
    static std::atomic<unsigned long long> counter{0};
    // unique among every process sharing the file, and telling the operator whose it is
    const std::string holder = detail::holderName() + " " + std::to_string(++counter) + " " + std::to_string(std::random_device{}());
    std::lock_guard leases(leaseMutex_);
    const long long now = std::chrono::duration_cast<std::chrono::seconds>(leaseClock().now().time_since_epoch()).count();
    const long long expires = leaseExpiry();
    {
        std::lock_guard lock(mutex_);
        // BEGIN IMMEDIATE: the write lock first, so that two processes cannot both read "free"
        if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
            throw StoreError(key, path_, std::string("cannot lock: ") + sqlite3_errmsg(db_));
        try {
            Statement held(db_, "SELECT expires FROM issuance_locks WHERE name = ?", key, path_);
            held.bind(1, key);
            if (held.step() && held.integer(0) > now) {
                sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
                return nullptr;
            }
            // free, or its holder's lease ran out: ours
            Statement take(db_,
                           "INSERT INTO issuance_locks (name, holder, expires) VALUES (?, ?, ?) "
                           "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires",
                           key, path_);
            take.bind(1, key);
            take.bind(2, holder);
            take.bind(3, expires);
            take.step();
            if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
                throw StoreError(key, path_, std::string("cannot lock: ") + sqlite3_errmsg(db_));
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
    leases_.emplace(holder, key);
    if (!leaseRenewalDue_) {
        leaseRenewal_ = leaseClock().callLater(kIssuanceLockLease / 5, [this] { renewLeases(); });
        leaseRenewalDue_ = true;
    }
    return std::make_unique<Lease>(*this, key, holder);
}

void SqliteStore::releaseLease(const std::string& name, const std::string& holder) {
    {
        std::lock_guard leases(leaseMutex_);
        leases_.erase(holder);
    }
    std::lock_guard lock(mutex_);
    // only our own row: one whose lease ran out may have been taken over since
    Statement q(db_, "DELETE FROM issuance_locks WHERE name = ? AND holder = ?", name, path_);
    q.bind(1, name);
    q.bind(2, holder);
    q.step();
}

void SqliteStore::renewLeases() {
    std::lock_guard leases(leaseMutex_);
    leaseRenewalDue_ = false;
    if (leases_.empty() || closing_) return;
    const long long expires = leaseExpiry();
    for (const auto& [holder, name] : leases_) {
        try {
            std::lock_guard lock(mutex_);
            Statement q(db_, "UPDATE issuance_locks SET expires = ? WHERE name = ? AND holder = ?", name, path_);
            q.bind(1, expires);
            q.bind(2, name);
            q.bind(3, holder);
            q.step();
            if (sqlite3_changes(db_) == 0)
                logger().warning("the issuance lock of " + name + " was taken over: this process held it past its lease");
        } catch (const StoreError& e) {
            logger().warning(std::string("cannot renew an issuance lock: ") + e.what());
        }
    }
    leaseRenewal_ = leaseClock().callLater(kIssuanceLockLease / 5, [this] { renewLeases(); });
    leaseRenewalDue_ = true;
}

// ---- challenge board -------------------------------------------------------

void SqliteStore::postChallenge(const std::string& type, const std::string& key, const std::string& keyAuthorization) {
    check(type, key, &keyAuthorization);
    const long long posted = nowSeconds();
    std::lock_guard lock(mutex_);
    Statement q(db_,
                "INSERT INTO challenges (type, key, key_authorization, posted) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (type, key) DO UPDATE SET key_authorization = excluded.key_authorization, "
                "posted = excluded.posted",
                key, path_);
    q.bind(1, type);
    q.bind(2, key);
    q.bind(3, keyAuthorization);
    q.bind(4, posted);
    q.step();
}

void SqliteStore::removeChallenge(const std::string& type, const std::string& key) {
    check(type, key);
    std::lock_guard lock(mutex_);
    Statement q(db_, "DELETE FROM challenges WHERE type = ? AND key = ?", key, path_);
    q.bind(1, type);
    q.bind(2, key);
    q.step();
}

std::optional<std::string> SqliteStore::challengeAnswer(const std::string& type, const std::string& key) {
    check(type, key);
    std::string answer;
    {
        std::lock_guard lock(mutex_);
        Statement q(db_, "SELECT key_authorization FROM challenges WHERE type = ? AND key = ?", key, path_);
        q.bind(1, type);
        q.bind(2, key);
        if (!q.step()) return std::nullopt;
        answer = q.text(0);
    }
    try {
        check(type, key, &answer);  // a row put there by hand is served to the CA only if it could be an answer
    } catch (const InvalidNameError& e) {
        throw StoreError(key, path_, e.what());
    }
    return answer;
}

// ---- rate-limit board -------------------------------------------------------

void SqliteStore::postRefusal(const Refusal& refusal) {
    checkRefusal(refusal);
    std::lock_guard lock(mutex_);
    Statement q(db_,
                "INSERT INTO rate_limit_refusals (scope, until, status, problem) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (scope) DO UPDATE SET until = excluded.until, status = excluded.status, "
                "problem = excluded.problem",
                "", path_);
    q.bind(1, refusal.scope);
    q.bind(2, untilSeconds(refusal.until));
    q.bind(3, static_cast<long long>(refusal.status));
    q.bind(4, refusal.problem);
    q.step();
}

std::vector<IRateLimitBoard::Refusal> SqliteStore::refusals(TimePoint now) {
    const long long nowSeconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    std::vector<Refusal> out;
    std::lock_guard lock(mutex_);
    {
        Statement over(db_, "DELETE FROM rate_limit_refusals WHERE until <= ?", "", path_);
        over.bind(1, nowSeconds);
        over.step();
    }
    Statement q(db_, "SELECT scope, until, status, problem FROM rate_limit_refusals", "", path_);
    while (q.step()) {
        Refusal refusal{q.text(0), q.text(3), 0, {}};
        try {
            // a row put there by hand is used only if it could be a refusal
            refusal.until = untilFromSeconds(refusal.scope, q.integer(1));
            const long long status = q.integer(2);
            refusal.status = status >= 400 && status <= 599 ? static_cast<int>(status) : 0;
            checkRefusal(refusal);
        } catch (const InvalidNameError& e) {
            logger().warning(std::string("skipping a rate-limit refusal: ") + e.what());
            continue;
        }
        out.push_back(std::move(refusal));
    }
    return out;
}

// ---- renewal-information board ----------------------------------------------

void SqliteStore::postRenewalInfo(const std::string& name, const Answer& answer) {
    const std::string key = ServerName::canonicalKey(name);
    checkAnswer(answer);
    // before mutex_: the time is read under leaseMutex_, which tryLock takes before mutex_
    const long long now = nowSeconds();
    std::lock_guard lock(mutex_);
    {
        // ended answers go when one is posted (reads write nothing): the table
        // keeps no more than the entries asked about lately
        Statement over(db_, "DELETE FROM renewal_info WHERE until <= ?", key, path_);
        over.bind(1, now);
        over.step();
    }
    Statement q(db_,
                "INSERT INTO renewal_info (name, certificate, until, window_start, window_end, explanation) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET certificate = excluded.certificate, "
                "until = excluded.until, window_start = excluded.window_start, window_end = excluded.window_end, "
                "explanation = excluded.explanation",
                key, path_);
    q.bind(1, key);
    q.bind(2, answer.certificate);
    q.bind(3, seconds(answer.until));
    q.bind(4, seconds(answer.windowStart));
    q.bind(5, seconds(answer.windowEnd));
    q.bind(6, answer.explanationUrl);
    q.step();
}

std::optional<IRenewalInfoBoard::Answer> SqliteStore::renewalInfo(const std::string& name, TimePoint now) {
    const std::string key = ServerName::canonicalKey(name);
    std::lock_guard lock(mutex_);
    Answer answer;
    long long until = 0;
    {
        Statement q(db_, "SELECT certificate, until, window_start, window_end, explanation FROM renewal_info WHERE name = ?",
                    key, path_);
        q.bind(1, key);
        if (!q.step()) return std::nullopt;
        until = q.integer(1);
        answer = {q.text(0), timePointFromUnixSeconds(q.integer(2)), timePointFromUnixSeconds(q.integer(3)), q.text(4),
                  timePointFromUnixSeconds(until)};
    }
    try {
        checkAnswer(answer);  // a row put there by hand is used only if it could be an answer
    } catch (const InvalidNameError& e) {
        logger().warning("skipping the renewal information of " + InvalidNameError::printable(key) + ": " + e.what());
        return std::nullopt;
    }
    if (answer.until <= now) {
        // ended: dropped, unless another answer was posted in its place meanwhile
        Statement over(db_, "DELETE FROM renewal_info WHERE name = ? AND until = ?", key, path_);
        over.bind(1, key);
        over.bind(2, until);
        over.step();
        return std::nullopt;
    }
    return answer;
}

void SqliteStore::removeRenewalInfo(const std::string& name) {
    const std::string key = ServerName::canonicalKey(name);
    std::lock_guard lock(mutex_);
    Statement q(db_, "DELETE FROM renewal_info WHERE name = ?", key, path_);
    q.bind(1, key);
    q.step();
}

// ---- change notification -------------------------------------------------

struct SqliteStore::Watcher {
    std::string path;
    sqlite3* db = nullptr;  // read-only; used on the watch thread (and once before it starts)
    long long dataVersion = -1;
    std::map<std::string, long long> revisions;
    std::set<std::string> files;  // the database's own files, by name
    detail::ChangeListeners listeners;
    std::unique_ptr<detail::DirectoryWatch> watch;  // last: stopped first

    explicit Watcher(std::string databasePath) : path(std::move(databasePath)) {
        if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
            const std::string reason = db ? sqlite3_errmsg(db) : "out of memory";
            sqlite3_close(db);
            throw StoreError("", path, "cannot watch for changes: " + reason);
        }
        sqlite3_busy_timeout(db, 10000);
        const std::filesystem::path file(path);
        const std::string base = file.filename().string();
        files = {base, base + "-wal", base + "-journal"};
        (void)changedNames();  // the state changes are measured from
        const std::string directory = file.parent_path().empty() ? "." : file.parent_path().string();
        watch = std::make_unique<detail::DirectoryWatch>(
            directory, IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE,
            [this](const std::set<std::string>& touched) { onBurst(touched); }, kChangeCheckInterval);
    }

    ~Watcher() {
        watch.reset();
        sqlite3_close(db);
    }

    void onBurst(const std::set<std::string>& touched) {
        // A tick (nothing touched) looks too: a commit becomes visible in the
        // WAL index, shared memory that inotify does not see, after the
        // write that woke us.
        bool ours = touched.empty();
        for (const auto& f : touched) ours = ours || files.count(f) > 0;
        if (!ours) return;
        try {
            for (const auto& name : changedNames()) listeners.notify(name);
        } catch (const StoreError& e) {
            logger().warning(std::string("cannot read changes: ") + e.what());
        }
    }

    /// The names whose revision differs from the last look; nothing when no
    /// other connection committed since.
    std::vector<std::string> changedNames() {
        {
            Statement version(db, "PRAGMA data_version", "", path);
            version.step();
            const long long now = version.integer(0);
            if (now == dataVersion) return {};
            dataVersion = now;
        }
        Statement q(db, "SELECT name, revision FROM entries", "", path);
        std::map<std::string, long long> current;
        while (q.step()) current.emplace(q.text(0), q.integer(1));
        std::vector<std::string> changed;
        for (const auto& [name, revision] : current) {
            const auto it = revisions.find(name);
            if (it == revisions.end() || it->second != revision) changed.push_back(name);
        }
        for (const auto& [name, revision] : revisions)
            if (!current.contains(name)) changed.push_back(name);
        revisions = std::move(current);
        std::vector<std::string> names;  // canonical, as the other stores report them; rows by hand may not be
        for (const auto& name : changed) {
            try {
                names.push_back(ServerName::canonicalKey(name));
            } catch (const InvalidNameError&) {
                logger().warning("skipping a change to \"" + InvalidNameError::printable(name) + "\": not a name");
            }
        }
        return names;
    }
};

IChangeNotifier::Subscription SqliteStore::onChange(std::function<void(const std::string& name)> listener) {
    std::lock_guard lock(watcherMutex_);
    if (!watcher_) watcher_ = std::make_unique<Watcher>(path_);
    return watcher_->listeners.subscribe(std::move(listener));
}

}  // namespace cxxacme::stores
