#define BOOST_TEST_MODULE mock_acme_config
#include <boost/test/unit_test.hpp>

// MockAcmeConfig: the JSON form of mock-acme's knobs, and the checks that
// keep a bad value from starting a server.

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "../TestPrinting.h"
#include "cxxacme/Error.h"
#include "cxxacme/mock_acme/MockAcmeConfig.h"
#include "cxxacme/mock_acme/MockAcmeServer.h"

using namespace cxxacme;
using namespace cxxacme::mock_acme;
using namespace std::chrono_literals;

namespace {

// The message of the Error that `json` (pebble's file with `pebble`) raises
// when applied, or "" if none.
std::string refusal(const std::string& json, bool pebble = false) {
    MockAcmeConfig config;
    try {
        if (pebble) config.applyPebbleJson(json);
        else config.applyJson(json);
        config.validate();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool refusedNaming(const std::string& json, const std::string& word) {
    const std::string message = refusal(json);
    BOOST_TEST_MESSAGE(json << " -> " << message);
    return !message.empty() && message.find(word) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(applies_every_kind_of_value) {
    MockAcmeConfig config;
    config.applyJson(R"({
        "listenPort": 0, "http01Port": 5080, "dnsServer": "127.0.0.1:5353",
        "resolve": {"a.example.test": "127.0.0.2"},
        "skipValidation": true, "challengeWaitSeconds": 0.25, "validationDelaySeconds": 2,
        "nonceRejectPercent": 10, "authzReusePercent": 50, "rateLimitOrders": 3, "rateLimitWindowSeconds": 60,
        "truncatedResponsePercent": 15, "delayedResponsePercent": 7, "responseDelaySeconds": 2.5,
        "failedAuthorizationLimit": 5, "failedAuthorizationWindowSeconds": 1800, "pauseAfterFailures": 1152,
        "duplicateCertificateLimit": 4, "duplicateCertificateWindowSeconds": 86400,
        "registeredDomainLimit": 50, "registeredDomainWindowSeconds": 3600,
        "registrationLimit": 10, "registrationWindowSeconds": 7200,
        "registrationRangeLimit": 500, "registrationRangeWindowSeconds": 3600,
        "externalAccountRequired": true, "eabKeys": {"kid-1": "c2VjcmV0"},
        "profiles": {"tiny": {"description": "one hour", "lifetimeSeconds": 3600}}, "defaultProfile": "tiny",
        "caKeyType": "rsa2048", "alternateChains": 2, "maxConnections": 20000, "forgetAfterSeconds": 86400
    })");
    BOOST_CHECK_NO_THROW(config.validate());
    BOOST_TEST(config.listenPort == 0);
    BOOST_TEST(config.http01Port == 5080);
    BOOST_TEST(config.truncatedResponsePercent == 15);
    BOOST_TEST(config.delayedResponsePercent == 7);
    BOOST_TEST((config.responseDelay == 2500ms));
    BOOST_TEST(config.dnsServer == "127.0.0.1:5353");
    BOOST_TEST(config.resolve.at("a.example.test") == "127.0.0.2");
    BOOST_TEST(config.skipValidation);
    BOOST_TEST((config.challengeWait == 250ms));
    BOOST_TEST((config.validationDelay == 2s));
    BOOST_TEST(config.nonceRejectPercent == 10);
    BOOST_TEST(config.authzReusePercent == 50);
    BOOST_TEST(config.rateLimitOrders == 3);
    BOOST_TEST((config.rateLimitWindow == 60s));
    BOOST_TEST(config.failedAuthorizationLimit == 5);
    BOOST_TEST((config.failedAuthorizationWindow == 30min));
    BOOST_TEST(MockAcmeConfig().failedAuthorizationLimit == 0);  // off by default
    BOOST_TEST(config.pauseAfterFailures == 1152);
    BOOST_TEST(MockAcmeConfig().pauseAfterFailures == 0);
    BOOST_TEST(config.duplicateCertificateLimit == 4);
    BOOST_TEST((config.duplicateCertificateWindow == 24h));
    BOOST_TEST(MockAcmeConfig().duplicateCertificateLimit == 0);
    BOOST_TEST((MockAcmeConfig().duplicateCertificateWindow == 24h * 7));  // Let's Encrypt's week
    BOOST_TEST(config.registeredDomainLimit == 50);
    BOOST_TEST((config.registeredDomainWindow == 1h));
    BOOST_TEST(MockAcmeConfig().registeredDomainLimit == 0);
    BOOST_TEST((MockAcmeConfig().registeredDomainWindow == 24h * 7));
    BOOST_TEST(config.registrationLimit == 10);
    BOOST_TEST((config.registrationWindow == 2h));
    BOOST_TEST(MockAcmeConfig().registrationLimit == 0);
    BOOST_TEST((MockAcmeConfig().registrationWindow == 3h));  // Let's Encrypt's
    BOOST_TEST(config.registrationRangeLimit == 500);
    BOOST_TEST((config.registrationRangeWindow == 1h));
    BOOST_TEST(MockAcmeConfig().registrationRangeLimit == 0);
    BOOST_TEST((MockAcmeConfig().registrationRangeWindow == 3h));
    BOOST_TEST(config.externalAccountRequired);
    BOOST_TEST(config.eabKeys.at("kid-1") == "c2VjcmV0");
    BOOST_TEST((config.profiles.at("tiny").lifetime == 1h));
    BOOST_TEST(config.profiles.size() == 1u);  // "profiles" says which are offered
    BOOST_TEST(config.defaultProfile == "tiny");
    BOOST_TEST((config.caKeyType == KeyType::Rsa2048));
    BOOST_TEST(config.alternateChains == 2);
    BOOST_TEST(config.maxConnections == 20000);
    BOOST_TEST((config.forgetAfter == 24h));
    BOOST_TEST((MockAcmeConfig().forgetAfter == 0s));  // by default nothing is forgotten
}

// certificateLifetimeSeconds is about the default profile, in whatever order the keys come
BOOST_AUTO_TEST_CASE(certificate_lifetime_applies_to_the_final_default_profile) {
    MockAcmeConfig config;
    config.applyJson(R"({"certificateLifetimeSeconds": 600, "profiles": {"a": {"lifetimeSeconds": 60},
                         "b": {"lifetimeSeconds": 60}}, "defaultProfile": "b"})");
    BOOST_TEST((config.profiles.at("b").lifetime == 10min));
    BOOST_TEST((config.profiles.at("a").lifetime == 1min));
    MockAcmeConfig plain;
    plain.applyJson(R"({"certificateLifetimeSeconds": 90})");
    BOOST_TEST((plain.profiles.at("classic").lifetime == 90s));
    BOOST_TEST((plain.profiles.at("shortlived").lifetime == std::chrono::hours(160)));
}

// What a profile's certificate carries: Let's Encrypt's three by default, any mix from the file
BOOST_AUTO_TEST_CASE(profiles_say_what_their_certificates_carry) {
    const MockAcmeConfig defaults;
    BOOST_TEST(defaults.profiles.size() == 3u);
    // classic as Let's Encrypt's since February 2026: no clientAuth
    BOOST_TEST((defaults.profiles.at("classic").contents == LeafContents{true, true, false, true}));
    BOOST_TEST((defaults.profiles.at("tlsserver").contents == LeafContents{false, false, false, false}));
    BOOST_TEST((defaults.profiles.at("tlsserver").lifetime == std::chrono::hours(24 * 45)));
    BOOST_TEST((defaults.profiles.at("shortlived").contents == LeafContents{false, false, false, false}));

    MockAcmeConfig config;
    config.applyJson(R"({"profiles": {"mixed": {"lifetimeSeconds": 3600, "commonName": false, "clientAuth": true},
                                      "plain": {"lifetimeSeconds": 60}}, "defaultProfile": "plain"})");
    BOOST_TEST((config.profiles.at("mixed").contents == LeafContents{false, true, true, true}));
    // what a profile says nothing of is as in classic
    BOOST_TEST((config.profiles.at("plain").contents == defaults.profiles.at("classic").contents));
    BOOST_TEST(config.profiles.at("mixed").description == "mixed");

    BOOST_TEST(refusedNaming(R"({"profiles": {"p": {"lifetimeSeconds": 60, "clientAuth": "no"}}, "defaultProfile": "p"})", "clientAuth"));
    BOOST_TEST(refusedNaming(R"({"profiles": {"p": {"lifetimeSeconds": 60, "subjectKeyID": false}}, "defaultProfile": "p"})",
                             "subjectKeyID"));
    BOOST_TEST(refusedNaming(R"({"profiles": {"p": {"lifetimeSeconds": 60, "keyEncipherment": null}}, "defaultProfile": "p"})",
                             "keyEncipherment"));

    // which identifier types a profile issues for: both unless it says; Let's Encrypt's
    // built-in three issue for IP addresses under shortlived alone, pebble's under any
    BOOST_TEST((defaults.profiles.at("classic").dnsIdentifiers && !defaults.profiles.at("classic").ipIdentifiers));
    BOOST_TEST((defaults.profiles.at("tlsserver").dnsIdentifiers && !defaults.profiles.at("tlsserver").ipIdentifiers));
    BOOST_TEST((defaults.profiles.at("shortlived").dnsIdentifiers && defaults.profiles.at("shortlived").ipIdentifiers));
    MockAcmeConfig pebbleLike;
    pebbleLike.applyPebbleDefaults();
    // Boulder's rules or pebble's, for which validations are reused, what a CSR may carry, ARI windows,
    // which sets of names an order may have and how http-01 validation reads an answer:
    // Boulder's by default, pebble's in pebble's place; the JSON config may say, and nothing else
    const auto boulderOrPebble = [&](const std::string& key, auto member, auto boulder, auto pebble) {
        BOOST_TEST_CONTEXT(key) {
            BOOST_TEST((defaults.*member == boulder));
            BOOST_TEST((pebbleLike.*member == pebble));
            MockAcmeConfig said;
            said.applyJson("{\"" + key + "\": \"pebble\"}");
            BOOST_TEST((said.*member == pebble));
            BOOST_TEST(refusedNaming("{\"" + key + "\": \"certmagic\"}", key));
            BOOST_TEST(refusedNaming("{\"" + key + "\": true}", key));
        }
    };
    boulderOrPebble("authorizationReuse", &MockAcmeConfig::authorizationReuse, MockAcmeConfig::AuthorizationReuse::Boulder,
                    MockAcmeConfig::AuthorizationReuse::Pebble);
    boulderOrPebble("csrRules", &MockAcmeConfig::csrRules, MockAcmeConfig::CsrRules::Boulder, MockAcmeConfig::CsrRules::Pebble);
    boulderOrPebble("ariRules", &MockAcmeConfig::ariRules, MockAcmeConfig::AriRules::Boulder, MockAcmeConfig::AriRules::Pebble);
    boulderOrPebble("identifierRules", &MockAcmeConfig::identifierRules, MockAcmeConfig::IdentifierRules::Boulder,
                    MockAcmeConfig::IdentifierRules::Pebble);
    boulderOrPebble("validationRules", &MockAcmeConfig::validationRules, MockAcmeConfig::ValidationRules::Boulder,
                    MockAcmeConfig::ValidationRules::Pebble);
    // Boulder's public-suffix rules and reserved addresses: off by default, and in pebble's place; with Boulder's rules only
    BOOST_TEST((defaults.publicSuffixList.empty() && !defaults.refuseReservedAddresses));
    BOOST_TEST((pebbleLike.publicSuffixList.empty() && !pebbleLike.refuseReservedAddresses));
    MockAcmeConfig strict;
    strict.applyJson(R"({"publicSuffixList": "/usr/share/publicsuffix/public_suffix_list.dat", "refuseReservedAddresses": true})");
    BOOST_TEST(strict.publicSuffixList == "/usr/share/publicsuffix/public_suffix_list.dat");
    BOOST_TEST(strict.refuseReservedAddresses);
    BOOST_CHECK_NO_THROW(strict.validate());
    strict.identifierRules = MockAcmeConfig::IdentifierRules::Pebble;
    BOOST_CHECK_EXCEPTION(strict.validate(), cxxacme::Error, [](const cxxacme::Error& e) {
        return std::string(e.what()).find("publicSuffixList and refuseReservedAddresses are Boulder's policy") != std::string::npos;
    });
    BOOST_TEST(refusedNaming(R"({"refuseReservedAddresses": "yes"})", "refuseReservedAddresses"));
    BOOST_TEST(refusedNaming(R"({"publicSuffixList": 1})", "publicSuffixList"));
    // an open order given back for the same names: as Let's Encrypt by default, never in pebble's place
    BOOST_TEST(defaults.orderReuse);
    BOOST_TEST(!pebbleLike.orderReuse);
    MockAcmeConfig noReuse;
    noReuse.applyJson(R"({"orderReuse": false})");
    BOOST_TEST(!noReuse.orderReuse);
    BOOST_TEST(refusedNaming(R"({"orderReuse": "no"})", "orderReuse"));
    for (const auto& [name, profile] : pebbleLike.profiles) BOOST_TEST((profile.dnsIdentifiers && profile.ipIdentifiers), name);
    config.applyJson(R"({"profiles": {"names": {"lifetimeSeconds": 60, "identifierTypes": ["dns"]},
                                      "addresses": {"lifetimeSeconds": 60, "identifierTypes": ["ip"]},
                                      "both": {"lifetimeSeconds": 60, "identifierTypes": ["ip", "dns", "ip"]}}, "defaultProfile": "both"})");
    BOOST_TEST((config.profiles.at("names").dnsIdentifiers && !config.profiles.at("names").ipIdentifiers));
    BOOST_TEST((!config.profiles.at("addresses").dnsIdentifiers && config.profiles.at("addresses").ipIdentifiers));
    BOOST_TEST((config.profiles.at("both").dnsIdentifiers && config.profiles.at("both").ipIdentifiers));
    for (const char* bad : {R"([])", R"("dns")", R"(["dns", "email"])", R"(["DNS"])", R"([1])"})
        BOOST_TEST(refusedNaming(std::string(R"({"profiles": {"p": {"lifetimeSeconds": 60, "identifierTypes": )") + bad +
                                     R"(}}, "defaultProfile": "p"})",
                                 "identifierTypes"),
                   bad);
}

// Validation windows: Let's Encrypt's for its three profiles; a profile of
// the file may set its own, and what it leaves unset is the top level's.
BOOST_AUTO_TEST_CASE(profiles_have_validation_windows_of_their_own_or_the_top_levels) {
    using namespace std::chrono_literals;
    const MockAcmeConfig defaults;
    const auto classic = defaults.windowsOf(defaults.profiles.at("classic"));
    BOOST_TEST((classic.orderLifetime == 24h * 7));
    BOOST_TEST((classic.authorizationLifetime == 24h * 7));
    BOOST_TEST((classic.validAuthorizationLifetime == 24h * 30));
    BOOST_TEST(classic.maxNames == 100u);
    for (const char* name : {"tlsserver", "shortlived"}) {
        const auto lean = defaults.windowsOf(defaults.profiles.at(name));
        BOOST_TEST((lean.orderLifetime == 8h));
        BOOST_TEST((lean.authorizationLifetime == 1h));
        BOOST_TEST((lean.validAuthorizationLifetime == 7h));
        BOOST_TEST(lean.maxNames == 25u);
    }
    BOOST_TEST((defaults.profiles.at("shortlived").lifetime == 160h));

    MockAcmeConfig config;
    config.applyJson(R"({"orderLifetimeSeconds": 7200, "authorizationLifetimeSeconds": 600,
                         "validAuthorizationLifetimeSeconds": 3600, "maxNames": 10,
                         "profiles": {"own": {"lifetimeSeconds": 60, "orderLifetimeSeconds": 60, "authorizationLifetimeSeconds": 30,
                                              "validAuthorizationLifetimeSeconds": 90, "maxNames": 2},
                                      "plain": {"lifetimeSeconds": 60}}, "defaultProfile": "plain"})");
    config.validate();
    const auto own = config.windowsOf(config.profiles.at("own"));
    BOOST_TEST((own.orderLifetime == 60s && own.authorizationLifetime == 30s && own.validAuthorizationLifetime == 90s));
    BOOST_TEST(own.maxNames == 2u);
    const auto plain = config.windowsOf(config.profiles.at("plain"));
    BOOST_TEST((plain.orderLifetime == 2h && plain.authorizationLifetime == 10min && plain.validAuthorizationLifetime == 1h));
    BOOST_TEST(plain.maxNames == 10u);

    BOOST_TEST(refusedNaming(R"({"validAuthorizationLifetimeSeconds": 0})", "validAuthorizationLifetime must be positive"));
    BOOST_TEST(refusedNaming(R"({"authorizationLifetimeSeconds": 0})", "authorizationLifetime must be positive"));
    BOOST_TEST(refusedNaming(R"({"maxNames": 0})", "maxNames must be 1..1000"));
    BOOST_TEST(refusedNaming(R"({"maxNames": 1001})", "maxNames must be 1..1000"));
    BOOST_TEST(refusedNaming(R"({"maxNames": "5"})", "maxNames"));
    BOOST_TEST(refusedNaming(R"({"profiles": {"p": {"lifetimeSeconds": 60, "orderLifetimeSeconds": 0}}, "defaultProfile": "p"})",
                             "profile \"p\": orderLifetime must be positive"));
    BOOST_TEST(refusedNaming(R"({"profiles": {"p": {"lifetimeSeconds": 60, "maxNames": 5000}}, "defaultProfile": "p"})",
                             "profile \"p\": maxNames"));
    BOOST_TEST(refusedNaming(R"({"profiles": {"p": {"lifetimeSeconds": 60, "maxNames": -1}}, "defaultProfile": "p"})", "maxNames"));
}

BOOST_AUTO_TEST_CASE(the_defaults_are_valid_and_quiet) {
    const MockAcmeConfig config;
    BOOST_CHECK_NO_THROW(config.validate());
    BOOST_TEST(!config.skipValidation);
    BOOST_TEST(config.nonceRejectPercent == 0);
    BOOST_TEST(config.serverErrorPercent == 0);
    BOOST_TEST(config.truncatedResponsePercent == 0);
    BOOST_TEST(config.delayedResponsePercent == 0);
    BOOST_TEST((config.challengeWait == Duration::zero()));
}

BOOST_AUTO_TEST_CASE(refuses_what_it_cannot_use_and_names_it) {
    BOOST_TEST(refusedNaming("not json", "config"));
    BOOST_TEST(refusedNaming("[1, 2]", "config"));
    BOOST_TEST(refusedNaming(R"({"listenPortt": 1})", "listenPortt"));
    BOOST_TEST(refusedNaming(R"({"listenPort": "80"})", "listenPort"));
    BOOST_TEST(refusedNaming(R"({"listenPort": 70000})", "listenPort"));
    BOOST_TEST(refusedNaming(R"({"listenPort": -1})", "listenPort"));
    BOOST_TEST(refusedNaming(R"({"http01Port": 80.5})", "http01Port"));
    BOOST_TEST(refusedNaming(R"({"skipValidation": 1})", "skipValidation"));
    BOOST_TEST(refusedNaming(R"({"checkCaa": "yes"})", "checkCaa"));
    BOOST_TEST(refusedNaming(R"({"checkCaa": true})", "checkCaa needs a dnsServer"));
    BOOST_TEST(refusedNaming(R"({"enableDnsAccount01": "true"})", "enableDnsAccount01"));
    BOOST_TEST(refusedNaming(R"({"enableDnsPersist01": 1})", "enableDnsPersist01"));
    BOOST_TEST(refusedNaming(R"({"subdomainAuthAllowed": "true"})", "subdomainAuthAllowed"));
    BOOST_TEST(refusedNaming(R"({"nonceOnEveryResponse": "on"})", "nonceOnEveryResponse"));
    BOOST_TEST(refusedNaming(R"({"resolve": {"a.example.test": 1}})", "a.example.test"));
    // a name that is no DNS name, and a place that is no IP address (which the system would resolve)
    BOOST_TEST(refusal(R"({"resolve": {"a.example.test": "nowhere.test"}})") ==
               "mock-acme config: resolve: \"a.example.test\" must go to an IP address, not \"nowhere.test\"");
    BOOST_TEST(refusedNaming(R"({"resolve": {"a b.test": "127.0.0.1"}})", "resolve: \"a b.test\" is not a DNS name"));
    BOOST_TEST(refusedNaming(R"({"resolve": {"127.0.0.3": "127.0.0.1"}})", "resolve: \"127.0.0.3\" is not a DNS name"));
    BOOST_TEST(refusedNaming(R"({"resolve": {"a.*.test": "127.0.0.1"}})", "is not a DNS name"));
    BOOST_TEST(refusal(R"({"resolve": {"*.Apps.example.test": "::1", "x.test": "127.0.0.2"}})").empty());
    BOOST_TEST(refusal(R"({"defaultAddress": "localhost"})") ==
               "mock-acme config: defaultAddress must be an IP address, not \"localhost\"");
    BOOST_TEST(refusal(R"({"defaultAddress": "::1"})").empty());
    BOOST_TEST(refusedNaming(R"({"validationDelaySeconds": -1})", "validationDelaySeconds"));
    BOOST_TEST(refusedNaming(R"({"orderLifetimeSeconds": 1e300})", "orderLifetimeSeconds"));
    BOOST_TEST(refusedNaming(R"({"forgetAfterSeconds": -1})", "forgetAfterSeconds"));
    BOOST_TEST(refusedNaming(R"({"failedAuthorizationLimit": -1})", "failedAuthorizationLimit must not be negative"));
    BOOST_TEST(refusedNaming(R"({"pauseAfterFailures": -1})", "pauseAfterFailures must not be negative"));
    BOOST_TEST(refusedNaming(R"({"failedAuthorizationLimit": 5, "failedAuthorizationWindowSeconds": 0})",
                             "failedAuthorizationWindow must be positive"));
    BOOST_TEST(refusedNaming(R"({"duplicateCertificateLimit": -2})", "duplicateCertificateLimit must not be negative"));
    BOOST_TEST(refusedNaming(R"({"duplicateCertificateLimit": 1, "duplicateCertificateWindowSeconds": 0})",
                             "duplicateCertificateWindow must be positive"));
    BOOST_TEST(refusedNaming(R"({"rateLimitOrders": -1})", "rateLimitOrders must not be negative"));
    BOOST_TEST(refusedNaming(R"({"registeredDomainLimit": -1})", "registeredDomainLimit must not be negative"));
    BOOST_TEST(refusedNaming(R"({"registrationLimit": 3, "registrationWindowSeconds": 0})", "registrationWindow must be positive"));
    BOOST_TEST(refusedNaming(R"({"registrationRangeLimit": -1})", "registrationRangeLimit must not be negative"));
    BOOST_TEST(refusedNaming(R"({"registrationRangeLimit": 3, "registrationRangeWindowSeconds": 0})",
                             "registrationRangeWindow must be positive"));
    BOOST_TEST(refusedNaming(R"({"registeredDomainLimit": 1, "registeredDomainWindowSeconds": 0})",
                             "registeredDomainWindow must be positive"));
    BOOST_TEST(refusedNaming(R"({"profiles": {"odd": {"orderLifetimeSeconds": 60}}})", "profile \"odd\" needs \"lifetimeSeconds\""));
    {
        MockAcmeConfig set;  // in code, past what JSON takes
        set.forgetAfter = std::chrono::hours(24 * 365 * 101);
        BOOST_CHECK_EXCEPTION(set.validate(), Error, [](const Error& e) {
            return std::string(e.what()).find("forgetAfter must be between 0 (never) and 100 years") != std::string::npos;
        });
    }
    BOOST_TEST(refusedNaming(R"({"rootCertFile": "root.pem"})", "rootCertFile and rootKeyFile go together"));
    BOOST_TEST(refusedNaming(R"({"rootKeyFile": "root.key"})", "rootCertFile and rootKeyFile go together"));
    BOOST_TEST(refusedNaming(R"({"rootCertFile": 1, "rootKeyFile": "root.key"})", "rootCertFile"));
    BOOST_TEST(refusedNaming(R"({"nonceRejectPercent": 101})", "percentages"));
    BOOST_TEST(refusedNaming(R"({"truncatedResponsePercent": 101})", "percentages"));
    BOOST_TEST(refusedNaming(R"({"truncatedResponsePercent": "all"})", "truncatedResponsePercent"));
    BOOST_TEST(refusedNaming(R"({"delayedResponsePercent": -1})", "percentages"));
    BOOST_TEST(refusedNaming(R"({"responseDelaySeconds": 0})", "responseDelay must be between 1 ms and 3600 seconds"));
    BOOST_TEST(refusedNaming(R"({"responseDelaySeconds": 3601})", "responseDelay"));
    BOOST_TEST(refusedNaming(R"({"responseDelaySeconds": "long"})", "responseDelaySeconds"));
    BOOST_TEST(refusedNaming(R"({"challengeWaitSeconds": 61})", "challengeWait"));
    BOOST_TEST(refusedNaming(R"({"defaultProfile": "nonsense"})", "nonsense"));
    BOOST_TEST(refusedNaming(R"({"alternateChains": 9})", "alternateChains"));
    BOOST_TEST(refusedNaming(R"({"validationThreads": 0})", "validationThreads"));
    BOOST_TEST(refusedNaming(R"({"maxConnections": 0})", "maxConnections"));
    BOOST_TEST(refusedNaming(R"({"maxConnections": 65537})", "maxConnections"));
    BOOST_TEST(refusedNaming(R"({"caKeyType": "dsa"})", "dsa"));
    BOOST_TEST(refusedNaming(R"({"httpsCertificateFile": "c.pem"})", "httpsPrivateKeyFile"));
    BOOST_TEST(refusedNaming(R"({"blockedDomains": "a.test"})", "blockedDomains"));
    BOOST_TEST(refusedNaming(R"({"blockedDomains": ["Upper.Test"]})", "Upper.Test"));
    BOOST_TEST(refusedNaming(R"({"blockedDomains": ["*.a.test"]})", "*.a.test"));
    BOOST_TEST(refusedNaming(R"({"blockedDomains": ["../x"]})", "../x"));
    BOOST_TEST(refusedNaming(R"({"ocspResponderUrl": "ftp://127.0.0.1/"})", "ocspResponderUrl"));
    BOOST_TEST(refusedNaming(R"({"ocspResponderUrl": "http://a b/"})", "ocspResponderUrl"));
    BOOST_TEST(refusedNaming(R"({"ocspResponderUrl": "http://\u00e9.test/"})", "ocspResponderUrl"));
    BOOST_TEST(refusedNaming(R"({"ocspResponderUrl": ")" + std::string(1001, 'h') + R"("})", "ocspResponderUrl"));
    // the terms of service go into a Link header and a page: no quotes, angle brackets or spaces
    for (const std::string terms : {"ftp://x.test/t", "https://a b/", "https://x.test/<t>", R"(https://x.test/\"t)", "https://",
                                    "https:///t", "terms.html", "/terms-of-service/", "/terms-of-service/a/b", "/terms-of-service/..",
                                    "/terms", "/dir", "/terms-of-service/a b"})
        BOOST_TEST(refusedNaming(R"({"termsOfService": ")" + terms + R"("})", "termsOfService"), terms);
    BOOST_TEST(refusedNaming(R"({"termsOfService": "https://x.test/)" + std::string(2040, 'a') + R"("})", "termsOfService"));
    BOOST_TEST(refusal(R"({"termsOfService": "https://x.test/)" + std::string(2030, 'a') + R"("})").empty());
    BOOST_TEST(refusal(R"({"termsOfService": ""})").empty());  // no terms
    BOOST_TEST(MockAcmeConfig().termsOfService == "/terms-of-service");  // mock-acme's own page
    BOOST_TEST(refusal(R"({"termsOfService": "/terms-of-service/2026-12.v2_x"})").empty());
    BOOST_TEST(refusedNaming(R"({"mustStaple": "ignore"})", "mustStaple"));
    BOOST_TEST(refusedNaming(R"({"mustStaple": true})", "mustStaple"));
}

BOOST_AUTO_TEST_CASE(the_https_identity_management_tls_blocklist_dns_resolution_and_ocsp_url_have_keys_of_their_own) {
    MockAcmeConfig config;
    config.applyJson(R"({"httpsCertificateFile": "c.pem", "httpsPrivateKeyFile": "k.pem", "managementTls": true,
                         "blockedDomains": ["blocked.test", "other.test"], "resolveThroughDns": true,
                         "ocspResponderUrl": "http://127.0.0.1:4002/ocsp", "mustStaple": "copy"})");
    config.validate();
    BOOST_TEST(config.httpsCertificateFile == "c.pem");
    BOOST_TEST(config.httpsPrivateKeyFile == "k.pem");
    BOOST_TEST(config.managementTls);
    BOOST_TEST(config.blockedDomains == (std::vector<std::string>{"blocked.test", "other.test"}));
    BOOST_TEST(config.resolveThroughDns);
    BOOST_TEST(config.ocspResponderUrl == "http://127.0.0.1:4002/ocsp");
    BOOST_TEST((config.mustStaple == MockAcmeConfig::MustStaple::Copy));
    config.applyJson(R"({"mustStaple": "refuse"})");
    BOOST_TEST((config.mustStaple == MockAcmeConfig::MustStaple::Refuse));

    MockAcmeConfig named;
    BOOST_TEST(named.preAuthorization);  // mock-acme's default
    BOOST_TEST((named.mustStaple == MockAcmeConfig::MustStaple::Refuse));  // as Let's Encrypt
    named.applyJson(R"({"httpsNames": ["acme.internal", "192.0.2.10"], "preAuthorization": false})");
    named.validate();
    BOOST_TEST(named.httpsNames == (std::vector<std::string>{"acme.internal", "192.0.2.10"}));
    BOOST_TEST(!named.preAuthorization);
    BOOST_TEST(!named.enableDnsAccount01);  // off by default
    BOOST_TEST(!named.enableDnsPersist01);
    BOOST_TEST(!named.subdomainAuth);  // as Let's Encrypt
    BOOST_TEST(!named.nonceOnEveryResponse);  // as Boulder and pebble
    BOOST_TEST((named.caaRecheckAfter == std::chrono::hours(7)));  // Boulder's
    named.applyJson(R"({"checkCaa": true, "dnsServer": "127.0.0.1:8053", "enableDnsAccount01": true, "enableDnsPersist01": true,
                        "nonceOnEveryResponse": true, "caaRecheckAfterSeconds": 0, "subdomainAuthAllowed": true})");
    named.validate();
    BOOST_TEST(named.nonceOnEveryResponse);
    BOOST_TEST(named.checkCaa);
    BOOST_TEST((named.caaRecheckAfter == Duration::zero()));
    named.applyJson(R"({"caaRecheckAfterSeconds": 28801})");
    BOOST_CHECK_THROW(named.validate(), Error);  // past the Baseline Requirements' 8 hours
    BOOST_TEST(named.enableDnsAccount01);
    BOOST_TEST(named.enableDnsPersist01);
    BOOST_TEST(named.subdomainAuth);
}

// ------------------------------------------------------------ pebble's way

namespace {

std::string debianExample(const std::string& name) {
    std::ifstream in("/usr/share/doc/pebble/examples/" + name);
    BOOST_REQUIRE_MESSAGE(in, "Debian's pebble example " << name << " is missing");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// An environment of its own, for applyPebbleEnvironment.
struct Environment {
    std::map<std::string, std::string> values;
    std::function<const char*(const char*)> lookup() const {
        return [this](const char* name) -> const char* {
            const auto it = values.find(name);
            return it == values.end() ? nullptr : it->second.c_str();
        };
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(pebbles_defaults_are_what_pebble_does_untold) {
    MockAcmeConfig config;
    config.applyPebbleDefaults();
    config.validate();
    BOOST_TEST(config.nonceRejectPercent == 5);
    BOOST_TEST(config.authzReusePercent == 50);
    BOOST_TEST(config.ordersPerPage == 3);
    BOOST_TEST(config.alternateChains == 0);
    BOOST_TEST(config.intermediates == 1);
    BOOST_TEST(config.retryAfterSeconds == 3);
    BOOST_TEST((config.caKeyType == KeyType::Rsa2048));  // pebble's CA keys
    BOOST_TEST(!config.preAuthorization);                 // pebble's directory has no newAuthz
    BOOST_TEST(config.managementTls);
    BOOST_TEST(config.resolveThroughDns);
    BOOST_TEST((config.profiles.at(config.defaultProfile).lifetime == std::chrono::seconds(157766400)));
    BOOST_TEST(!config.skipValidation);
    BOOST_TEST(!config.checkCaa);  // pebble checks no CAA record
    BOOST_TEST((config.mustStaple == MockAcmeConfig::MustStaple::Copy));  // pebble copies a CSR's Must-Staple
    BOOST_TEST((config.profiles.at(config.defaultProfile).contents == LeafContents{true, true, true, true}));  // clientAuth too
    BOOST_TEST(config.listenHost == "127.0.0.1");  // still loopback until its file says otherwise
    // pebble's orders last a day, its authorizations an hour pending and an hour once valid
    const auto windows = config.windowsOf(config.profiles.at(config.defaultProfile));
    BOOST_TEST((windows.orderLifetime == std::chrono::hours(24)));
    BOOST_TEST((windows.authorizationLifetime == std::chrono::hours(1)));
    BOOST_TEST((windows.validAuthorizationLifetime == std::chrono::hours(1)));
}

BOOST_AUTO_TEST_CASE(debians_example_pebble_configurations_are_read_whole_and_quietly) {
    for (const std::string name : {"pebble-config.json", "pebble-config-external-account-bindings.json"}) {
        const std::string text = debianExample(name);
        BOOST_TEST(MockAcmeConfig::isPebbleJson(text));
        MockAcmeConfig config;
        config.applyPebbleDefaults();
        const auto warnings = config.applyPebbleJson(text);
        config.validate();
        BOOST_TEST(warnings.empty(), name << ": " << (warnings.empty() ? "" : warnings.front()));
        BOOST_TEST(config.listenHost == "0.0.0.0");  // what the example asks for
        BOOST_TEST(config.listenPort == 14000);
        BOOST_TEST(config.managementHost == "0.0.0.0");
        BOOST_TEST(config.managementPort == 15000);
        BOOST_TEST(config.http01Port == 5002);
        BOOST_TEST(config.tlsAlpn01Port == 5001);
        BOOST_TEST(config.httpsCertificateFile == "test/certs/localhost/cert.pem");
        BOOST_TEST(config.httpsPrivateKeyFile == "test/certs/localhost/key.pem");
        const bool eab = name.find("external") != std::string::npos;
        BOOST_TEST(config.externalAccountRequired == eab);
        BOOST_TEST(config.eabKeys.size() == (eab ? 2u : 0u));
        if (eab) BOOST_TEST(config.eabKeys.at("kid-1") == "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W");
    }
    BOOST_TEST(!MockAcmeConfig::isPebbleJson(R"({"listenPort": 1})"));
    BOOST_TEST(!MockAcmeConfig::isPebbleJson(R"({"pebble": {}, "other": 1})"));
    BOOST_TEST(MockAcmeConfig::isPebbleJson(R"({"pebble": 1})"));  // meant as pebble's; refused below
    BOOST_TEST(!MockAcmeConfig::isPebbleJson("not json"));
}

BOOST_AUTO_TEST_CASE(pebbles_keys_are_matched_as_go_matches_them_and_the_rest_is_warned_of) {
    MockAcmeConfig config;
    config.applyPebbleDefaults();
    const auto warnings = config.applyPebbleJson(R"({"Pebble": {
        "LISTENADDRESS": "[::1]:14001", "managementListenAddress": "", "HTTPPort": 80, "tlsport": 443,
        "domainBlocklist": ["Blocked.Example"], "certificateValidityPeriod": 3600,
        "retryAfter": {"authz": 7, "order": 9}, "ocspResponderURL": "http://127.0.0.1:4002", "smtpServer": {},
        "crlValidity": 1000000}})");
    config.validate();
    BOOST_TEST(config.listenHost == "::1");
    BOOST_TEST(config.listenPort == 14001);
    BOOST_TEST(config.managementHost == "127.0.0.1");  // pebble: none; mock-acme: loopback, any port
    BOOST_TEST(config.managementPort == 0);
    BOOST_TEST(config.http01Port == 80);
    BOOST_TEST(config.tlsAlpn01Port == 443);
    BOOST_TEST(config.blockedDomains == (std::vector<std::string>{"blocked.example"}));
    BOOST_TEST((config.profiles.at(config.defaultProfile).lifetime == std::chrono::hours(1)));
    BOOST_TEST(config.retryAfterSeconds == 7);
    BOOST_TEST(config.ocspResponderUrl == "http://127.0.0.1:4002");
    std::string all;
    for (const auto& w : warnings) all += w + "\n";
    BOOST_TEST_MESSAGE(all);
    BOOST_TEST(warnings.size() == 4u);
    BOOST_TEST(all.find("managementListenAddress") != std::string::npos);
    BOOST_TEST(all.find("retryAfter.order") != std::string::npos);
    BOOST_TEST(all.find("\"smtpServer\" is not a pebble setting") != std::string::npos);
    BOOST_TEST(all.find("crlValidity over 10 days") != std::string::npos);
    BOOST_TEST((config.crlValidity == std::chrono::hours(240)));
}

// Go leaves a field alone for null: so does mock-acme, but for pebble's null
// managementListenAddress (no management interface), which becomes loopback on
// a free port, said in a warning; a retryAfter member pebble has not is warned of.
BOOST_AUTO_TEST_CASE(pebbles_null_settings_and_unknown_retry_after_members) {
    MockAcmeConfig config;
    config.applyPebbleDefaults();
    const MockAcmeConfig before = config;
    const auto warnings = config.applyPebbleJson(R"({"pebble": {"listenAddress": null, "httpPort": null,
        "managementListenAddress": null, "retryAfter": {"authz": 4, "finalize": 2}}})");
    config.validate();
    BOOST_TEST(config.listenHost == before.listenHost);
    BOOST_TEST(config.listenPort == before.listenPort);
    BOOST_TEST(config.http01Port == before.http01Port);
    BOOST_TEST(config.managementHost == "127.0.0.1");
    BOOST_TEST(config.managementPort == 0);
    BOOST_TEST(config.retryAfterSeconds == 4);
    BOOST_REQUIRE(warnings.size() == 2u);
    BOOST_TEST(warnings[0].find("managementListenAddress is null") != std::string::npos, warnings[0]);
    BOOST_TEST(warnings[1].find("retryAfter.finalize is not known; ignored") != std::string::npos, warnings[1]);
}

// Newer pebble's file: profiles, the CA's key algorithm, CAA identities.
BOOST_AUTO_TEST_CASE(newer_pebbles_profiles_key_algorithm_and_caa_identities_are_read) {
    MockAcmeConfig config;
    config.applyPebbleDefaults();
    const auto warnings = config.applyPebbleJson(R"({"pebble": {"keyAlgorithm": "ecdsa",
        "caaIdentities": ["Pebble.Example.Test", "second.example.test"],
        "profiles": {"default": {"description": "The profile you know", "validityPeriod": 7776000},
                     "shortlived": {"Description": "Six days", "ValidityPeriod": 518400},
                     "pebbles-own": {"validityPeriod": 0}, "odd": {"description": "x", "color": "blue"}}}})");
    config.validate();
    BOOST_TEST(config.caKeyType == KeyType::EcP256);
    BOOST_TEST(config.caaIdentities == (std::vector<std::string>{"pebble.example.test", "second.example.test"}));
    BOOST_TEST(config.profiles.size() == 4u);
    BOOST_TEST(config.defaultProfile == "default");
    BOOST_TEST(config.profiles.at("default").description == "The profile you know");
    BOOST_TEST((config.profiles.at("default").lifetime == std::chrono::hours(24 * 90)));
    BOOST_TEST((config.profiles.at("shortlived").lifetime == std::chrono::hours(24 * 6)));
    BOOST_TEST(config.profiles.at("shortlived").description == "Six days");
    BOOST_TEST((config.profiles.at("pebbles-own").lifetime == std::chrono::seconds(157766400)));  // 0: pebble's 5 years
    BOOST_TEST(!config.profiles.count("classic"));  // the file's profiles replace mock-acme's
    for (const auto& [name, profile] : config.profiles)  // and their leaves are pebble's, clientAuth too
        BOOST_TEST((profile.contents == MockAcmeConfig::kPebbleLeaf), name);
    BOOST_REQUIRE(warnings.size() == 1u);
    BOOST_TEST(warnings[0].find("profiles.odd.color") != std::string::npos, warnings[0]);

    // no "default" profile: the first by name; a profile without a period takes
    // certificateValidityPeriod when there is one; the RSA CA of pebble's own
    MockAcmeConfig other;
    BOOST_TEST(other.applyPebbleJson(R"({"pebble": {"keyAlgorithm": "rsa", "certificateValidityPeriod": 3600,
        "profiles": {"b": {}, "a": {"validityPeriod": 60}}}})").empty());
    other.validate();
    BOOST_TEST(other.defaultProfile == "a");
    BOOST_TEST((other.profiles.at("a").lifetime == std::chrono::seconds(60)));
    BOOST_TEST((other.profiles.at("b").lifetime == std::chrono::hours(1)));
    BOOST_TEST(other.caKeyType == KeyType::Rsa2048);

    // an empty "profiles" leaves the profiles alone, as pebble falls back to one of its own
    MockAcmeConfig empty;
    empty.applyPebbleDefaults();
    BOOST_TEST(empty.applyPebbleJson(R"({"pebble": {"profiles": {}}})").empty());
    BOOST_TEST(empty.defaultProfile == "classic");

    // mock-acme's own key, and its check
    MockAcmeConfig own;
    own.applyJson(R"({"caaIdentities": ["ca.example.test"]})");
    own.validate();
    BOOST_TEST(own.caaIdentities == (std::vector<std::string>{"ca.example.test"}));
    BOOST_TEST(MockAcmeConfig().caaIdentities == (std::vector<std::string>{"cxxacme.mock"}));
    BOOST_TEST(refusedNaming(R"({"caaIdentities": ["Upper.Example"]})", "Upper.Example"));
    BOOST_TEST(refusedNaming(R"({"caaIdentities": ["bad..name"]})", "CAA identity"));
    BOOST_TEST(refusedNaming(R"({"caaIdentities": "one.example"})", "caaIdentities"));

    // the origins whose scripts may read the answers (CORS): any by default, as Let's Encrypt and pebble
    BOOST_TEST(MockAcmeConfig().corsOrigins == (std::vector<std::string>{"*"}));
    // the directory's random member: as Let's Encrypt by default, not in pebble's place
    BOOST_TEST(MockAcmeConfig().randomDirectoryEntry);
    MockAcmeConfig asPebble;
    asPebble.applyPebbleDefaults();
    BOOST_TEST(!asPebble.randomDirectoryEntry);
    MockAcmeConfig fixedDirectory;
    fixedDirectory.applyJson(R"({"randomDirectoryEntry": false})");
    BOOST_TEST(!fixedDirectory.randomDirectoryEntry);
    BOOST_TEST(refusedNaming(R"({"randomDirectoryEntry": "no"})", "randomDirectoryEntry"));
    MockAcmeConfig cors;
    cors.applyJson(R"({"corsOrigins": ["https://app.example", "http://127.0.0.1:8080", "https://[::1]:8443", "http://localhost:65535",
                                       "https://xn--bcher-kva.example", "https://[2001:db8::1]"]})");
    cors.validate();
    BOOST_TEST(cors.corsOrigins == (std::vector<std::string>{"https://app.example", "http://127.0.0.1:8080", "https://[::1]:8443",
                                                             "http://localhost:65535", "https://xn--bcher-kva.example",
                                                             "https://[2001:db8::1]"}));
    cors.applyJson(R"({"corsOrigins": []})");
    cors.validate();
    BOOST_TEST(cors.corsOrigins.empty());
    BOOST_TEST(refusedNaming(R"({"corsOrigins": "*"})", "corsOrigins"));
    for (const char* origin : {"https://app.example/", "https://app.example/path", "https://App.Example", "ftp://app.example",
                               "https://", "https://app.example:", "https://app.example:8x", "https://[::1", "null",
                               "https://app example", "https://a..b", "https://-app.example", "https://*.app.example",
                               "https://app.example:0", "https://app.example:65536", "https://app.example:08080",
                               "https://[::1]x", "https://[127.0.0.1]", "https://[::1]:", "https://[0:0::1]",
                               "https://127.000.0.1", "https://app.example:443:1"})
        BOOST_TEST(refusedNaming(std::string(R"({"corsOrigins": [")") + origin + R"("]})", origin), origin);
}

BOOST_AUTO_TEST_CASE(a_bad_pebble_file_is_refused_with_its_key_named) {
    const auto refusalOf = [](const std::string& json) { return refusal(json, true); };
    BOOST_TEST(refusalOf(R"({"notpebble": {}})").find("\"pebble\"") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": 1})").find("\"pebble\"") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": [1]})").find("\"pebble\"") != std::string::npos);
    BOOST_TEST(refusalOf("{").find("config") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"listenAddress": "14000"}})").find("listenAddress") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"listenAddress": "127.0.0.1:x"}})").find("listenAddress") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"listenAddress": "127.0.0.1:70000"}})").find("listenAddress") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"httpPort": "5002"}})").find("httpPort") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"externalAccountBindingRequired": "yes"}})").find("externalAccountBindingRequired") !=
               std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"domainBlocklist": ["ok.test", 3]}})").find("domainBlocklist") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"domainBlocklist": ["bad..name"]}})").find("bad..name") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"certificate": "c.pem"}})").find("httpsPrivateKeyFile") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"retryAfter": 3}})").find("retryAfter") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"keyAlgorithm": "dsa"}})").find("keyAlgorithm") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"caaIdentities": ["bad..name"]}})").find("bad..name") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"profiles": 1}})").find("profiles") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"profiles": {"x": 1}}})").find("profiles.x") != std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"profiles": {"x": {"validityPeriod": -1}}}})").find("validityPeriod") !=
               std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"profiles": {"x": {"validityPeriod": "90d"}}}})").find("validityPeriod") !=
               std::string::npos);
    BOOST_TEST(refusalOf(R"({"pebble": {"profiles": {"two words": {}}}})").find("two words") != std::string::npos);
}

// CRLs: mock-acme's keys, newer pebble's keys and environment, and the checks.
BOOST_AUTO_TEST_CASE(crl_settings_from_mock_acmes_keys_pebbles_file_and_pebbles_environment) {
    MockAcmeConfig config;
    BOOST_TEST(!config.crl);
    BOOST_TEST((config.crlMaxDelay == Duration::zero()));
    BOOST_TEST((config.crlValidity == std::chrono::hours(24 * 7)));
    config.applyJson(R"({"crlListen": "[::1]:4003", "crlBaseUrl": "http://crl.example.test/", "crlValiditySeconds": 3600,
                         "crlMaxDelaySeconds": 5})");
    config.validate();
    BOOST_TEST(config.crl);
    BOOST_TEST(config.crlHost == "::1");
    BOOST_TEST(config.crlPort == 4003);
    BOOST_TEST(config.crlBaseUrl == "http://crl.example.test/");
    BOOST_TEST((config.crlValidity == std::chrono::hours(1)));
    BOOST_TEST((config.crlMaxDelay == std::chrono::seconds(5)));
    BOOST_TEST(refusedNaming(R"({"crlBaseUrl": "http://crl.example.test/"})", "crlListen"));  // a URL nothing serves
    BOOST_TEST(refusedNaming(R"({"crlListen": "127.0.0.1:0", "crlBaseUrl": "https://crl.example.test/"})", "http://"));
    BOOST_TEST(refusedNaming(R"({"crlListen": "127.0.0.1:0", "crlBaseUrl": "http://a b/"})", "crlBaseUrl"));
    BOOST_TEST(refusedNaming(R"({"crlListen": "4003"})", "crlListen"));
    BOOST_TEST(refusedNaming(R"({"crlListen": "127.0.0.1:0", "crlValiditySeconds": 0})", "crlValidity"));
    BOOST_TEST(refusedNaming(R"({"crlListen": "127.0.0.1:0", "crlMaxDelaySeconds": 3601})", "crlMaxDelay"));

    MockAcmeConfig pebble;
    pebble.applyPebbleDefaults();
    BOOST_TEST((pebble.crlMaxDelay == std::chrono::seconds(15)));  // pebble's default, when CRLs are on
    BOOST_TEST(!pebble.crl);
    BOOST_TEST(pebble.applyPebbleJson(R"({"pebble": {"crlListenAddress": ":4003", "crlBaseURL": "http://localhost:4003/",
        "crlMaxDelay": 0, "crlValidity": 0}})").empty());
    pebble.validate();
    BOOST_TEST(pebble.crl);
    BOOST_TEST(pebble.crlHost == "0.0.0.0");  // Go's empty host: every address
    BOOST_TEST(pebble.crlPort == 4003);
    BOOST_TEST(pebble.crlBaseUrl == "http://localhost:4003/");
    BOOST_TEST((pebble.crlMaxDelay == Duration::zero()));
    BOOST_TEST((pebble.crlValidity == std::chrono::hours(24 * 7)));  // 0: pebble's 7 days
    BOOST_TEST(refusal(R"({"pebble": {"crlMaxDelay": -1}})", true).find("crlMaxDelay") != std::string::npos);
    BOOST_TEST(refusal(R"({"pebble": {"crlValidity": -1}})", true).find("crlValidity") != std::string::npos);
    BOOST_TEST(refusal(R"({"pebble": {"crlListenAddress": "nowhere"}})", true).find("crlListenAddress") != std::string::npos);
    BOOST_TEST(refusal(R"({"pebble": {"crlBaseURL": "http://localhost:4003/"}})", true).find("crlListen") != std::string::npos);

    Environment env;
    env.values = {{"PEBBLE_CRL_LISTEN_ADDRESS", "127.0.0.1:4004"}, {"PEBBLE_CRL_BASE_URL", "http://127.0.0.1:4004/"},
                  {"PEBBLE_CRL_MAX_DELAY", "3"}, {"PEBBLE_CRL_VALIDITY", "2000000"}};
    MockAcmeConfig fromEnv;
    BOOST_TEST(fromEnv.applyPebbleEnvironment(env.lookup()).empty());
    fromEnv.validate();
    BOOST_TEST(fromEnv.crl);
    BOOST_TEST(fromEnv.crlPort == 4004);
    BOOST_TEST(fromEnv.crlBaseUrl == "http://127.0.0.1:4004/");
    BOOST_TEST((fromEnv.crlMaxDelay == std::chrono::seconds(3)));
    BOOST_TEST((fromEnv.crlValidity == std::chrono::hours(240)));  // clamped to 10 days, as pebble
    env.values = {{"PEBBLE_CRL_MAX_DELAY", "-2"}};
    try {
        MockAcmeConfig().applyPebbleEnvironment(env.lookup());
        BOOST_ERROR("a negative PEBBLE_CRL_MAX_DELAY was taken");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()).find("PEBBLE_CRL_MAX_DELAY") != std::string::npos, e.what());
    }
}

// dnsListen: mock-acme serves DNS too, and asks it unless a dnsServer is named.
BOOST_AUTO_TEST_CASE(dns_listen_serves_dns_and_is_asked_unless_another_server_is_named) {
    MockAcmeConfig config;
    config.applyJson(R"({"dnsListen": "[::1]:0", "checkCaa": true})");
    config.validate();  // checkCaa is satisfied by the server's own DNS
    BOOST_TEST(config.dnsListen);
    BOOST_TEST(config.dnsListenHost == "::1");
    BOOST_TEST(config.dnsListenPort == 0);
    BOOST_TEST(refusedNaming(R"({"dnsListen": "8053"})", "dnsListen"));
    BOOST_TEST(refusedNaming(R"({"checkCaa": true})", "dnsServer"));

    config.listenPort = 0;
    config.managementPort = 0;
    config.dnsListenHost = "127.0.0.1";
    mock_acme::MockAcmeServer own(config);
    BOOST_REQUIRE(own.dns() != nullptr);
    BOOST_TEST(own.dns()->port() != 0);
    BOOST_TEST(own.engine().config().dnsServer == own.dns()->address());
    config.dnsServer = "127.0.0.1:53";
    mock_acme::MockAcmeServer named(config);
    BOOST_TEST(named.engine().config().dnsServer == "127.0.0.1:53");  // the one named is asked
    BOOST_REQUIRE(named.dns() != nullptr);                              // and the own one still serves
}

BOOST_AUTO_TEST_CASE(pebbles_environment_sets_the_knobs_pebble_reads_from_it) {
    MockAcmeConfig config;
    config.applyPebbleDefaults();
    Environment env{{{"PEBBLE_VA_ALWAYS_VALID", "1"}, {"PEBBLE_WFE_NONCEREJECT", "0"}, {"PEBBLE_AUTHZREUSE", "100"},
                     {"PEBBLE_CHAIN_LENGTH", "3"}, {"PEBBLE_ALTERNATE_ROOTS", "2"}, {"PEBBLE_WFE_ORDERS_PER_PAGE", "15"},
                     {"PEBBLE_VA_NOSLEEP", "1"}}};
    BOOST_TEST(config.applyPebbleEnvironment(env.lookup()).empty());
    config.validate();
    BOOST_TEST(config.skipValidation);
    BOOST_TEST(config.nonceRejectPercent == 0);
    BOOST_TEST(config.authzReusePercent == 100);
    BOOST_TEST(config.intermediates == 3);  // Debian's pebble: PEBBLE_CHAIN_LENGTH=3 makes three intermediates
    BOOST_TEST(config.alternateChains == 2);
    BOOST_TEST(config.ordersPerPage == 15);

    MockAcmeConfig untold;
    untold.applyPebbleDefaults();
    BOOST_TEST(untold.applyPebbleEnvironment(Environment{}.lookup()).empty());
    BOOST_TEST(untold.nonceRejectPercent == 5);  // nothing set: pebble's defaults stand
    BOOST_TEST(!untold.skipValidation);
    BOOST_TEST(untold.applyPebbleEnvironment(Environment{{{"PEBBLE_VA_ALWAYS_VALID", "true"}}}.lookup()).empty());
    BOOST_TEST(!untold.skipValidation);  // pebble turns it on for "1" only
    BOOST_TEST(untold.applyPebbleEnvironment(Environment{{{"PEBBLE_CHAIN_LENGTH", "0"}}}.lookup()).empty());
    BOOST_TEST(untold.intermediates == 1);  // pebble's minimum

    // PEBBLE_VA_SLEEPTIME=N: pebble sleeps 0..N-1 s before each validation, unless PEBBLE_VA_NOSLEEP says not to
    BOOST_TEST((untold.validationJitter == Duration::zero()));  // untold, mock-acme does not sleep
    BOOST_TEST(untold.applyPebbleEnvironment(Environment{{{"PEBBLE_VA_SLEEPTIME", "5"}}}.lookup()).empty());
    BOOST_TEST((untold.validationJitter == std::chrono::seconds(4)));
    MockAcmeConfig noSleep;
    BOOST_TEST(noSleep.applyPebbleEnvironment(Environment{{{"PEBBLE_VA_SLEEPTIME", "5"}, {"PEBBLE_VA_NOSLEEP", "true"}}}.lookup())
                   .empty());
    BOOST_TEST((noSleep.validationJitter == Duration::zero()));
    MockAcmeConfig own;
    own.applyJson(R"({"validationJitterSeconds": 2.5})");
    own.validate();
    BOOST_TEST((own.validationJitter == std::chrono::milliseconds(2500)));
    BOOST_TEST(refusedNaming(R"({"validationJitterSeconds": 3601})", "validationJitter"));
    for (const auto& [name, value] : std::map<std::string, std::string>{{"PEBBLE_WFE_NONCEREJECT", "101"},
                                                                        {"PEBBLE_AUTHZREUSE", "half"},
                                                                        {"PEBBLE_CHAIN_LENGTH", "9"},
                                                                        {"PEBBLE_ALTERNATE_ROOTS", "-1"},
                                                                        {"PEBBLE_WFE_ORDERS_PER_PAGE", "0"},
                                                                        {"PEBBLE_VA_SLEEPTIME", "0"}}) {
        MockAcmeConfig c;
        std::string message;
        try {
            c.applyPebbleEnvironment(Environment{{{name, value}}}.lookup());
        } catch (const Error& e) {
            message = e.what();
        }
        BOOST_TEST(message.find(name) != std::string::npos, name << "=" << value << " -> " << message);
    }
}
