#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "cxxacme/IDnsProvider.h"

namespace cxxacme::responders {

/// A TSIG key (RFC 8945) for signed DNS updates. Only HMAC-SHA256.
struct TsigKey {
    std::string name;    ///< the key's name, e.g. "acme-update."
    std::string secret;  ///< the raw key bytes

    /// Reads a key file in BIND's format
    ///     key "acme-update" { algorithm hmac-sha256; secret "BASE64"; };
    /// or knot's / nsupdate -y form `hmac-sha256:NAME:BASE64` on one line.
    /// Refuses a file others may read. Throws `FileError` or `DnsError`;
    /// messages never contain the secret.
    static TsigKey fromFile(const std::string& path);
};

struct Rfc2136Options {
    std::uint32_t ttl = 60;
    std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

/// Publishes dns-01 records with RFC 2136 dynamic updates signed with TSIG
/// HMAC-SHA256, over TCP, to any authoritative server that accepts them
/// (BIND, Knot, PowerDNS, …). `present` adds the TXT value; `cleanup`
/// deletes that value only. Every update is checked for the zone first, and
/// the server's answer is verified (its TSIG, its ID) before it counts: a
/// REFUSED, NOTAUTH, NOTZONE or bad-key answer is a `DnsError` that says
/// which.
class Rfc2136DnsProvider final : public IDnsProvider {
public:
    /// `server`: "IPv4:PORT" or "[IPv6]:PORT" of the primary; `zone`: the zone to update.
    Rfc2136DnsProvider(std::string server, const std::string& zone, TsigKey key, Rfc2136Options options = {});

    void present(const std::string& fqdn, const std::string& value) override;
    void cleanup(const std::string& fqdn, const std::string& value) override;
    std::vector<std::string> nameServers() const override { return {server_}; }

    /// The signed UPDATE message, as sent (for tests); `remove`: delete the value.
    std::string buildUpdate(const std::string& fqdn, const std::string& value, bool remove, std::uint16_t id,
                            std::uint64_t timeSigned) const;

private:
    void update(const std::string& fqdn, const std::string& value, bool remove) const;

    std::string server_;
    std::string zone_;  // canonical, absolute (trailing dot)
    TsigKey key_;
    Rfc2136Options options_;
};

}  // namespace cxxacme::responders
