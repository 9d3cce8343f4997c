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

std::map<std::string, PemBundle> MemoryStore::asMap() {
    std::lock_guard lock(mutex_);
    return entries_;
}

}  // namespace cxxacme::testing
