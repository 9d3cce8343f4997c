#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include "cxxacme/Identifier.h"
#include "cxxacme/PublicKey.h"
#include "cxxacme/Time.h"

namespace cxxacme {

/// An X.509 certificate. An immutable value: copies share one handle.
class Certificate {
public:
    /// One X.509 extension, as found in a certificate.
    struct Extension {
        std::string oid;    ///< dotted decimal, e.g. "1.3.6.1.5.5.7.1.31"
        bool critical = false;
        std::string value;  ///< the DER inside the extension's OCTET STRING
    };

    /// Reads the first `CERTIFICATE` block of `pem`.
    static Certificate fromPem(std::string_view pem);
    /// Reads every `CERTIFICATE` block of `pem`, in order (at least one).
    static std::vector<Certificate> chainFromPem(std::string_view pem);
    static Certificate fromDer(std::string_view der);
    /// Takes ownership of `cert` (which must not be null).
    static Certificate adopt(X509* cert);

    std::string toPem() const;
    std::string toDer() const;

    TimePoint notBefore() const;
    TimePoint notAfter() const;
    /// The DNS and IP subject alternative names, in certificate order.
    std::vector<Identifier> subjectAltNames() const;
    /// The serial number in upper-case hex, without separators.
    std::string serialHex() const;
    /// The serial number's big-endian bytes (for ARI certificate ids).
    std::string serialBytes() const;
    /// Distinguished names in RFC 2253 form.
    std::string subject() const;
    std::string issuer() const;
    /// The subject's common name, or an empty string.
    std::string commonName() const;
    PublicKey publicKey() const;
    /// The keyIdentifier of the Authority Key Identifier extension, if any.
    std::optional<std::string> authorityKeyId() const;
    /// True for a CA certificate (basicConstraints CA:TRUE).
    bool isCa() const;
    /// The extension with this dotted OID, if present.
    std::optional<Extension> extension(std::string_view oid) const;

    /// Checks that this certificate chains through `intermediates` to one of
    /// `roots`, valid at `at` (default: the current system time), for TLS
    /// server use. Throws `CertificateError` with OpenSSL's reason.
    void verifyChain(const std::vector<Certificate>& intermediates, const std::vector<Certificate>& roots,
                     std::optional<TimePoint> at = std::nullopt) const;

    /// True when `issuer` issued this certificate: its subject is this
    /// certificate's issuer, its key identifier and key usage allow it
    /// (OpenSSL's `X509_check_issued`), and its key verifies this
    /// certificate's signature. Trusts nothing: for checking that a chain a
    /// CA sent links up, not that it leads anywhere.
    bool isIssuedBy(const Certificate& issuer) const;

    /// True when both hold the same DER.
    bool operator==(const Certificate& other) const;

    X509* native() const noexcept { return cert_.get(); }

private:
    explicit Certificate(std::shared_ptr<X509> cert) : cert_(std::move(cert)) {}
    std::shared_ptr<X509> cert_;
};

}  // namespace cxxacme
