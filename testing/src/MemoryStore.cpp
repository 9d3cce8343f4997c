#include "cxxacme/testing/MemoryStore.h"

#include "cxxacme/ServerName.h"

namespace cxxacme::testing {

MemoryStore::MemoryStore(const std::map<std::string, PemBundle>& entries) {
    for (const auto& [name, entry] : entries) entries_[ServerName::canonicalKey(name)] = entry;
}

std::optional<PemBundle> MemoryStore::get(const std::string& name) {
    const std::string key = ServerName::canonicalKey(name);
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
}

void MemoryStore::store(const std::string& name, const PemBundle& entry) {
    const std::string key = ServerName::canonicalKey(name);
    std::lock_guard lock(mutex_);
    entries_[key] = entry;
}

class MemoryStore::Lock final : public IIssuanceLock::Held {
public:
    Lock(MemoryStore& store, std::string name) : store_(store), name_(std::move(name)) {}
    ~Lock() override {
        std::lock_guard lock(store_.mutex_);
        store_.locked_.erase(name_);
    }

private:
    MemoryStore& store_;
    std::string name_;
};

std::unique_ptr<IIssuanceLock::Held> MemoryStore::tryLock(const std::string& name) {
    std::string key = ServerName::canonicalKey(name);
    std::lock_guard lock(mutex_);
    if (!locked_.insert(key).second) return nullptr;
    return std::make_unique<Lock>(*this, std::move(key));
}

void MemoryStore::postChallenge(const std::string& type, const std::string& key, const std::string& keyAuthorization) {
    check(type, key, &keyAuthorization);
    std::lock_guard lock(mutex_);
    challenges_[{type, key}] = keyAuthorization;
}

void MemoryStore::removeChallenge(const std::string& type, const std::string& key) {
    check(type, key);
    std::lock_guard lock(mutex_);
    challenges_.erase({type, key});
}

std::optional<std::string> MemoryStore::challengeAnswer(const std::string& type, const std::string& key) {
    check(type, key);
    std::lock_guard lock(mutex_);
    const auto it = challenges_.find({type, key});
    if (it == challenges_.end()) return std::nullopt;
    return it->second;
}

void MemoryStore::postRefusal(const Refusal& refusal) {
    checkRefusal(refusal);
    Refusal kept = refusal;
    kept.until = untilFromSeconds(refusal.scope, untilSeconds(refusal.until));  // to the second, as the other boards
    std::lock_guard lock(mutex_);
    refusals_[refusal.scope] = std::move(kept);
}

void MemoryStore::postRenewalInfo(const std::string& name, const Answer& answer) {
    const std::string key = ServerName::canonicalKey(name);
    checkAnswer(answer);
    std::lock_guard lock(mutex_);
    renewalInfo_[key] = toSeconds(answer);  // to the second, as the other boards
}

std::optional<IRenewalInfoBoard::Answer> MemoryStore::renewalInfo(const std::string& name, TimePoint now) {
    const std::string key = ServerName::canonicalKey(name);
    std::lock_guard lock(mutex_);
    const auto kept = renewalInfo_.find(key);
    if (kept == renewalInfo_.end()) return std::nullopt;
    if (kept->second.until <= now) {
        renewalInfo_.erase(kept);
        return std::nullopt;
    }
    return kept->second;
}

void MemoryStore::removeRenewalInfo(const std::string& name) {
    const std::string key = ServerName::canonicalKey(name);
    std::lock_guard lock(mutex_);
    renewalInfo_.erase(key);
}

std::vector<IRateLimitBoard::Refusal> MemoryStore::refusals(TimePoint now) {
    std::lock_guard lock(mutex_);
    std::erase_if(refusals_, [now](const auto& kept) { return kept.second.until <= now; });
    std::vector<Refusal> out;
    for (const auto& [scope, refusal] : refusals_) out.push_back(refusal);
    return out;
}

std::map<std::string, PemBundle> MemoryStore::asMap() {
    std::lock_guard lock(mutex_);
    return entries_;
}

}  // namespace cxxacme::testing
