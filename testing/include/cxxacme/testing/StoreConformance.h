#pragma once

// The store conformance suite: the `ICertificateStore` contract as Boost.Test
// cases, for cxxacme's own stores and for anyone's.
//
// Include it in a Boost.Test program (after <boost/test/unit_test.hpp>) and
// instantiate it with a factory:
//
//     struct MyStoreFactory {
//         std::unique_ptr<cxxacme::ICertificateStore> make();  // a new, empty store
//         // optional: the same data opened again, to check durability
//         std::unique_ptr<cxxacme::ICertificateStore> reopen();
//     };
//     CXXACME_STORE_CONFORMANCE_TESTS(my_store_conformance, MyStoreFactory)
//
// Each case gets a fresh factory and store. A store that offers
// `IIssuanceLock`, `IChallengeBoard` or `IRateLimitBoard` has them checked too (with reopen(),
// across two instances of the store).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cxxacme/Error.h"
#include "cxxacme/ICertificateStore.h"
#include "cxxacme/IChallengeBoard.h"
#include "cxxacme/IIssuanceLock.h"
#include "cxxacme/IRateLimitBoard.h"
#include "cxxacme/IRenewalInfoBoard.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

namespace cxxacme::testing {

/// A few real bundles, made once per process and shared (making keys is the
/// slow part of a store test).
inline const std::vector<PemBundle>& conformanceBundles() {
    static const std::vector<PemBundle> bundles = [] {
        TestCertificateAuthority ca;
        return std::vector<PemBundle>{ca.issue("one.example"), ca.issue("two.example"),
                                      ca.issue("three.example,www.three.example"), ca.issue("four.example")};
    }();
    return bundles;
}

/// Names every store must refuse before touching a path or a query.
inline std::vector<std::string> hostileNames() {
    return {"",
            ".",
            "..",
            "../x",
            "a/b",
            "a\\b",
            "a/../../../foo",
            std::string("nul\0byte.example", 16),
            "new\nline.example",
            std::string(300, 'a') + ".example",
            "caf\xff.example",                      // not UTF-8
            "\xf0\x9f\x92\xa9.example",               // an emoji: DISALLOWED by IDNA2008
            "\xe2\x84\x80.example",                    // "℀", which UTS #46 maps to "a/c"
            std::string("a\xef\xbc\x8f..\xef\xbc\x8f") + "etc",  // "a／..／etc": full-width solidus, mapped to "/"
            "\xef\xbc\x8e\xef\xbc\x8e",                  // "．．": full-width full stops, mapped to ".."
            "xn--109-3veba6djs1bfxlfmx6c9g.example",  // an A-label of a string not in NFC
            "*.*.example",
            "a*.example",
            "-lead.example",
            "under_score.example",
            "a..b.example",
            "trailing.example.",
            "a.example,,b.example",
            "dup.example,dup.example",
            "1.2.3.999"};
}

template <typename Factory>
struct StoreConformanceFixture {
    Factory factory;
    std::unique_ptr<ICertificateStore> store = factory.make();

    static constexpr bool kCanReopen = requires(Factory f) { f.reopen(); };

    const PemBundle& bundle(std::size_t i) const { return conformanceBundles().at(i % conformanceBundles().size()); }

    /// The store's optional ability `Ability`, or nothing (and a message
    /// that `what` is not checked) when it does not offer it.
    template <class Ability>
    Ability* offered(const char* name, const char* what) {
        auto* ability = dynamic_cast<Ability*>(store.get());
        if (!ability) BOOST_TEST_MESSAGE(std::string("the store offers no ") + name + ": " + what + " not checked");
        return ability;
    }
    /// The instant the boards' cases count from (2027-01-15).
    static constexpr TimePoint kBoardNow = TimePoint(std::chrono::seconds(1'800'000'000));

    void roundTrip() {
        store->store("one.example", bundle(0));
        const auto got = store->get("one.example");
        BOOST_REQUIRE(got.has_value());
        BOOST_TEST(got->toPem() == bundle(0).toPem());
        BOOST_TEST((got->certificate() == bundle(0).certificate()));
        BOOST_TEST(got->privateKey().matches(bundle(0).certificate().publicKey()));
        BOOST_TEST(got->chain().size() == bundle(0).chain().size());
    }

    void emptyEntry() {
        store->store("blank.example", PemBundle());
        const auto got = store->get("blank.example");
        BOOST_REQUIRE(got.has_value());
        BOOST_TEST(got->empty());
        const auto all = store->asMap();
        BOOST_TEST(all.count("blank.example") == 1u);
    }

    void missingName() {
        BOOST_TEST(!store->get("missing.example").has_value());
        store->store("present.example", bundle(0));
        BOOST_TEST(!store->get("missing.example").has_value());
        BOOST_TEST(store->get("present.example").has_value());
    }

    void overwrite() {
        store->store("one.example", bundle(0));
        store->store("one.example", bundle(1));
        const auto got = store->get("one.example");
        BOOST_REQUIRE(got.has_value());
        BOOST_TEST(got->toPem() == bundle(1).toPem());
        store->store("one.example", PemBundle());
        BOOST_TEST(store->get("one.example")->empty());
        BOOST_TEST(store->asMap().size() == 1u);
    }

    void canonicalNames() {
        store->store(" One.Example ", bundle(0));
        BOOST_TEST(store->get("one.example").has_value());
        store->store("a.example, B.example", bundle(2));
        BOOST_TEST(store->get("a.example,b.example").has_value());
        const auto all = store->asMap();
        BOOST_TEST(all.count("one.example") == 1u);
        BOOST_TEST(all.count("a.example,b.example") == 1u);
        BOOST_TEST(all.size() == 2u);
        // a name in U-labels is its A-labels (ServerName): one entry, found by either form
        store->store("B\xc3\xbc" "cher.example", bundle(3));
        BOOST_TEST(store->get("xn--bcher-kva.example").has_value());
        BOOST_TEST(store->get("b\xc3\xbc" "cher.example")->toPem() == bundle(3).toPem());
        BOOST_TEST(store->asMap().count("xn--bcher-kva.example") == 1u);
        BOOST_TEST(store->asMap().size() == 3u);
        // order is part of the key: a different certificate
        BOOST_TEST(!store->get("b.example,a.example").has_value());
    }

    void asMapComplete() {
        std::map<std::string, std::string> expected;
        for (int i = 0; i < 50; ++i) {
            const std::string name = "host" + std::to_string(i) + ".example";
            const PemBundle& b = i % 5 == 0 ? PemBundle() : bundle(static_cast<std::size_t>(i));
            store->store(name, i % 5 == 0 ? PemBundle() : b);
            expected[name] = i % 5 == 0 ? std::string() : b.toPem();
        }
        const auto all = store->asMap();
        BOOST_TEST(all.size() == expected.size());
        for (const auto& [name, pem] : expected) {
            const auto it = all.find(name);
            BOOST_REQUIRE_MESSAGE(it != all.end(), "asMap lacks " << name);
            BOOST_TEST(it->second.toPem() == pem);
        }
    }

    void invalidNamesRejected() {
        store->store("kept.example", bundle(0));
        for (const auto& name : hostileNames()) {
            BOOST_CHECK_THROW(store->store(name, bundle(1)), InvalidNameError);
            BOOST_CHECK_THROW(store->get(name), InvalidNameError);
        }
        const auto all = store->asMap();
        BOOST_TEST(all.size() == 1u);
        BOOST_TEST(all.count("kept.example") == 1u);
        BOOST_TEST(store->get("kept.example")->toPem() == bundle(0).toPem());
    }

    void concurrentWriters() {
        constexpr int kThreads = 8;
        constexpr int kWrites = 40;
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        threads.reserve(kThreads);
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                try {
                    for (int i = 0; i < kWrites; ++i) {
                        store->store("shared.example", bundle(static_cast<std::size_t>(t) + static_cast<std::size_t>(i)));
                        store->store("t" + std::to_string(t) + "-" + std::to_string(i) + ".example",
                                     bundle(static_cast<std::size_t>(t)));
                        (void)store->get("shared.example");
                    }
                } catch (...) {
                    ++failures;
                }
            });
        }
        for (auto& th : threads) th.join();
        BOOST_TEST(failures.load() == 0);
        std::set<std::string> allowed;
        for (const auto& b : conformanceBundles()) allowed.insert(b.toPem());
        const auto shared = store->get("shared.example");
        BOOST_REQUIRE(shared.has_value());
        BOOST_TEST(allowed.count(shared->toPem()) == 1u);
        const auto all = store->asMap();
        BOOST_TEST(all.size() == static_cast<std::size_t>(kThreads * kWrites + 1));
        for (int t = 0; t < kThreads; ++t)
            for (int i = 0; i < kWrites; ++i) {
                const auto it = all.find("t" + std::to_string(t) + "-" + std::to_string(i) + ".example");
                BOOST_REQUIRE(it != all.end());
                BOOST_TEST(it->second.toPem() == bundle(static_cast<std::size_t>(t)).toPem());
            }
    }

    void tenThousandEntries() {
        constexpr int kEntries = 10000;
        for (int i = 0; i < kEntries; ++i)
            store->store("n" + std::to_string(i) + ".bulk.example", bundle(static_cast<std::size_t>(i)));
        const auto all = store->asMap();
        BOOST_TEST(all.size() == static_cast<std::size_t>(kEntries));
        for (int i = 0; i < kEntries; i += 997) {
            const auto got = store->get("n" + std::to_string(i) + ".bulk.example");
            BOOST_REQUIRE(got.has_value());
            BOOST_TEST(got->toPem() == bundle(static_cast<std::size_t>(i)).toPem());
        }
    }

    void issuanceLocks() {
        auto* locks = offered<IIssuanceLock>("IIssuanceLock", "its locks are");
        if (!locks) return;
        auto one = locks->tryLock("one.example");
        BOOST_REQUIRE(one);
        BOOST_TEST(!locks->tryLock("one.example"), "a held lock is taken again");
        BOOST_TEST(!locks->tryLock(" One.Example "), "a held lock is taken again by another spelling");
        auto two = locks->tryLock("two.example");
        BOOST_TEST(bool(two), "locks of different names exclude each other");
        auto ab = locks->tryLock("a.example,b.example");
        auto ba = locks->tryLock("b.example,a.example");
        BOOST_TEST((ab && ba), "a multi-name entry's lock is its key's, in its order");
        // a lock is not an entry
        BOOST_TEST(store->asMap().empty());
        BOOST_TEST(!store->get("one.example").has_value());
        store->store("one.example", bundle(0));  // and writing the entry does not need it
        BOOST_TEST(store->get("one.example")->toPem() == bundle(0).toPem());
        one.reset();
        auto again = locks->tryLock("one.example");
        BOOST_TEST(bool(again), "a released lock is not free");
        for (const auto& name : hostileNames()) BOOST_CHECK_THROW((void)locks->tryLock(name), InvalidNameError);
        if constexpr (kCanReopen) {
            // another instance over the same data: another process, for the stores that have one
            auto other = factory.reopen();
            auto* otherLocks = dynamic_cast<IIssuanceLock*>(other.get());
            BOOST_REQUIRE(otherLocks);
            BOOST_TEST(!otherLocks->tryLock("one.example"), "another instance takes a held lock");
            BOOST_TEST(!otherLocks->tryLock("two.example"));
            auto three = otherLocks->tryLock("three.example");
            BOOST_TEST(bool(three));
            BOOST_TEST(!locks->tryLock("three.example"), "a lock held by another instance is taken");
            again.reset();
            BOOST_TEST(bool(otherLocks->tryLock("one.example")), "a lock released by another instance is not free");
        }
    }

    void issuanceLocksExcludeThreads() {
        auto* locks = offered<IIssuanceLock>("IIssuanceLock", "its locks are");
        if (!locks) return;
        constexpr int kThreads = 8;
        constexpr int kTries = 60;
        std::atomic<int> holders{0};
        std::atomic<int> overlaps{0};
        std::atomic<int> taken{0};
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        threads.reserve(kThreads);
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&] {
                try {
                    for (int i = 0; i < kTries; ++i) {
                        auto held = locks->tryLock("contended.example");
                        if (!held) continue;
                        ++taken;
                        if (holders.fetch_add(1) != 0) ++overlaps;
                        std::this_thread::yield();
                        holders.fetch_sub(1);
                    }
                } catch (...) {
                    ++failures;
                }
            });
        }
        for (auto& th : threads) th.join();
        BOOST_TEST(failures.load() == 0);
        BOOST_TEST(overlaps.load() == 0, "two threads held one lock at once");
        BOOST_TEST(taken.load() > 0);
        BOOST_TEST(bool(locks->tryLock("contended.example")), "the lock is left held");
    }

    void challengeBoard() {
        auto* board = offered<IChallengeBoard>("IChallengeBoard", "its board is");
        if (!board) return;
        const std::string token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
        const std::string answer = token + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
        BOOST_TEST(!board->challengeAnswer("http-01", token).has_value());
        board->postChallenge("http-01", token, answer);
        BOOST_TEST(board->challengeAnswer("http-01", token).value_or("") == answer);
        BOOST_TEST(!board->challengeAnswer("tls-alpn-01", token).has_value(), "an answer is found under another type");
        board->postChallenge("tls-alpn-01", "www.example.test", answer);
        board->postChallenge("http-01", token, token + ".other");  // replaced
        BOOST_TEST(board->challengeAnswer("http-01", token).value_or("") == token + ".other");
        BOOST_TEST(board->challengeAnswer("tls-alpn-01", "www.example.test").value_or("") == answer);
        // an answer is not an entry
        BOOST_TEST(store->asMap().empty());
        if constexpr (kCanReopen) {
            auto other = factory.reopen();
            auto* otherBoard = dynamic_cast<IChallengeBoard*>(other.get());
            BOOST_REQUIRE(otherBoard);
            BOOST_TEST(otherBoard->challengeAnswer("tls-alpn-01", "www.example.test").value_or("") == answer,
                       "another instance does not see the answer");
            otherBoard->removeChallenge("tls-alpn-01", "www.example.test");
        } else {
            board->removeChallenge("tls-alpn-01", "www.example.test");
        }
        BOOST_TEST(!board->challengeAnswer("tls-alpn-01", "www.example.test").has_value(), "a removed answer is still found");
        board->removeChallenge("tls-alpn-01", "www.example.test");  // again: nothing to do
        BOOST_TEST(board->challengeAnswer("http-01", token).has_value());
        // refused before they touch a path or a query
        for (const std::string& key : {std::string(), std::string("../x"), std::string("a/b"), std::string(".hidden"),
                                       std::string("a..b"), std::string(300, 'a'), std::string("nul\0x", 5),
                                       std::string("sp ace"), std::string("new\nline")}) {
            BOOST_CHECK_THROW(board->postChallenge("http-01", key, answer), InvalidNameError);
            BOOST_CHECK_THROW((void)board->challengeAnswer("http-01", key), InvalidNameError);
            BOOST_CHECK_THROW(board->removeChallenge("http-01", key), InvalidNameError);
        }
        for (const std::string& type : {std::string(), std::string("HTTP-01"), std::string("a/b"), std::string("../x")})
            BOOST_CHECK_THROW(board->postChallenge(type, token, answer), InvalidNameError);
        for (const std::string& bad : {std::string(), std::string("a b"), std::string("x\n"), std::string(600, 'a'),
                                       std::string("<script>")})
            BOOST_CHECK_THROW(board->postChallenge("http-01", "t", bad), InvalidNameError);
        BOOST_TEST(!board->challengeAnswer("http-01", "t").has_value());
    }

    void rateLimitBoard() {
        auto* board = offered<IRateLimitBoard>("IRateLimitBoard", "its board is");
        if (!board) return;
        using namespace std::chrono_literals;
        const TimePoint now = kBoardNow;
        const std::string problem =
            R"({"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many new orders (300) from this account",)"
            R"("status":429})";
        const IRateLimitBoard::Refusal account{"YWNjb3VudA", problem, 429, now + 3h};
        const IRateLimitBoard::Refusal down{"c2VydmVy", R"({"detail":"down"})", 503, now + 90s};
        BOOST_TEST(board->refusals(now).empty());
        board->postRefusal(account);
        board->postRefusal(down);
        auto seen = board->refusals(now);
        std::sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) { return a.scope < b.scope; });
        BOOST_TEST((seen == std::vector<IRateLimitBoard::Refusal>{account, down}), "not read back as posted");
        // a refusal is not an entry
        BOOST_TEST(store->asMap().empty());
        // replaced under its scope; kept to the second, rounded up
        IRateLimitBoard::Refusal later = account;
        later.until = now + 5h + 300ms;
        board->postRefusal(later);
        // over at its time: not returned, and dropped
        auto atEnd = board->refusals(now + 90s);
        BOOST_REQUIRE(atEnd.size() == 1u);
        BOOST_TEST(atEnd.front().scope == account.scope);
        BOOST_TEST((atEnd.front().until == now + 5h + 1s), "until is not kept to the second, rounded up");
        BOOST_TEST(board->refusals(now + 5h).size() == 1u);
        if constexpr (kCanReopen) {
            auto other = factory.reopen();
            auto* otherBoard = dynamic_cast<IRateLimitBoard*>(other.get());
            BOOST_REQUIRE(otherBoard);
            BOOST_TEST(otherBoard->refusals(now).size() == 1u, "another instance does not see the refusal");
            otherBoard->postRefusal(down);
            BOOST_TEST(board->refusals(now).size() == 2u, "a refusal another instance posted is not seen");
        } else {
            board->postRefusal(down);
        }
        BOOST_TEST(board->refusals(now + 5h + 1s).empty(), "an ended refusal is still returned");
        BOOST_TEST(board->refusals(now).empty(), "an ended refusal was not dropped");
        // refused before they touch a path or a query
        for (const std::string& scope : {std::string(), std::string("../x"), std::string("a/b"), std::string(".hidden"),
                                         std::string("a.b"), std::string(65, 'a'), std::string("nul\0x", 5),
                                         std::string("sp ace"), std::string("new\nline")}) {
            IRateLimitBoard::Refusal bad = account;
            bad.scope = scope;
            BOOST_CHECK_THROW(board->postRefusal(bad), InvalidNameError);
        }
        for (const int status : {0, 200, 399, 600}) {
            IRateLimitBoard::Refusal bad = account;
            bad.status = status;
            BOOST_CHECK_THROW(board->postRefusal(bad), InvalidNameError);
        }
        for (const std::string& text : {std::string(), std::string(IRateLimitBoard::kMaxProblemBytes + 1, 'x')}) {
            IRateLimitBoard::Refusal bad = account;
            bad.problem = text;
            BOOST_CHECK_THROW(board->postRefusal(bad), InvalidNameError);
        }
        BOOST_TEST(board->refusals(now).empty());
    }

    void renewalInfoBoard() {
        auto* board = offered<IRenewalInfoBoard>("IRenewalInfoBoard", "its board is");
        if (!board) return;
        using namespace std::chrono_literals;
        const TimePoint now = kBoardNow;
        const IRenewalInfoBoard::Answer answer{"Y2VydGlmaWNhdGUtb25l", now + 24h, now + 48h,
                                               "https://ca.example/why?id=1", now + 6h};
        BOOST_TEST(!board->renewalInfo("a.example", now).has_value());
        board->postRenewalInfo("a.example", answer);
        board->postRenewalInfo("b.example,c.example", {"b3RoZXI", now, now + 1s, "", now + 1h});
        const auto seen = board->renewalInfo("A.Example", now);  // the entry's name in any case
        BOOST_REQUIRE(seen.has_value());
        BOOST_TEST((*seen == answer), "not read back as posted");
        BOOST_REQUIRE(board->renewalInfo("b.example,c.example", now).has_value());
        BOOST_TEST(board->renewalInfo("b.example,c.example", now)->explanationUrl.empty());
        BOOST_TEST(!board->renewalInfo("b.example", now).has_value(), "another entry's answer is returned");
        // an answer is not an entry
        BOOST_TEST(store->asMap().empty());
        BOOST_TEST(!store->get("a.example").has_value());
        // replaced by the next answer for the entry (a renewed certificate's); kept to the second, rounded down
        IRenewalInfoBoard::Answer next{"Y2VydGlmaWNhdGUtdHdv", now + 700ms, now + 90s + 700ms, "", now + 12h + 700ms};
        board->postRenewalInfo("a.example", next);
        const auto replaced = board->renewalInfo("a.example", now);
        BOOST_REQUIRE(replaced.has_value());
        BOOST_TEST(replaced->certificate == next.certificate);
        BOOST_TEST((replaced->windowStart == now && replaced->windowEnd == now + 90s && replaced->until == now + 12h),
                   "the times are not kept to the second, rounded down");
        if constexpr (kCanReopen) {
            auto other = factory.reopen();
            auto* otherBoard = dynamic_cast<IRenewalInfoBoard*>(other.get());
            BOOST_REQUIRE(otherBoard);
            BOOST_TEST((otherBoard->renewalInfo("a.example", now) == replaced), "another instance does not see the answer");
            otherBoard->postRenewalInfo("d.example", answer);
            BOOST_TEST(board->renewalInfo("d.example", now).has_value(), "an answer another instance posted is not seen");
        }
        // ended at its until: nothing, then and after
        BOOST_TEST(board->renewalInfo("a.example", now + 12h - 1s).has_value());
        BOOST_TEST(!board->renewalInfo("a.example", now + 12h).has_value(), "an ended answer is returned");
        BOOST_TEST(!board->renewalInfo("a.example", now).has_value(), "an ended answer was not dropped");
        BOOST_TEST(board->renewalInfo("b.example,c.example", now).has_value(), "another entry's answer went with it");
        // forgotten (a revoked certificate's), the others kept; forgetting none is nothing
        board->removeRenewalInfo("B.example,c.example");
        BOOST_TEST(!board->renewalInfo("b.example,c.example", now).has_value(), "a removed answer is returned");
        BOOST_CHECK_NO_THROW(board->removeRenewalInfo("b.example,c.example"));
        BOOST_CHECK_NO_THROW(board->removeRenewalInfo("never.example"));
        if constexpr (kCanReopen) BOOST_TEST(board->renewalInfo("d.example", now).has_value());
        // refused before they touch a path or a query
        for (const std::string& name : {std::string(), std::string("../x"), std::string("a/b"), std::string(".hidden"),
                                        std::string("a..b"), std::string("nul\0x", 5), std::string("sp ace")}) {
            BOOST_CHECK_THROW(board->postRenewalInfo(name, answer), InvalidNameError);
            BOOST_CHECK_THROW((void)board->renewalInfo(name, now), InvalidNameError);
            BOOST_CHECK_THROW(board->removeRenewalInfo(name), InvalidNameError);
        }
        for (const std::string& id : {std::string(), std::string("../x"), std::string("a b"), std::string("a.b"),
                                      std::string(65, 'a'), std::string("new\nline")}) {
            IRenewalInfoBoard::Answer bad = answer;
            bad.certificate = id;
            BOOST_CHECK_THROW(board->postRenewalInfo("e.example", bad), InvalidNameError);
        }
        for (const std::string& url : {std::string("https://ca.example/a b"), std::string("https://ca.example/\n"),
                                       std::string("https://ca.example/\xc3\xa9"),
                                       std::string(IRenewalInfoBoard::kMaxExplanationBytes + 1, 'x')}) {
            IRenewalInfoBoard::Answer bad = answer;
            bad.explanationUrl = url;
            BOOST_CHECK_THROW(board->postRenewalInfo("e.example", bad), InvalidNameError);
        }
        IRenewalInfoBoard::Answer backwards = answer;
        backwards.windowEnd = backwards.windowStart;
        BOOST_CHECK_THROW(board->postRenewalInfo("e.example", backwards), InvalidNameError);
        BOOST_TEST(!board->renewalInfo("e.example", now).has_value());
    }

    void survivesReopen() {
        if constexpr (kCanReopen) {
            store->store("durable.example", bundle(0));
            store->store("blank.example", PemBundle());
            store.reset();
            store = factory.reopen();
            BOOST_TEST(store->get("durable.example")->toPem() == bundle(0).toPem());
            BOOST_TEST(store->get("blank.example")->empty());
        } else {
            BOOST_TEST_MESSAGE("factory has no reopen(): durability not checked for this store");
        }
    }
};

}  // namespace cxxacme::testing

// The case is named after the method; the call is qualified, since inside
// the case the bare name would mean the case's own class.
#define CXXACME_STORE_CONFORMANCE_CASE(Factory, method)                                           \
    BOOST_FIXTURE_TEST_CASE(method, ::cxxacme::testing::StoreConformanceFixture<Factory>) { \
        ::cxxacme::testing::StoreConformanceFixture<Factory>::method();                        \
    }

/// Defines a Boost.Test suite `SuiteName` that runs the whole contract
/// against the stores `Factory` makes.
#define CXXACME_STORE_CONFORMANCE_TESTS(SuiteName, Factory)          \
    BOOST_AUTO_TEST_SUITE(SuiteName)                                 \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, roundTrip)               \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, emptyEntry)              \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, missingName)             \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, overwrite)               \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, canonicalNames)          \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, asMapComplete)           \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, invalidNamesRejected)    \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, concurrentWriters)       \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, tenThousandEntries)      \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, issuanceLocks)           \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, issuanceLocksExcludeThreads) \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, challengeBoard)          \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, rateLimitBoard)          \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, renewalInfoBoard)        \
    CXXACME_STORE_CONFORMANCE_CASE(Factory, survivesReopen)          \
    BOOST_AUTO_TEST_SUITE_END()
