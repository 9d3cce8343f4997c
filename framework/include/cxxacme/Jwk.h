#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <Poco/JSON/Object.h>

#include "cxxacme/PrivateKey.h"
#include "cxxacme/PublicKey.h"

namespace cxxacme {

/// A public JSON Web Key (RFC 7517) of kty RSA, EC (P-256, P-384, P-521) or
/// OKP (Ed25519): what an ACME account key looks like on the wire.
class Jwk {
public:
    static constexpr std::size_t kMaxJsonBytes = std::size_t{16} * 1024;

    static Jwk fromPublicKey(const PublicKey& key);
    /// Reads the public members of a JWK object; private members are
    /// ignored. Throws `JoseError` for a missing or malformed member, an
    /// unknown kty or curve, or a point that is not on its curve.
    static Jwk fromJson(const Poco::JSON::Object& json);
    static Jwk parse(std::string_view json);

    /// A private key from a private JWK (RSA with its CRT members, EC or OKP
    /// with `d`), as certbot and other clients store account keys.
    static PrivateKey privateKeyFromJson(std::string_view json);

    /// The key, checked: the point is on the curve, the modulus is odd.
    PublicKey publicKey() const;

    /// The required members only, in lexicographic order, without white
    /// space: the RFC 7638 §3 thumbprint input, and the form cxxacme sends.
    std::string toJson() const;
    /// `toJson()` as a JSON object, for embedding in a JWS header.
    Poco::JSON::Object::Ptr toObject() const;

    /// base64url(SHA-256(toJson())), RFC 7638.
    std::string thumbprint() const;

    const std::string& kty() const noexcept { return kty_; }

    bool operator==(const Jwk& other) const { return toJson() == other.toJson(); }

private:
    Jwk() = default;
    PublicKey buildPublicKey() const;
    std::string kty_, crv_, n_, e_, x_, y_;  // members as base64url text
    /// The key, built and checked once (building it runs OpenSSL's public
    /// key check: as costly as a signature verification).
    std::optional<PublicKey> key_;
};

}  // namespace cxxacme
