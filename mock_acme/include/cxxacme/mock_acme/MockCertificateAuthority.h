#pragma once

#include <string>
#include <vector>

#include "cxxacme/Certificate.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/PrivateKey.h"
#include "cxxacme/Time.h"
#include "cxxacme/mock_acme/LeafContents.h"

namespace cxxacme::mock_acme {

/// mock-acme's issuing CA: a line of intermediate keys under one or more roots.
///
/// Leaves are signed by the issuing intermediate key; with N intermediates,
/// intermediate j (0 = issuing) is certified by intermediate j+1 and the
/// topmost by a root. Chain 0 ends in root 0; chain R (R ≥ 1) is the same
/// line with its topmost intermediate certified by root R instead, so every
/// leaf verifies through any chain — the alternate chains of RFC 8555
/// §7.4.2. Thread-safe after construction.
class MockCertificateAuthority {
public:
    /// Generates `1 + alternateChains` roots and `intermediates` (1..4)
    /// intermediate keys and certificates.
    MockCertificateAuthority(KeyType keyType, int alternateChains, int intermediates = 1);
    /// Uses a given root and key for chain 0; alternates are generated. The
    /// intermediates end when the root does, if that is within ten years.
    /// Throws `Error` when the key is not the root's, or when a leaf issued
    /// under the root does not verify against it (as OpenSSL checks a TLS
    /// server's chain, with its reason): a root that is no CA, is not valid
    /// now, limits the path to fewer intermediates, or is not self-signed.
    MockCertificateAuthority(const Certificate& root, const PrivateKey& rootKey, KeyType keyType, int alternateChains,
                             int intermediates = 1);

    /// Exactly these parts (a CA restored from mock-acme's snapshot file):
    /// `chains[r]` lists the intermediates of chain r from the issuing one
    /// up, and `intermediateKeys[j]` is the key of every chain's j-th.
    MockCertificateAuthority(std::vector<Certificate> roots, std::vector<PrivateKey> rootKeys,
                             std::vector<PrivateKey> intermediateKeys, std::vector<std::vector<Certificate>> chains);

    /// A leaf for `subjectKey` with `identifiers` as SANs; with an
    /// `ocspResponder` URL, an authorityInfoAccess extension naming it; with
    /// a `crlDistributionPoint` URL, a cRLDistributionPoints extension; the
    /// rest as `contents` says, the subject's common name `commonName` when
    /// `contents` has one (none when it is empty; at most 64 characters).
    Certificate issue(const PublicKey& subjectKey, const std::vector<Identifier>& identifiers, TimePoint notBefore,
                      TimePoint notAfter, const std::string& ocspResponder = "",
                      const std::string& crlDistributionPoint = "", const LeafContents& contents = {},
                      const std::string& commonName = "") const;

    /// The issuing intermediate's subject key identifier, in lower-case hex:
    /// the name of its CRL (pebble's `/crl/KEYID.crl`).
    std::string issuingKeyId() const;

    std::size_t chainCount() const noexcept { return roots_.size(); }
    const Certificate& root(std::size_t i) const { return roots_.at(i); }
    const PrivateKey& rootKey(std::size_t i) const { return rootKeys_.at(i); }
    /// Chain i's intermediates, the issuing one first, the root's child last.
    const std::vector<Certificate>& chain(std::size_t i) const { return chains_.at(i); }
    /// Chain i's intermediates as PEM, in `chain(i)`'s order (made once: the
    /// tail of every certificate download).
    const std::string& chainPem(std::size_t i) const { return chainPems_.at(i); }
    /// Chain i's issuing intermediate (the same key in every chain).
    const Certificate& intermediate(std::size_t i) const { return chains_.at(i).front(); }
    const PrivateKey& intermediateKey() const noexcept { return intermediateKeys_.front(); }
    /// The intermediates' keys, the issuing one first.
    const std::vector<PrivateKey>& intermediateKeys() const noexcept { return intermediateKeys_; }

private:
    void build(KeyType keyType, int alternateChains, int intermediates);
    void makeChainPems();
    void checkGivenRoot() const;

    std::vector<Certificate> roots_;
    std::vector<PrivateKey> rootKeys_;
    std::vector<PrivateKey> intermediateKeys_;
    std::vector<std::vector<Certificate>> chains_;
    std::vector<std::string> chainPems_;
};

}  // namespace cxxacme::mock_acme
