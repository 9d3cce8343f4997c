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

std::map<std::string, PemBundle> MemoryStore::asMap() {
    std::lock_guard lock(mutex_);
    return entries_;
}

}  // namespace cxxacme::testing
