#pragma once

#include <optional>
#include <string_view>

#include "cxxacme/PublicKey.h"

namespace cxxacme {

/// The JWS algorithms cxxacme signs and verifies (RFC 7518, RFC 8037).
enum class JwsAlgorithm {
    RS256,  ///< RSASSA-PKCS1-v1_5 with SHA-256
    ES256,  ///< ECDSA P-256 with SHA-256, 64-byte R||S signature
    ES384,  ///< ECDSA P-384 with SHA-384, 96-byte R||S signature
    EdDSA,  ///< Ed25519
    HS256,  ///< HMAC SHA-256: external account binding only (RFC 8555 §7.3.4)
    HS384,  ///< HMAC SHA-384: external account binding only
    HS512,  ///< HMAC SHA-512: external account binding only
};

/// "RS256", "ES256", "ES384", "EdDSA", "HS256", "HS384", "HS512".
std::string_view toString(JwsAlgorithm alg) noexcept;

/// The algorithm for a JOSE `alg` value, or nothing for any other value
/// (including "none").
std::optional<JwsAlgorithm> jwsAlgorithmFromString(std::string_view name) noexcept;

/// True for the MAC algorithms (HS256, HS384, HS512), which only an external
/// account binding may use; never an ACME request's own signature.
bool isMacAlgorithm(JwsAlgorithm alg) noexcept;

/// The signature algorithm a key signs with: RS256 for RSA, ES256 for P-256,
/// ES384 for P-384, EdDSA for Ed25519. Throws `JoseError` for other keys.
JwsAlgorithm jwsAlgorithmFor(const PublicKey& key);

}  // namespace cxxacme
