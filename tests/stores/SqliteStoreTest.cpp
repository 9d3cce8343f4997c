#define BOOST_TEST_MODULE sqlite_store
#include <boost/test/unit_test.hpp>

#include "../support/ChangeRecorder.h"
#include "../support/LockHolderChild.h"
#include "../support/TempDir.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "../TestPrinting.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/stores/SqliteStore.h"
#include "cxxacme/testing/FakeClock.h"
#include "cxxacme/testing/StoreConformance.h"

namespace fs = std::filesystem;
using cxxacme::test::TempDir;
using cxxacme::stores::SqliteStore;

namespace {


struct SqliteStoreFactory {
    TempDir dir;
    std::unique_ptr<cxxacme::ICertificateStore> make() { return std::make_unique<SqliteStore>((dir.path / "certs.sqlite").string()); }
    std::unique_ptr<cxxacme::ICertificateStore> reopen() { return make(); }
};

}  // namespace

CXXACME_STORE_CONFORMANCE_TESTS(sqlite_store_conformance, SqliteStoreFactory)

BOOST_AUTO_TEST_CASE(the_file_is_private_and_versioned) {
    TempDir dir;
    const std::string path = (dir.path / "c.sqlite").string();
    { SqliteStore store(path); }
    struct stat st {};
    BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, nullptr);
    BOOST_REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    BOOST_TEST(sqlite3_column_int(q, 0) == SqliteStore::kSchemaVersion);
    sqlite3_finalize(q);
    // a file from a newer build is refused, not damaged
    sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    try {
        SqliteStore newer(path);
        BOOST_FAIL("opened a newer schema");
    } catch (const cxxacme::StoreError& e) {
        BOOST_TEST(std::string(e.what()).find("newer") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_database_is_a_clear_error) {
    TempDir dir;
    const std::string path = (dir.path / "junk.sqlite").string();
    cxxacme::AtomicFile::write(path, std::string(4096, 'x'));
    try {
        SqliteStore store(path);
        BOOST_FAIL("opened junk");
    } catch (const cxxacme::StoreError& e) {
        BOOST_TEST(e.path() == path);
    }
}

BOOST_AUTO_TEST_CASE(expiry_index_answers_without_parsing) {
    TempDir dir;
    SqliteStore store((dir.path / "c.sqlite").string());
    cxxacme::testing::TestCertificateAuthority ca;
    const auto now = std::chrono::system_clock::now();
    store.store("soon.example.test", ca.issue("soon.example.test", now - std::chrono::hours(1), now + std::chrono::hours(24)));
    store.store("later.example.test", ca.issue("later.example.test", now - std::chrono::hours(1), now + std::chrono::hours(24 * 60)));
    store.store("blank.example.test", cxxacme::PemBundle());
    const auto due = store.expiringBefore(now + std::chrono::hours(24 * 30));
    BOOST_REQUIRE(due.size() == 2u);
    BOOST_TEST(due[0] == "blank.example.test");  // empty entries first
    BOOST_TEST(due[1] == "soon.example.test");
    BOOST_TEST(store.expiringBefore(now + std::chrono::hours(24 * 90)).size() == 3u);
    cxxacme::ICertificateStore& asStore = store;
    BOOST_TEST(dynamic_cast<cxxacme::IExpiryIndex*>(&asStore) != nullptr);  // found at run time
}

BOOST_AUTO_TEST_CASE(an_issuance_lock_is_a_lease_renewed_while_held) {
    TempDir dir;
    const std::string path = (dir.path / "leases.sqlite").string();
    const auto lease = SqliteStore::kIssuanceLockLease;
    cxxacme::testing::FakeClock clock;
    SqliteStore holder(path, nullptr, &clock);
    SqliteStore other(path, nullptr, &clock);
    auto held = holder.tryLock("a.example.test");
    BOOST_REQUIRE(held);
    // the holder renews its lease as time passes: three leases later it still holds it
    for (int i = 0; i < 6; ++i) {
        clock.advance(lease / 2);
        BOOST_TEST(!other.tryLock("a.example.test"), "a renewed lease was taken over after " << i + 1 << " half leases");
    }
    held.reset();
    BOOST_TEST(bool(other.tryLock("a.example.test")), "a released lease is still held");
}

BOOST_AUTO_TEST_CASE(a_lease_not_renewed_is_taken_over_and_its_old_holder_releases_nothing) {
    TempDir dir;
    const std::string path = (dir.path / "leases.sqlite").string();
    const auto lease = SqliteStore::kIssuanceLockLease;
    cxxacme::testing::FakeClock stalled;  // the holder's clock never moves: it never renews
    cxxacme::testing::FakeClock clock;
    SqliteStore holder(path, nullptr, &stalled);
    SqliteStore other(path, nullptr, &clock);
    SqliteStore third(path, nullptr, &clock);
    auto old = holder.tryLock("a.example.test");
    BOOST_REQUIRE(old);
    clock.advance(lease - std::chrono::seconds(2));
    BOOST_TEST(!other.tryLock("a.example.test"), "a lease was taken before it ran out");
    clock.advance(std::chrono::seconds(3));
    auto taken = other.tryLock("a.example.test");
    BOOST_REQUIRE_MESSAGE(taken, "a lease that ran out is still held");
    old.reset();  // the stalled holder wakes and releases: the lock is no longer its own
    BOOST_TEST(!third.tryLock("a.example.test"), "the old holder released the new holder's lock");
}

BOOST_AUTO_TEST_CASE(a_process_that_dies_holding_a_lease_frees_it_when_the_lease_runs_out) {
    TempDir dir;
    const std::string path = (dir.path / "leases.sqlite").string();
    { SqliteStore create(path); }
    cxxacme::test::LockHolderChild child([&] {
        auto store = std::make_shared<SqliteStore>(path);  // the system clock
        struct KeepStore : cxxacme::IIssuanceLock::Held {
            std::shared_ptr<SqliteStore> store;
            std::unique_ptr<Held> lock;
        };
        auto keep = std::make_unique<KeepStore>();
        keep->lock = store->tryLock("a.example.test");
        keep->store = store;
        return keep->lock ? std::unique_ptr<cxxacme::IIssuanceLock::Held>(std::move(keep)) : nullptr;
    });
    cxxacme::testing::FakeClock clock(std::chrono::system_clock::now());
    SqliteStore store(path, nullptr, &clock);
    BOOST_TEST(!store.tryLock("a.example.test"), "a lock held by another process is taken");
    child.kill();
    BOOST_TEST(!store.tryLock("a.example.test"), "a dead holder's lease ended before its time");
    clock.advance(2 * SqliteStore::kIssuanceLockLease);  // its renewals, if any came before the kill, too
    BOOST_TEST(bool(store.tryLock("a.example.test")), "a dead holder's lease never ends");
}

BOOST_AUTO_TEST_CASE(a_challenge_row_put_there_by_hand_is_served_only_if_it_could_be_an_answer) {
    TempDir dir;
    const std::string path = (dir.path / "board.sqlite").string();
    SqliteStore store(path);
    store.postChallenge("http-01", "good", "good.thumb");
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    BOOST_REQUIRE(sqlite3_exec(db, "INSERT INTO challenges (type, key, key_authorization) VALUES ('http-01', 'planted', '<script>')", nullptr, nullptr, nullptr) ==
                  SQLITE_OK);
    sqlite3_close(db);
    BOOST_CHECK_THROW((void)store.challengeAnswer("http-01", "planted"), cxxacme::StoreError);
    BOOST_TEST(store.challengeAnswer("http-01", "good").value_or("") == "good.thumb");
}

BOOST_AUTO_TEST_CASE(challenge_answers_a_day_old_are_swept_when_a_store_opens_the_file) {
    TempDir dir;
    const std::string path = (dir.path / "board.sqlite").string();
    const cxxacme::TimePoint start = std::chrono::system_clock::now();
    cxxacme::testing::FakeClock clock(start);
    {
        SqliteStore poster(path, nullptr, &clock);  // a process that dies mid-order leaves these
        poster.postChallenge("http-01", "oldToken", "oldToken.thumb");
        poster.postChallenge("http-01", "renewed", "renewed.thumb");
        clock.advance(std::chrono::hours(20));
        poster.postChallenge("http-01", "renewed", "renewed.thumb2");  // posted again: its age starts again
        poster.postChallenge("tls-alpn-01", "a.example.test", "recent.thumb");
    }
    clock.advance(std::chrono::hours(5));  // 25 hours after the first two, 5 after the others
    SqliteStore store(path, nullptr, &clock);
    BOOST_TEST(!store.challengeAnswer("http-01", "oldToken").has_value(), "a day-old answer was kept");
    BOOST_TEST(store.challengeAnswer("http-01", "renewed").value_or("") == "renewed.thumb2");
    BOOST_TEST(store.challengeAnswer("tls-alpn-01", "a.example.test").value_or("") == "recent.thumb");
    clock.advance(std::chrono::hours(20));
    BOOST_TEST(store.challengeAnswer("http-01", "renewed").has_value(), "swept while the store was open");
    SqliteStore later(path, nullptr, &clock);
    BOOST_TEST(!store.challengeAnswer("http-01", "renewed").has_value());
    BOOST_TEST(!store.challengeAnswer("tls-alpn-01", "a.example.test").has_value());
}

BOOST_AUTO_TEST_CASE(two_processes_writing_at_once_lose_nothing) {
    TempDir dir;
    const std::string path = (dir.path / "shared.sqlite").string();
    { SqliteStore create(path); }
    const auto& bundles = cxxacme::testing::conformanceBundles();
    constexpr int kWrites = 150;
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
        int rc = 0;
        try {
            SqliteStore store(path);
            for (int i = 0; i < kWrites; ++i) store.store("child-" + std::to_string(i) + ".example.test", bundles[1]);
        } catch (...) {
            rc = 1;
        }
        std::_Exit(rc);
    }
    SqliteStore store(path);
    for (int i = 0; i < kWrites; ++i) store.store("parent-" + std::to_string(i) + ".example.test", bundles[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    const auto all = store.asMap();
    BOOST_TEST(all.size() == static_cast<std::size_t>(2 * kWrites));
    BOOST_TEST(all.at("child-7.example.test").toPem() == bundles[1].toPem());
}

namespace {

void exec(sqlite3* db, const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    const std::string reason = error ? error : "";
    sqlite3_free(error);
    BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, sql + ": " + reason);
}

}  // namespace

BOOST_AUTO_TEST_CASE(change_notification_reports_writes_by_anyone_until_unsubscribed) {
    TempDir dir;
    const std::string path = (dir.path / "certs.sqlite").string();
    SqliteStore store(path);
    cxxacme::test::ChangeRecorder heard;
    auto subscription = store.onChange(heard.listener());

    SqliteStore other(path);  // another connection, as another process's would be
    other.store("a.example.test", cxxacme::testing::conformanceBundles()[0]);
    BOOST_REQUIRE(heard.waitFor(1));
    // by hand, as a person with sqlite3 would: rewrite a row, add one with a
    // name in capitals, add one that is not a name, remove one
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    exec(db, "UPDATE entries SET not_after = not_after + 1 WHERE name = 'a.example.test'");
    BOOST_REQUIRE(heard.waitFor(2));
    exec(db, "INSERT INTO entries (name, pem, not_after) VALUES ('B.Example.Test', '', 0)");
    BOOST_REQUIRE(heard.waitFor(3));
    exec(db, "INSERT INTO entries (name, pem, not_after) VALUES ('bad name!', '', 0)");
    exec(db, "DELETE FROM entries WHERE name = 'a.example.test'");
    BOOST_REQUIRE(heard.waitFor(4));
    sqlite3_close(db);
    BOOST_TEST(heard.all() == (std::vector<std::string>{"a.example.test", "a.example.test", "b.example.test",
                                                        "a.example.test"}));
    // the store's own writes are changes too
    store.store("e.example.test", cxxacme::PemBundle());
    BOOST_REQUIRE(heard.waitFor(5));
    BOOST_TEST(heard.all().back() == "e.example.test");

    subscription.reset();  // no calls after this returns
    const std::size_t before = heard.all().size();
    other.store("c.example.test", cxxacme::PemBundle());
    // a second subscriber proves the change was seen, so the first had its chance
    cxxacme::test::ChangeRecorder witness;
    auto second = store.onChange(witness.listener());
    other.store("d.example.test", cxxacme::PemBundle());
    BOOST_REQUIRE(witness.waitFor(1));
    BOOST_TEST(heard.all().size() == before);
}

BOOST_AUTO_TEST_CASE(a_version_1_file_is_migrated_and_its_rows_are_watched) {
    TempDir dir;
    const std::string path = (dir.path / "v1.sqlite").string();
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    exec(db, "PRAGMA journal_mode=WAL");
    exec(db, "CREATE TABLE entries (name TEXT PRIMARY KEY NOT NULL, pem TEXT NOT NULL, not_after INTEGER NOT NULL)");
    exec(db, "CREATE INDEX entries_by_expiry ON entries (not_after)");
    const std::string pem = cxxacme::testing::conformanceBundles()[0].toPem();
    exec(db, "INSERT INTO entries VALUES ('old.example.test', '" + pem + "', 1)");
    exec(db, "PRAGMA user_version = 1");
    sqlite3_close(db);

    SqliteStore store(path);
    const auto kept = store.get("old.example.test");
    BOOST_REQUIRE(kept.has_value());
    BOOST_TEST(kept->toPem() == pem);
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "SELECT revision FROM entries WHERE name = 'old.example.test'", -1, &q, nullptr);
    BOOST_REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    BOOST_TEST(sqlite3_column_int64(q, 0) > 0);
    sqlite3_finalize(q);
    sqlite3_close(db);

    cxxacme::test::ChangeRecorder heard;
    auto subscription = store.onChange(heard.listener());
    SqliteStore(path).store("old.example.test", cxxacme::PemBundle());
    BOOST_REQUIRE(heard.waitFor(1));
    BOOST_TEST(heard.all().front() == "old.example.test");
}

BOOST_AUTO_TEST_CASE(a_version_4_file_keeps_its_challenge_answers_for_a_day) {
    TempDir dir;
    const std::string path = (dir.path / "v4.sqlite").string();
    { SqliteStore create(path); }
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    exec(db, "DROP TABLE renewal_info");  // as version 4 left it
    exec(db, "DROP TABLE rate_limit_refusals");
    exec(db, "DROP TABLE challenges");
    exec(db, "CREATE TABLE challenges (type TEXT NOT NULL, key TEXT NOT NULL, key_authorization TEXT NOT NULL, "
             "PRIMARY KEY (type, key))");
    exec(db, "INSERT INTO challenges VALUES ('http-01', 'tok', 'tok.thumb')");
    exec(db, "PRAGMA user_version = 4");
    sqlite3_close(db);
    cxxacme::testing::FakeClock clock(std::chrono::system_clock::now());
    {
        SqliteStore store(path, nullptr, &clock);
        BOOST_TEST(store.challengeAnswer("http-01", "tok").value_or("") == "tok.thumb");
    }
    clock.advance(std::chrono::hours(23));
    BOOST_TEST(SqliteStore(path, nullptr, &clock).challengeAnswer("http-01", "tok").has_value());
    clock.advance(std::chrono::hours(2));
    BOOST_TEST(!SqliteStore(path, nullptr, &clock).challengeAnswer("http-01", "tok").has_value());
}

// An issuing worker taking an issuance lock while the renewal check posts
// the CA's answer, on one store: the two take the store's locks in one
// order (before, posting read the time under the lease lock while holding
// the database's, the reverse of tryLock, and the two threads could wait
// on each other for good; ctest's time limit then fails this test).
BOOST_AUTO_TEST_CASE(issuance_locks_and_renewal_answers_taken_at_once_do_not_deadlock) {
    TempDir dir;
    SqliteStore store((dir.path / "busy.sqlite").string());
    const cxxacme::TimePoint now = std::chrono::system_clock::now();
    constexpr int kRounds = 1500;
    std::thread poster([&] {
        for (int i = 0; i < kRounds; ++i) {
            store.postRenewalInfo("a.example.test", {"Y2VydA", now, now + std::chrono::hours(1), "", now + std::chrono::hours(6)});
        }
    });
    int taken = 0;
    for (int i = 0; i < kRounds; ++i) {
        auto held = store.tryLock("b.example.test");
        taken += held ? 1 : 0;
    }
    poster.join();
    BOOST_TEST(taken == kRounds);  // each released before the next: never held by another
    const auto kept = store.renewalInfo("a.example.test", now);
    BOOST_REQUIRE(kept.has_value());
    BOOST_TEST(kept->certificate == "Y2VydA");
}

// The clock's thread renewing the leases while issuing workers take and
// release issuance locks. Before, a tryLock that came while a renewal had
// started but not yet taken the lease lock replaced the running renewal's
// handle, under that lock, and so waited for the renewal, which waited for
// the lock: both stopped for good (ctest's time limit then fails this test).
BOOST_AUTO_TEST_CASE(locks_taken_while_their_leases_are_renewed_do_not_deadlock) {
    TempDir dir;
    cxxacme::testing::FakeClock clock;
    SqliteStore store((dir.path / "renewing.sqlite").string(), nullptr, &clock);
    constexpr int kRounds = 400;
    std::atomic<bool> done = false;
    std::thread renewer([&] {
        while (!done) {
            clock.advance(SqliteStore::kIssuanceLockLease / 5);  // each due renewal runs here
            std::this_thread::sleep_for(std::chrono::microseconds(300));  // now and then inside a tryLock
        }
    });
    int taken = 0;
    for (int i = 0; i < kRounds; ++i) {
        auto held = store.tryLock("c.example.test");
        taken += held ? 1 : 0;
    }
    auto kept = store.tryLock("d.example.test");  // held across renewals: its lease goes on
    for (int i = 0; i < 20; ++i) BOOST_TEST(!store.tryLock("d.example.test"));
    done = true;
    renewer.join();
    BOOST_TEST(taken == kRounds);
    BOOST_TEST(bool(kept));
}

BOOST_AUTO_TEST_CASE(a_version_6_file_gains_the_renewal_information_board_and_keeps_its_refusals) {
    TempDir dir;
    const std::string path = (dir.path / "v6.sqlite").string();
    const cxxacme::TimePoint now = std::chrono::system_clock::now();
    const cxxacme::IRateLimitBoard::Refusal refusal{"YWNjb3VudA", R"({"detail":"slow down"})", 429,
                                                    now + std::chrono::hours(3)};
    {
        SqliteStore create(path);
        create.postRefusal(refusal);
    }
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    exec(db, "DROP TABLE renewal_info");  // as version 6 left it
    exec(db, "PRAGMA user_version = 6");
    sqlite3_close(db);
    SqliteStore store(path);
    BOOST_TEST(store.refusals(now).size() == 1u);
    const cxxacme::IRenewalInfoBoard::Answer answer{"Y2VydA", now, now + std::chrono::hours(24), "",
                                                    now + std::chrono::hours(6)};
    store.postRenewalInfo("a.example", answer);
    BOOST_TEST(store.renewalInfo("a.example", now).has_value());
    sqlite3* check = nullptr;
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &check) == SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(check, "PRAGMA user_version", -1, &q, nullptr);
    BOOST_REQUIRE(sqlite3_step(q) == SQLITE_ROW);
    BOOST_TEST(sqlite3_column_int(q, 0) == 7);
    sqlite3_finalize(q);
    sqlite3_close(check);
}

BOOST_AUTO_TEST_CASE(a_renewal_information_row_put_there_by_hand_is_skipped) {
    TempDir dir;
    const std::string path = (dir.path / "hand.sqlite").string();
    SqliteStore store(path);
    const cxxacme::TimePoint now = std::chrono::system_clock::now();
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    // a window that ends before it starts, and an identity that is no key
    exec(db, "INSERT INTO renewal_info VALUES ('a.example', 'Y2VydA', 4102444800, 200, 100, '')");
    exec(db, "INSERT INTO renewal_info VALUES ('b.example', '../x', 4102444800, 100, 200, '')");
    exec(db, "INSERT INTO renewal_info VALUES ('c.example', 'Y2VydA', 4102444800, 100, 200, 'https://ca.example/')");
    sqlite3_close(db);
    BOOST_TEST(!store.renewalInfo("a.example", now).has_value());
    BOOST_TEST(!store.renewalInfo("b.example", now).has_value());
    BOOST_TEST(store.renewalInfo("c.example", now).has_value());
}

BOOST_AUTO_TEST_CASE(concurrent_writers_lose_no_change_notification) {
    // Two writers (other connections, as other processes) store 150 names
    // each while the watcher runs; every name is reported at least once.
    TempDir dir;
    const std::string path = (dir.path / "busy.sqlite").string();
    SqliteStore store(path);
    cxxacme::test::ChangeRecorder heard;
    auto subscription = store.onChange(heard.listener());
    constexpr int kPerWriter = 150;
    std::vector<std::thread> writers;
    writers.reserve(2);
    for (int w = 0; w < 2; ++w)
        writers.emplace_back([&, w] {
            SqliteStore writer(path);
            for (int i = 0; i < kPerWriter; ++i)
                writer.store("w" + std::to_string(w) + "-" + std::to_string(i) + ".example.test", cxxacme::PemBundle());
        });
    for (auto& t : writers) t.join();
    BOOST_TEST(heard.waitForDistinct(std::size_t{2} * kPerWriter, std::chrono::seconds(30)));
    const std::set<std::string> seen = heard.distinct();
    BOOST_TEST(seen.size() == std::size_t{2} * kPerWriter);
    BOOST_TEST(seen.count("w0-0.example.test") == 1u);
    BOOST_TEST(seen.count("w1-149.example.test") == 1u);
}
