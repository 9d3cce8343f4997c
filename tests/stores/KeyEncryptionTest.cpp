#define BOOST_TEST_MODULE key_encryption
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "../TestPrinting.h"
#include "../support/TempDir.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/Error.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/stores/KeyEncryption.h"
#include "cxxacme/stores/SqliteStore.h"
#include "cxxacme/testing/StoreConformance.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

namespace fs = std::filesystem;
using namespace cxxacme;
using cxxacme::stores::DirectoryStore;
using cxxacme::stores::KeyEncryption;
using cxxacme::stores::SqliteStore;
using cxxacme::test::TempDir;

namespace {

std::string keyFile(const TempDir& dir, const std::string& name = "entries.key") {
    std::string path = (dir.path / name).string();
    KeyEncryption::generateKeyFile(path);
    return path;
}

struct EncryptedDirectoryFactory {
    TempDir dir;
    std::shared_ptr<const KeyEncryption> key = KeyEncryption::fromKeyFile(keyFile(dir));
    std::unique_ptr<ICertificateStore> make() { return std::make_unique<DirectoryStore>((dir.path / "certs").string(), key); }
    std::unique_ptr<ICertificateStore> reopen() { return make(); }
};

struct EncryptedSqliteFactory {
    TempDir dir;
    std::shared_ptr<const KeyEncryption> key = KeyEncryption::fromKeyFile(keyFile(dir));
    std::unique_ptr<ICertificateStore> make() { return std::make_unique<SqliteStore>((dir.path / "c.sqlite").string(), key); }
    std::unique_ptr<ICertificateStore> reopen() { return make(); }
};

std::string readFile(const std::string& path) { return AtomicFile::read(path, 1 << 20); }

}  // namespace

CXXACME_STORE_CONFORMANCE_TESTS(encrypted_directory_conformance, EncryptedDirectoryFactory)
CXXACME_STORE_CONFORMANCE_TESTS(encrypted_sqlite_conformance, EncryptedSqliteFactory)

BOOST_AUTO_TEST_CASE(keys_are_sealed_at_rest_and_certificates_stay_plain) {
    TempDir dir;
    const auto key = KeyEncryption::fromKeyFile(keyFile(dir));
    DirectoryStore store((dir.path / "certs").string(), key);
    testing::TestCertificateAuthority ca;
    const PemBundle bundle = ca.issue("a.example.test");
    store.store("a.example.test", bundle);
    const std::string text = readFile(store.pathFor("a.example.test"));
    BOOST_TEST(KeyEncryption::isSealed(text));
    BOOST_TEST(text.find("BEGIN PRIVATE KEY") == std::string::npos);
    BOOST_TEST(text.find(bundle.certificate().toPem()) != std::string::npos);  // public parts stay readable
    // the key's bytes appear nowhere in the file, not even in base64
    const std::string der = bundle.privateKey().toDer();
    BOOST_TEST(text.find(der.substr(der.size() - 32)) == std::string::npos);
    BOOST_TEST(store.get("a.example.test")->privateKey().toPem() == bundle.privateKey().toPem());
    // two writes of the same entry use fresh nonces
    store.store("a.example.test", bundle);
    BOOST_TEST(readFile(store.pathFor("a.example.test")) != text);
}

BOOST_AUTO_TEST_CASE(without_the_key_file_the_store_says_it_cannot_decrypt) {
    TempDir dir;
    const std::string certs = (dir.path / "certs").string();
    testing::TestCertificateAuthority ca;
    {
        DirectoryStore sealed(certs, KeyEncryption::fromKeyFile(keyFile(dir)));
        sealed.store("a.example.test", ca.issue("a.example.test"));
    }
    DirectoryStore plain(certs);
    plain.store("b.example.test", ca.issue("b.example.test"));
    try {
        plain.get("a.example.test");
        BOOST_FAIL("read a sealed entry without the key");
    } catch (const StoreError& e) {
        BOOST_TEST(std::string(e.what()).find("encrypted (AES-256-GCM) and this store has no key file") != std::string::npos,
                   e.what());
    }
    const auto all = plain.asMap();  // the sealed one is skipped, the other is there
    BOOST_TEST(all.size() == 1u);
    BOOST_TEST(all.count("b.example.test") == 1u);
}

BOOST_AUTO_TEST_CASE(a_wrong_key_a_moved_entry_or_an_altered_byte_does_not_open) {
    TempDir dir;
    const std::string certs = (dir.path / "certs").string();
    testing::TestCertificateAuthority ca;
    const auto key = KeyEncryption::fromKeyFile(keyFile(dir));
    DirectoryStore store(certs, key);
    store.store("a.example.test", ca.issue("a.example.test"));
    const std::string text = readFile(store.pathFor("a.example.test"));

    DirectoryStore wrong(certs, KeyEncryption::fromKeyFile(keyFile(dir, "other.key")));
    BOOST_CHECK_EXCEPTION(wrong.get("a.example.test"), StoreError, [](const StoreError& e) {
        return std::string(e.what()).find("does not open") != std::string::npos;
    });
    // the same sealed text under another name
    AtomicFile::write(store.pathFor("b.example.test"), text, 0600);
    BOOST_CHECK_THROW(store.get("b.example.test"), StoreError);
    // one base64 character of the sealed block changed
    std::string altered = text;
    const auto at = altered.find('\n', altered.find("-----BEGIN")) + 20;
    altered[at] = altered[at] == 'A' ? 'B' : 'A';
    AtomicFile::write(store.pathFor("a.example.test"), altered, 0600);
    BOOST_CHECK_THROW(store.get("a.example.test"), StoreError);
}

BOOST_AUTO_TEST_CASE(plain_entries_are_read_and_sealed_at_their_next_write) {
    TempDir dir;
    const std::string file = (dir.path / "c.sqlite").string();
    testing::TestCertificateAuthority ca;
    const PemBundle bundle = ca.issue("a.example.test");
    SqliteStore(file).store("a.example.test", bundle);
    SqliteStore sealed(file, KeyEncryption::fromKeyFile(keyFile(dir)));
    BOOST_TEST(sealed.get("a.example.test")->toPem() == bundle.toPem());
    sealed.store("a.example.test", *sealed.get("a.example.test"));
    BOOST_CHECK_THROW(SqliteStore(file).get("a.example.test"), StoreError);  // sealed now
    BOOST_TEST(sealed.get("a.example.test")->toPem() == bundle.toPem());
    BOOST_TEST(sealed.expiringBefore(bundle.notAfter() + std::chrono::seconds(1)).size() == 1u);  // index still works
}

BOOST_AUTO_TEST_CASE(key_files_are_checked) {
    TempDir dir;
    const std::string path = keyFile(dir);
    struct stat st {};
    BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    const std::string hex = readFile(path);
    BOOST_TEST(hex.size() == 65u);

    ::chmod(path.c_str(), 0640);
    BOOST_CHECK_EXCEPTION(KeyEncryption::fromKeyFile(path), FileError, [](const FileError& e) {
        return std::string(e.what()).find("readable by group or others") != std::string::npos;
    });
    ::chmod(path.c_str(), 0600);

    const std::string bad = (dir.path / "bad.key").string();
    for (const std::string& content : {std::string("short"), std::string(31, 'x'), std::string(64, 'g'), hex + hex}) {
        AtomicFile::write(bad, content, 0600);
        try {
            KeyEncryption::fromKeyFile(bad);
            BOOST_FAIL("accepted a bad key file");
        } catch (const CryptoError& e) {
            BOOST_TEST(std::string(e.what()).find("not a 32-byte key") != std::string::npos);
            BOOST_TEST(std::string(e.what()).find(content.substr(0, 5)) == std::string::npos);  // no key material
        }
    }
    BOOST_CHECK_THROW(KeyEncryption::fromKeyFile((dir.path / "missing.key").string()), FileError);

    // 32 raw bytes and base64 work too, and are the same key as their hex form
    testing::TestCertificateAuthority ca;
    DirectoryStore hexStore((dir.path / "certs").string(), KeyEncryption::fromKeyFile(path));
    hexStore.store("a.example.test", ca.issue("a.example.test"));
    std::string raw;
    for (std::size_t i = 0; i < 64; i += 2) raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    AtomicFile::write(bad, raw, 0600);
    BOOST_TEST(DirectoryStore((dir.path / "certs").string(), KeyEncryption::fromKeyFile(bad)).get("a.example.test").has_value());
}
