#include "cxxacme/PublicKey.h"

#include <climits>

#include <openssl/pem.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/X509Helpers.h"
#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme {

using namespace detail;

PublicKey PublicKey::adopt(EVP_PKEY* key) {
    if (key == nullptr) throw CryptoError("PublicKey::adopt: null key");
    return PublicKey(std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free));
}

PublicKey PublicKey::fromPem(std::string_view pem) {
    auto bio = memoryBio(pem);
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) throwOpenSslError("not a PEM public key");
    return adopt(key);
}

PublicKey PublicKey::fromDer(std::string_view der) {
    if (der.size() > static_cast<std::size_t>(LONG_MAX)) throw CryptoError("public key too large");
    try {
        if (auto key = detail::publicKeyFromSpki(der)) return adopt(key.release());
    } catch (const CertificateError& e) {
        throw CryptoError(std::string("not a DER SubjectPublicKeyInfo: ") + e.what());
    }
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
    if (key == nullptr) throwOpenSslError("not a DER SubjectPublicKeyInfo");
    if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
        EVP_PKEY_free(key);
        throw CryptoError("trailing bytes after the DER public key");
    }
    return adopt(key);
}

std::string PublicKey::toPem() const { return pemOf(PEM_write_bio_PUBKEY, key_.get(), "PEM_write_bio_PUBKEY"); }

std::string PublicKey::toDer() const { return derOf(i2d_PUBKEY, key_.get(), "i2d_PUBKEY"); }

std::string PublicKey::algorithm() const {
    switch (EVP_PKEY_get_base_id(key_.get())) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_ED25519: return "ED25519";
    default: return "unsupported";
    }
}

int PublicKey::bits() const { return EVP_PKEY_get_bits(key_.get()); }

std::string PublicKey::curve() const { return joseCurveName(key_.get()); }

bool PublicKey::operator==(const PublicKey& other) const {
    return EVP_PKEY_eq(key_.get(), other.key_.get()) == 1;
}

}  // namespace cxxacme
