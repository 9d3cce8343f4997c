#pragma once

// RAII owners for the OpenSSL handles cxxacme uses, and the one function that
// turns OpenSSL's error queue into a `CryptoError`. Internal: include it from
// cxxacme sources, not from user code.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace cxxacme::detail {

template <auto Free>
struct OpenSslDeleter {
    template <typename T>
    void operator()(T* p) const noexcept {
        Free(p);
    }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, OpenSslDeleter<BN_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OpenSslDeleter<X509_REQ_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<GENERAL_NAME_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, OpenSslDeleter<ASN1_OCTET_STRING_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslDeleter<ASN1_INTEGER_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, OpenSslDeleter<ASN1_OBJECT_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpenSslDeleter<ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OpenSslDeleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, OpenSslDeleter<OSSL_PARAM_free>>;

struct X509StackDeleter {
    void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

struct ExtensionStackDeleter {
    void operator()(STACK_OF(X509_EXTENSION) * s) const noexcept {
        sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
    }
};
using ExtensionStackPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionStackDeleter>;

/// Drains OpenSSL's error queue into a string ("what: reason; reason").
std::string takeOpenSslErrors(std::string_view what);

/// Throws `CryptoError` with `what` and the drained OpenSSL error queue.
[[noreturn]] void throwOpenSslError(std::string_view what);

/// A read-only memory BIO over `data` (which must outlive the BIO).
BioPtr memoryBio(std::string_view data);

/// Everything written to a memory BIO so far.
std::string bioContents(BIO* bio);

/// Returns `p`, or throws `CryptoError(what)` when it is null.
template <typename T>
T* checked(T* p, std::string_view what) {
    if (p == nullptr) throwOpenSslError(what);
    return p;
}

/// Throws `CryptoError(what)` unless `rc` is 1 (OpenSSL's success).
inline void checkOne(int rc, std::string_view what) {
    if (rc != 1) throwOpenSslError(what);
}

/// The digest certificates and CSRs signed by `key` use: SHA-384 for P-384,
/// SHA-512 for P-521, none for Ed25519 (it hashes itself), else SHA-256.
const EVP_MD* signatureDigestFor(EVP_PKEY* key);

/// The JOSE name of an EC key's curve ("P-256", "P-384", "P-521"), or an
/// empty string for any other key.
std::string joseCurveName(EVP_PKEY* key);

/// The same digest as `md` (SHA-1, -256, -384 or -512) fetched once from
/// the default provider; any other `md` as it is. OpenSSL 3 looks a legacy
/// `EVP_sha256()` up in its provider store on every EVP_Digest; a fetched
/// one skips that (OpenSSL's "performance" guide: fetch explicitly).
const EVP_MD* fetchedDigest(const EVP_MD* md);

/// `n` bytes from OpenSSL's CSPRNG.
std::string randomBytes(std::size_t n);

/// SHA-256 of `data` (32 bytes).
std::string sha256(std::string_view data);

/// HMAC-SHA256 of `data` under `key` (32 bytes). Throws `CryptoError` for
/// an empty key.
std::string hmacSha256(std::string_view key, std::string_view data);
/// HMAC with `md` (SHA-256, -384 or -512); throws `CryptoError` for an empty key.
std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data);

/// A non-negative BIGNUM from big-endian bytes.
BignumPtr bignumFrom(std::string_view bytes);
/// A key of `type` ("RSA", "EC") from the parameters in `bld`
/// (EVP_PKEY_fromdata); null when OpenSSL refuses them, its errors left
/// queued for the caller's message.
EvpPkeyPtr keyFromParams(const char* type, int selection, OSSL_PARAM_BLD* bld);

/// Lower-case hex of `data`.
std::string hexEncode(std::string_view data);

/// Standard base64 (RFC 4648 §4, with padding), on one line.
std::string base64Encode(std::string_view data);

/// A PEM block of `der` under `label` (RFC 7468 strict: lines of 64
/// characters, each ending in a line feed), as OpenSSL's PEM writers give it
/// but without their BIO and buffers.
std::string pemText(std::string_view label, std::string_view der);

/// Standard base64 (RFC 4648 §4, with padding) decoded; nothing when `text`
/// is not exactly that (no white space, no missing padding).
std::optional<std::string> base64Decode(std::string_view text);

/// ECDSA signature conversions between DER (OpenSSL) and the fixed-width
/// R||S form of JWS (RFC 7518 §3.4); `half` is the byte width of R and S.
std::string ecdsaDerToRaw(std::string_view der, std::size_t half);
std::string ecdsaRawToDer(std::string_view raw);

/// The DER encoding `i2d(object, &out)` produces (i2d_X509, i2d_PUBKEY, …).
template <typename I2d, typename T>
std::string derOf(I2d i2d, T* object, std::string_view what) {
    unsigned char* out = nullptr;
    const int len = i2d(object, &out);
    if (len <= 0) throwOpenSslError(what);
    std::string der(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
    OPENSSL_clear_free(out, static_cast<std::size_t>(len));
    return der;
}

/// The PEM text `write(bio, object)` produces (PEM_write_bio_X509, …).
template <typename Write, typename T>
std::string pemOf(Write write, T* object, std::string_view what) {
    BioPtr bio(checked(BIO_new(BIO_s_mem()), "BIO_new"));
    checkOne(write(bio.get(), object), what);
    return bioContents(bio.get());
}



}  // namespace cxxacme::detail
