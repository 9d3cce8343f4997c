#define BOOST_TEST_MODULE directory_store
#include <boost/test/unit_test.hpp>

#include "../support/TempDir.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "../TestPrinting.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/testing/StoreConformance.h"

namespace fs = std::filesystem;
using cxxacme::test::TempDir;
using cxxacme::stores::DirectoryStore;

namespace {


struct DirectoryStoreFactory {
    TempDir dir;
    std::unique_ptr<cxxacme::ICertificateStore> make() { return std::make_unique<DirectoryStore>((dir.path / "certs").string()); }
    std::unique_ptr<cxxacme::ICertificateStore> reopen() { return make(); }
};

}  // namespace

CXXACME_STORE_CONFORMANCE_TESTS(directory_store_conformance, DirectoryStoreFactory)

BOOST_AUTO_TEST_CASE(layout_is_txacmes_and_files_are_private) {
    TempDir dir;
    DirectoryStore store((dir.path / "certs").string());
    struct stat st {};
    BOOST_REQUIRE(::stat((dir.path / "certs").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0700u);
    store.store("a.example.test", cxxacme::testing::conformanceBundles()[0]);
    store.store("b.example.test,c.example.test", cxxacme::PemBundle());
    BOOST_TEST(fs::exists(dir.path / "certs" / "a.example.test.pem"));
    BOOST_TEST(fs::file_size(dir.path / "certs" / "b.example.test,c.example.test.pem") == 0u);
    BOOST_REQUIRE(::stat((dir.path / "certs" / "a.example.test.pem").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    BOOST_TEST(store.accountKeyPath() == (dir.path / "certs" / "client.key").string());
}

BOOST_AUTO_TEST_CASE(an_empty_file_asks_for_a_certificate) {
    TempDir dir;
    DirectoryStore store(dir.path.string());
    cxxacme::AtomicFile::write((dir.path / "touch.example.test.pem").string(), "");
    const auto entry = store.get("touch.example.test");
    BOOST_REQUIRE(entry.has_value());
    BOOST_TEST(entry->empty());
}

BOOST_AUTO_TEST_CASE(broken_and_foreign_files_are_skipped_by_asMap_and_named_by_get) {
    TempDir dir;
    DirectoryStore store(dir.path.string());
    store.store("good.example.test", cxxacme::testing::conformanceBundles()[1]);
    cxxacme::AtomicFile::write((dir.path / "bad.example.test.pem").string(),
                               "-----BEGIN CERTIFICATE-----\ngarbage!\n-----END CERTIFICATE-----\n");
    cxxacme::AtomicFile::write((dir.path / "client.key").string(), "account key");
    cxxacme::AtomicFile::write((dir.path / "UPPER.example.test.pem").string(), "");
    cxxacme::AtomicFile::write((dir.path / "not_a_name.pem").string(), "");
    fs::create_symlink(dir.path / "good.example.test.pem", dir.path / "link.example.test.pem");
    const auto all = store.asMap();
    BOOST_TEST(all.size() == 1u);
    BOOST_TEST(all.count("good.example.test") == 1u);
    try {
        store.get("bad.example.test");
        BOOST_FAIL("a broken entry was read");
    } catch (const cxxacme::StoreError& e) {
        BOOST_TEST(e.name() == "bad.example.test");
        BOOST_TEST(e.path() == (dir.path / "bad.example.test.pem").string());
        BOOST_TEST(std::string(e.what()).find("invalid character") != std::string::npos);
    }
    BOOST_CHECK_THROW(store.get("link.example.test"), cxxacme::StoreError);  // links are not followed
}

BOOST_AUTO_TEST_CASE(hostile_names_never_touch_the_file_system) {
    TempDir dir;
    DirectoryStore store((dir.path / "certs").string());
    for (const auto& name : cxxacme::testing::hostileNames())
        BOOST_CHECK_THROW(store.store(name, cxxacme::PemBundle()), cxxacme::InvalidNameError);
    BOOST_TEST(fs::is_empty(dir.path / "certs"));
    BOOST_TEST(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(missing_parents_are_created) {
    TempDir dir;
    DirectoryStore store((dir.path / "a" / "b" / "certs").string());
    store.store("x.example.test", cxxacme::PemBundle());
    BOOST_TEST(fs::exists(dir.path / "a" / "b" / "certs" / "x.example.test.pem"));
    struct stat st {};
    BOOST_REQUIRE(::stat((dir.path / "a" / "b" / "certs").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0700u);
}

BOOST_AUTO_TEST_CASE(a_file_in_place_of_the_directory_is_an_error) {
    TempDir dir;
    cxxacme::AtomicFile::write((dir.path / "file").string(), "x");
    BOOST_CHECK_THROW(DirectoryStore((dir.path / "file").string()), cxxacme::StoreError);
}
