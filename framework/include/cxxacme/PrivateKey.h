#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "cxxacme/KeyType.h"
#include "cxxacme/PublicKey.h"

namespace cxxacme {

/// A private key. An immutable value: copies share one OpenSSL handle.
///
/// Reading accepts unencrypted PKCS#1 (`RSA PRIVATE KEY`), SEC1
/// (`EC PRIVATE KEY`) and PKCS#8 (`PRIVATE KEY`); encrypted keys are refused
/// (nothing ever prompts for a pass phrase). Writing always gives PKCS#8.
/// Error messages never contain key material.
class PrivateKey {
public:
    static PrivateKey generate(KeyType type);
    static PrivateKey fromPem(std::string_view pem);
    /// DER PKCS#8 or a traditional (PKCS#1/SEC1) DER structure.
    static PrivateKey fromDer(std::string_view der);
    /// Takes ownership of `key` (which must not be null and must be private).
    static PrivateKey adopt(EVP_PKEY* key);
    /// The key in the PEM file at `path`; when there is no such file, a new
    /// key of `type` written there atomically with mode 0600 (an account key
    /// made on first use; of processes making it at once, one makes it and
    /// every one returns that key). `created` tells which happened.
    static PrivateKey loadOrGenerate(const std::string& path, KeyType type, bool* created = nullptr);

    /// PKCS#8 PEM. Write it with mode 0600 (see `AtomicFile`).
    std::string toPem() const;
    std::string toDer() const;

    PublicKey publicKey() const;

    /// The matching `KeyType`, or nothing for a key of another size or curve
    /// (for example RSA-1024, or P-521), which can still be used.
    std::optional<KeyType> type() const;

    /// True when `key` is this key's public half.
    bool matches(const PublicKey& key) const;

    EVP_PKEY* native() const noexcept { return key_.get(); }

private:
    explicit PrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
    std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace cxxacme
