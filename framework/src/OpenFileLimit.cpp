#include "cxxacme/detail/OpenFileLimit.h"

#include <sys/resource.h>

namespace cxxacme::detail {

std::optional<std::string> openFileLimitWarning(int connections) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return std::nullopt;
    const rlim_t wanted = static_cast<rlim_t>(connections < 0 ? 0 : connections) + 256;
    if (limit.rlim_cur >= wanted) return std::nullopt;
    return "the open-file limit (" + std::to_string(limit.rlim_cur) + ") is below the " + std::to_string(connections) +
           " connections it may serve";
}

std::optional<std::string> raiseOpenFileLimit(int connections) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);  // if refused, the warning below says what remains
    }
    return openFileLimitWarning(connections);
}

}  // namespace cxxacme::detail
