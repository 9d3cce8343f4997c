#define BOOST_TEST_MODULE dns_persist_record
#include <boost/test/unit_test.hpp>

#include "../TestPrinting.h"
#include "cxxacme/DnsPersistRecord.h"
#include "cxxacme/Error.h"

using cxxacme::DnsPersistRecord;
using cxxacme::InvalidNameError;
using cxxacme::timePointFromUnixSeconds;

namespace {
const std::string kAccount = "https://ca.test/acct/17";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

DnsPersistRecord::Expectation expect(bool wildcard = false, std::int64_t now = 1'800'000'000) {
    return {{"ca.test", "Other-Name.test"}, kAccount, wildcard, timePointFromUnixSeconds(now)};
}
}  // namespace

BOOST_AUTO_TEST_CASE(records_parse_as_the_draft_writes_them) {
    const auto plain = DnsPersistRecord::parse("ca.test; accounturi=" + kAccount);
    BOOST_REQUIRE(plain);
    BOOST_TEST(plain->issuer == "ca.test");
    BOOST_TEST(plain->accountUri == kAccount);
    BOOST_TEST(!plain->wildcard);
    BOOST_TEST(!plain->persistUntil);
    BOOST_TEST(plain->toTxt() == "ca.test; accounturi=" + kAccount);

    // the issuer folded and without its root dot; tags in any case, white space around ";" and "="
    const auto full = DnsPersistRecord::parse(" CA.Test. ;\tAccountURI = " + kAccount + " ; POLICY=Wildcard; persistUntil=1767225600 ");
    BOOST_REQUIRE(full);
    BOOST_TEST(full->issuer == "ca.test");
    BOOST_TEST(full->accountUri == kAccount);
    BOOST_TEST(full->wildcard);
    BOOST_TEST(full->persistUntil.value_or(0) == 1767225600);
    BOOST_TEST(full->toTxt() == "ca.test; accounturi=" + kAccount + "; policy=wildcard; persistUntil=1767225600");
    BOOST_TEST((DnsPersistRecord::parse(full->toTxt()) == full));

    // unknown parameters (even twice) and other policies are passed over
    const auto future = DnsPersistRecord::parse("ca.test; accounturi=" + kAccount + "; later=1; later=2; policy=exact");
    BOOST_REQUIRE(future);
    BOOST_TEST(!future->wildcard);
}

BOOST_AUTO_TEST_CASE(what_is_not_a_record) {
    const std::string a = "accounturi=" + kAccount;
    for (const std::string& bad : std::vector<std::string>{
             std::string(""), std::string("ca.test"), std::string("; ") + a, "ca.test; " + a + ";",  // trailing ";"
             "ca.test;; " + a, "ca.test " + a, "ca.test; accounturi=", "ca.test; " + a + "; accounturi=" + kAccount,
             "ca.test; " + a + "; policy=wildcard; Policy=wildcard", "ca.test; " + a + "; persistUntil=12; persistuntil=13",
             "ca.test; " + a + "; persistUntil=-5", "ca.test; " + a + "; persistUntil=1e9", "ca.test; " + a + "; persistUntil=",
             "ca.test; " + a + "; persistUntil=9999999999999999999999", "ca.test; accounturi=https://ca.test/a b",
             "ca_test; " + a, "ca..test; " + a, "-ca.test; " + a, "ca.test..; " + a, "ca.test; =" + kAccount,
             std::string("ca.test; accounturi=\x01", 21)}) {
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!DnsPersistRecord::parse(bad)); }
    }
}

BOOST_AUTO_TEST_CASE(a_record_of_this_ca_for_this_account_lets_it_issue) {
    const std::string mine = "ca.test; accounturi=" + kAccount;
    BOOST_TEST(!DnsPersistRecord::refusal({mine}, expect()));
    BOOST_TEST(!DnsPersistRecord::refusal({"other-name.test; accounturi=" + kAccount}, expect()));  // any of its names
    // beside records of other CAs, other accounts and noise
    BOOST_TEST(!DnsPersistRecord::refusal({"v=spf1 -all", "elsewhere.test; accounturi=x", "ca.test; accounturi=https://ca.test/acct/18", mine},
                                          expect()));

    // another account's record: named
    auto why = DnsPersistRecord::refusal({"ca.test; accounturi=https://ca.test/acct/18"}, expect());
    BOOST_REQUIRE(why);
    BOOST_TEST(has(*why, "is for the account \"https://ca.test/acct/18\""), *why);
    // byte for byte: case and a trailing slash matter
    BOOST_TEST(DnsPersistRecord::refusal({"ca.test; accounturi=HTTPS://ca.test/acct/17"}, expect()).has_value());
    BOOST_TEST(DnsPersistRecord::refusal({"ca.test; accounturi=" + kAccount + "/"}, expect()).has_value());

    // no record of this CA at all
    why = DnsPersistRecord::refusal({"elsewhere.test; accounturi=" + kAccount, "ca.test; accounturi=" + kAccount + ";"}, expect());
    BOOST_REQUIRE(why);
    BOOST_TEST(has(*why, "no record names this CA (\"ca.test\", \"other-name.test\")"), *why);
    BOOST_TEST(has(*why, "among 2 TXT records"), *why);
    BOOST_TEST(DnsPersistRecord::refusal({}, expect()).has_value());
}

BOOST_AUTO_TEST_CASE(wildcards_need_policy_wildcard_and_persist_until_ends_the_record) {
    const std::string mine = "ca.test; accounturi=" + kAccount;
    const auto why = DnsPersistRecord::refusal({mine}, expect(true));
    BOOST_REQUIRE(why);
    BOOST_TEST(has(*why, "has no policy=wildcard"), *why);
    BOOST_TEST(!DnsPersistRecord::refusal({mine + "; policy=wildcard"}, expect(true)));
    BOOST_TEST(!DnsPersistRecord::refusal({mine + "; policy=wildcard"}, expect(false)));  // it also stands for the name

    const std::string until = mine + "; persistUntil=1800000000";
    BOOST_TEST(!DnsPersistRecord::refusal({until}, expect(false, 1'799'999'999)));
    BOOST_TEST(!DnsPersistRecord::refusal({until}, expect(false, 1'800'000'000)));  // up to and at that second
    const auto expired = DnsPersistRecord::refusal({until}, expect(false, 1'800'000'001));
    BOOST_REQUIRE(expired);
    BOOST_TEST(has(*expired, "expired at persistUntil=1800000000"), *expired);
}

BOOST_AUTO_TEST_CASE(the_validation_name) {
    BOOST_TEST(DnsPersistRecord::foldIssuer("LetsEncrypt.ORG.") == "letsencrypt.org");
    BOOST_TEST(DnsPersistRecord::foldIssuer("ca.test") == "ca.test");
    BOOST_TEST(DnsPersistRecord::validationName("Www.Example.Test") == "_validation-persist.www.example.test");
    BOOST_TEST(DnsPersistRecord::validationName("*.example.test") == "_validation-persist.example.test");
    BOOST_CHECK_THROW(DnsPersistRecord::validationName("192.0.2.1"), InvalidNameError);
    BOOST_CHECK_THROW(DnsPersistRecord::validationName("../etc"), InvalidNameError);
}
