#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxxacme/CaaRecord.h"

namespace cxxacme {

/// Whether a CA may issue for a DNS name under its CAA records: RFC 8659's
/// relevant record set and its `issue` and `issuewild` properties, with
/// RFC 8657's `accounturi` and `validationmethods` parameters.
class CaaPolicy {
public:
    /// `issuerDomainNames`: the names the CA takes as its own (what ACME's
    /// `meta.caaIdentities` lists), compared case-insensitively.
    explicit CaaPolicy(const std::vector<std::string>& issuerDomainNames);

    /// What is asked for one name.
    struct Issuance {
        bool wildcard = false;         ///< for "*." and this name (the name is given without "*.")
        std::string accountUri;        ///< the ACME account's URL (RFC 8657 §3)
        std::string validationMethod;  ///< how control was shown: "http-01", "dns-01", ... (RFC 8657 §4)
    };

    /// RFC 8659 §3's relevant record set of a name.
    struct RecordSet {
        std::string at;  ///< the name the records were found at; "" when none was found
        std::vector<CaaRecord> records;
    };

    /// The CAA records of `name` (a DNS name without "*."), or of its
    /// nearest parent that has any, up to but not including the root.
    /// `lookup` gives the records at one name; what it throws goes through.
    static RecordSet relevantRecords(const std::string& name,
                                     const std::function<std::vector<CaaRecord>(const std::string&)>& lookup);

    /// Nothing when `set` lets this CA issue as asked; otherwise why not, in
    /// words that name the records.
    std::optional<std::string> refusal(const RecordSet& set, const Issuance& issuance) const;

    /// An `issue` or `issuewild` value (RFC 8659 §4.2 with its errata 7139):
    /// the issuer domain name ("" when none: nobody) and the parameters, in
    /// order. Nothing when the value does not follow the grammar.
    struct IssueValue {
        std::string issuer;
        std::vector<std::pair<std::string, std::string>> parameters;
    };
    static std::optional<IssueValue> parseIssueValue(std::string_view value);

private:
    // Why this record does not authorize the issuance; "" when it does.
    std::string mismatch(const CaaRecord& record, const Issuance& issuance) const;

    std::vector<std::string> issuers_;  // lower case
};

}  // namespace cxxacme
