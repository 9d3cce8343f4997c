#include "RandomPool.h"

#include <pthread.h>

#include <array>
#include <atomic>
#include <mutex>

#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme::mock_acme {

namespace {

std::atomic<unsigned> forkGeneration{0};

void registerForkHandler() {
    static std::once_flag once;
    std::call_once(once, [] { pthread_atfork(nullptr, nullptr, [] { forkGeneration.fetch_add(1); }); });
}

struct ThreadPool {
    std::array<unsigned char, 4096> bytes{};
    std::size_t used = bytes.size();  // empty until first drawn
    unsigned generation = 0;
};

}  // namespace

std::string pooledRandomBytes(std::size_t n) {
    thread_local ThreadPool pool;
    if (n > pool.bytes.size() / 4) return detail::randomBytes(n);
    registerForkHandler();
    const unsigned generation = forkGeneration.load(std::memory_order_relaxed);
    if (pool.generation != generation || pool.bytes.size() - pool.used < n) {
        const std::string fresh = detail::randomBytes(pool.bytes.size());
        std::copy(fresh.begin(), fresh.end(), pool.bytes.begin());
        pool.used = 0;
        pool.generation = generation;
    }
    std::string out(reinterpret_cast<const char*>(pool.bytes.data() + pool.used), n);
    std::fill_n(pool.bytes.begin() + static_cast<std::ptrdiff_t>(pool.used), n, 0);  // handed out once
    pool.used += n;
    return out;
}

}  // namespace cxxacme::mock_acme
