#pragma once

// Conversions shared by Certificate, CertificateSigningRequest and
// CertificateBuilder. Internal.

#include <optional>
#include <utility>
#include <vector>

#include "cxxacme/Identifier.h"
#include "cxxacme/Time.h"
#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme::detail {

/// DNS and IP entries of `names`, in order; other kinds are skipped. Throws
/// `CertificateError` for an entry that is not a valid name or address.
std::vector<Identifier> identifiersFrom(const GENERAL_NAMES* names);

/// A GENERAL_NAMES with one dNSName or iPAddress per identifier.
GeneralNamesPtr generalNamesFrom(const std::vector<Identifier>& identifiers);

TimePoint timeFrom(const ASN1_TIME* time);

/// Sets `target` (an X509 validity field) to `time`.
void setTime(ASN1_TIME* target, TimePoint time);

/// A key identifier by RFC 5280 §4.2.1.2 method (1), as OpenSSL's "hash":
/// the SHA-1 of the certificate's subjectPublicKey bits.
std::string keyIdentifierOf(const X509* cert);

/// The RFC 2253 text of a distinguished name.
std::string nameText(const X509_NAME* name);

/// The first commonName entry of `name`, or an empty string.
std::string commonNameOf(const X509_NAME* name);

/// X509_set_pubkey and X509_REQ_set_pubkey, fast. OpenSSL 3.0 encodes a
/// provider key for a certificate through its generic encoder and then
/// decodes the result again (~170 µs, most of a CSR's or a leaf's cost); a
/// key with a built-in method table (EC, RSA) is encoded directly (~5 µs).
/// Either way the certificate holds the same SubjectPublicKeyInfo and a
/// usable key. Other key types take OpenSSL's general path.
void setPublicKey(X509* cert, EVP_PKEY* key);
void setPublicKey(X509_REQ* request, EVP_PKEY* key);

/// An EVP_PKEY with a built-in method table over the same EC_KEY or RSA as
/// `key` (shared, not copied; OpenSSL makes it once for a provider key and
/// keeps it with the key), or null for other key types. OpenSSL 3.0's
/// writers take such a key directly, where a provider key goes through its
/// generic encoders: `setPublicKey` above, and a private key's PKCS#8 PEM
/// (~9 µs against ~85 µs for P-256, the same bytes).
EvpPkeyPtr legacyView(EVP_PKEY* key);

/// The key of a DER SubjectPublicKeyInfo, fast: RSA (rsaEncryption, NULL
/// parameters), EC on a named P-256/P-384/P-521 curve, and Ed25519 are taken
/// apart here and built from their numbers (~15 µs; an EC key, as an
/// EC_KEY-backed key on a curve group made once, ~5 µs; OpenSSL 3.0's
/// d2i_PUBKEY builds a decoder chain for every key it reads, ~90 µs and
/// contended locks). Null for anything else -- another algorithm, explicit curve
/// parameters, a point in hybrid form -- which the caller hands to OpenSSL's
/// general path to accept or refuse. Throws `CertificateError` for DER that
/// is not well formed and for an RSA modulus or exponent that is not
/// positive (which OpenSSL would take), and `CryptoError` for numbers OpenSSL
/// refuses (a point not on its curve).
EvpPkeyPtr publicKeyFromSpki(std::string_view spki);

/// An EC public key from its uncompressed point (0x04 || x || y) on the
/// curve `nid` (P-256, P-384 or P-521), as an EC_KEY-backed key on a curve
/// group made once (~5 µs). Throws `CryptoError` for a point not on the curve.
EvpPkeyPtr ecPublicKey(int nid, std::string_view point);

/// An EC private key on P-256, P-384 or P-521 from DER, as an EC_KEY-backed
/// key on a curve group made once: ~15 µs, where OpenSSL 3.0's decoders take
/// ~450 µs for every key they read (a store reads one per entry). Reads the
/// forms OpenSSL writes: an unencrypted PKCS#8 PrivateKeyInfo (RFC 5208;
/// version 0, a named curve, no attributes) around an ECPrivateKey, or an
/// ECPrivateKey alone (SEC1, RFC 5915) whose parameters name the curve; the
/// scalar of the curve's length, optional parameters that agree, an optional
/// public key. Null for anything else (other key types, explicit curves,
/// malformed DER), which the caller hands to OpenSSL's general path to accept
/// or refuse. Throws `CryptoError` for a scalar out of range (0, or not below
/// the curve's order), which OpenSSL 3.0 would take. On P-256 the public point
/// is computed from the scalar (~10 µs) and a stored one must be it; on P-384
/// and P-521, where that costs ~0.7 ms, a stored point is taken as OpenSSL
/// takes it, once it is on the curve (computed only when absent).
EvpPkeyPtr ecPrivateKeyFromDer(std::string_view der);

/// The affine x and y of an EC key's public point, for a provider key and
/// for the EC_KEY-backed keys publicKeyFromSpki makes alike (OpenSSL 3.0
/// answers "qx"/"qy" only for the former).
std::pair<BignumPtr, BignumPtr> ecPublicCoordinates(EVP_PKEY* key);

/// Whether `signature` (DER ECDSA-Sig-Value) is `key`'s ECDSA signature of
/// `data` hashed with `md`, checked on the key's own EC_KEY; nothing when
/// `key` is not an EC_KEY-backed key. OpenSSL's EVP verification would
/// first export such a key to its provider (~20 µs, another new curve
/// group) for each new key, as each CSR's is. The signature must be strict DER.
std::optional<bool> verifyOnEcKey(EVP_PKEY* key, const EVP_MD* md, std::string_view data, std::string_view signature);

/// JWS's ECDSA signature (RFC 7518 §3.4: r and s, `half` bytes each) of
/// `data` hashed with `md`, made on the key's EC_KEY (the copy OpenSSL keeps
/// of a provider key); nothing when `key` is not an EC key. OpenSSL 3.0's EVP
/// signing looks its algorithms up anew for every signature.
std::optional<std::string> signOnEcKey(EVP_PKEY* key, const EVP_MD* md, std::string_view data, std::size_t half);

}  // namespace cxxacme::detail
