#define BOOST_TEST_MODULE atomic_file
#include <boost/test/unit_test.hpp>

#include "../support/TempDir.h"

#include <dirent.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Error.h"
#include "cxxacme/PrivateKey.h"

using namespace cxxacme;
namespace fs = std::filesystem;
using cxxacme::test::TempDir;

namespace {
std::size_t entries(const fs::path& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}
}  // namespace

BOOST_AUTO_TEST_CASE(writes_with_mode_0600_whatever_the_umask) {
    TempDir dir;
    const mode_t old = ::umask(0);
    const std::string path = (dir.path / "key.pem").string();
    AtomicFile::write(path, "secret");
    ::umask(old);
    struct stat st {};
    BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    BOOST_TEST(AtomicFile::read(path, 100) == "secret");
    AtomicFile::write((dir.path / "public.pem").string(), "x", 0644);
    BOOST_REQUIRE(::stat((dir.path / "public.pem").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0644u);
}

BOOST_AUTO_TEST_CASE(replaces_and_leaves_no_temporary_files) {
    TempDir dir;
    const std::string path = (dir.path / "a.pem").string();
    for (int i = 0; i < 20; ++i) AtomicFile::write(path, "content " + std::to_string(i));
    BOOST_TEST(AtomicFile::read(path, 100) == "content 19");
    BOOST_TEST(entries(dir.path) == 1u);
    AtomicFile::write(path, "");
    BOOST_TEST(AtomicFile::read(path, 100) == "");
}

BOOST_AUTO_TEST_CASE(its_temporary_files_are_known_by_name) {
    // the names write and create really make, seen as the kernel reports them
    TempDir dir;
    const int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    BOOST_REQUIRE(watch >= 0);
    BOOST_REQUIRE(::inotify_add_watch(watch, dir.path.c_str(), IN_CREATE | IN_MOVED_TO) >= 0);
    AtomicFile::write((dir.path / "a.example.test.pem").string(), "x");
    AtomicFile::create((dir.path / "client.key").string(), "x");
    AtomicFile::write((dir.path / ".challenge.http-01.tok").string(), "x");
    std::vector<std::string> created;
    alignas(inotify_event) char buffer[8192];
    for (ssize_t n; (n = ::read(watch, buffer, sizeof buffer)) > 0;) {
        for (char* p = buffer; p < buffer + n;) {
            const auto* event = reinterpret_cast<const inotify_event*>(p);
            if (event->len > 0) created.emplace_back(event->name);
            p += sizeof(inotify_event) + event->len;
        }
    }
    ::close(watch);
    std::vector<std::string> temporaries, others;
    for (const auto& name : created) (AtomicFile::isTemporaryName(name) ? temporaries : others).push_back(name);
    BOOST_TEST(temporaries.size() == 3u);
    BOOST_TEST(others == (std::vector<std::string>{"a.example.test.pem", "client.key", ".challenge.http-01.tok"}),
               boost::test_tools::per_element());
    for (const std::string name : {".a.pem.tmp-1", ".client.key.tmp-123456789012", "..challenge.x.y.tmp-0"})
        BOOST_TEST(AtomicFile::isTemporaryName(name), name);
    for (const std::string name : {"a.pem.tmp-1", ".tmp-1", "..tmp-1", ".a.tmp-", ".a.tmp-12a", ".a.tmp-1234567890123",
                                   ".a.pem", ".a.tmp-1/b", ".a.lock", ""})
        BOOST_TEST(!AtomicFile::isTemporaryName(name), name);
}

BOOST_AUTO_TEST_CASE(failure_keeps_the_old_file) {
    TempDir dir;
    const std::string path = (dir.path / "a.pem").string();
    AtomicFile::write(path, "old");
    // a directory in the way of the rename: the write fails, the old file stays
    fs::create_directory(dir.path / "b.pem");
    BOOST_CHECK_THROW(AtomicFile::write((dir.path / "b.pem").string(), "new"), FileError);
    BOOST_TEST(entries(dir.path) == 2u);  // no temporary file left behind
    // an unwritable directory
    BOOST_CHECK_THROW(AtomicFile::write((dir.path / "missing" / "c.pem").string(), "x"), FileError);
    BOOST_TEST(AtomicFile::read(path, 100) == "old");
}

BOOST_AUTO_TEST_CASE(reads_refuse_links_oversize_and_non_files) {
    TempDir dir;
    const std::string target = (dir.path / "target").string();
    AtomicFile::write(target, "0123456789");
    fs::create_symlink(target, dir.path / "link");
    BOOST_CHECK_THROW(AtomicFile::read((dir.path / "link").string(), 100), FileError);
    BOOST_CHECK_THROW(AtomicFile::read(target, 5), FileError);
    BOOST_CHECK_THROW(AtomicFile::read(dir.path.string(), 100), FileError);
    BOOST_CHECK_THROW(AtomicFile::read((dir.path / "absent").string(), 100), FileError);
    try {
        AtomicFile::read((dir.path / "absent").string(), 100);
    } catch (const FileError& e) {
        BOOST_TEST(e.path() == (dir.path / "absent").string());
    }
}

BOOST_AUTO_TEST_CASE(a_link_in_place_of_the_file_is_replaced_not_followed) {
    TempDir dir;
    const std::string victim = (dir.path / "victim").string();
    AtomicFile::write(victim, "untouched");
    fs::create_symlink(victim, dir.path / "a.pem");
    AtomicFile::write((dir.path / "a.pem").string(), "new");
    BOOST_TEST(AtomicFile::read(victim, 100) == "untouched");
    BOOST_TEST(!fs::is_symlink(dir.path / "a.pem"));
    BOOST_TEST(AtomicFile::read((dir.path / "a.pem").string(), 100) == "new");
}

BOOST_AUTO_TEST_CASE(create_makes_a_file_only_where_there_is_none) {
    cxxacme::test::TempDir dir;
    const std::string path = (dir.path / "made").string();
    BOOST_TEST(cxxacme::AtomicFile::create(path, "first", 0600));
    BOOST_TEST(!cxxacme::AtomicFile::create(path, "second", 0600));
    BOOST_TEST(cxxacme::AtomicFile::read(path, 100) == "first");
    struct stat st {};
    BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    // a link in the way is not followed nor replaced
    const std::string target = (dir.path / "target").string();
    cxxacme::AtomicFile::write(target, "kept", 0600);
    std::filesystem::create_symlink(target, dir.path / "linked");
    BOOST_TEST(!cxxacme::AtomicFile::create((dir.path / "linked").string(), "x", 0600));
    BOOST_TEST(cxxacme::AtomicFile::read(target, 100) == "kept");
    for (const auto& entry : std::filesystem::directory_iterator(dir.path))
        BOOST_TEST(entry.path().filename().string().find(".tmp-") == std::string::npos, entry.path() << " is left behind");
}

// A fleet's servers starting at once over one empty directory, each making
// the account key on first use: one key is made, and every one uses it.
BOOST_AUTO_TEST_CASE(processes_making_one_key_at_once_all_get_the_one_on_disk) {
    constexpr int kRounds = 10, kChildren = 4;
    for (int round = 0; round < kRounds; ++round) {
        cxxacme::test::TempDir dir;
        const std::string path = (dir.path / "client.key").string();
        int fds[2];
        BOOST_REQUIRE(::pipe(fds) == 0);
        std::vector<pid_t> children;
        for (int c = 0; c < kChildren; ++c) {
            const pid_t pid = ::fork();
            BOOST_REQUIRE(pid >= 0);
            if (pid == 0) {
                ::close(fds[0]);
                int rc = 1;
                try {
                    const auto key = cxxacme::PrivateKey::loadOrGenerate(path, cxxacme::KeyType::EcP256);
                    const std::string pem = key.toPem();
                    // one line per child: its key's PEM, newlines folded (PIPE_BUF keeps lines whole)
                    std::string line;
                    for (char ch : pem) line += ch == '\n' ? '|' : ch;
                    line += '\n';
                    rc = ::write(fds[1], line.data(), line.size()) == static_cast<ssize_t>(line.size()) ? 0 : 1;
                } catch (...) {
                }
                std::_Exit(rc);
            }
            children.push_back(pid);
        }
        ::close(fds[1]);
        std::string all;
        char buf[4096];
        for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) all.append(buf, static_cast<std::size_t>(n));
        ::close(fds[0]);
        for (const pid_t pid : children) {
            int status = 0;
            ::waitpid(pid, &status, 0);
            BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
        }
        std::string onDisk;
        for (char ch : cxxacme::AtomicFile::read(path, 1 << 16)) onDisk += ch == '\n' ? '|' : ch;
        std::size_t lines = 0;
        for (std::size_t start = 0, end; (end = all.find('\n', start)) != std::string::npos; start = end + 1, ++lines)
            BOOST_TEST(all.substr(start, end - start) == onDisk, "round " << round << ": a process uses a key that is not on disk");
        BOOST_TEST(lines == static_cast<std::size_t>(kChildren));
    }
}
