// libFuzzer target for cxxacme's own DER reading of certificate requests
// and keys (CertificateSigningRequest::fromDer, PublicKey::fromDer,
// PrivateKey::fromDer), checked against OpenSSL's reader: whatever cxxacme
// accepts, OpenSSL must accept too, with the same key (the same private
// scalar for a private key) and the same verdict on the signature; the TLS
// features a request asks for (RFC 7633), where cxxacme reads them, are the
// numbers OpenSSL reads. Any
// disagreement aborts. The first byte picks the reader (0 request, 1 public
// key, 2 private key, modulo 3). Seeded with each key type on the first run.
// Built with scripts/fuzz.sh (clang only); never run by the test suite.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/Error.h"
#include "cxxacme/PrivateKey.h"

using namespace cxxacme;

namespace {

void agree(bool condition) {
    if (!condition) std::abort();
}

void checkRequest(const std::string& der) {
    std::optional<CertificateSigningRequest> ours;
    try {
        ours = CertificateSigningRequest::fromDer(der);
    } catch (const Error&) {
        return;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509_REQ* theirs = d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size()));
    agree(theirs != nullptr && p == reinterpret_cast<const unsigned char*>(der.data()) + der.size());
    EVP_PKEY* key = X509_REQ_get0_pubkey(theirs);
    agree(key != nullptr && EVP_PKEY_eq(ours->publicKey().native(), key) == 1);
    agree(ours->verifySignature() == (X509_REQ_verify(theirs, key) == 1));
    try {
        (void)ours->identifiers();
    } catch (const Error&) {
    }
    (void)ours->commonName();
    (void)ours->otherAltNames();
    // the signature algorithm's name is OpenSSL's own for the same object
    char theirAlgorithm[128] = {};
    const X509_ALGOR* algorithm = nullptr;
    X509_REQ_get0_signature(theirs, nullptr, &algorithm);
    const int length = OBJ_obj2txt(theirAlgorithm, sizeof theirAlgorithm, algorithm->algorithm, 0);
    if (length > 0 && static_cast<std::size_t>(length) < sizeof theirAlgorithm) agree(ours->signatureAlgorithm() == theirAlgorithm);
    try {
        const std::vector<int> features = ours->tlsFeatures();
        STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(theirs);
        int found = -1;
        auto* read = static_cast<TLS_FEATURE*>(X509V3_get_d2i(extensions, NID_tlsfeature, &found, nullptr));
        agree((read == nullptr ? 0 : sk_ASN1_INTEGER_num(read)) == static_cast<int>(features.size()));
        for (std::size_t i = 0; i < features.size(); ++i)
            agree(ASN1_INTEGER_get(sk_ASN1_INTEGER_value(read, static_cast<int>(i))) == features[i]);
        TLS_FEATURE_free(read);
        sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
    } catch (const Error&) {
    }
    X509_REQ_free(theirs);
    ERR_clear_error();
}

void checkKey(const std::string& der) {
    std::optional<PublicKey> ours;
    try {
        ours = PublicKey::fromDer(der);
    } catch (const Error&) {
        return;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    EVP_PKEY* theirs = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
    agree(theirs != nullptr && EVP_PKEY_eq(ours->native(), theirs) == 1);
    EVP_PKEY_free(theirs);
    ERR_clear_error();
}

// The private scalar of an EC key, in hex; empty for another key type.
std::string ecScalar(EVP_PKEY* key) {
    BIGNUM* d = nullptr;
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return {};
    agree(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1);
    char* hex = BN_bn2hex(d);
    const std::string out(hex);
    OPENSSL_free(hex);
    BN_clear_free(d);
    return out;
}

void checkPrivateKey(const std::string& der) {
    std::optional<PrivateKey> ours;
    try {
        ours = PrivateKey::fromDer(der);
    } catch (const Error&) {
        return;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    EVP_PKEY* theirs = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
    agree(theirs != nullptr && EVP_PKEY_eq(ours->native(), theirs) == 1);
    agree(ecScalar(ours->native()) == ecScalar(theirs));
    EVP_PKEY_free(theirs);
    ERR_clear_error();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const std::string der(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
    case 0: checkRequest(der); break;
    case 1: checkKey(der); break;
    default: checkPrivateKey(der); break;
    }
    return 0;
}
