#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/x509.h>

#include "cxxacme/Identifier.h"
#include "cxxacme/PrivateKey.h"
#include "cxxacme/PublicKey.h"

namespace cxxacme {

/// A PKCS#10 certificate signing request, as RFC 8555 §7.4 finalizes with.
/// An immutable value: copies share one handle.
class CertificateSigningRequest {
public:
    /// A CSR for `identifiers` (at least one; DNS names incl. a leading
    /// wildcard, IP addresses per RFC 8738) in a subjectAltName extension,
    /// signed by `key`. The subject CN is the first DNS name when it fits in
    /// 64 characters, and empty otherwise.
    static CertificateSigningRequest create(const PrivateKey& key, const std::vector<Identifier>& identifiers);
    static CertificateSigningRequest fromPem(std::string_view pem);
    /// DER, as it travels base64url-encoded in a finalize request.
    static CertificateSigningRequest fromDer(std::string_view der);

    std::string toPem() const;
    std::string toDer() const;

    /// The DNS and IP subjectAltNames, in order. Throws `CertificateError`
    /// when the extension holds an invalid name.
    std::vector<Identifier> identifiers() const;
    /// The subject CN, or an empty string.
    std::string commonName() const;
    PublicKey publicKey() const;
    /// True when the CSR is signed by the key it carries.
    bool verifySignature() const;

    X509_REQ* native() const noexcept { return req_.get(); }

private:
    explicit CertificateSigningRequest(std::shared_ptr<X509_REQ> req) : req_(std::move(req)) {}
    std::shared_ptr<X509_REQ> req_;
};

}  // namespace cxxacme
