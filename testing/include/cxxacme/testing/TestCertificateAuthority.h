#pragma once

#include <string>
#include <vector>

#include "cxxacme/Certificate.h"
#include "cxxacme/PemBundle.h"
#include "cxxacme/PrivateKey.h"
#include "cxxacme/Time.h"

namespace cxxacme::testing {

/// A throwaway root and intermediate (ECDSA P-256) that issue leaf bundles
/// for tests: real certificates that verify, with chosen names and validity.
/// Thread-safe after construction.
class TestCertificateAuthority {
public:
    TestCertificateAuthority();

    /// A bundle for `names` (a store key or a single name): a new key of
    /// `type`, its leaf certificate valid over [notBefore, notAfter], and the
    /// intermediate as chain.
    PemBundle issue(const std::string& names, TimePoint notBefore, TimePoint notAfter,
                    KeyType type = KeyType::EcP256) const;
    /// Valid from an hour ago for 90 days.
    PemBundle issue(const std::string& names) const;

    const Certificate& root() const noexcept { return root_; }
    const Certificate& intermediate() const noexcept { return intermediate_; }

private:
    PrivateKey rootKey_;
    Certificate root_;
    PrivateKey intermediateKey_;
    Certificate intermediate_;
};

}  // namespace cxxacme::testing
