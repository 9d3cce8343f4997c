#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <Poco/JSON/Object.h>

#include "cxxacme/ISigner.h"
#include "cxxacme/Jwk.h"
#include "cxxacme/PublicKey.h"

namespace cxxacme {

/// A JWS in the flattened JSON serialization, as every ACME request body is
/// (RFC 8555 §6.2, RFC 7515 §7.2.2).
///
/// Parsing is strict: exactly the members `protected`, `payload` and
/// `signature` (an unprotected header is refused, as RFC 8555 requires),
/// canonical base64url, a protected header that is a JSON object with a
/// string `alg`, and a size limit. Parsing checks structure only; `verify`
/// checks the signature, and the caller checks `nonce`, `url`, `kid`/`jwk`.
class FlattenedJws {
public:
    static constexpr std::size_t kDefaultMaxBytes = std::size_t{256} * 1024;

    /// Signs `payload` under `header`, to which `alg` is added.
    static FlattenedJws sign(const ISigner& signer, Poco::JSON::Object header, std::string_view payload);

    /// An ACME request (RFC 8555 §6.2): protected header `alg`, `nonce`,
    /// `url`, and `kid` — or `jwk` when `kid` is empty (newAccount,
    /// revocation by certificate key). An empty payload is POST-as-GET.
    static FlattenedJws signAcmeRequest(const ISigner& signer, std::string_view url, std::string_view nonce,
                                        std::string_view kid, std::string_view payload);

    /// The external account binding of RFC 8555 §7.3.4: HS256 with the CA's
    /// MAC key over the account's JWK, header `alg`, `kid`, `url`.
    static FlattenedJws signExternalAccountBinding(std::string_view macKey, std::string_view keyId,
                                                   std::string_view url, const Jwk& accountKey);

    /// Signs already-encoded parts as they are (for published test vectors).
    static FlattenedJws signEncoded(const ISigner& signer, std::string protectedB64, std::string payloadB64);

    /// Throws `JoseError` saying what is wrong.
    static FlattenedJws parse(std::string_view json, std::size_t maxBytes = kDefaultMaxBytes);
    static FlattenedJws fromObject(const Poco::JSON::Object& json);

    std::string toJson() const;
    Poco::JSON::Object::Ptr toObject() const;

    const std::string& protectedB64() const noexcept { return protected_; }
    const std::string& payloadB64() const noexcept { return payload_; }
    const std::string& signatureB64() const noexcept { return signature_; }

    /// The decoded protected header.
    const Poco::JSON::Object& protectedHeader() const { return *header_; }
    /// The header's `alg`, as sent.
    std::string algorithm() const;
    /// The decoded payload (empty for POST-as-GET).
    std::string payload() const;

    /// True when the signature is valid under `key` with the header's `alg`.
    /// False for an `alg` that does not fit the key, or that cxxacme does not
    /// support (including "none"). Never throws for bad signatures.
    bool verify(const PublicKey& key) const;
    /// True when the header's `alg` is HS256, HS384 or HS512 and the MAC is
    /// valid under `macKey`; false for any other `alg`. Throws `JoseError`
    /// for an empty key.
    bool verifyHmac(std::string_view macKey) const;

private:
    FlattenedJws() = default;
    std::string signingInput() const { return protected_ + "." + payload_; }

    std::string protected_, payload_, signature_;
    Poco::JSON::Object::Ptr header_;
};

}  // namespace cxxacme
