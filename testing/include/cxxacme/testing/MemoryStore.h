#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "cxxacme/ICertificateStore.h"
#include "cxxacme/IChallengeBoard.h"
#include "cxxacme/IIssuanceLock.h"
#include "cxxacme/IRateLimitBoard.h"
#include "cxxacme/IRenewalInfoBoard.h"

namespace cxxacme::testing {

/// An `ICertificateStore` in memory (txacme's `MemoryStore`): for tests, and
/// for programs that keep certificates elsewhere and only need a cache.
/// Passes the store conformance suite. Its issuance locks, challenge board
/// and rate-limit and renewal-information boards are this process's alone (two `MemoryStore`s do not share them); a
/// held lock must not outlive the store.
class MemoryStore final : public ICertificateStore,
                          public IIssuanceLock,
                          public IChallengeBoard,
                          public IRateLimitBoard,
                          public IRenewalInfoBoard {
public:
    MemoryStore() = default;
    /// Starts with these entries (names are checked and canonicalised).
    explicit MemoryStore(const std::map<std::string, PemBundle>& entries);

    std::optional<PemBundle> get(const std::string& name) override;
    void store(const std::string& name, const PemBundle& entry) override;
    std::map<std::string, PemBundle> asMap() override;
    [[nodiscard]] std::unique_ptr<Held> tryLock(const std::string& name) override;
    void postChallenge(const std::string& type, const std::string& key, const std::string& keyAuthorization) override;
    void removeChallenge(const std::string& type, const std::string& key) override;
    std::optional<std::string> challengeAnswer(const std::string& type, const std::string& key) override;
    void postRefusal(const Refusal& refusal) override;
    std::vector<Refusal> refusals(TimePoint now) override;
    void postRenewalInfo(const std::string& name, const Answer& answer) override;
    std::optional<Answer> renewalInfo(const std::string& name, TimePoint now) override;
    void removeRenewalInfo(const std::string& name) override;

private:
    class Lock;
    std::mutex mutex_;
    std::map<std::string, PemBundle> entries_;
    std::set<std::string> locked_;
    std::map<std::pair<std::string, std::string>, std::string> challenges_;
    std::map<std::string, Refusal> refusals_;
    std::map<std::string, Answer> renewalInfo_;
};

}  // namespace cxxacme::testing
