#pragma once

#include <string>
#include <string_view>

#include "cxxacme/Jwk.h"
#include "cxxacme/JwsAlgorithm.h"

namespace cxxacme {

/// Something that signs JWS requests with an account key, without handing
/// the key out: the ACME client and the HTTP layer only ever see this.
///
/// Implementations must be safe to call from several threads at once.
/// `KeySigner` signs with a key in memory; an HSM- or agent-backed signer
/// implements the same three methods.
class ISigner {
public:
    virtual ~ISigner() = default;
    ISigner() = default;
    ISigner(const ISigner&) = delete;
    ISigner& operator=(const ISigner&) = delete;

    /// The JWS `alg` this signer produces. Never changes.
    virtual JwsAlgorithm algorithm() const = 0;

    /// The public key, as it goes into a `jwk` header and the thumbprint.
    virtual Jwk publicJwk() const = 0;

    /// The JWS signature over `signingInput` (the ASCII
    /// `BASE64URL(header) '.' BASE64URL(payload)`), in JWS form: R||S for
    /// ECDSA. Throws `CryptoError` on failure.
    virtual std::string sign(std::string_view signingInput) const = 0;
};

}  // namespace cxxacme
