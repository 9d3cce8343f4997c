#pragma once

// Test support: Debian's Knot DNS as an authoritative server on loopback
// (127.0.0.1 and ::1), on a free port, with a throwaway zone (example.test, updatable with the TSIG
// key acme-update; its server ns.example.test has A 127.0.0.1 and AAAA ::1),
// a second zone with no update ACL (locked.test; its server has AAAA ::1
// only), and the key in BIND's and knot's file formats. Stopped and removed with the object.
// `exampleRecords`, `lockedRecords`: more zone-file lines for example.test and locked.test (relative names).

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "ChildProcess.h"
#include "TempDir.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme::test {

struct KnotServer {
    TempDir dir;
    std::uint16_t port = freePort();
    std::string secret = detail::base64Encode(detail::randomBytes(32));
    std::string bindKeyFile = (dir.path / "acme-update.key").string();
    std::string colonKeyFile = (dir.path / "acme-update.tsig").string();
    std::unique_ptr<ChildProcess> process;

    explicit KnotServer(const std::string& exampleRecords = "", const std::string& lockedRecords = "") {
        const std::string d = dir.path.string();
        std::ofstream(d + "/knot.conf") << "server:\n    rundir: \"" << d << "\"\n    listen: [ 127.0.0.1@" << port << ", ::1@" << port << " ]"
                                        << "\ndatabase:\n    storage: \"" << d << "\"\n"
                                        << "log:\n  - target: stderr\n    any: info\n"
                                        << "key:\n  - id: acme-update\n    algorithm: hmac-sha256\n    secret: " << secret
                                        << "\nacl:\n  - id: update_acl\n    key: acme-update\n    action: update\n"
                                        << "zone:\n  - domain: example.test\n    storage: \"" << d
                                        << "\"\n    file: \"example.test.zone\"\n    acl: update_acl\n"
                                        << "  - domain: locked.test\n    storage: \"" << d
                                        << "\"\n    file: \"locked.test.zone\"\n";
        for (const std::string zone : {"example.test", "locked.test"})
            std::ofstream(d + "/" + zone + ".zone") << "$ORIGIN " << zone << ".\n$TTL 60\n@ SOA ns." << zone
                                                    << ". hostmaster." << zone << ". 1 3600 900 86400 60\n@ NS ns." << zone
                                                    << ".\n"
                                                    // example.test's server has both families, locked.test's IPv6 only
                                                    << (zone == "example.test" ? "ns A 127.0.0.1\nns AAAA ::1\n" + exampleRecords
                                                                               : "ns AAAA ::1\n" + lockedRecords);
        AtomicFile::write(bindKeyFile, "key \"acme-update\" {\n\talgorithm hmac-sha256;\n\tsecret \"" + secret + "\";\n};\n", 0600);
        AtomicFile::write(colonKeyFile, "hmac-sha256:acme-update:" + secret + "\n", 0600);
        process = std::make_unique<ChildProcess>("knotd -c " + d + "/knot.conf > " + d + "/knot.log 2>&1");
        if (!waitForPort(port)) throw std::runtime_error("knotd did not start; see " + d + "/knot.log");
    }
    std::string address() const { return "127.0.0.1:" + std::to_string(port); }
    std::string ipv6Address() const { return "[::1]:" + std::to_string(port); }

    /// Sends knsupdate's `lines` (one update to example.test, "send" added),
    /// signed with the zone's key: records of any type, as an operator changes them.
    void update(const std::string& lines) const {
        const std::string script = (dir.path / "update.txt").string();
        std::ofstream(script) << "server 127.0.0.1 " << port << "\nzone example.test.\n" << lines << "\nsend\n";
        const std::string log = (dir.path / "update.log").string();
        const std::string command = "knsupdate -t 10 -k " + colonKeyFile + " " + script + " > " + log + " 2>&1";
        if (std::system(command.c_str()) != 0) throw std::runtime_error("knsupdate failed; see " + log);
    }
};

}  // namespace cxxacme::test
