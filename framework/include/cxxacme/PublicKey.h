#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <openssl/types.h>

namespace cxxacme {

/// A public key (RSA, EC P-256/P-384/P-521, Ed25519). An immutable value:
/// copies share one OpenSSL handle, which is safe to use from several
/// threads at once.
class PublicKey {
public:
    /// Reads a `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo) PEM.
    static PublicKey fromPem(std::string_view pem);
    /// Reads DER SubjectPublicKeyInfo.
    static PublicKey fromDer(std::string_view der);
    /// Takes ownership of `key` (which must not be null).
    static PublicKey adopt(EVP_PKEY* key);

    std::string toPem() const;
    std::string toDer() const;

    /// "RSA", "EC" or "ED25519".
    std::string algorithm() const;
    /// Key size in bits (RSA modulus, EC field size).
    int bits() const;
    /// JOSE curve name for EC keys ("P-256", "P-384", "P-521"), empty otherwise.
    std::string curve() const;

    /// True when both hold the same public key.
    bool operator==(const PublicKey& other) const;

    /// The OpenSSL handle, owned by this object.
    EVP_PKEY* native() const noexcept { return key_.get(); }

private:
    explicit PublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
    std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace cxxacme
