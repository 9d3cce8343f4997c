#define BOOST_TEST_MODULE atomic_file
#include <boost/test/unit_test.hpp>

#include "../support/TempDir.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Error.h"

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
