#define BOOST_TEST_MODULE directory_store
#include <boost/test/unit_test.hpp>

#include "../support/ChangeRecorder.h"
#include "../support/LockHolderChild.h"
#include "../support/LoggerCapture.h"
#include "../support/TempDir.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <filesystem>

#include "../TestPrinting.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/testing/StoreConformance.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

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

BOOST_AUTO_TEST_CASE(an_issuance_lock_is_a_private_file_lock_gone_with_its_holder) {
    TempDir dir;
    const std::string certs = (dir.path / "certs").string();
    DirectoryStore store(certs);
    store.store("a.example.test", cxxacme::testing::conformanceBundles()[0]);
    const fs::path lockFile = dir.path / "certs" / ".a.example.test.lock";
    BOOST_TEST(store.lockPathFor("A.Example.Test") == lockFile.string());
    {
        auto held = store.tryLock("a.example.test");
        BOOST_REQUIRE(held);
        struct stat st {};
        BOOST_REQUIRE(::lstat(lockFile.c_str(), &st) == 0);
        BOOST_TEST((st.st_mode & 0777) == 0600u);
        // who holds it, for the operator
        BOOST_TEST(cxxacme::AtomicFile::read(lockFile.string(), 1024).find(" " + std::to_string(::getpid()) + "\n") != std::string::npos);
        // not an entry, not a change to one
        BOOST_TEST(store.asMap().size() == 1u);
        BOOST_TEST(store.expiringBefore(cxxacme::TimePoint::max()).size() == 1u);
    }
    BOOST_TEST(!fs::exists(lockFile), "a released lock leaves its file behind");

    // another process holds it, and dies holding it: the lock goes with it, at once
    {
        cxxacme::test::LockHolderChild child([&] { return DirectoryStore(certs).tryLock("a.example.test"); });
        BOOST_TEST(!store.tryLock("a.example.test"), "a lock held by another process is taken");
        BOOST_TEST(bool(store.tryLock("b.example.test")));
        child.kill();
        auto after = store.tryLock("a.example.test");
        BOOST_TEST(bool(after), "a dead process's lock is still held");
        // the dead holder's file was reused, and is removed by the new holder
    }
    BOOST_TEST(!fs::exists(lockFile));
}

BOOST_AUTO_TEST_CASE(a_planted_lock_file_is_a_clear_error_and_nothing_hangs) {
    TempDir dir;
    DirectoryStore store(dir.path.string());
    const fs::path target = dir.path / "elsewhere";
    cxxacme::AtomicFile::write(target.string(), "precious");
    fs::create_symlink(target, dir.path / ".link.example.test.lock");
    BOOST_CHECK_THROW((void)store.tryLock("link.example.test"), cxxacme::StoreError);
    BOOST_TEST(cxxacme::AtomicFile::read(target.string(), 1024) == "precious");  // not followed, not emptied
    BOOST_REQUIRE(::mkfifo((dir.path / ".fifo.example.test.lock").c_str(), 0600) == 0);
    try {
        (void)store.tryLock("fifo.example.test");
        BOOST_ERROR("a FIFO taken as a lock file");
    } catch (const cxxacme::StoreError& e) {
        BOOST_TEST(std::string(e.what()).find("not a regular file") != std::string::npos);
    }
    BOOST_TEST(bool(store.tryLock("free.example.test")));
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
    cxxacme::AtomicFile::write((dir.path / "b\xc3\xbc" "cher.example.test.pem").string(), "");  // U-labels
    cxxacme::AtomicFile::write((dir.path / "not_a_name.pem").string(), "");
    fs::create_symlink(dir.path / "good.example.test.pem", dir.path / "link.example.test.pem");
    cxxacme::test::LoggerCapture log("cxxacme.store.directory");
    const auto all = store.asMap();
    BOOST_TEST(all.size() == 1u);
    BOOST_TEST(all.count("good.example.test") == 1u);
    // a file whose name is not canonical is named, with the file the entry would be
    BOOST_TEST(log.count([](const std::string& line) {
                   return line.find("UPPER.example.test.pem: not a canonical name; as an entry it would be "
                                    "upper.example.test.pem") != std::string::npos;
               }) == 1u);
    BOOST_TEST(log.count([](const std::string& line) {
                   return line.find("b\\xc3\\xbccher.example.test.pem: not a canonical name; as an entry it would be "
                                    "xn--bcher-kva.example.test.pem") != std::string::npos;
               }) == 1u);
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

BOOST_AUTO_TEST_CASE(change_notification_reports_writes_by_anyone_until_unsubscribed) {
    TempDir dir;
    const std::string path = (dir.path / "certs").string();
    DirectoryStore store(path);
    cxxacme::test::ChangeRecorder heard;  // bounded waits for the inotify thread
    auto subscription = store.onChange(heard.listener());
    DirectoryStore other(path);  // another writer, as another process would be
    other.store("a.example.test", cxxacme::testing::conformanceBundles()[0]);
    BOOST_REQUIRE(heard.waitFor(1));
    // written by hand: a new file, then a file that is not an entry, then a removal
    cxxacme::AtomicFile::write(path + "/B.Example.Test.pem", "", 0600);
    cxxacme::AtomicFile::write(path + "/notes.txt", "hello", 0600);
    cxxacme::AtomicFile::write(path + "/bad name!.pem", "", 0600);
    fs::remove(path + "/a.example.test.pem");
    BOOST_REQUIRE(heard.waitFor(3));
    {
        const auto seen = heard.all();
        BOOST_REQUIRE(seen.size() >= 3u);
        BOOST_TEST(seen[0] == "a.example.test");
        // the new file (its name canonical) and the removal: read by the watch in one burst
        // or in two, and a burst reports its names sorted, so in either order
        std::vector<std::string> later(seen.begin() + 1, seen.begin() + 3);
        std::sort(later.begin(), later.end());
        BOOST_TEST(later == (std::vector<std::string>{"a.example.test", "b.example.test"}), later[0] << ", " << later[1]);
        BOOST_TEST(std::count(seen.begin(), seen.end(), "notes") == 0);
    }
    subscription.reset();  // no calls after this returns
    const std::size_t before = heard.all().size();
    other.store("c.example.test", cxxacme::PemBundle());
    // a second subscriber proves the event was delivered, so the first had its chance
    std::atomic<int> second{0};
    auto witness = store.onChange([&](const std::string&) { ++second; });
    other.store("d.example.test", cxxacme::PemBundle());
    for (int i = 0; i < 1000 && second == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    BOOST_TEST(second.load() >= 1);
    BOOST_TEST(heard.all().size() == before);
}

BOOST_AUTO_TEST_CASE(the_expiry_index_follows_the_files) {
    TempDir dir;
    const std::string path = (dir.path / "certs").string();
    DirectoryStore store(path);
    cxxacme::testing::TestCertificateAuthority ca;
    const auto now = std::chrono::system_clock::now();
    const auto day = std::chrono::hours(24);
    store.store("soon.example.test", ca.issue("soon.example.test", now - 80 * day, now + 5 * day));
    store.store("later.example.test", ca.issue("later.example.test", now - 10 * day, now + 80 * day));
    store.store("empty.example.test", cxxacme::PemBundle());
    using Names = std::vector<std::string>;
    BOOST_TEST(store.expiringBefore(now + 30 * day) == (Names{"empty.example.test", "soon.example.test"}));
    BOOST_TEST(store.expiringBefore(now + 100 * day) ==
               (Names{"empty.example.test", "soon.example.test", "later.example.test"}));
    // renewed, filled, removed, broken, by anyone: the next query sees it
    store.store("soon.example.test", ca.issue("soon.example.test", now, now + 90 * day));
    DirectoryStore other(path);
    other.store("empty.example.test", ca.issue("empty.example.test", now - 85 * day, now + 1 * day));
    cxxacme::AtomicFile::write(path + "/broken.example.test.pem", "-----BEGIN CERTIFICATE-----\nnope\n", 0600);
    fs::remove(path + "/later.example.test.pem");
    BOOST_TEST(store.expiringBefore(now + 30 * day) == (Names{"empty.example.test"}));
    BOOST_TEST(store.expiringBefore(now + 100 * day) == (Names{"empty.example.test", "soon.example.test"}));
}

BOOST_AUTO_TEST_CASE(stale_temporary_files_of_killed_writers_are_swept) {
    TempDir dir;
    const std::string path = (dir.path / "certs").string();
    { DirectoryStore create(path); }
    const std::string stale = path + "/.a.example.test.pem.tmp-123";
    const std::string staleKey = path + "/.client.key.tmp-912345678901";     // the account key's
    const std::string staleAnswer = path + "/..challenge.http-01.tok.tmp-7";  // a challenge answer's
    const std::string fresh = path + "/.b.example.test.pem.tmp-456";
    const std::string other = path + "/.keep-me";
    const std::string notOurs = path + "/.notes.tmp-draft";  // not AtomicFile's naming
    const std::string plain = path + "/notes.tmp-1";         // nor this
    const std::vector<std::string> old{stale, staleKey, staleAnswer, other, notOurs, plain};
    for (const auto& f : old) cxxacme::AtomicFile::write(f, "partial", 0600);
    cxxacme::AtomicFile::write(fresh, "partial", 0600);
    const timespec twoHoursAgo[2] = {{::time(nullptr) - 7200, 0}, {::time(nullptr) - 7200, 0}};
    for (const auto& f : old) BOOST_REQUIRE(::utimensat(AT_FDCWD, f.c_str(), twoHoursAgo, 0) == 0);
    DirectoryStore store(path);
    BOOST_TEST(!fs::exists(stale));
    BOOST_TEST(!fs::exists(staleKey));
    BOOST_TEST(!fs::exists(staleAnswer));
    BOOST_TEST(fs::exists(fresh));  // may belong to a write in progress
    BOOST_TEST(fs::exists(other));  // not ours
    BOOST_TEST(fs::exists(notOurs));
    BOOST_TEST(fs::exists(plain));
}

BOOST_AUTO_TEST_CASE(challenge_answers_a_day_old_are_swept) {
    TempDir dir;
    const std::string path = (dir.path / "certs").string();
    {
        DirectoryStore create(path);
        create.postChallenge("http-01", "oldToken", "oldToken.thumb");
        create.postChallenge("http-01", "hourToken", "hourToken.thumb");
        create.postChallenge("tls-alpn-01", "a.example.test", "newToken.thumb");
        BOOST_TEST(create.challengePathFor("http-01", "oldToken") == path + "/.challenge.http-01.oldToken");
        struct stat st {};
        BOOST_REQUIRE(::lstat(create.challengePathFor("http-01", "oldToken").c_str(), &st) == 0);
        BOOST_TEST((st.st_mode & 0777) == 0600u);
        const timespec dayAgo[2] = {{::time(nullptr) - 25L * 3600, 0}, {::time(nullptr) - 25L * 3600, 0}};
        const timespec hoursAgo[2] = {{::time(nullptr) - 3L * 3600, 0}, {::time(nullptr) - 3L * 3600, 0}};
        BOOST_REQUIRE(::utimensat(AT_FDCWD, create.challengePathFor("http-01", "oldToken").c_str(), dayAgo, 0) == 0);
        BOOST_REQUIRE(::utimensat(AT_FDCWD, create.challengePathFor("http-01", "hourToken").c_str(), hoursAgo, 0) == 0);
    }
    DirectoryStore store(path);
    BOOST_TEST(!store.challengeAnswer("http-01", "oldToken").has_value(), "a day-old answer was kept");
    BOOST_TEST(store.challengeAnswer("http-01", "hourToken").value_or("") == "hourToken.thumb");  // older than a temporary, younger than a day
    BOOST_TEST(store.challengeAnswer("tls-alpn-01", "a.example.test").value_or("") == "newToken.thumb");
}

BOOST_AUTO_TEST_CASE(a_rate_limit_refusal_planted_by_another_hand_is_left_out_not_followed) {
    TempDir dir;
    const std::string path = dir.path.string();
    DirectoryStore store(path);
    const cxxacme::TimePoint now = std::chrono::system_clock::now();
    BOOST_TEST(store.refusals(now).empty());  // none posted: no board directory yet, and nothing to read
    const cxxacme::IRateLimitBoard::Refusal good{"Z29vZA", R"({"detail":"x"})", 429, now + std::chrono::hours(1)};
    store.postRefusal(good);
    const std::string board = path + "/" + DirectoryStore::kRefusalDirectory;
    BOOST_TEST(((fs::status(board).permissions() & fs::perms::all) == fs::perms::owner_all));
    const std::string later = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                 (now + std::chrono::hours(2)).time_since_epoch()).count());
    cxxacme::AtomicFile::write(board + "/garbage", "not a refusal");
    cxxacme::AtomicFile::write(board + "/farFuture", "99999999999999 429\n{}");
    cxxacme::AtomicFile::write(board + "/notAnError", later + " 200\n{}");
    cxxacme::AtomicFile::write(board + "/trailing", later + " 429 x\n{}");
    cxxacme::AtomicFile::write(board + "/bad.key", later + " 429\n{}");
    cxxacme::AtomicFile::write(board + "/huge", later + " 429\n" + std::string(20000, 'x'));
    cxxacme::AtomicFile::write(path + "/secret", "do not read");
    BOOST_REQUIRE(::symlink((path + "/secret").c_str(), (board + "/link").c_str()) == 0);
    cxxacme::test::LoggerCapture warnings("cxxacme.store.directory");
    std::vector<cxxacme::IRateLimitBoard::Refusal> seen;
    BOOST_REQUIRE_NO_THROW(seen = store.refusals(now));
    BOOST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen.front().scope == good.scope);
    BOOST_TEST(warnings.count([](const std::string& line) { return line.starts_with("skipping the rate-limit refusal"); }) == 7u);
    BOOST_TEST(fs::exists(path + "/secret"));
}

// A refusal where the store kept them before it had a directory for them
// (beside the entries) is moved in when a store opens the directory; a board
// directory that is not one (a file, a link planted in its place) is an error,
// never followed.
BOOST_AUTO_TEST_CASE(refusals_kept_beside_the_entries_are_moved_into_the_boards_directory) {
    TempDir dir;
    const std::string path = dir.path.string();
    const cxxacme::TimePoint now = std::chrono::system_clock::now();
    const std::string later = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                 (now + std::chrono::hours(2)).time_since_epoch()).count());
    { DirectoryStore create(path); }
    cxxacme::AtomicFile::write(path + "/.ratelimit.b2xk", later + " 429\n{\"detail\":\"old\"}");
    cxxacme::AtomicFile::write(path + "/.ratelimit.bad.key", later + " 429\n{}");
    cxxacme::test::LoggerCapture warnings("cxxacme.store.directory");
    DirectoryStore store(path);
    BOOST_TEST(!fs::exists(path + "/.ratelimit.b2xk"));
    const auto seen = store.refusals(now);
    BOOST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen.front().scope == "b2xk");
    BOOST_TEST(seen.front().problem == R"({"detail":"old"})");
    BOOST_TEST(fs::exists(path + "/.ratelimit.bad.key"), "a file whose name is no scope was moved");
    BOOST_TEST(warnings.count([](const std::string& line) { return line.find("is left where it is") != std::string::npos; }) == 1u);

    TempDir other;
    const std::string otherPath = other.path.string();
    DirectoryStore planted(otherPath);
    cxxacme::AtomicFile::write(otherPath + "/elsewhere", "x");
    BOOST_REQUIRE(::symlink((otherPath + "/elsewhere").c_str(), (otherPath + "/" + DirectoryStore::kRenewalInfoDirectory).c_str()) == 0);
    cxxacme::AtomicFile::write(otherPath + "/" + DirectoryStore::kRefusalDirectory, "a file");
    BOOST_CHECK_THROW(planted.postRefusal({"Z29vZA", "{}", 429, now + std::chrono::hours(1)}), cxxacme::StoreError);
    BOOST_CHECK_THROW(planted.postRenewalInfo("a.example", {"Y2VydA", now, now + std::chrono::hours(1), "", now + std::chrono::hours(1)}),
                      cxxacme::StoreError);
    BOOST_CHECK_THROW((void)planted.refusals(now), cxxacme::StoreError);
    BOOST_CHECK_THROW((void)planted.renewalInfo("a.example", now), cxxacme::StoreError);
    BOOST_CHECK_THROW(planted.removeRenewalInfo("a.example"), cxxacme::StoreError);
    BOOST_TEST(cxxacme::AtomicFile::read(otherPath + "/elsewhere", 16) == "x");
    // a link to a directory is not followed either
    fs::remove(otherPath + "/" + DirectoryStore::kRenewalInfoDirectory);
    fs::create_directory(otherPath + "/real");
    cxxacme::AtomicFile::write(otherPath + "/real/a.example", "Y2VydA " + later + " 100 200\n");
    BOOST_REQUIRE(::symlink((otherPath + "/real").c_str(), (otherPath + "/" + DirectoryStore::kRenewalInfoDirectory).c_str()) == 0);
    BOOST_CHECK_THROW((void)planted.renewalInfo("a.example", now), cxxacme::StoreError);
    BOOST_CHECK_THROW(planted.removeRenewalInfo("a.example"), cxxacme::StoreError);
    BOOST_TEST(fs::exists(otherPath + "/real/a.example"));
}

BOOST_AUTO_TEST_CASE(renewal_information_planted_by_another_hand_is_left_out_not_followed) {
    TempDir dir;
    const std::string path = dir.path.string();
    DirectoryStore store(path);
    const cxxacme::TimePoint now = std::chrono::system_clock::now();
    const std::string later = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                 (now + std::chrono::hours(2)).time_since_epoch()).count());
    store.postRenewalInfo("good.example", {"Y2VydA", now, now + std::chrono::hours(1), "", now + std::chrono::hours(1)});
    BOOST_TEST(fs::exists(store.renewalInfoPathFor("good.example")));
    BOOST_TEST(((fs::status(store.renewalInfoPathFor("good.example")).permissions() & fs::perms::all) ==
                (fs::perms::owner_read | fs::perms::owner_write)));
    const std::map<std::string, std::string> planted{
        {"garbage.example", "not an answer"},
        {"nonumber.example", "Y2VydA x 100 200\n"},
        {"fields.example", "Y2VydA " + later + " 100\n"},
        {"extra.example", "Y2VydA " + later + " 100 200 300\n"},
        {"spaces.example", "Y2VydA  " + later + " 100 200\n"},
        {"backwards.example", "Y2VydA " + later + " 200 100\n"},
        {"badid.example", "../x " + later + " 100 200\n"},
        {"url.example", "Y2VydA " + later + " 100 200\nhttps://ca.example/a b"},
        {"huge.example", "Y2VydA " + later + " 100 200\n" + std::string(5000, 'x')},
    };
    for (const auto& [name, text] : planted) cxxacme::AtomicFile::write(store.renewalInfoPathFor(name), text);
    cxxacme::AtomicFile::write(path + "/secret", "Y2VydA " + later + " 100 200\n");
    BOOST_REQUIRE(::symlink((path + "/secret").c_str(), store.renewalInfoPathFor("link.example").c_str()) == 0);
    BOOST_TEST(store.renewalInfoPathFor("x.example") == path + "/.renewalinfo/x.example");
    cxxacme::test::LoggerCapture warnings("cxxacme.store.directory");
    for (const auto& [name, text] : planted) {
        std::optional<cxxacme::IRenewalInfoBoard::Answer> seen;
        BOOST_REQUIRE_NO_THROW(seen = store.renewalInfo(name, now));
        BOOST_TEST(!seen.has_value(), name + "'s is read");
    }
    BOOST_TEST(!store.renewalInfo("link.example", now).has_value(), "a link is followed");
    BOOST_TEST(store.renewalInfo("good.example", now).has_value());
    BOOST_TEST(warnings.count([](const std::string& line) { return line.starts_with("skipping the renewal information"); }) ==
               planted.size() + 1);
    BOOST_TEST(fs::exists(path + "/secret"));
    // the board's files are no entries
    BOOST_TEST(store.asMap().empty());
}

BOOST_AUTO_TEST_CASE(locks_and_answers_of_names_too_long_for_a_file_name_work_all_the_same) {
    TempDir dir;
    DirectoryStore store(dir.path.string());
    const std::string label(63, 'a');
    const std::string longName = label + "." + label + "." + label + "." + std::string(56, 'b') + ".test";  // 253 characters
    BOOST_REQUIRE(longName.size() == 253u);
    const std::string otherName = label + "." + label + "." + label + "." + std::string(56, 'c') + ".test";
    auto held = store.tryLock(longName);
    BOOST_REQUIRE(held);
    BOOST_TEST(!store.tryLock(longName));
    BOOST_TEST(bool(store.tryLock(otherName)), "two long names share one lock");
    BOOST_TEST(fs::path(store.lockPathFor(longName)).filename().string().size() <= 255u);
    store.postChallenge("tls-alpn-01", longName, "t.k");
    store.postChallenge("tls-alpn-01", otherName, "u.k");
    BOOST_TEST(store.challengeAnswer("tls-alpn-01", longName).value_or("") == "t.k");
    BOOST_TEST(store.challengeAnswer("tls-alpn-01", otherName).value_or("") == "u.k");
    store.removeChallenge("tls-alpn-01", longName);
    BOOST_TEST(!store.challengeAnswer("tls-alpn-01", longName).has_value());
    // a short one keeps its readable name
    BOOST_TEST(store.lockPathFor("a.example.test") == dir.path.string() + "/.a.example.test.lock");
}

BOOST_AUTO_TEST_CASE(a_challenge_answer_put_there_by_another_hand_is_served_only_if_it_could_be_one) {
    TempDir dir;
    DirectoryStore store(dir.path.string());
    cxxacme::AtomicFile::write(store.challengePathFor("http-01", "planted"), "<script>alert(1)</script>", 0600);
    BOOST_CHECK_THROW((void)store.challengeAnswer("http-01", "planted"), cxxacme::StoreError);
    fs::create_symlink(dir.path / "elsewhere", store.challengePathFor("http-01", "linked"));
    cxxacme::AtomicFile::write((dir.path / "elsewhere").string(), "linked.thumb", 0600);
    BOOST_CHECK_THROW((void)store.challengeAnswer("http-01", "linked"), cxxacme::StoreError);  // not followed
}
