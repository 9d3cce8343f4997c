#pragma once

#include "cxxacme/ISigner.h"
#include "cxxacme/PrivateKey.h"

namespace cxxacme {

/// An `ISigner` over a private key held in memory: RS256 for RSA, ES256 for
/// P-256, ES384 for P-384, EdDSA for Ed25519.
class KeySigner final : public ISigner {
public:
    /// Throws `JoseError` for a key that has no JWS algorithm (e.g. P-521).
    explicit KeySigner(PrivateKey key);

    JwsAlgorithm algorithm() const override { return algorithm_; }
    Jwk publicJwk() const override { return jwk_; }
    std::string sign(std::string_view signingInput) const override;

private:
    PrivateKey key_;
    JwsAlgorithm algorithm_;
    Jwk jwk_;
};

}  // namespace cxxacme
