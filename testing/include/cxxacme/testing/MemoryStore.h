#pragma once

#include <map>
#include <mutex>

#include "cxxacme/ICertificateStore.h"

namespace cxxacme::testing {

/// An `ICertificateStore` in memory (txacme's `MemoryStore`): for tests, and
/// for programs that keep certificates elsewhere and only need a cache.
/// Passes the store conformance suite.
class MemoryStore final : public ICertificateStore {
public:
    MemoryStore() = default;
    /// Starts with these entries (names are checked and canonicalised).
    explicit MemoryStore(const std::map<std::string, PemBundle>& entries);

    std::optional<PemBundle> get(const std::string& name) override;
    void store(const std::string& name, const PemBundle& entry) override;
    std::map<std::string, PemBundle> asMap() override;

private:
    std::mutex mutex_;
    std::map<std::string, PemBundle> entries_;
};

}  // namespace cxxacme::testing
