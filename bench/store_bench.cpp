// DirectoryStore and SqliteStore at 1 000, 10 000 and 100 000 entries:
// store, get, and a full issuing-service expiry check (start → whenCertsValid
// with nothing due), in entries per second, with each row's peak memory.
// The check is timed three ways: through the store's IExpiryIndex cold (the
// first query of a fresh store object) and warm (the next one), and without
// the index (every entry read and parsed, as for a store that has none).
// "boards/s": the reads a fleet's issuing service makes before each order
// (the rate-limit refusals and the entry's renewal information), per second;
// "posts/s": renewal-information answers posted (IRenewalInfoBoard), per second.
//
//   build/bench/store_bench [--counts 1000,10000,100000] [--dir DIR] [--stores dir,sqlite]
//
// Each row runs in a child process; "peak MiB" is that child's maximum RSS.
// Entries are real bundles (P-256 key, leaf, intermediate), written with the
// stores' full durability (fsync, rename, directory fsync / WAL commits).

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "cxxacme/AcmeIssuingService.h"
#include "cxxacme/IIssuanceLock.h"
#include "cxxacme/IRateLimitBoard.h"
#include "cxxacme/IRenewalInfoBoard.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/stores/SqliteStore.h"
#include "cxxacme/testing/FakeClock.h"
#include "cxxacme/testing/FakeIssuer.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

using namespace cxxacme;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Hides a store's optional abilities: the service must read everything.
class PlainView final : public ICertificateStore {
public:
    explicit PlainView(ICertificateStore& inner) : inner_(inner) {}
    std::optional<PemBundle> get(const std::string& name) override { return inner_.get(name); }
    void store(const std::string& name, const PemBundle& entry) override { inner_.store(name, entry); }
    std::map<std::string, PemBundle> asMap() override { return inner_.asMap(); }

private:
    ICertificateStore& inner_;
};

double seconds(const std::function<void()>& f) {
    const auto start = Clock::now();
    f();
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double check(ICertificateStore& store, testing::FakeClock& clock) {
    testing::FakeIssuer issuer(clock);
    AcmeIssuingService service(store, issuer, clock);
    const double s = seconds([&] {
        service.start();
        service.whenCertsValid().wait();
    });
    service.stop();
    if (issuer.calls() != 0) std::fprintf(stderr, "unexpected issuance during the check\n");
    return s;
}

struct Row {
    double store, get, cold, warm, full, lock, board, post;
};

Row run(const std::string& kind, std::size_t count, const fs::path& where, const std::vector<PemBundle>& pool) {
    const auto make = [&]() -> std::unique_ptr<ICertificateStore> {
        if (kind == "dir") return std::make_unique<stores::DirectoryStore>((where / "certs").string());
        return std::make_unique<stores::SqliteStore>((where / "certs.sqlite").string());
    };
    std::vector<std::string> names;
    for (std::size_t i = 0; i < count; ++i) names.push_back("host" + std::to_string(i) + ".example.test");
    Row row{};
    {
        auto store = make();
        row.store = count / seconds([&] {
                        for (std::size_t i = 0; i < count; ++i) store->store(names[i], pool[i % pool.size()]);
                    });
    }
    testing::FakeClock clock(std::chrono::system_clock::now());
    auto store = make();  // a fresh object: nothing cached
    row.cold = count / check(*store, clock);
    row.warm = count / check(*store, clock);
    row.get = count / seconds([&] {
                  for (const auto& name : names)
                      if (!store->get(name)) std::abort();
              });
    PlainView plain(*store);
    row.full = count / check(plain, clock);
    // an issuance's lock taken and let go (IIssuanceLock): what a fleet adds to each order
    auto* locks = dynamic_cast<IIssuanceLock*>(store.get());
    const std::size_t lockCount = std::min<std::size_t>(count, 2000);
    row.lock = lockCount / seconds([&] {
                   for (std::size_t i = 0; i < lockCount; ++i)
                       if (!locks->tryLock(names[i])) std::abort();
               });
    // the boards a fleet reads before each order: the rate-limit refusals, one
    // posted, and the entry's renewal information (IRateLimitBoard, IRenewalInfoBoard)
    auto* refusals = dynamic_cast<IRateLimitBoard*>(store.get());
    auto* answers = dynamic_cast<IRenewalInfoBoard*>(store.get());
    const TimePoint now = std::chrono::system_clock::now();
    refusals->postRefusal({"YmVuY2g", R"({"detail":"bench"})", 429, now + std::chrono::hours(1)});
    answers->postRenewalInfo(names[0], {"YmVuY2g", now, now + std::chrono::hours(24), "", now + std::chrono::hours(1)});
    constexpr std::size_t kBoardReads = 200;
    row.board = kBoardReads / seconds([&] {
                    for (std::size_t i = 0; i < kBoardReads; ++i)
                        if (refusals->refusals(now).size() != 1 || !answers->renewalInfo(names[0], now)) std::abort();
                });
    // what the instance that asked the CA writes for the others: one answer per entry
    const std::size_t postCount = std::min<std::size_t>(count, 500);
    row.post = postCount / seconds([&] {
                   for (std::size_t i = 0; i < postCount; ++i)
                       answers->postRenewalInfo(names[i], {"YmVuY2g", now, now + std::chrono::hours(24), "", now + std::chrono::hours(1)});
               });
    return row;
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at <= text.size()) {
        const auto comma = std::min(text.find(',', at), text.size());
        out.push_back(text.substr(at, comma - at));
        at = comma + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> counts = {"1000", "10000", "100000"};
    std::vector<std::string> kinds = {"dir", "sqlite"};
    fs::path base = fs::temp_directory_path();
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--counts") counts = split(argv[i + 1]);
        else if (flag == "--stores") kinds = split(argv[i + 1]);
        else if (flag == "--dir") base = argv[i + 1];
    }
    // 16 distinct bundles, 60 to 75 days from expiry: nothing is due
    testing::TestCertificateAuthority ca;
    std::vector<PemBundle> pool;
    const auto now = std::chrono::system_clock::now();
    for (int i = 0; i < 16; ++i)
        pool.push_back(ca.issue("pool" + std::to_string(i) + ".example.test", now - std::chrono::hours(24),
                                now + std::chrono::hours(24 * (60 + i))));

    std::printf("%-7s %8s %11s %11s %14s %14s %14s %9s %9s %9s %9s\n", "store", "entries", "store/s", "get/s", "check idx cold",
                "check idx warm", "check no idx", "lock/s", "boards/s", "posts/s", "peak MiB");
    for (const auto& kind : kinds)
        for (const auto& countText : counts) {
            const std::size_t count = std::stoul(countText);
            std::string tmpl = (base / "cxxacme-store-bench-XXXXXX").string();
            const fs::path where = ::mkdtemp(tmpl.data());
            int pipefd[2];
            if (::pipe(pipefd) != 0) return 1;
            const pid_t pid = fork();
            if (pid == 0) {
                ::close(pipefd[0]);
                const Row r = run(kind, count, where, pool);
                const std::string line = std::to_string(r.store) + " " + std::to_string(r.get) + " " + std::to_string(r.cold) +
                                         " " + std::to_string(r.warm) + " " + std::to_string(r.full) + " " + std::to_string(r.lock) +
                                         " " + std::to_string(r.board) + " " + std::to_string(r.post);
                (void)!::write(pipefd[1], line.data(), line.size());
                _exit(0);
            }
            ::close(pipefd[1]);
            char buffer[512] = {};
            const auto n = ::read(pipefd[0], buffer, sizeof buffer - 1);
            ::close(pipefd[0]);
            int status = 0;
            rusage usage{};
            ::wait4(pid, &status, 0, &usage);
            Row r{};
            if (n <= 0 || std::sscanf(buffer, "%lf %lf %lf %lf %lf %lf %lf %lf", &r.store, &r.get, &r.cold, &r.warm, &r.full, &r.lock,
                                      &r.board, &r.post) != 8) {
                std::printf("%-7s %8zu   (failed)\n", kind.c_str(), count);
            } else {
                std::printf("%-7s %8zu %11.0f %11.0f %14.0f %14.0f %14.0f %9.0f %9.0f %9.0f %9.1f\n", kind.c_str(), count, r.store,
                            r.get, r.cold, r.warm, r.full, r.lock, r.board, r.post, usage.ru_maxrss / 1024.0);
            }
            std::fflush(stdout);
            fs::remove_all(where);
        }
    return 0;
}
