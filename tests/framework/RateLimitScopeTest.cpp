#define BOOST_TEST_MODULE rate_limit_scope
#include <boost/test/unit_test.hpp>

// RateLimitScope reads what a CA's refusal holds back from Let's Encrypt's
// words, as its rate limits write them today (the strings below are theirs,
// with the names changed), and falls back to the refused order alone for
// anything else.

#include "../TestPrinting.h"
#include "cxxacme/AcmeResources.h"
#include "cxxacme/RateLimitScope.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

using namespace cxxacme;
using Kind = RateLimitScope::Kind;

namespace {

RateLimitScope scopeOf(const std::string& detail, int status = 429, const std::string& type = "rateLimited",
                       std::vector<AcmeProblem::Subproblem> subproblems = {}) {
    return RateLimitScope::of(AcmeProblem(type, detail, status, std::move(subproblems)));
}

const std::string kSee = ", retry after 2026-12-06 01:00:00 UTC: see https://letsencrypt.org/docs/rate-limits/#";

}  // namespace

BOOST_AUTO_TEST_CASE(new_orders_per_account_hold_the_whole_account) {
    const auto scope = scopeOf("too many new orders (300) from this account in the last 3h0m0s" + kSee + "new-orders-per-account");
    BOOST_TEST((scope.kind() == Kind::Account));
    BOOST_TEST(scope.subjects().empty());
    BOOST_TEST(scope.covers("a.example.com"));
    BOOST_TEST(scope.covers("b.example.net,192.0.2.1"));
    BOOST_TEST(scope.describe() == "every name of the account");
    // no account can be made from this address: no order either
    for (const std::string& detail :
         {"too many new registrations (10) from this IP address in the last 3h0m0s" + kSee + "new-registrations-per-ip-address",
          "too many new registrations (500) from this /48 subnet of IPv6 addresses in the last 3h0m0s" + kSee +
              "new-registrations-per-ipv6-range"})
        BOOST_TEST((scopeOf(detail).kind() == Kind::Account), detail);
}

BOOST_AUTO_TEST_CASE(certificates_per_registered_domain_hold_the_names_under_it) {
    const auto scope = scopeOf("too many certificates (50) already issued for \"example.com\" in the last 168h0m0s" + kSee +
                               "new-certificates-per-registered-domain");
    BOOST_TEST((scope.kind() == Kind::RegisteredDomain));
    BOOST_TEST(scope.subjects() == std::vector<std::string>{"example.com"});
    BOOST_TEST(scope.covers("example.com"));
    BOOST_TEST(scope.covers("www.shop.example.com"));
    BOOST_TEST(scope.covers("*.example.com"));
    BOOST_TEST(scope.covers("a.example.net,b.example.com"));  // one name is enough
    BOOST_TEST(!scope.covers("notexample.com"));
    BOOST_TEST(!scope.covers("example.com.au"));
    BOOST_TEST(!scope.covers("a.example.net,com"));
    BOOST_TEST(scope.describe() == "every name under example.com");
    BOOST_TEST(scope.notAsked(parseRfc3339("2026-12-12T01:00:00Z").value()) ==
               "not asked: the CA refuses every name under example.com until 2026-12-12T01:00:00Z");
    // Boulder's words before the limits were renamed, and its prefix on other paths
    BOOST_TEST((scopeOf("Error creating new order :: too many certificates (50) already issued for \"Example.COM\" in the last "
                        "168h0m0s" + kSee + "new-certificates-per-registered-domain")
                    .subjects() == std::vector<std::string>{"example.com"}));
}

BOOST_AUTO_TEST_CASE(an_address_block_holds_the_addresses_within_it) {
    const auto v6 = scopeOf("too many certificates (50) already issued for \"2001:db8::/64\" in the last 168h0m0s" + kSee +
                            "new-certificates-per-registered-domain");
    BOOST_TEST((v6.kind() == Kind::RegisteredDomain));
    BOOST_TEST(v6.covers("2001:db8::1"));
    BOOST_TEST(v6.covers("a.example.com,2001:db8::ffff:1"));
    BOOST_TEST(!v6.covers("2001:db8:0:1::1"));
    BOOST_TEST(!v6.covers("192.0.2.1"));
    BOOST_TEST(!v6.covers("db8.example.com"));
    const auto v4 = scopeOf("too many certificates (50) already issued for \"192.0.2.1/32\" in the last 168h0m0s" + kSee +
                            "new-certificates-per-registered-domain");
    BOOST_TEST(v4.covers("192.0.2.1"));
    BOOST_TEST(!v4.covers("192.0.2.2"));
    BOOST_TEST(!v4.covers("::ffff:192.0.2.1"));  // another family
    const auto v4block = scopeOf("too many certificates (50) already issued for \"192.0.2.0/24\"" + kSee + "x");
    BOOST_TEST(v4block.covers("192.0.2.200"));
    BOOST_TEST(!v4block.covers("192.0.3.1"));
}

BOOST_AUTO_TEST_CASE(failed_authorizations_hold_the_orders_naming_the_identifier) {
    const auto scope = scopeOf("too many failed authorizations (5) for \"www.example.com\" in the last 1h0m0s" + kSee +
                                   "authorization-failures-per-identifier-per-account",
                               429, "rateLimited",
                               {{"urn:ietf:params:acme:error:rateLimited", "5 failed authorizations in the last 1h0m0s",
                                 Identifier::dns("*.example.net")},
                                {"urn:ietf:params:acme:error:rateLimited", "5 failed authorizations in the last 1h0m0s",
                                 Identifier::dns("www.example.com")}});
    BOOST_TEST((scope.kind() == Kind::Identifiers));
    BOOST_TEST((scope.subjects() == std::vector<std::string>{"*.example.net", "www.example.com"}));
    BOOST_TEST(scope.covers("www.example.com"));
    BOOST_TEST(scope.covers("example.net,*.example.net"));
    BOOST_TEST(!scope.covers("example.com"));  // the identifier alone, not the names under it or above
    BOOST_TEST(!scope.covers("a.www.example.com"));
    BOOST_TEST(!scope.covers("a.example.net"));
    BOOST_TEST(scope.describe() == "every order naming *.example.net, www.example.com");
}

BOOST_AUTO_TEST_CASE(an_unavailable_ca_holds_everything) {
    const auto scope = scopeOf("The service is down for maintenance", 503, "serverInternal");
    BOOST_TEST((scope.kind() == Kind::Server));
    BOOST_TEST(scope.covers("a.example.com"));
}

BOOST_AUTO_TEST_CASE(anything_else_holds_the_refused_order_alone) {
    for (const std::string& detail :
         {"too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s" + kSee +
              "new-certificates-per-exact-set-of-identifiers",
          std::string("Your account is temporarily prevented from requesting certificates for a.example.com and possibly "
                      "others. Please visit: https://portal.example/sfe/v1/unpause?jwt=x"),
          std::string("too many failed authorizations recently: see https://letsencrypt.org/docs/rate-limits/"),
          std::string("slow down"),
          // what does not read as a name or an address is not trusted to hold anything
          std::string("too many certificates (50) already issued for \"../../etc\" in the last 168h0m0s"),
          std::string("too many certificates (50) already issued for \"*.example.com\" in the last 168h0m0s"),
          std::string("too many certificates (50) already issued for \"192.0.2.1/33\" in the last 168h0m0s"),
          std::string("too many certificates (50) already issued for \"example.com"),
          std::string("too many failed authorizations (5) for \"\\u0000\" in the last 1h0m0s")}) {
        const auto scope = scopeOf(detail);
        BOOST_TEST((scope.kind() == Kind::Order), detail);
        BOOST_TEST(!scope.covers("a.example.com"), detail);
    }
    // the words of a rate limit under another type or status are not one
    BOOST_TEST((scopeOf("too many new orders (300) from this account in the last 3h0m0s", 400, "malformed").kind() == Kind::Order));
}

// What an order renews: Let's Encrypt exempts an ARI renewal from every limit,
// and the renewal of an exact set issued in the last 120 days from new orders
// per account and certificates per registered domain (Boulder's newOrder).
BOOST_AUTO_TEST_CASE(renewals_are_exempt_as_lets_encrypt_exempts_them) {
    using Renewal = RateLimitScope::Renewal;
    testing::TestCertificateAuthority ca;
    const TimePoint now = std::chrono::system_clock::now();
    const auto certOf = [&](const std::string& names, Duration age) {
        return ca.issue(names, now - age, now - age + std::chrono::hours(24 * 90)).certificate();
    };
    const Certificate pair = certOf("www.example.com,example.com", std::chrono::hours(24 * 60));
    BOOST_TEST((RateLimitScope::renewalOf("example.com,www.example.com", &pair, now, false) == Renewal::ExactSet));  // any order
    BOOST_TEST((RateLimitScope::renewalOf("example.com", &pair, now, false) == Renewal::None));  // fewer names
    BOOST_TEST((RateLimitScope::renewalOf("example.com,www.example.com,a.example.com", &pair, now, false) == Renewal::None));
    BOOST_TEST((RateLimitScope::renewalOf("example.com,www.example.com", &pair, now, true) == Renewal::Ari));
    BOOST_TEST((RateLimitScope::renewalOf("example.com", nullptr, now, true) == Renewal::None));  // nothing to renew
    const Certificate old = certOf("example.com", std::chrono::hours(24 * 121));
    BOOST_TEST((RateLimitScope::renewalOf("example.com", &old, now, false) == Renewal::None));
    BOOST_TEST((RateLimitScope::renewalOf("example.com", &old, now, true) == Renewal::Ari));

    const auto orders = scopeOf("too many new orders (300) from this account in the last 3h0m0s" + kSee + "new-orders-per-account");
    const auto domain = scopeOf("too many certificates (50) already issued for \"example.com\" in the last 168h0m0s" + kSee +
                                "new-certificates-per-registered-domain");
    const auto registrations = scopeOf("too many new registrations (10) from this IP address in the last 3h0m0s" + kSee +
                                       "new-registrations-per-ip-address");
    const auto failures = scopeOf("too many failed authorizations (5) for \"example.com\" in the last 1h0m0s" + kSee +
                                  "authorization-failures-per-identifier-per-account");
    const auto down = scopeOf("the CA is down", 503, "serverInternal");
    for (const auto* exempt : {&orders, &domain}) {
        BOOST_TEST(exempt->holds("example.com", Renewal::None));
        BOOST_TEST(!exempt->holds("example.com", Renewal::ExactSet));
        BOOST_TEST(!exempt->holds("example.com", Renewal::Ari));
    }
    // no account to order with; a name's failures (Boulder checks them for renewals too)
    for (const auto* held : {&registrations, &failures}) {
        BOOST_TEST(held->holds("example.com", Renewal::ExactSet));
        BOOST_TEST(held->holds("example.com", Renewal::None));
    }
    BOOST_TEST(!failures.holds("example.com", Renewal::Ari));
    for (const Renewal r : {Renewal::None, Renewal::ExactSet, Renewal::Ari}) BOOST_TEST(down.holds("example.com", r));
    BOOST_TEST(!(orders == registrations));  // both the account's, exempting differently
}
