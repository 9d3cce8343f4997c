#include "cxxacme/testing/FreePort.h"

#include <fstream>
#include <mutex>
#include <random>
#include <set>

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/ServerSocket.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/ExclusiveListen.h"

namespace cxxacme::testing {

namespace {

std::mutex givenMutex;
std::set<std::uint16_t> given;

bool handOut(std::uint16_t port) {
    std::lock_guard lock(givenMutex);
    return given.insert(port).second;
}

}  // namespace

std::uint16_t freeLoopbackPort() {
    int ephemeralLow = 32768;
    std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeralLow;
    if (ephemeralLow > 12000) {
        thread_local std::mt19937 random(std::random_device{}());
        std::uniform_int_distribution<int> pick(10000, ephemeralLow - 1);
        for (int attempt = 0; attempt < 200; ++attempt) {
            const auto port = static_cast<std::uint16_t>(pick(random));
            try {
                Poco::Net::ServerSocket tcp;  // as the servers bind (no SO_REUSEPORT, which would share a held port)
                detail::listenExclusively(tcp, Poco::Net::SocketAddress("127.0.0.1", port), 1);
                Poco::Net::DatagramSocket udp(Poco::Net::SocketAddress("127.0.0.1", port));
            } catch (const Poco::Exception&) {
                continue;
            } catch (const ListenError&) {
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

}  // namespace cxxacme::testing
