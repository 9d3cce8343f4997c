#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxxacme/Time.h"

namespace cxxacme {

/// A dns-persist-01 authorization record (draft-ietf-acme-dns-persist-01):
/// the TXT value a domain's owner publishes once at
/// `_validation-persist.NAME` to let one CA issue for NAME to one ACME
/// account, for as long as the record stays. Its text is an RFC 8659
/// `issue-value`: `ISSUER; accounturi=URL[; policy=wildcard][; persistUntil=T]`.
/// A plain value.
struct DnsPersistRecord {
    /// The CA's issuer domain name, lower case, without a trailing dot.
    std::string issuer;
    /// The account's URL, compared byte for byte.
    std::string accountUri;
    /// `policy=wildcard` (any case): the record also stands for `*.NAME`.
    bool wildcard = false;
    /// `persistUntil`: seconds since 1970 after which the record no longer counts.
    std::optional<std::int64_t> persistUntil;

    /// `_validation-persist.NAME` for a server name (a wildcard's base
    /// name); an IP address or an invalid name is an `InvalidNameError`.
    static std::string validationName(const std::string& serverName);

    /// The record a TXT string holds, or nothing when it is not one: off
    /// RFC 8659's grammar (a trailing ";", white space in a value, …), no
    /// issuer, no or an empty `accounturi`, `accounturi`, `policy` or
    /// `persistUntil` given twice, a `persistUntil` that is not decimal
    /// digits. Parameter tags compare case-insensitively; unknown ones are
    /// ignored, as are `policy` values other than `wildcard`. The issuer is
    /// folded to lower case and loses one trailing dot.
    static std::optional<DnsPersistRecord> parse(std::string_view txt);

    /// An issuer domain name as names compare: lower case, without one
    /// trailing dot (draft §3).
    static std::string foldIssuer(std::string_view name);

    /// The TXT string to publish (no trailing ";").
    std::string toTxt() const;

    /// What one name needs of its records.
    struct Expectation {
        std::vector<std::string> issuers;  ///< the CA's issuer domain names (the challenge's `issuer-domain-names`)
        std::string accountUri;            ///< the account asking
        bool wildcard = false;             ///< for `*.NAME`
        TimePoint now{};                   ///< the CA's time, for `persistUntil`
    };

    /// Nothing when one of `txts` (the TXT strings at the validation name)
    /// is a record that lets `expected.accountUri` have NAME (or `*.NAME`)
    /// from this CA; otherwise why not, naming each record of this CA and
    /// what it lacks. Records of other CAs and strings that are not records
    /// are passed over.
    static std::optional<std::string> refusal(const std::vector<std::string>& txts, const Expectation& expected);

    bool operator==(const DnsPersistRecord&) const = default;
};

}  // namespace cxxacme
