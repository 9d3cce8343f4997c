#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cxxacme/Certificate.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/PrivateKey.h"
#include "cxxacme/PublicKey.h"
#include "cxxacme/Time.h"

namespace cxxacme {

/// Builds X.509 v3 certificates: test CAs, the mock server's leaves, and the
/// self-signed challenge certificates of tls-alpn-01 and tls-sni-01.
///
/// Defaults: a random 128-bit positive serial; valid from one hour ago for
/// 90 days; an end-entity certificate (basicConstraints CA:FALSE, critical)
/// for TLS server and client authentication, with subject and authority key
/// identifiers. A leaf can leave out its subject key identifier, the
/// clientAuth purpose and, for an RSA key, keyEncipherment, as Let's
/// Encrypt's `tlsserver` and `shortlived` profiles do.
class CertificateBuilder {
public:
    CertificateBuilder& commonName(std::string cn);
    CertificateBuilder& organization(std::string org);
    CertificateBuilder& subjectAltNames(std::vector<Identifier> names);
    CertificateBuilder& validity(TimePoint notBefore, TimePoint notAfter);
    /// Big-endian serial bytes (at most 20, RFC 5280 §4.1.2.2).
    CertificateBuilder& serial(std::string bytes);
    /// A CA certificate (keyCertSign, cRLSign), with an optional path length.
    CertificateBuilder& certificateAuthority(std::optional<int> pathLength = std::nullopt);
    /// An authorityInfoAccess extension naming `url` as the OCSP responder
    /// (RFC 5280 §4.2.2.1); "" (the default): none.
    CertificateBuilder& ocspResponder(std::string url);
    /// A cRLDistributionPoints extension with one distribution point whose
    /// fullName is `url` (RFC 5280 §4.2.1.13); "" (the default): none.
    CertificateBuilder& crlDistributionPoint(std::string url);
    /// Leaves: whether a subjectKeyIdentifier extension is added (the default;
    /// CA certificates always have one).
    CertificateBuilder& subjectKeyIdentifier(bool add);
    /// Leaves: extendedKeyUsage serverAuth and clientAuth (the default), or
    /// serverAuth alone.
    CertificateBuilder& clientAuth(bool allow);
    /// Leaves with an RSA key: keyUsage digitalSignature and keyEncipherment
    /// (the default), or digitalSignature alone (an EC key has that alone
    /// either way).
    CertificateBuilder& keyEncipherment(bool allow);
    /// Adds an extension with a dotted OID and its DER value.
    CertificateBuilder& extension(std::string oid, bool critical, std::string derValue);

    /// A certificate for `key`, signed by itself.
    Certificate selfSign(const PrivateKey& key) const;
    /// A certificate for `subjectKey`, signed by `issuerKey` on behalf of
    /// `issuer`. Throws `CertificateError` when `issuerKey` is not the
    /// issuer's key.
    Certificate sign(const PublicKey& subjectKey, const Certificate& issuer, const PrivateKey& issuerKey) const;

private:
    Certificate build(EVP_PKEY* subjectKey, const Certificate* issuer, const PrivateKey& signingKey) const;

    std::string commonName_;
    std::string organization_;
    std::vector<Identifier> altNames_;
    std::optional<TimePoint> notBefore_;
    std::optional<TimePoint> notAfter_;
    std::string serial_;
    bool isCa_ = false;
    std::optional<int> pathLength_;
    std::vector<Certificate::Extension> extensions_;
    std::string ocspResponder_;
    std::string crlDistributionPoint_;
    bool subjectKeyIdentifier_ = true;
    bool clientAuth_ = true;
    bool keyEncipherment_ = true;
};

}  // namespace cxxacme
