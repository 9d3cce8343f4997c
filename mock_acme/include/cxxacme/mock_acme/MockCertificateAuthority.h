#pragma once

#include <vector>

#include "cxxacme/Certificate.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/PrivateKey.h"
#include "cxxacme/Time.h"

namespace cxxacme::mock_acme {

/// mock-acme's issuing CA: one intermediate key under one or more roots.
///
/// Chain 0 is intermediate 0 under root 0; chain N (N ≥ 1) is the same
/// intermediate key certified by root N, so every leaf verifies through any
/// chain — the alternate chains of RFC 8555 §7.4.2. Thread-safe after
/// construction.
class MockCertificateAuthority {
public:
    /// Generates `1 + alternateChains` roots and their intermediates.
    MockCertificateAuthority(KeyType keyType, int alternateChains);
    /// Uses a given root and key for chain 0; alternates are generated.
    MockCertificateAuthority(const Certificate& root, const PrivateKey& rootKey, KeyType keyType, int alternateChains);

    /// Exactly these parts (a CA restored from mock-acme's snapshot file).
    MockCertificateAuthority(std::vector<Certificate> roots, std::vector<PrivateKey> rootKeys, PrivateKey intermediateKey,
                             std::vector<Certificate> intermediates);

    /// A leaf for `subjectKey` with `identifiers` as SANs.
    Certificate issue(const PublicKey& subjectKey, const std::vector<Identifier>& identifiers, TimePoint notBefore,
                      TimePoint notAfter) const;

    std::size_t chainCount() const noexcept { return roots_.size(); }
    const Certificate& root(std::size_t i) const { return roots_.at(i); }
    const PrivateKey& rootKey(std::size_t i) const { return rootKeys_.at(i); }
    const Certificate& intermediate(std::size_t i) const { return intermediates_.at(i); }
    const PrivateKey& intermediateKey() const noexcept { return intermediateKey_; }

private:
    void build(KeyType keyType, int alternateChains);

    std::vector<Certificate> roots_;
    std::vector<PrivateKey> rootKeys_;
    PrivateKey intermediateKey_;
    std::vector<Certificate> intermediates_;
};

}  // namespace cxxacme::mock_acme
