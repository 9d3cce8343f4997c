#pragma once

#include <string>
#include <string_view>

#include "cxxacme/Jwk.h"

namespace cxxacme {

/// Key authorizations (RFC 8555 §8.1) and the values each challenge type
/// derives from them.
class KeyAuthorization {
public:
    /// The OID of the tls-alpn-01 `acmeIdentifier` extension (RFC 8737 §6.1).
    static constexpr const char* kAcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";
    /// The ALPN protocol of tls-alpn-01 validation (RFC 8737 §6.2).
    static constexpr const char* kAcmeTlsAlpnProtocol = "acme-tls/1";

    KeyAuthorization() = delete;

    /// `token || '.' || base64url(JWK_Thumbprint(accountKey))`. Throws
    /// `JoseError` for a token that is empty, too long, or has characters
    /// outside the base64url alphabet (RFC 8555 §8.3).
    static std::string compute(std::string_view token, const Jwk& accountKey);

    /// dns-01: the TXT record value, base64url(SHA-256(keyAuthorization)).
    static std::string dns01TxtValue(std::string_view keyAuthorization);

    /// tls-alpn-01: SHA-256(keyAuthorization), 32 bytes.
    static std::string tlsAlpn01Digest(std::string_view keyAuthorization);

    /// tls-alpn-01: the DER value of the `acmeIdentifier` extension, an
    /// OCTET STRING holding `tlsAlpn01Digest` (RFC 8737 §3).
    static std::string acmeIdentifierExtensionValue(std::string_view keyAuthorization);

    /// tls-sni-01 (draft-ietf-acme-acme-01 §7.3): the SNI name and only SAN
    /// of the challenge certificate, `Z[0:32].Z[32:64].acme.invalid` where Z
    /// is the lower-case hex SHA-256 of the key authorization.
    static std::string tlsSni01Name(std::string_view keyAuthorization);

    /// dns-account-01 (draft-ietf-acme-dns-account-label-02 §3.1): the label
    /// that names the account's own TXT record, "_" followed by the
    /// lower-case base32 (RFC 4648 §6) of the first 10 bytes of
    /// SHA-256(accountUrl), 17 characters. The record for NAME (a wildcard's
    /// base name) is `LABEL._acme-challenge.NAME`; its value is
    /// `dns01TxtValue`. `accountUrl` is the account's URL as the server gave
    /// it (its `Location`, the JWS `kid`), byte for byte. Throws `JoseError`
    /// for an empty URL.
    static std::string dnsAccountLabel(std::string_view accountUrl);
};

}  // namespace cxxacme
