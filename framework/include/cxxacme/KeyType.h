#pragma once

#include <string_view>

namespace cxxacme {

/// The key types cxxacme generates, for account and certificate keys.
/// Default for certificates: `EcP256` (small, fast, accepted everywhere).
enum class KeyType {
    EcP256,   ///< "ec256": ECDSA on NIST P-256 (ES256)
    EcP384,   ///< "ec384": ECDSA on NIST P-384 (ES384)
    Rsa2048,  ///< "rsa2048" (RS256)
    Rsa3072,  ///< "rsa3072" (RS256)
    Rsa4096,  ///< "rsa4096" (RS256)
    Ed25519,  ///< "ed25519": EdDSA; for account keys where the CA allows it
};

/// The command-line spelling: "ec256", "ec384", "rsa2048", "rsa3072",
/// "rsa4096", "ed25519".
std::string_view toString(KeyType type) noexcept;

/// Parses the command-line spelling; throws `cxxacme::Error` naming the
/// accepted values otherwise.
KeyType keyTypeFromString(std::string_view text);

}  // namespace cxxacme
