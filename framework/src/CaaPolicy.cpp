#include "cxxacme/CaaPolicy.h"

#include <algorithm>
#include <cctype>

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

namespace cxxacme {

namespace {

bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool isWsp(char c) { return c == ' ' || c == '\t'; }

// label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT)): reads one at `pos`; false when there is none.
bool readLabel(std::string_view s, std::size_t& pos) {
    if (pos >= s.size() || !isAlnum(s[pos])) return false;
    std::size_t end = pos + 1;
    while (end < s.size() && (isAlnum(s[end]) || s[end] == '-')) ++end;
    while (end > pos && s[end - 1] == '-') --end;  // a label ends with a letter or digit
    pos = end;
    return true;
}

void skipWsp(std::string_view s, std::size_t& pos) {
    while (pos < s.size() && isWsp(s[pos])) ++pos;
}

// The tags RFC 8659 (issue, issuewild, iodef), RFC 8657's users, RFC 9495
// (issuemail) and the CA/B Forum (contactemail, contactphone, issuevmc)
// define: known, so their critical flag does not stop issuance.
bool knownTag(const std::string& tag) {
    static const char* const kKnown[] = {"issue", "issuewild", "iodef", "contactemail", "contactphone", "issuemail", "issuevmc"};
    return std::any_of(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return tag == k; });
}

std::string quoted(const std::string& value) { return "\"" + InvalidNameError::printable(value) + "\""; }

}  // namespace

CaaPolicy::CaaPolicy(const std::vector<std::string>& issuerDomainNames) {
    for (const auto& name : issuerDomainNames) issuers_.push_back(ServerName::lowerAscii(name));
}

CaaPolicy::RecordSet CaaPolicy::relevantRecords(const std::string& name,
                                                const std::function<std::vector<CaaRecord>(const std::string&)>& lookup) {
    std::string current = name;
    while (!current.empty() && current.back() == '.') current.pop_back();
    while (!current.empty()) {
        auto records = lookup(current);
        if (!records.empty()) return RecordSet{current, std::move(records)};
        const auto dot = current.find('.');
        if (dot == std::string::npos) break;
        current.erase(0, dot + 1);
    }
    return {};
}

std::optional<CaaPolicy::IssueValue> CaaPolicy::parseIssueValue(std::string_view s) {
    IssueValue value;
    std::size_t pos = 0;
    skipWsp(s, pos);
    // issuer-domain-name = label *("." label)
    const std::size_t start = pos;
    if (readLabel(s, pos)) {
        while (pos < s.size() && s[pos] == '.') {
            ++pos;
            if (!readLabel(s, pos)) return std::nullopt;
        }
        value.issuer = ServerName::lowerAscii(s.substr(start, pos - start));
        skipWsp(s, pos);
    }
    if (pos == s.size()) return value;
    if (s[pos] != ';') return std::nullopt;
    ++pos;
    skipWsp(s, pos);
    if (pos == s.size()) return value;
    // parameters = (parameter *WSP ";" *WSP parameters) / parameter
    for (;;) {
        const std::size_t tagStart = pos;
        if (!readLabel(s, pos)) return std::nullopt;
        std::string tag(s.substr(tagStart, pos - tagStart));
        skipWsp(s, pos);
        if (pos == s.size() || s[pos] != '=') return std::nullopt;
        ++pos;
        skipWsp(s, pos);
        // parameter-value = *(%x21-3A / %x3C-7E): printable, no space, no ";"
        const std::size_t valueStart = pos;
        while (pos < s.size() && s[pos] >= 0x21 && s[pos] <= 0x7e && s[pos] != ';') ++pos;
        value.parameters.emplace_back(std::move(tag), std::string(s.substr(valueStart, pos - valueStart)));
        skipWsp(s, pos);
        if (pos == s.size()) return value;
        if (s[pos] != ';') return std::nullopt;
        ++pos;
        skipWsp(s, pos);
        if (pos == s.size()) return std::nullopt;  // a ";" must be followed by another parameter
    }
}

std::string CaaPolicy::mismatch(const CaaRecord& record, const Issuance& issuance) const {
    const auto value = parseIssueValue(record.value);
    if (!value) return quoted(record.value) + " is not a valid " + ServerName::lowerAscii(record.tag) + " value";
    if (value->issuer.empty()) return quoted(record.value) + " lets no CA issue";
    if (std::find(issuers_.begin(), issuers_.end(), value->issuer) == issuers_.end())
        return quoted(record.value) + " names another CA";
    std::optional<std::string> accountUri, methods;
    for (const auto& [tag, v] : value->parameters) {
        const std::string t = ServerName::lowerAscii(tag);
        if (t != "accounturi" && t != "validationmethods") continue;  // other parameters: not this CA's to judge
        auto& slot = t == "accounturi" ? accountUri : methods;
        if (slot) return quoted(record.value) + " gives " + t + " twice";
        slot = v;
    }
    // RFC 8657 §3: the account URI exactly
    if (accountUri && *accountUri != issuance.accountUri)
        return quoted(record.value) + " is for another account than " + quoted(issuance.accountUri);
    // RFC 8657 §4: a comma-separated list of method names
    if (methods) {
        bool listed = false;
        std::size_t from = 0;
        for (;;) {
            const auto comma = methods->find(',', from);
            const std::string method = methods->substr(from, comma == std::string::npos ? std::string::npos : comma - from);
            if (!method.empty() && method == issuance.validationMethod) listed = true;
            if (comma == std::string::npos) break;
            from = comma + 1;
        }
        if (!listed) return quoted(record.value) + " does not allow validation by " + quoted(issuance.validationMethod);
    }
    return {};
}

std::optional<std::string> CaaPolicy::refusal(const RecordSet& set, const Issuance& issuance) const {
    if (set.records.empty()) return std::nullopt;  // RFC 8659 §4: no records, no restriction
    const std::string where = "the CAA records at " + set.at;
    for (const auto& record : set.records)
        if (record.critical() && !knownTag(ServerName::lowerAscii(record.tag)))
            return where + " hold a critical property this CA does not know: " + quoted(record.tag);
    // RFC 8659 §4.3: for a wildcard, issuewild properties when there are any, issue otherwise
    const bool anyIssueWild = std::any_of(set.records.begin(), set.records.end(),
                                          [](const CaaRecord& r) { return ServerName::lowerAscii(r.tag) == "issuewild"; });
    const std::string property = issuance.wildcard && anyIssueWild ? "issuewild" : "issue";
    std::vector<std::string> reasons;
    for (const auto& record : set.records) {
        if (ServerName::lowerAscii(record.tag) != property) continue;
        const std::string why = mismatch(record, issuance);
        if (why.empty()) return std::nullopt;
        reasons.push_back(why);
    }
    if (reasons.empty()) return std::nullopt;  // no such property: any CA may issue
    std::string text = where + " do not let this CA issue" + (issuance.wildcard ? " a wildcard" : "") + " (" + property + "): ";
    for (std::size_t i = 0; i < reasons.size(); ++i) text += (i ? "; " : "") + reasons[i];
    return text;
}

}  // namespace cxxacme
