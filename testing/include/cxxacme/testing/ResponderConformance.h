#pragma once

// The responder conformance suite: the `IResponder` contract as Boost.Test
// cases, for cxxacme's responders and for anyone's.
//
// Include it in a Boost.Test program and instantiate it with a factory that
// owns one responder and can ask it the way a CA's validator would:
//
//     struct MyResponderFactory {
//         cxxacme::IResponder& responder();
//         // true when the challenge for `name` with `token` is answered with
//         // exactly `keyAuthorization` right now
//         bool answers(const std::string& name, const std::string& token, const std::string& keyAuthorization);
//     };
//     CXXACME_RESPONDER_CONFORMANCE_TESTS(my_responder_conformance, MyResponderFactory)
//
// Each case gets a fresh factory.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cxxacme/Challenge.h"
#include "cxxacme/IResponder.h"

namespace cxxacme::testing {

template <typename Factory>
struct ResponderConformanceFixture {
    Factory factory;

    Challenge challenge(const std::string& token) {
        return Challenge{factory.responder().challengeType(), "https://ca.example/chal/" + token, token, "pending"};
    }
    static std::string keyAuthorization(const std::string& token) { return token + ".thumbprint-of-the-account-key"; }

    void namesItsType() {
        const std::string type = factory.responder().challengeType();
        BOOST_TEST((type == "http-01" || type == "tls-alpn-01" || type == "dns-01" || type == "tls-sni-01"), type);
    }

    void answersOnlyWhileStarted() {
        IResponder& r = factory.responder();
        const std::string token = "tokenAnswersOnlyWhileStarted";
        BOOST_TEST(!factory.answers("a.example.test", token, keyAuthorization(token)));
        r.startResponding("a.example.test", challenge(token), keyAuthorization(token));
        BOOST_TEST(factory.answers("a.example.test", token, keyAuthorization(token)));
        BOOST_TEST(!factory.answers("a.example.test", token, keyAuthorization("someOtherToken")));
        r.stopResponding("a.example.test", challenge(token), keyAuthorization(token));
        BOOST_TEST(!factory.answers("a.example.test", token, keyAuthorization(token)));
    }

    void startAndStopAreIdempotent() {
        IResponder& r = factory.responder();
        const std::string token = "tokenIdempotent";
        r.stopResponding("a.example.test", challenge(token), keyAuthorization(token));  // never started: harmless
        r.startResponding("a.example.test", challenge(token), keyAuthorization(token));
        r.startResponding("a.example.test", challenge(token), keyAuthorization(token));
        BOOST_TEST(factory.answers("a.example.test", token, keyAuthorization(token)));
        r.stopResponding("a.example.test", challenge(token), keyAuthorization(token));
        r.stopResponding("a.example.test", challenge(token), keyAuthorization(token));
        BOOST_TEST(!factory.answers("a.example.test", token, keyAuthorization(token)));
    }

    void namesAreIndependent() {
        IResponder& r = factory.responder();
        r.startResponding("a.example.test", challenge("tokenA"), keyAuthorization("tokenA"));
        r.startResponding("b.example.test", challenge("tokenB"), keyAuthorization("tokenB"));
        r.stopResponding("a.example.test", challenge("tokenA"), keyAuthorization("tokenA"));
        BOOST_TEST(!factory.answers("a.example.test", "tokenA", keyAuthorization("tokenA")));
        BOOST_TEST(factory.answers("b.example.test", "tokenB", keyAuthorization("tokenB")));
        r.stopResponding("b.example.test", challenge("tokenB"), keyAuthorization("tokenB"));
    }

    /// DNS names are case-insensitive (RFC 4343): a challenge started for one
    /// spelling is answered for the lower-case name a CA asks about, and
    /// stopped by any spelling.
    void namesAreCaseInsensitive() {
        IResponder& r = factory.responder();
        const std::string token = "tokenCaseInsensitive";
        r.startResponding("Mixed.Example.TEST", challenge(token), keyAuthorization(token));
        BOOST_TEST(factory.answers("mixed.example.test", token, keyAuthorization(token)));
        r.stopResponding("MIXED.example.test", challenge(token), keyAuthorization(token));
        BOOST_TEST(!factory.answers("mixed.example.test", token, keyAuthorization(token)));
    }

    /// RFC 8555 §7.5.1: a responder that can tell when the CA has made its
    /// validation request calls the watcher for a request it answers while
    /// the challenge is started, and never after `stopResponding`; one that
    /// cannot tell says so and never calls. Neither watches a challenge it
    /// does not answer.
    void tellsOfValidationOnlyWhileStarted() {
        IResponder& r = factory.responder();
        const std::string token = "tokenWatched";
        auto seen = std::make_shared<std::atomic<int>>(0);
        const auto count = [seen] { ++*seen; };
        BOOST_TEST(!r.watchValidation("w.example.test", challenge(token), count));
        r.startResponding("w.example.test", challenge(token), keyAuthorization(token));
        const bool watching = r.watchValidation("w.example.test", challenge(token), count);
        BOOST_TEST(factory.answers("w.example.test", token, keyAuthorization(token)));
        // the watcher may be called just after the answer has left: wait for it (10 s at most)
        for (int i = 0; watching && seen->load() == 0 && i < 1000; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        BOOST_TEST(seen->load() == (watching ? 1 : 0));
        r.stopResponding("w.example.test", challenge(token), keyAuthorization(token));
        BOOST_TEST(!factory.answers("w.example.test", token, keyAuthorization(token)));
        BOOST_TEST(seen->load() == (watching ? 1 : 0));
    }

    void concurrentNames() {
        std::atomic<int> answered{0};
        std::vector<std::thread> threads;
        threads.reserve(6);
        for (int i = 0; i < 6; ++i)
            threads.emplace_back([&, i] {
                const std::string name = "c" + std::to_string(i) + ".example.test";
                const std::string token = "tokenConcurrent" + std::to_string(i);
                factory.responder().startResponding(name, challenge(token), keyAuthorization(token));
                if (factory.answers(name, token, keyAuthorization(token))) ++answered;
                factory.responder().stopResponding(name, challenge(token), keyAuthorization(token));
            });
        for (auto& t : threads) t.join();
        BOOST_TEST(answered.load() == 6);
        for (int i = 0; i < 6; ++i) {
            const std::string token = "tokenConcurrent" + std::to_string(i);
            BOOST_TEST(!factory.answers("c" + std::to_string(i) + ".example.test", token, keyAuthorization(token)));
        }
    }
};

}  // namespace cxxacme::testing

#define CXXACME_RESPONDER_CONFORMANCE_CASE(Factory, method)                                           \
    BOOST_FIXTURE_TEST_CASE(method, ::cxxacme::testing::ResponderConformanceFixture<Factory>) { \
        ::cxxacme::testing::ResponderConformanceFixture<Factory>::method();                        \
    }

/// Defines a Boost.Test suite `SuiteName` that runs the whole `IResponder`
/// contract against the responder `Factory` owns.
#define CXXACME_RESPONDER_CONFORMANCE_TESTS(SuiteName, Factory)         \
    BOOST_AUTO_TEST_SUITE(SuiteName)                                    \
    CXXACME_RESPONDER_CONFORMANCE_CASE(Factory, namesItsType)           \
    CXXACME_RESPONDER_CONFORMANCE_CASE(Factory, answersOnlyWhileStarted) \
    CXXACME_RESPONDER_CONFORMANCE_CASE(Factory, startAndStopAreIdempotent) \
    CXXACME_RESPONDER_CONFORMANCE_CASE(Factory, namesAreIndependent)    \
    CXXACME_RESPONDER_CONFORMANCE_CASE(Factory, namesAreCaseInsensitive) \
    CXXACME_RESPONDER_CONFORMANCE_CASE(Factory, tellsOfValidationOnlyWhileStarted) \
    CXXACME_RESPONDER_CONFORMANCE_CASE(Factory, concurrentNames)        \
    BOOST_AUTO_TEST_SUITE_END()
