#pragma once

#include <string>
#include <vector>

namespace cxxacme {

/// Publishes and removes the TXT records of dns-01 challenges at a DNS
/// host: the part a user writes for their own DNS provider (lego's and
/// certbot's "DNS plugins"). Two calls, both given the record's absolute
/// name with its trailing dot (`_acme-challenge.example.com.`) and the value
/// (the base64url SHA-256 of the key authorization).
///
/// `present` returns once the host accepted the record (the responder then
/// waits for it to be visible); `cleanup` removes that one value, leaving
/// other values at the same name alone (a wildcard and its base name share
/// one name). Both throw a `cxxacme::Error` (best: `DnsError`) on failure;
/// `cleanup` is also called after a failed `present`.
class IDnsProvider {
public:
    virtual ~IDnsProvider() = default;
    IDnsProvider() = default;
    IDnsProvider(const IDnsProvider&) = delete;
    IDnsProvider& operator=(const IDnsProvider&) = delete;

    virtual void present(const std::string& fqdn, const std::string& value) = 0;
    virtual void cleanup(const std::string& fqdn, const std::string& value) = 0;

    /// Servers ("IPv4:PORT") that answer for the records once published,
    /// for the propagation check; empty: the responder's own choice.
    virtual std::vector<std::string> nameServers() const { return {}; }
};

}  // namespace cxxacme
