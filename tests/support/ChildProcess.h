#pragma once

// Test support: servers the tests start themselves, on loopback, on free
// ports, and stop afterwards.

#include <chrono>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Process.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/ExclusiveListen.h"

namespace cxxacme::test {

/// A port free on 127.0.0.1 for TCP and UDP when asked, for a server another
/// process will bind later. Picked at random below the kernel's ephemeral
/// range: a port from bind(0) lies inside it, where any outgoing connection,
/// UDP query or bind(0) in the parallel suite may take it before the server
/// binds it (and a probe connecting to it may connect to itself). Never one
/// this process was given before: two servers of one fixture told the same
/// port would have the second fail to bind while a probe of its port finds
/// the first.
inline std::uint16_t freePort() {
    static std::mutex mutex;
    static std::set<std::uint16_t> given;
    const auto handOut = [](std::uint16_t port) {
        std::lock_guard lock(mutex);
        return given.insert(port).second;
    };
    int ephemeralLow = 32768;
    std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeralLow;
    if (ephemeralLow > 12000) {
        thread_local std::mt19937 random(std::random_device{}());
        std::uniform_int_distribution<int> pick(10000, ephemeralLow - 1);
        for (int attempt = 0; attempt < 200; ++attempt) {
            const auto port = static_cast<std::uint16_t>(pick(random));
            try {
                Poco::Net::ServerSocket tcp;  // as the servers bind (no SO_REUSEPORT, which would share a held port)
                cxxacme::detail::listenExclusively(tcp, Poco::Net::SocketAddress("127.0.0.1", port), 1);
                Poco::Net::DatagramSocket udp(Poco::Net::SocketAddress("127.0.0.1", port));
            } catch (const Poco::Exception&) {
                continue;
            } catch (const cxxacme::ListenError&) {
                continue;
            }
            if (handOut(port)) return port;
        }
    }
    for (;;) {
        Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
        if (handOut(s.address().port())) return s.address().port();
    }
}

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
