#define BOOST_TEST_MODULE mock_acme_config
#include <boost/test/unit_test.hpp>

// MockAcmeConfig: the JSON form of mock-acme's knobs, and the checks that
// keep a bad value from starting a server.

#include <string>

#include "../TestPrinting.h"
#include "cxxacme/Error.h"
#include "cxxacme/mock_acme/MockAcmeConfig.h"

using namespace cxxacme;
using namespace cxxacme::mock_acme;
using namespace std::chrono_literals;

namespace {

// The message of the Error that `json` raises when applied, or "" if none.
std::string refusal(const std::string& json) {
    MockAcmeConfig config;
    try {
        config.applyJson(json);
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
        "externalAccountRequired": true, "eabKeys": {"kid-1": "c2VjcmV0"},
        "profiles": {"tiny": {"description": "one hour", "lifetimeSeconds": 3600}}, "defaultProfile": "tiny",
        "caKeyType": "rsa2048", "alternateChains": 2, "maxConnections": 20000, "forgetAfterSeconds": 86400
    })");
    BOOST_CHECK_NO_THROW(config.validate());
    BOOST_TEST(config.listenPort == 0);
    BOOST_TEST(config.http01Port == 5080);
    BOOST_TEST(config.dnsServer == "127.0.0.1:5353");
    BOOST_TEST(config.resolve.at("a.example.test") == "127.0.0.2");
    BOOST_TEST(config.skipValidation);
    BOOST_TEST((config.challengeWait == 250ms));
    BOOST_TEST((config.validationDelay == 2s));
    BOOST_TEST(config.nonceRejectPercent == 10);
    BOOST_TEST(config.authzReusePercent == 50);
    BOOST_TEST(config.rateLimitOrders == 3);
    BOOST_TEST((config.rateLimitWindow == 60s));
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
    BOOST_TEST((plain.profiles.at("shortlived").lifetime == std::chrono::hours(24 * 6)));
}

BOOST_AUTO_TEST_CASE(the_defaults_are_valid_and_quiet) {
    const MockAcmeConfig config;
    BOOST_CHECK_NO_THROW(config.validate());
    BOOST_TEST(!config.skipValidation);
    BOOST_TEST(config.nonceRejectPercent == 0);
    BOOST_TEST(config.serverErrorPercent == 0);
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
    BOOST_TEST(refusedNaming(R"({"resolve": {"a.example.test": 1}})", "a.example.test"));
    BOOST_TEST(refusedNaming(R"({"validationDelaySeconds": -1})", "validationDelaySeconds"));
    BOOST_TEST(refusedNaming(R"({"orderLifetimeSeconds": 1e300})", "orderLifetimeSeconds"));
    BOOST_TEST(refusedNaming(R"({"forgetAfterSeconds": -1})", "forgetAfterSeconds"));
    BOOST_TEST(refusedNaming(R"({"nonceRejectPercent": 101})", "percentages"));
    BOOST_TEST(refusedNaming(R"({"challengeWaitSeconds": 61})", "challengeWait"));
    BOOST_TEST(refusedNaming(R"({"defaultProfile": "nonsense"})", "nonsense"));
    BOOST_TEST(refusedNaming(R"({"alternateChains": 9})", "alternateChains"));
    BOOST_TEST(refusedNaming(R"({"validationThreads": 0})", "validationThreads"));
    BOOST_TEST(refusedNaming(R"({"maxConnections": 0})", "maxConnections"));
    BOOST_TEST(refusedNaming(R"({"maxConnections": 65537})", "maxConnections"));
    BOOST_TEST(refusedNaming(R"({"caKeyType": "dsa"})", "dsa"));
}
