#include "cxxacme/DnsPersistRecord.h"

#include <algorithm>

#include "cxxacme/CaaPolicy.h"
#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

namespace cxxacme {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t'; }

std::int64_t unixSeconds(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string DnsPersistRecord::validationName(const std::string& serverName) {
    std::string name = ServerName::canonical(serverName);
    if (ServerName::isIpAddress(name)) throw InvalidNameError(name, "dns-persist-01 cannot validate an IP address");
    if (name.starts_with("*.")) name = name.substr(2);
    return "_validation-persist." + name;
}

std::optional<DnsPersistRecord> DnsPersistRecord::parse(std::string_view txt) {
    // draft §3: the issuer domain name is compared without its trailing dot; RFC 8659's grammar has none
    std::string text(txt);
    const std::size_t semicolon = text.find(';');
    std::size_t end = semicolon == std::string::npos ? text.size() : semicolon;
    while (end > 0 && isSpace(text[end - 1])) --end;
    if (end > 0 && text[end - 1] == '.') text.erase(end - 1, 1);
    const auto value = CaaPolicy::parseIssueValue(text);
    if (!value || value->issuer.empty()) return std::nullopt;
    DnsPersistRecord record;
    record.issuer = ServerName::lowerAscii(value->issuer);
    bool sawAccount = false, sawPolicy = false, sawUntil = false;
    for (const auto& [rawTag, v] : value->parameters) {
        const std::string tag = ServerName::lowerAscii(rawTag);
        if (tag == "accounturi") {
            if (sawAccount || v.empty()) return std::nullopt;
            sawAccount = true;
            record.accountUri = v;
        } else if (tag == "policy") {
            if (sawPolicy) return std::nullopt;
            sawPolicy = true;
            record.wildcard = ServerName::lowerAscii(v) == "wildcard";
        } else if (tag == "persistuntil") {
            if (sawUntil || v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
                return std::nullopt;
            sawUntil = true;
            record.persistUntil = std::stoll(v);
        }  // other parameters: for later revisions of the draft
    }
    if (!sawAccount) return std::nullopt;
    return record;
}

std::string DnsPersistRecord::foldIssuer(std::string_view name) {
    std::string folded = ServerName::lowerAscii(name);
    if (!folded.empty() && folded.back() == '.') folded.pop_back();
    return folded;
}

std::string DnsPersistRecord::toTxt() const {
    std::string txt = issuer + "; accounturi=" + accountUri;
    if (wildcard) txt += "; policy=wildcard";
    if (persistUntil) txt += "; persistUntil=" + std::to_string(*persistUntil);
    return txt;
}

std::optional<std::string> DnsPersistRecord::refusal(const std::vector<std::string>& txts, const Expectation& expected) {
    std::vector<std::string> issuers;
    for (const auto& name : expected.issuers) issuers.push_back(foldIssuer(name));
    const std::int64_t now = unixSeconds(expected.now);
    std::string why;
    int ours = 0;
    for (const auto& txt : txts) {
        const auto record = parse(txt);
        if (!record || std::find(issuers.begin(), issuers.end(), record->issuer) == issuers.end()) continue;
        ++ours;
        std::string lacks;
        if (record->accountUri != expected.accountUri)
            lacks = "is for the account \"" + InvalidNameError::printable(record->accountUri, 200) + "\"";
        else if (record->persistUntil && now > *record->persistUntil)
            lacks = "expired at persistUntil=" + std::to_string(*record->persistUntil);
        else if (expected.wildcard && !record->wildcard)
            lacks = "has no policy=wildcard, which a wildcard needs";
        if (lacks.empty()) return std::nullopt;
        why += (why.empty() ? "" : "; ") + ("\"" + InvalidNameError::printable(txt, 300) + "\" " + lacks);
    }
    if (ours == 0) {
        std::string names;
        for (const auto& i : issuers) names += (names.empty() ? "\"" : ", \"") + i + "\"";
        return "no record names this CA (" + names + ") with an accounturi, among " + std::to_string(txts.size()) +
               " TXT record" + (txts.size() == 1 ? "" : "s");
    }
    return why;
}

}  // namespace cxxacme
