#pragma once

// Test support: Debian's tinyproxy as a real HTTP proxy on 127.0.0.1, on a free port,
// with Basic proxy authorization (user alice) and CONNECT to any port, logging each
// request it takes; stopped and removed with the object.

#include <fstream>
#include <memory>
#include <string>

#include "ChildProcess.h"
#include "TempDir.h"

namespace cxxacme::test {

struct TinyProxy {
    TempDir dir;
    std::uint16_t port = freePort();
    std::string user = "alice";
    std::string password = "pr0xy-s3cret";
    std::string logFile = (dir.path / "tinyproxy.log").string();
    std::unique_ptr<ChildProcess> process;

    TinyProxy() {
        const std::string conf = (dir.path / "tinyproxy.conf").string();
        // no ConnectPort line: CONNECT to every port (Debian's own file allows 443 and 563 alone)
        std::ofstream(conf) << "Port " << port << "\nListen 127.0.0.1\nTimeout 60\nLogLevel Connect\nMaxClients 64\n"
                            << "Allow 127.0.0.1\nBasicAuth " << user << " " << password << "\nDisableViaHeader Yes\n";
        process = std::make_unique<ChildProcess>("tinyproxy -d -c " + conf + " > " + logFile + " 2>&1");
        if (!waitForPort(port)) throw std::runtime_error("tinyproxy did not start; see " + logFile);
    }
    /// http://alice:PASSWORD@127.0.0.1:PORT, or with another password.
    std::string url(const std::string& withPassword) const {
        return "http://" + user + ":" + withPassword + "@127.0.0.1:" + std::to_string(port);
    }
    std::string url() const { return url(password); }
    /// How many requests it has logged that begin with `start` ("CONNECT HOST:PORT",
    /// "GET http://HOST:PORT/path").
    std::size_t requests(const std::string& start) const {
        std::ifstream in(logFile);
        std::string line;
        std::size_t n = 0;
        while (std::getline(in, line))
            if (line.find("Request (file descriptor") != std::string::npos && line.find("): " + start + " ") != std::string::npos)
                ++n;
        return n;
    }
    /// How many CONNECT requests to `authority` (HOST:PORT) it has logged.
    std::size_t connects(const std::string& authority) const { return requests("CONNECT " + authority); }
};

}  // namespace cxxacme::test
