#include "cxxacme/detail/Sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cxxacme/Error.h"

namespace cxxacme::detail {

UniqueFd::~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

std::optional<IpEndpoint> ipEndpoint(const std::string& ip, std::uint16_t port) {
    IpEndpoint to;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&to.address);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&to.address);
    if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        to.length = sizeof *v4;
        return to;
    }
    if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        to.length = sizeof *v6;
        return to;
    }
    return std::nullopt;
}

UniqueFd connectTcp(const IpEndpoint& to, std::chrono::milliseconds timeout) {
    UniqueFd fd(::socket(to.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    const auto failed = [](const char* call, int error) {
        return ConnectError(call + std::string(": ") + std::strerror(error), error);
    };
    if (fd.get() < 0) throw failed("socket", errno);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to.address), to.length) != 0 && errno != EINPROGRESS)
        throw failed("connect", errno);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd p{fd.get(), POLLOUT, 0};
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        const int n = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
        if (n > 0) break;
        if (n == 0 || errno != EINTR) throw ConnectError("connect: timed out", ETIMEDOUT);
    }
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error != 0) throw failed("connect", error);
    return fd;
}

}  // namespace cxxacme::detail
