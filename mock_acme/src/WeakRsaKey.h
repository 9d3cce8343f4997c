#pragma once

#include <optional>
#include <string>

#include "cxxacme/PublicKey.h"

namespace cxxacme::mock_acme {

/// Why an RSA public key is refused although its size is allowed, or
/// nothing: Let's Encrypt's key checks, the ones that need only the public
/// key. The exponent must be 65537; the modulus must be odd, have no prime
/// factor below 752, not carry the ROCA fingerprint (CVE-2017-15361), and not
/// yield to Fermat's factorization within `fermatRounds` steps (its two
/// primes too close together). Not checked: blocklists of known compromised
/// keys. Non-RSA keys: nothing.
/// About 40 µs for a 2048-bit key.
std::optional<std::string> weakRsaKeyReason(const PublicKey& key, int fermatRounds = 100);

}  // namespace cxxacme::mock_acme
