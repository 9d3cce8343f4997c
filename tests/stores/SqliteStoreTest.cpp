#define BOOST_TEST_MODULE sqlite_store
#include <boost/test/unit_test.hpp>

#include "../support/TempDir.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "../TestPrinting.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/stores/SqliteStore.h"
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
