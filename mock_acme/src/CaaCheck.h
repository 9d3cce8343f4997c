#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cxxacme/AcmeProblem.h"
#include "cxxacme/CaaPolicy.h"

namespace cxxacme::mock_acme {

/// mock-acme's CAA check (MockAcmeConfig::checkCaa): a name's relevant CAA
/// records, asked of the configured DNS server, judged under the CA's
/// `caaIdentities` (RFC 8659, RFC 8657).
class CaaCheck {
public:
    CaaCheck(std::string dnsServer, const std::vector<std::string>& caaIdentities,
             std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// Nothing when the records let this CA issue for `name` (a DNS name,
    /// without "*."; wildcards say so in `issuance`); a `caa` problem (403)
    /// when they forbid it; a `dns` problem (400) when they cannot be read
    /// (a timeout, SERVFAIL, a malformed record). A server that answers
    /// REFUSED for a name is taken to hold no CAA record there: an
    /// authoritative test server refuses the names above its zones, which a
    /// CA's resolver would find without records.
    std::optional<AcmeProblem> check(const std::string& name, const CaaPolicy::Issuance& issuance) const;

    /// `check` for each (name, issuance) of an order: nothing when all may
    /// be issued; the first `dns` problem, as soon as a lookup fails;
    /// otherwise one `caa` problem (403) with a subproblem per refused name.
    std::optional<AcmeProblem> checkAll(const std::vector<std::pair<std::string, CaaPolicy::Issuance>>& names) const;

private:
    std::string server_;
    CaaPolicy policy_;
    std::chrono::milliseconds timeout_;
};

}  // namespace cxxacme::mock_acme
