#define BOOST_TEST_MODULE store_durability
#include <boost/test/unit_test.hpp>

// What the stores promise when things go wrong: a writer killed with SIGKILL
// at random points, a full disk, a write refused by the kernel. Every entry
// afterwards is the old bundle or the new one, never anything in between,
// and no other entry is lost.

#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <thread>

#include "../TestPrinting.h"
#include "../support/TempDir.h"
#include "cxxacme/Error.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/stores/SqliteStore.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

using namespace cxxacme;
using cxxacme::test::TempDir;
using StoreMaker = std::function<std::unique_ptr<ICertificateStore>()>;

namespace {

const testing::TestCertificateAuthority& ca() {
    static const testing::TestCertificateAuthority instance;
    return instance;
}

const PemBundle& oldBundle() {
    static const PemBundle b = ca().issue("a.example.test");
    return b;
}
const PemBundle& newBundle() {
    static const PemBundle b = ca().issue("a.example.test", std::chrono::system_clock::now(),
                                          std::chrono::system_clock::now() + std::chrono::hours(24 * 60), KeyType::Rsa2048);
    return b;
}

// Runs `body` in a child process; returns its exit status (or -signal).
int inChild(const std::function<int()>& body) {
    const pid_t pid = fork();
    if (pid == 0) {
        int code = 3;
        try {
            code = body();
        } catch (...) {
        }
        _exit(code);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

void killedWritersLeaveOldOrNew(const StoreMaker& make) {
    newBundle();  // made here, before any fork: a child must not make its own
    make()->store("a.example.test", oldBundle());
    make()->store("other.example.test", oldBundle());
    // how long 200 overwrites take here, to kill within that span
    const auto start = std::chrono::steady_clock::now();
    BOOST_REQUIRE(inChild([&] {
                      auto store = make();
                      for (int i = 0; i < 200; ++i) store->store("a.example.test", i % 2 ? oldBundle() : newBundle());
                      return 0;
                  }) == 0);
    const auto span = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    BOOST_TEST_MESSAGE("200 overwrites take " << span.count() / 1000 << " ms here");
    std::mt19937_64 random(42);
    int olds = 0, news = 0;
    for (int round = 0; round < 12; ++round) {
        const pid_t pid = fork();
        if (pid == 0) {
            auto store = make();
            for (int i = 0; i < 200; ++i) store->store("a.example.test", i % 2 ? oldBundle() : newBundle());
            _exit(0);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(random() % static_cast<std::uint64_t>(span.count() + 1)));
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        auto store = make();
        const auto entry = store->get("a.example.test");
        BOOST_REQUIRE(entry.has_value());
        const bool isOld = *entry == oldBundle(), isNew = *entry == newBundle();
        BOOST_TEST((isOld || isNew), "round " << round << ": a torn entry");
        olds += isOld;
        news += isNew;
        BOOST_TEST(*store->get("other.example.test") == oldBundle());
        BOOST_TEST(store->asMap().size() == 2u);
    }
    BOOST_TEST_MESSAGE("after the kills: " << olds << " old, " << news << " new");
}

// A write the kernel refuses (RLIMIT_FSIZE: EFBIG past 1 KiB, in a child so
// that the limit stays there) is a StoreError, and the old entry stays.
void refusedWritesLoseNothing(const StoreMaker& make) {
    newBundle();  // made here, before the fork
    make()->store("a.example.test", oldBundle());
    const int status = inChild([&] {
        signal(SIGXFSZ, SIG_IGN);
        auto store = make();
        const rlimit limit{1024, 1024};
        setrlimit(RLIMIT_FSIZE, &limit);
        try {
            store->store("a.example.test", newBundle());
            return 1;  // the write went through: the test did not test anything
        } catch (const StoreError&) {
            return 0;
        }
    });
    BOOST_TEST(status == 0);
    auto store = make();
    BOOST_TEST(*store->get("a.example.test") == oldBundle());
    store->store("a.example.test", newBundle());  // and it works again without the limit
    BOOST_TEST(*store->get("a.example.test") == newBundle());
}

// A real full disk: a 256 KiB tmpfs, where the machine lets the test mount one.
bool mountSmallTmpfs(const std::string& path) {
    return ::mount("cxxacme-full", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=256k,mode=0700") == 0;
}

void fullDiskLosesNothing(const StoreMaker& make) {
    auto store = make();
    std::vector<std::string> stored;
    bool full = false;
    for (int i = 0; i < 500 && !full; ++i) {
        const std::string name = "n" + std::to_string(i) + ".example.test";
        try {
            store->store(name, i % 2 ? oldBundle() : newBundle());
            stored.push_back(name);
        } catch (const StoreError& e) {
            full = true;
            BOOST_TEST_MESSAGE("full after " << stored.size() << " entries: " << e.what());
        }
    }
    BOOST_REQUIRE_MESSAGE(full, "the disk never filled");
    BOOST_REQUIRE_MESSAGE(!stored.empty(), "nothing fitted at all");
    // overwriting when full either fails cleanly or succeeds (SQLite may reuse free pages)
    bool overwritten = false;
    try {
        store->store(stored.front(), oldBundle());  // n0 holds the new bundle
        overwritten = true;
    } catch (const StoreError&) {
    }
    auto reopened = make();
    for (std::size_t i = 0; i < stored.size(); ++i) {
        const auto entry = reopened->get(stored[i]);
        BOOST_REQUIRE(entry.has_value());
        if (i == 0) BOOST_TEST(*entry == (overwritten ? oldBundle() : newBundle()));
        else BOOST_TEST(*entry == (i % 2 ? oldBundle() : newBundle()));
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(directory_store_survives_sigkill) {
    TempDir dir;
    killedWritersLeaveOldOrNew([&] { return std::make_unique<stores::DirectoryStore>((dir.path / "certs").string()); });
}

BOOST_AUTO_TEST_CASE(sqlite_store_survives_sigkill) {
    TempDir dir;
    killedWritersLeaveOldOrNew([&] { return std::make_unique<stores::SqliteStore>((dir.path / "c.sqlite").string()); });
}

BOOST_AUTO_TEST_CASE(directory_store_refused_write) {
    TempDir dir;
    refusedWritesLoseNothing([&] { return std::make_unique<stores::DirectoryStore>((dir.path / "certs").string()); });
}

BOOST_AUTO_TEST_CASE(sqlite_store_refused_write) {
    TempDir dir;
    refusedWritesLoseNothing([&] { return std::make_unique<stores::SqliteStore>((dir.path / "c.sqlite").string()); });
}

BOOST_AUTO_TEST_CASE(full_disk) {
    TempDir dir;
    const std::string mountPoint = (dir.path / "small").string();
    std::filesystem::create_directories(mountPoint);
    if (!mountSmallTmpfs(mountPoint)) {
        BOOST_TEST_MESSAGE("cannot mount a tmpfs here (" << std::strerror(errno)
                                                         << "); the refused-write cases cover the error path");
        return;
    }
    struct Unmount {
        std::string path;
        ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } unmount{mountPoint};
    fullDiskLosesNothing([&] { return std::make_unique<stores::DirectoryStore>(mountPoint + "/certs"); });
    std::filesystem::remove_all(mountPoint + "/certs");
    fullDiskLosesNothing([&] { return std::make_unique<stores::SqliteStore>(mountPoint + "/c.sqlite"); });
}
