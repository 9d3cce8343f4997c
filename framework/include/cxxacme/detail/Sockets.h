#pragma once

// POSIX socket pieces shared by DnsTxtLookup and mock-acme's challenge
// validator: an owned descriptor, an IP address in text as a socket
// address, and a TCP connection made within a time limit. Internal.

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "cxxacme/Error.h"

namespace cxxacme::detail {

/// A TCP connection that could not be made: `code()` is the system's error
/// number (ECONNREFUSED, ENETUNREACH, ...), ETIMEDOUT when the time limit
/// passed first.
class ConnectError : public Error {
public:
    ConnectError(const std::string& reason, int code) : Error(reason), code_(code) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

/// Owns a file descriptor and closes it when destroyed.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    ~UniqueFd();
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const noexcept { return fd_; }
    /// Gives the descriptor up, unclosed.
    int release() noexcept { return std::exchange(fd_, -1); }

private:
    int fd_ = -1;
};

/// A socket address and its length.
struct IpEndpoint {
    sockaddr_storage address{};
    socklen_t length = 0;
};

/// `ip` (IPv4 or IPv6 text, no brackets) with `port`; nullopt when `ip` is
/// neither.
std::optional<IpEndpoint> ipEndpoint(const std::string& ip, std::uint16_t port);

/// A TCP connection to `to` made within `timeout`, on a non-blocking
/// socket. Throws `ConnectError`: "socket: …", "connect: …" (the
/// system's reason), "connect: timed out".
UniqueFd connectTcp(const IpEndpoint& to, std::chrono::milliseconds timeout);

}  // namespace cxxacme::detail
