#pragma once

namespace cxxacme::mock_acme {

/// What a leaf carries beside its key, names and validity: what Let's
/// Encrypt's profiles differ in. The defaults are its `classic` today: a
/// common name, a subject key identifier and keyEncipherment, but no
/// clientAuth (dropped in February 2026); `tlsserver` and `shortlived` have
/// none of them. pebble's leaves have all four.
struct LeafContents {
    /// A subject common name: the CSR's, when it is one of the order's DNS
    /// names, else the first DNS name of 64 bytes at most. Without one the
    /// subject is empty and the SAN extension critical (RFC 5280 §4.2.1.6).
    bool commonName = true;
    bool subjectKeyId = true;     ///< a subjectKeyIdentifier extension
    bool clientAuth = false;      ///< clientAuth beside serverAuth in extendedKeyUsage
    bool keyEncipherment = true;  ///< keyEncipherment beside digitalSignature for RSA keys
    /// The TLS feature extension with status_request, "OCSP Must-Staple"
    /// (RFC 7633), non-critical: no profile's, but a CSR's that asks for it
    /// when the CA copies it (MockAcmeConfig::mustStaple).
    bool mustStaple = false;

    bool operator==(const LeafContents&) const = default;
};

}  // namespace cxxacme::mock_acme
