#include "cxxacme/detail/OpenFileLimit.h"

#include <sys/resource.h>

namespace cxxacme::detail {

std::optional<std::string> openFileLimitWarning(int connections) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return std::nullopt;
    const rlim_t served = static_cast<rlim_t>(connections < 0 ? 0 : connections);
    if (limit.rlim_cur >= served + 256) return std::nullopt;
    const std::string text = "the open-file limit (" + std::to_string(limit.rlim_cur) + ")";
    if (limit.rlim_cur < served) return text + " is below the " + std::to_string(connections) + " connections it may serve";
    return text + " leaves fewer than 256 spare beside the " + std::to_string(connections) +
           " connections it may serve (its queue, other sockets, files)";
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
