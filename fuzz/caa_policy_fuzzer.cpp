// libFuzzer target for CaaPolicy: CAA property values as DNS servers send
// them. The input is a record set (each record: flags, tag length, tag,
// value length, value) then the issuance (a wildcard byte, the validation
// method). Checks that nothing throws, that a value parseIssueValue accepts
// is written back in canonical form and parses the same again, and that
// the verdict follows the rules a reader can check from outside: a set with
// no issue or issuewild record and no critical tag lets the CA issue, and a
// set holding a critical tag unknown to the CA never does.
// The same values go through DnsPersistRecord (dns-persist-01's records
// share the grammar): nothing throws, an accepted record reads back as
// itself from toTxt(), and refusal() lets an account have a name exactly
// when one of the values is a record of the CA for it.
// Built with scripts/fuzz.sh (clang only); never run by the test suite.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cxxacme/CaaPolicy.h"
#include "cxxacme/DnsPersistRecord.h"
#include "cxxacme/ServerName.h"

using namespace cxxacme;

namespace {

void agree(bool condition) {
    if (!condition) std::abort();
}

struct Reader {
    const std::uint8_t* p;
    std::size_t left;
    bool take(std::size_t n, std::string& into) {
        if (n > left) return false;
        into.assign(reinterpret_cast<const char*>(p), n);
        p += n;
        left -= n;
        return true;
    }
    bool byte(std::uint8_t& b) {
        if (left == 0) return false;
        b = *p++;
        --left;
        return true;
    }
};

void checkValue(const std::string& value) {
    const auto parsed = CaaPolicy::parseIssueValue(value);
    if (!parsed) return;
    // canonical form: "issuer", "issuer;" or "issuer; a=b; c=d" (issuer possibly empty)
    std::string canonical = parsed->issuer;
    if (value.find(';') != std::string::npos) canonical += ";";
    for (std::size_t i = 0; i < parsed->parameters.size(); ++i)
        canonical += std::string(i == 0 ? " " : "; ") + parsed->parameters[i].first + "=" + parsed->parameters[i].second;
    const auto again = CaaPolicy::parseIssueValue(canonical);
    agree(again.has_value());
    agree(again->issuer == parsed->issuer);
    agree(again->parameters == parsed->parameters);
    agree(ServerName::lowerAscii(parsed->issuer) == parsed->issuer);
}

void checkPersistRecord(const std::string& value) {
    const auto record = DnsPersistRecord::parse(value);
    if (!record) return;
    agree(!record->issuer.empty() && !record->accountUri.empty());
    const auto again = DnsPersistRecord::parse(record->toTxt());
    agree(again.has_value() && *again == *record);
}

// refusal() against what a reader can check: some value is a record of
// "ca.example" for the account, wildcard when asked, not expired at `now`.
void checkPersistVerdict(const std::vector<std::string>& values, bool wildcard) {
    const std::string account = "https://ca.example/acct/1";
    const std::int64_t now = 1'800'000'000;
    bool expected = false;
    for (const auto& v : values)
        if (const auto r = DnsPersistRecord::parse(v))
            expected = expected || (r->issuer == "ca.example" && r->accountUri == account && (!wildcard || r->wildcard) &&
                                    (!r->persistUntil || *r->persistUntil >= now));
    const auto why = DnsPersistRecord::refusal(values, {{"ca.example"}, account, wildcard, timePointFromUnixSeconds(now)});
    agree(expected == !why.has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Reader in{data, size};
    std::uint8_t count = 0;
    if (!in.byte(count)) return 0;
    CaaPolicy::RecordSet set{"fuzz.example", {}};
    for (unsigned i = 0; i < count % 8; ++i) {
        CaaRecord record;
        std::uint8_t tagLength = 0, valueLength = 0;
        if (!in.byte(record.flags) || !in.byte(tagLength) || !in.take(tagLength % 16, record.tag) || !in.byte(valueLength) ||
            !in.take(valueLength, record.value))
            return 0;
        checkValue(record.value);
        checkPersistRecord(record.value);
        set.records.push_back(std::move(record));
    }
    std::uint8_t wildcard = 0;
    (void)in.byte(wildcard);
    std::string method;
    (void)in.take(in.left, method);
    const CaaPolicy policy({"ca.example", "other.ca.example"});
    const CaaPolicy::Issuance issuance{(wildcard & 1) != 0, "https://ca.example/acct/1", method};
    const auto refusal = policy.refusal(set, issuance);
    std::vector<std::string> values;
    for (const auto& r : set.records) values.push_back(r.value);
    checkPersistVerdict(values, issuance.wildcard);

    bool anyProperty = false, unknownCritical = false;
    for (const auto& r : set.records) {
        const std::string tag = ServerName::lowerAscii(r.tag);
        if (tag == "issue" || tag == "issuewild") anyProperty = true;
        const bool known = tag == "issue" || tag == "issuewild" || tag == "iodef" || tag == "contactemail" ||
                           tag == "contactphone" || tag == "issuemail" || tag == "issuevmc";
        if (r.critical() && !known) unknownCritical = true;
    }
    if (unknownCritical) agree(refusal.has_value());
    else if (!anyProperty) agree(!refusal.has_value());
    return 0;
}
