#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cxxacme/IDnsProvider.h"

namespace cxxacme {
class AcmeHttpClient;
}

namespace cxxacme::responders {

/// A DNS provider for the test DNS servers that take their records over HTTP
/// as Debian's pebble-challtestsrv does, mock-acme's own (`--dns-listen`)
/// among them: `present` POSTs `{"host": FQDN, "value": VALUE}` to
/// `MANAGEMENT/set-txt`.
///
/// Such a server can only clear a name's TXT values all at once
/// (`/clear-txt`), so `cleanup` clears the name and sets again the values
/// this provider still has out there: a wildcard and its base name share
/// `_acme-challenge.NAME`, and the one validated first must not take the
/// other's record away.
///
/// `managementUrl` is "http://HOST:PORT" (plain HTTP, as both serve it).
/// `dnsServer` ("IPv4:PORT" or "[IPv6]:PORT"), when given, is where the
/// records are then served, for the propagation check (`nameServers()`).
/// Requests go through an `AcmeHttpClient` of its own (kept alive).
/// A server that cannot be reached, does not answer within `timeout`, or
/// answers other than 2xx is a `DnsError` naming the URL (and quoting the
/// start of its answer).
class ChallTestSrvDnsProvider final : public IDnsProvider {
public:
    explicit ChallTestSrvDnsProvider(std::string managementUrl, std::string dnsServer = "",
                                     std::chrono::seconds timeout = std::chrono::seconds(10));
    ~ChallTestSrvDnsProvider() override;

    void present(const std::string& fqdn, const std::string& value) override;
    void cleanup(const std::string& fqdn, const std::string& value) override;
    std::vector<std::string> nameServers() const override;

private:
    void post(const std::string& path, const std::string& body) const;

    std::string managementUrl_;
    std::string dnsServer_;
    std::unique_ptr<AcmeHttpClient> http_;  ///< kept-alive connections to the management
    std::mutex mutex_;  ///< one change at a time: a clear and the values set again after it
    std::map<std::string, std::vector<std::string>> out_;  ///< host -> the values this provider has set
};

}  // namespace cxxacme::responders
