#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/x509.h>

#include "cxxacme/Identifier.h"
#include "cxxacme/PrivateKey.h"
#include "cxxacme/PublicKey.h"

namespace cxxacme {

/// A PKCS#10 certificate signing request (RFC 2986), as RFC 8555 §7.4
/// finalizes with. An immutable value: copies share one parsed request,
/// safe to use from several threads at once.
class CertificateSigningRequest {
public:
    /// RFC 5280's upper bound for a common name (ub-common-name), in characters.
    static constexpr std::size_t kMaxCommonName = 64;

    /// A CSR for `identifiers` (at least one; DNS names incl. a leading
    /// wildcard, IP addresses per RFC 8738) in a subjectAltName extension,
    /// signed by `key`. The subject CN is the first DNS name when it fits in
    /// 64 characters, and empty otherwise.
    static CertificateSigningRequest create(const PrivateKey& key, const std::vector<Identifier>& identifiers);
    static CertificateSigningRequest fromPem(std::string_view pem);
    /// DER, as it travels base64url-encoded in a finalize request. The
    /// version may be 0, as RFC 2986 has it, or 1 or 2: Let's Encrypt takes
    /// those, and clients have sent 2 for years (certbot before 1.29,
    /// ruby-acme-client before 2.0.19, where Debian 12 has 2.0.9). Any other
    /// is refused.
    static CertificateSigningRequest fromDer(std::string_view der);

    std::string toPem() const;
    std::string toDer() const;

    /// The DNS and IP subjectAltNames, in order. Throws `CertificateError`
    /// when the extension holds an invalid name.
    std::vector<Identifier> identifiers() const;
    /// The subjectAltNames `identifiers` passes over, in order: "email:ADDRESS"
    /// (rfc822Name), "URI:URI", or the kind alone for the rest ("otherName",
    /// "x400Address", "directoryName", "ediPartyName", "registeredID"). Values
    /// as the request holds them, which may be anything: escape before showing.
    std::vector<std::string> otherAltNames() const;
    /// The subject CN, or an empty string.
    std::string commonName() const;
    /// The version field: 0 (v1, RFC 2986's only one), or 1 or 2 (see fromDer).
    int version() const;
    /// The algorithm the request is signed with, as OpenSSL names it
    /// ("ecdsa-with-SHA256", "sha256WithRSAEncryption", "sha1WithRSAEncryption",
    /// "rsassaPss", "ED25519"), or its dotted OID when OpenSSL has no name.
    std::string signatureAlgorithm() const;
    /// The TLS features the request asks its certificate to carry (RFC 7633
    /// §4: the TLS feature extension, 1.3.6.1.5.5.7.1.24), in order: 5,
    /// status_request, is "OCSP Must-Staple". Empty when it asks for none.
    /// Throws `CertificateError` when the extension is unreadable, appears
    /// twice or holds a number outside 0..65535.
    std::vector<int> tlsFeatures() const;
    PublicKey publicKey() const;
    /// True when the CSR is signed by the key it carries.
    bool verifySignature() const;

    /// OpenSSL's object, read from the DER on first use (fromDer takes the
    /// request apart without it: OpenSSL 3.0 builds a decoder chain for the
    /// key of every request it reads).
    X509_REQ* native() const;

private:
    struct Parts;
    explicit CertificateSigningRequest(std::shared_ptr<const Parts> parts) : parts_(std::move(parts)) {}
    static std::shared_ptr<Parts> parse(std::string der);
    std::shared_ptr<const Parts> parts_;
};

}  // namespace cxxacme
