#pragma once

// Test support: servers the tests start themselves, on loopback, on free
// ports, and stop afterwards.

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <Poco/Net/StreamSocket.h>
#include <Poco/Process.h>

#include "cxxacme/testing/FreePort.h"

namespace cxxacme::test {

/// A port free on 127.0.0.1 for TCP and UDP, below the ephemeral range
/// (see testing/FreePort.h), for a server another process will bind later.
inline std::uint16_t freePort() { return cxxacme::testing::freeLoopbackPort(); }

/// True once something accepts connections on 127.0.0.1:port (10 s at most).
inline bool waitForPort(std::uint16_t port, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        try {
            Poco::Net::StreamSocket probe(Poco::Net::SocketAddress("127.0.0.1", port));
            return true;
        } catch (const Poco::Exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    return false;
}

/// A shell command run in the background; killed and reaped on destruction.
class ChildProcess {
public:
    explicit ChildProcess(const std::string& command)
        : handle_(Poco::Process::launch("/bin/sh", {"-c", "exec " + command}, nullptr, nullptr, nullptr)) {}
    ~ChildProcess() {
        try {
            Poco::Process::kill(handle_);
        } catch (...) {
        }
        try {
            handle_.wait();
        } catch (...) {
        }
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

private:
    Poco::ProcessHandle handle_;
};

}  // namespace cxxacme::test
