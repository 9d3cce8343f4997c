#define BOOST_TEST_MODULE caa_policy
#include <boost/test/unit_test.hpp>

#include <map>
#include <stdexcept>

#include "../TestPrinting.h"
#include "cxxacme/CaaPolicy.h"

using cxxacme::CaaPolicy;
using cxxacme::CaaRecord;

namespace {
const std::string kAccount = "https://ca.test/acct/17";

CaaRecord issue(std::string value, std::uint8_t flags = 0) { return CaaRecord{flags, "issue", std::move(value)}; }
CaaRecord issueWild(std::string value) { return CaaRecord{0, "issuewild", std::move(value)}; }

CaaPolicy::RecordSet at(std::vector<CaaRecord> records) { return CaaPolicy::RecordSet{"example.test", std::move(records)}; }

CaaPolicy::Issuance plain(std::string method = "http-01") { return CaaPolicy::Issuance{false, kAccount, std::move(method)}; }
CaaPolicy::Issuance wildcard(std::string method = "dns-01") { return CaaPolicy::Issuance{true, kAccount, std::move(method)}; }

bool contains(const std::optional<std::string>& text, const std::string& part) {
    return text && text->find(part) != std::string::npos;
}

const CaaPolicy policy({"ca.test", "Other-Name.ca.test"});
}  // namespace

BOOST_AUTO_TEST_CASE(no_records_or_no_issue_property_lets_any_ca_issue) {
    BOOST_TEST(!policy.refusal(CaaPolicy::RecordSet{}, plain()));
    BOOST_TEST(!policy.refusal(at({CaaRecord{0, "iodef", "mailto:security@example.test"}}), plain()));
    // a known tag marked critical does not stop issuance
    BOOST_TEST(!policy.refusal(at({CaaRecord{128, "iodef", "mailto:security@example.test"}}), plain()));
}

BOOST_AUTO_TEST_CASE(issue_names_the_cas_that_may_issue) {
    BOOST_TEST(!policy.refusal(at({issue("ca.test")}), plain()));
    BOOST_TEST(!policy.refusal(at({issue("CA.Test")}), plain()));             // case-insensitive
    BOOST_TEST(!policy.refusal(at({issue("other-name.ca.test")}), plain()));  // any of the CA's names
    BOOST_TEST(!policy.refusal(at({issue("elsewhere.example"), issue("ca.test")}), plain()));  // one record is enough
    BOOST_TEST(!policy.refusal(at({issue(" \tca.test \t")}), plain()));

    const auto other = policy.refusal(at({issue("elsewhere.example")}), plain());
    BOOST_TEST(contains(other, "the CAA records at example.test"));
    BOOST_TEST(contains(other, "\"elsewhere.example\" names another CA"));
    BOOST_TEST(contains(policy.refusal(at({issue(";")}), plain()), "\";\" lets no CA issue"));
    BOOST_TEST(contains(policy.refusal(at({issue("")}), plain()), "lets no CA issue"));
    // a name that merely ends with the CA's is another CA
    BOOST_TEST(policy.refusal(at({issue("evil-ca.test")}), plain()).has_value());
    BOOST_TEST(policy.refusal(at({issue("sub.ca.test")}), plain()).has_value());
}

BOOST_AUTO_TEST_CASE(a_malformed_issue_value_authorizes_nobody) {
    for (const std::string bad : {"ca.test.", "-ca.test", "ca-.test", "ca..test", "ca.test x", "ca.test; accounturi",
                                  "ca.test; =x", "ca.test; a=b;", "ca.test; a=b c=d", "ca.test; a=b;;c=d", "ca_test"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(!CaaPolicy::parseIssueValue(bad).has_value());
            BOOST_TEST(contains(policy.refusal(at({issue(bad)}), plain()), "is not a valid issue value"));
        }
    }
    // a well-formed record beside a malformed one still authorizes
    BOOST_TEST(!policy.refusal(at({issue("ca.test; =x"), issue("ca.test")}), plain()));
}

BOOST_AUTO_TEST_CASE(issue_values_parse_as_the_grammar_says) {
    const auto v = CaaPolicy::parseIssueValue("  Ca.Test ;  accounturi = https://ca.test/acct/17 ;validationmethods=dns-01,http-01 ");
    BOOST_REQUIRE(v.has_value());
    BOOST_TEST(v->issuer == "ca.test");
    BOOST_REQUIRE(v->parameters.size() == 2u);
    BOOST_TEST(v->parameters[0].first == "accounturi");
    BOOST_TEST(v->parameters[0].second == "https://ca.test/acct/17");
    BOOST_TEST(v->parameters[1].first == "validationmethods");
    BOOST_TEST(v->parameters[1].second == "dns-01,http-01");
    const auto none = CaaPolicy::parseIssueValue(" ; ");
    BOOST_REQUIRE(none.has_value());
    BOOST_TEST(none->issuer.empty());
    BOOST_TEST(none->parameters.empty());
    const auto empty = CaaPolicy::parseIssueValue("ca.test; key=");
    BOOST_REQUIRE(empty.has_value());
    BOOST_TEST(empty->parameters.at(0).second.empty());
}

BOOST_AUTO_TEST_CASE(accounturi_binds_the_record_to_one_account) {
    BOOST_TEST(!policy.refusal(at({issue("ca.test; accounturi=" + kAccount)}), plain()));
    const auto other = policy.refusal(at({issue("ca.test; accounturi=https://ca.test/acct/18")}), plain());
    BOOST_TEST(contains(other, "is for another account than \"" + kAccount + "\""));
    // exactly: no prefix, no case folding
    BOOST_TEST(policy.refusal(at({issue("ca.test; accounturi=" + kAccount + "0")}), plain()).has_value());
    BOOST_TEST(policy.refusal(at({issue("ca.test; accounturi=HTTPS://ca.test/acct/17")}), plain()).has_value());
    // two accounturi parameters in one record authorize nothing
    BOOST_TEST(contains(policy.refusal(at({issue("ca.test; accounturi=" + kAccount + "; accounturi=" + kAccount)}), plain()),
                        "gives accounturi twice"));
    // another account's record beside this account's: this one's authorizes
    BOOST_TEST(!policy.refusal(at({issue("ca.test; accounturi=https://ca.test/acct/18"), issue("ca.test; accounturi=" + kAccount)}),
                               plain()));
}

BOOST_AUTO_TEST_CASE(validationmethods_names_the_methods_allowed) {
    const auto set = at({issue("ca.test; validationmethods=dns-01,tls-alpn-01")});
    BOOST_TEST(!policy.refusal(set, plain("dns-01")));
    BOOST_TEST(!policy.refusal(set, plain("tls-alpn-01")));
    BOOST_TEST(contains(policy.refusal(set, plain("http-01")), "does not allow validation by \"http-01\""));
    BOOST_TEST(policy.refusal(at({issue("ca.test; validationmethods=")}), plain()).has_value());
    BOOST_TEST(policy.refusal(at({issue("ca.test; validationmethods=http-01x")}), plain()).has_value());
    // both parameters must hold
    const auto both = at({issue("ca.test; accounturi=" + kAccount + "; validationmethods=http-01")});
    BOOST_TEST(!policy.refusal(both, plain("http-01")));
    BOOST_TEST(policy.refusal(both, plain("dns-01")).has_value());
    // parameters this CA does not know are not its to judge
    BOOST_TEST(!policy.refusal(at({issue("ca.test; policy=ev")}), plain()));
}

BOOST_AUTO_TEST_CASE(wildcards_follow_issuewild_when_there_is_one) {
    // issuewild alone governs wildcards, and not other names
    const auto set = at({issue("ca.test"), issueWild(";")});
    BOOST_TEST(!policy.refusal(set, plain()));
    BOOST_TEST(contains(policy.refusal(set, wildcard()), "do not let this CA issue a wildcard (issuewild)"));
    const auto onlyWild = at({issue(";"), issueWild("ca.test")});
    BOOST_TEST(!policy.refusal(onlyWild, wildcard()));
    BOOST_TEST(contains(policy.refusal(onlyWild, plain()), "(issue)"));
    // without issuewild, issue governs wildcards too
    BOOST_TEST(!policy.refusal(at({issue("ca.test")}), wildcard()));
    BOOST_TEST(policy.refusal(at({issue("elsewhere.example")}), wildcard()).has_value());
    // issuewild's parameters count as issue's
    BOOST_TEST(policy.refusal(at({issueWild("ca.test; validationmethods=http-01")}), wildcard("dns-01")).has_value());
}

BOOST_AUTO_TEST_CASE(an_unknown_critical_property_stops_issuance) {
    const auto refused = policy.refusal(at({issue("ca.test"), CaaRecord{128, "tbs", "unknown"}}), plain());
    BOOST_TEST(contains(refused, "a critical property this CA does not know: \"tbs\""));
    // not critical: ignored
    BOOST_TEST(!policy.refusal(at({issue("ca.test"), CaaRecord{0, "tbs", "unknown"}}), plain()));
    // tags compare case-insensitively
    BOOST_TEST(!policy.refusal(at({CaaRecord{0, "ISSUE", "ca.test"}, CaaRecord{128, "IoDeF", "mailto:a@b.test"}}), plain()));
    BOOST_TEST(policy.refusal(at({CaaRecord{0, "Issue", ";"}}), plain()).has_value());
}

BOOST_AUTO_TEST_CASE(the_relevant_record_set_is_the_nearest_up_the_tree) {
    std::map<std::string, std::vector<CaaRecord>> zone{{"example.test", {issue("ca.test")}},
                                                       {"locked.example.test", {issue(";")}}};
    std::vector<std::string> asked;
    const auto lookup = [&](const std::string& name) {
        asked.push_back(name);
        const auto it = zone.find(name);
        return it == zone.end() ? std::vector<CaaRecord>{} : it->second;
    };
    auto set = CaaPolicy::relevantRecords("a.b.example.test", lookup);
    BOOST_TEST(set.at == "example.test");
    BOOST_TEST(set.records == zone["example.test"]);
    BOOST_TEST(asked == (std::vector<std::string>{"a.b.example.test", "b.example.test", "example.test"}));

    asked.clear();
    set = CaaPolicy::relevantRecords("www.locked.example.test.", lookup);
    BOOST_TEST(set.at == "locked.example.test");
    BOOST_TEST(policy.refusal(set, plain()).has_value());

    asked.clear();
    set = CaaPolicy::relevantRecords("www.other.test", lookup);  // up to the top label, never the root
    BOOST_TEST(set.at.empty());
    BOOST_TEST(set.records.empty());
    BOOST_TEST(asked == (std::vector<std::string>{"www.other.test", "other.test", "test"}));
    BOOST_TEST(!policy.refusal(set, plain()));

    // a lookup that fails stops the walk with its error
    BOOST_CHECK_THROW(CaaPolicy::relevantRecords("x.example.test", [](const std::string&) -> std::vector<CaaRecord> {
                          throw std::runtime_error("SERVFAIL");
                      }),
                      std::runtime_error);
}
