#include "CaaCheck.h"

#include <arpa/nameser.h>

#include "cxxacme/DnsTxtLookup.h"
#include "cxxacme/Error.h"

namespace cxxacme::mock_acme {

CaaCheck::CaaCheck(std::string dnsServer, const std::vector<std::string>& caaIdentities, std::chrono::milliseconds timeout)
    : server_(std::move(dnsServer)), policy_(caaIdentities), timeout_(timeout) {}

std::optional<AcmeProblem> CaaCheck::check(const std::string& name, const CaaPolicy::Issuance& issuance) const {
    const Identifier identifier = Identifier::dns(issuance.wildcard ? "*." + name : name);
    CaaPolicy::RecordSet set;
    try {
        set = CaaPolicy::relevantRecords(name, [&](const std::string& at) {
            try {
                return DnsTxtLookup::caaRecords(server_, at, timeout_);
            } catch (const DnsError& e) {
                if (e.rcode() == ns_r_refused) return std::vector<CaaRecord>{};
                throw;
            }
        });
    } catch (const DnsError& e) {
        const std::string detail = "DNS problem looking up CAA for " + name + ": " + e.what();
        return AcmeProblem("dns", detail, 400, {{"dns", detail, identifier}});
    }
    if (const auto why = policy_.refusal(set, issuance)) {
        const std::string detail = "CAA forbids issuance for " + identifier.value + ": " + *why;
        return AcmeProblem("caa", detail, 403, {{"caa", detail, identifier}});
    }
    return std::nullopt;
}

std::optional<AcmeProblem> CaaCheck::checkAll(const std::vector<std::pair<std::string, CaaPolicy::Issuance>>& names) const {
    std::vector<AcmeProblem::Subproblem> refused;
    for (const auto& [name, issuance] : names) {
        auto found = check(name, issuance);
        if (!found) continue;
        if (!found->is("caa")) return found;  // DNS failed: no verdict
        refused.insert(refused.end(), found->subproblems().begin(), found->subproblems().end());
    }
    if (refused.empty()) return std::nullopt;
    if (refused.size() == 1) return AcmeProblem("caa", refused[0].detail, 403, refused);
    return AcmeProblem("caa", "CAA forbids issuance for " + std::to_string(refused.size()) + " of the order's names", 403,
                       refused);
}

}  // namespace cxxacme::mock_acme
