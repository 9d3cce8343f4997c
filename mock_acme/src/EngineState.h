#pragma once

// mock-acme's state: the records of its accounts, orders, authorizations,
// challenges and certificates. Internal to the mock_acme library.

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cxxacme/AcmeProblem.h"
#include "cxxacme/Base64Url.h"
#include "cxxacme/Certificate.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/Jwk.h"
#include "cxxacme/Time.h"
#include "RandomPool.h"

namespace cxxacme::mock_acme::state {

constexpr std::size_t kMaxNonces = 100000;
/// How far time travel may move the engine's clock, either way (100 years).
constexpr long long kMaxClockOffsetSeconds = 100LL * 366 * 24 * 3600;


/// When something happened, oldest first, for a limit of N per window: the
/// last N at most are kept, since they alone decide.
struct RecentTimes {
    std::deque<TimePoint> times;

    void add(TimePoint t, std::size_t keep) {
        times.push_back(t);
        while (times.size() > keep) times.pop_front();
    }
    /// How many are within `window` before `now` (older ones are dropped).
    std::size_t within(TimePoint now, Duration window) {
        while (!times.empty() && times.front() + window <= now) times.pop_front();
        return times.size();
    }
    /// With `within` at the limit: how long until one fewer is, in whole seconds (at least 1),
    /// for a Retry-After.
    long long secondsUntilFewer(TimePoint now, Duration window) const {
        return std::max<long long>(1, std::chrono::ceil<std::chrono::seconds>(times.front() + window - now).count());
    }
};

struct Account {
    std::string id;
    Jwk key;
    std::string thumbprint;
    std::string status = "valid";
    std::vector<std::string> contact{};
    bool termsAgreed = false;
    /// The terms of service it last agreed to (their URL): at newAccount, or
    /// later at the agreement page (RFC 8555 §7.3.3's `instance`).
    std::string agreedTerms{};
    std::optional<std::string> eabKeyId{};
    std::deque<std::string> orderIds{};  // oldest first; forgotten ones leave from the front
    RecentTimes recentOrders{};  // MockAcmeConfig::rateLimitOrders
    /// "type:identifier" (a wildcard with its "*.") -> when its validations failed
    std::unordered_map<std::string, RecentTimes> failedValidations{};
    /// MockAcmeConfig::pauseAfterFailures: failureKey -> failed validations since the last good
    /// one; the identifiers paused for this account (their failureKeys: failureKeyValue names
    /// them), and the token of the link that unpauses them (in EngineState::unpauseTokens while
    /// any is).
    std::unordered_map<std::string, int> failuresInARow{};
    std::set<std::string> paused{};
    std::string unpauseToken{};
};

/// Account::failedValidations' key for an identifier ("dns:NAME", "ip:ADDRESS"),
/// with "*." before the name of a wildcard authorization's.
inline std::string failureKey(const Identifier& identifier, bool wildcard) {
    return std::string(identifier.type == Identifier::Type::Ip ? "ip:" : "dns:") + (wildcard ? "*." : "") + identifier.value;
}

/// The identifier a failureKey stands for, as an order names it ("*.example.test", "192.0.2.1").
inline std::string failureKeyValue(const std::string& key) { return key.substr(key.find(':') + 1); }

/// EngineState::issuedForSet's key: the identifiers' keys, sorted.
inline std::string setKey(std::vector<Identifier> identifiers) {
    std::sort(identifiers.begin(), identifiers.end());
    std::string key;
    for (const auto& id : identifiers) key += failureKey(id, false) + ",";
    return key;
}

struct Challenge {
    std::string id;
    std::string type;
    std::string token;
    std::string status = "pending";
    std::string authzId;
    std::optional<TimePoint> validated;
    std::optional<AcmeProblem> error;
};

struct Authorization {
    std::string id;
    std::string accountId;
    Identifier identifier;  // without "*."
    bool wildcard = false;
    bool preauthorized = false;  // made by newAuthz (RFC 8555 §7.4.1)
    bool subdomains = false;     // RFC 9444's subdomainAuthAllowed: it serves every name below its identifier too
    std::string profile;         // of the order it was made for; empty for a pre-authorization
    std::string status = "pending";
    TimePoint created;
    TimePoint expires;
    std::vector<std::string> challengeIds;
    // with MockAcmeConfig::checkCaa: when its validation found the name's CAA records letting this
    // CA issue (none with validation skipped); finalize asks again once this is caaRecheckAfter old
    std::optional<TimePoint> caaChecked;
    int orders = 0;  // kept orders that list it (reuse shares one); not saved, counted on load
};

struct Order {
    std::string id;
    std::string accountId;
    std::string status = "pending";
    TimePoint created;  // by the CA's clock; MockAcmeConfig::forgetAfter counts from it
    TimePoint expires;
    std::vector<Identifier> identifiers;
    std::vector<std::string> authzIds;
    std::string profile;
    std::optional<std::string> replaces;
    bool ariRenewal = false;  // replaces a certificate in its ARI window: exempt from the limits (not kept across a restart)
    std::optional<TimePoint> notBefore, notAfter;  // as requested (RFC 8555 §7.4)
    std::string certId;
    std::optional<AcmeProblem> error;
};

struct IssuedCertificate {
    std::string id;  // serial hex
    std::string accountId;
    // The leaf is kept as the PEM every download sends (made once, outside
    // the lock) and the few fields the engine reads, not as a parsed
    // certificate: OpenSSL's parsed form is about 5 KB, as much as all the
    // rest an order keeps.
    std::string leafPem;
    std::vector<Identifier> names;  // its subjectAltNames: the order's identifiers
    TimePoint notBefore{};
    TimePoint notAfter{};
    std::string ariId;
    bool revoked = false;
    int reason = 0;
    TimePoint revokedAt{};
    std::optional<std::pair<TimePoint, TimePoint>> renewalWindow{};
    std::string renewalExplanation{};  // renewalInfo's explanationURL (RFC 9773 §4.2), if set
};


/// A revoked certificate forgotten (MockAcmeConfig::forgetAfter) before it
/// expired: it stays on the CRL until then.
struct ForgottenRevocation {
    TimePoint revokedAt{};
    int reason = 0;
    TimePoint notAfter{};
};

// What a snapshot holds: copied under the lock, written without it.
struct EngineData {
    std::unordered_map<std::string, Account> accounts;
    /// Account::unpauseToken -> the account's id
    std::unordered_map<std::string, std::string> unpauseTokens;
    std::unordered_map<std::string, Order> orders;
    std::unordered_map<std::string, Authorization> authorizations;
    std::unordered_map<std::string, Challenge> challenges;
    std::unordered_map<std::string, IssuedCertificate> certificates;
    std::unordered_map<std::string, ForgottenRevocation> forgottenRevocations;  ///< by serial hex
    Duration offset{};
    /// The terms of service as changed through the management interface
    /// (`/set-terms-of-service`); nothing: `MockAcmeConfig::termsOfService`.
    std::optional<std::string> termsOfService{};
    /// Certificates issued for each exact set of identifiers (setKey), for
    /// MockAcmeConfig::duplicateCertificateLimit.
    std::unordered_map<std::string, RecentTimes> issuedForSet;
    /// Certificates issued naming each registered domain (or an address's
    /// /32 or /64), for MockAcmeConfig::registeredDomainLimit; and when each
    /// exact set (setKey) was last issued, which makes a new order for it a
    /// renewal for 120 days (Boulder's exemption).
    std::unordered_map<std::string, RecentTimes> issuedForDomain, lastIssuedForSet;
    /// Accounts made from each client address, for MockAcmeConfig::registrationLimit.
    std::unordered_map<std::string, RecentTimes> registrationsByAddress;
    /// Accounts made from each IPv6 /48 ("2001:db8:1::/48"), for MockAcmeConfig::registrationRangeLimit.
    std::unordered_map<std::string, RecentTimes> registrationsByRange;
};

struct EngineState : EngineData {
    std::mutex mutex;
    std::mt19937_64 random;
    std::unordered_set<std::string> nonces;
    std::deque<std::string> nonceOrder;
    std::unordered_map<std::string, std::string> accountByThumbprint;  // indexes, rebuilt on load
    std::unordered_map<std::string, std::string> certificateByAriId;
    /// The revoked ones among `certificates`: what a CRL lists, without a
    /// walk through every certificate under the lock.
    std::unordered_set<std::string> revokedCertificateIds;
    /// Order ids by when they were made, oldest first (MockAcmeConfig::forgetAfter):
    /// sorted, not in the order they came, since time travel can go backwards.
    std::multimap<TimePoint, std::string> ordersByAge;
    /// Pre-authorization ids by when they were made (forgetAfter forgets
    /// those that no order has come to use; a used one goes with its orders).
    std::multimap<TimePoint, std::string> preauthorizationsByAge;
    /// Each account's authorizations for each name, oldest first: reuse and
    /// revocation by an account that holds the names look here, not through
    /// every authorization (nor every order of the account) under the lock.
    std::unordered_map<std::string, std::vector<std::string>> authorizationsByName;
    /// The newest order that replaces nothing of each account for each
    /// profile, set of identifiers and requested validity (reuseKey), for
    /// MockAcmeConfig::orderReuse; whether it is still pending or ready is
    /// asked when it is found. At most one such order is pending or ready at
    /// a time (a newOrder while one is gets that one back), which is how a
    /// restart finds it again.
    std::unordered_map<std::string, std::string> reusableOrders;
    static std::string reuseKey(const std::string& accountId, const std::string& profile, const std::vector<Identifier>& ids,
                                const std::optional<TimePoint>& notBefore, const std::optional<TimePoint>& notAfter) {
        const auto text = [](const std::optional<TimePoint>& t) { return t ? std::to_string(t->time_since_epoch().count()) : "-"; };
        return accountId + "\n" + profile + "\n" + text(notBefore) + "\n" + text(notAfter) + "\n" + setKey(ids);
    }
    static std::string reuseKey(const Order& order) {
        return reuseKey(order.accountId, order.profile, order.identifiers, order.notBefore, order.notAfter);
    }
    /// The limits' counts (EngineData) by when each key was first counted: rebuilt on load.
    std::multimap<TimePoint, std::string> issuedDomainsByAge, lastIssuedSetsByAge;
    std::multimap<TimePoint, std::string> registrationAddressesByAge;
    std::multimap<TimePoint, std::string> registrationRangesByAge;
    /// The keys of issuedForSet, and of the accounts' failedValidations
    /// ("ACCOUNTID\nKEY"), by when they were first counted: each is looked
    /// at once its window has passed, and goes if it counts nothing then.
    std::multimap<TimePoint, std::string> issuedSetsByAge, failuresByAge;
    bool stopping = false;
    /// MockAcmeConfig::truncatedResponsePercent, which POST /set-truncated-responses changes.
    int truncatedResponsePercent = 0;
    int truncateNext = 0;  ///< the next answers cut short whatever the percentage (set-truncated-responses)
    /// MockAcmeConfig::delayedResponsePercent and responseDelay, which POST /set-delayed-responses changes.
    int delayedResponsePercent = 0;
    int delayNext = 0;  ///< the next answers held back whatever the percentage (set-delayed-responses)
    std::chrono::milliseconds responseDelay{60000};
    /// POST /set-misissued-certificates: the next `misissueNext` certificate downloads serve a
    /// CA's mistake of this kind ("names", "expired", "chain"), for clients' checks.
    std::string misissue;
    int misissueNext = 0;
    std::condition_variable validated;  ///< a validation finished

    /// Counts a certificate for the set of identifiers `key` (setKey), keeping the last `keep`.
    void countIssued(const std::string& key, TimePoint now, std::size_t keep) {
        count(issuedForSet, key, issuedSetsByAge, key, now, keep);
    }
    /// Counts a certificate for each of `domains` (registered domains; none
    /// for a renewal), and its exact set `setKey` as issued now.
    void countIssuedForDomains(const std::vector<std::string>& domains, const std::string& setKey, TimePoint now,
                               std::size_t keep) {
        for (const auto& domain : domains) count(issuedForDomain, domain, issuedDomainsByAge, domain, now, keep);
        count(lastIssuedForSet, setKey, lastIssuedSetsByAge, setKey, now, 1);
    }
    /// Counts an account made from `address`, keeping the last `keep`.
    void countRegistration(const std::string& address, TimePoint now, std::size_t keep) {
        count(registrationsByAddress, address, registrationAddressesByAge, address, now, keep);
    }
    void countRegistrationRange(const std::string& range, TimePoint now, std::size_t keep) {
        count(registrationsByRange, range, registrationRangesByAge, range, now, keep);
    }
    /// Counts a failed validation of `identifier` (a wildcard's when `wildcard`) for `account`
    /// in a row; at `pauseAfter` the identifier is paused for it (MockAcmeConfig::pauseAfterFailures),
    /// with a link to unpause.
    void countFailureInARow(Account& account, const Identifier& identifier, bool wildcard, int pauseAfter) {
        const std::string key = failureKey(identifier, wildcard);
        if (++account.failuresInARow[key] >= pauseAfter) pause(account, key);
    }
    /// Pauses the identifier of `key` (failureKey) for `account`, giving it an unpause link if it has none.
    void pause(Account& account, const std::string& key) {
        account.paused.insert(key);
        if (account.unpauseToken.empty()) {
            account.unpauseToken = Base64Url::encode(pooledRandomBytes(24));
            unpauseTokens[account.unpauseToken] = account.id;
        }
    }
    /// Unpauses every identifier of `account`, starts their counts again and forgets its link.
    void unpause(Account& account) {
        for (const auto& key : account.paused) account.failuresInARow.erase(key);
        account.paused.clear();
        unpauseTokens.erase(account.unpauseToken);
        account.unpauseToken.clear();
    }
    /// Counts a failed validation of `key` (failureKey) for `account`, keeping the last `keep`.
    void countFailure(Account& account, const std::string& key, TimePoint now, std::size_t keep) {
        count(account.failedValidations, key, failuresByAge, account.id + "\n" + key, now, keep);
    }

    /// `now` counted under `key` in `counts`; a key counted for the first time
    /// joins `byAge` as `queued`, to be forgotten once it counts nothing.
    static void count(std::unordered_map<std::string, RecentTimes>& counts, const std::string& key,
                      std::multimap<TimePoint, std::string>& byAge, const std::string& queued, TimePoint now, std::size_t keep) {
        const auto [it, fresh] = counts.try_emplace(key);
        if (fresh) byAge.emplace(now, queued);
        it->second.add(now, keep);
    }

    bool roll(int percent) { return percent > 0 && static_cast<int>(random() % 100) < percent; }
    /// Whether an injected fault hits this answer: each of the `next` answers
    /// first (counted down), then `percent` of them (roll).
    bool injects(int percent, int& next) {
        if (next > 0) {
            --next;
            return true;
        }
        return roll(percent);
    }

    /// A fresh nonce, without the lock: the random bytes are the costly part.
    static std::string newNonce() { return Base64Url::encode(pooledRandomBytes(16)); }

    /// Under the lock: `nonce` (from newNonce) may now be used once.
    void issueNonce(const std::string& nonce) {
        nonces.insert(nonce);
        nonceOrder.push_back(nonce);
        while (nonceOrder.size() > kMaxNonces) {
            nonces.erase(nonceOrder.front());
            nonceOrder.pop_front();
        }
    }

    bool consumeNonce(const std::string& nonce) { return nonces.erase(nonce) == 1; }

    static std::string nameKey(const std::string& accountId, const Identifier& identifier, bool wildcard) {
        return accountId + (identifier.type == Identifier::Type::Ip ? "\nip\n" : "\ndns\n") + identifier.value +
               (wildcard ? "\n*" : "\n");
    }
    void indexAuthorization(const Authorization& a) {
        authorizationsByName[nameKey(a.accountId, a.identifier, a.wildcard)].push_back(a.id);
    }
    void unindexAuthorization(const Authorization& a) {
        const auto it = authorizationsByName.find(nameKey(a.accountId, a.identifier, a.wildcard));
        if (it == authorizationsByName.end()) return;
        it->second.erase(std::remove(it->second.begin(), it->second.end(), a.id), it->second.end());
        if (it->second.empty()) authorizationsByName.erase(it);
    }
    /// The newest of `accountId`'s authorizations for the name that is valid
    /// at `now` and that `accept` takes (the first form: any), or nullptr.
    template <typename Accept>
    const Authorization* validAuthorization(const std::string& accountId, const Identifier& identifier, bool wildcard,
                                            TimePoint now, Accept accept) const {
        const auto it = authorizationsByName.find(nameKey(accountId, identifier, wildcard));
        if (it == authorizationsByName.end()) return nullptr;
        for (auto id = it->second.rbegin(); id != it->second.rend(); ++id) {
            const Authorization& a = authorizations.at(*id);
            if (a.status == "valid" && a.expires > now && accept(a)) return &a;
        }
        return nullptr;
    }
    const Authorization* validAuthorization(const std::string& accountId, const Identifier& identifier, bool wildcard,
                                            TimePoint now) const {
        return validAuthorization(accountId, identifier, wildcard, now, [](const Authorization&) { return true; });
    }
};


}  // namespace cxxacme::mock_acme::state
