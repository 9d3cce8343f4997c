#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cxxacme/PemBundle.h"

namespace cxxacme::stores {

/// Encryption of the private keys in store entries, at rest: AES-256-GCM
/// (OpenSSL) under a 32-byte key read from a file.
///
/// A sealed entry is the certificate and chain as plain PEM (they are
/// public), preceded by a `CXXACME ENCRYPTED PRIVATE KEY` block holding a
/// format tag, a random 96-bit nonce, the PKCS#8 key encrypted, and the
/// 128-bit tag. The entry's canonical name is authenticated with it, so a
/// sealed key moved to another entry does not open. Without the key file a
/// store refuses sealed entries with a clear error; with it, it still reads
/// plain entries (written before encryption was turned on) and seals them
/// at their next write. Sealed entries are not readable by txsni.
class KeyEncryption {
public:
    static constexpr const char* kPemLabel = "CXXACME ENCRYPTED PRIVATE KEY";
    static constexpr std::size_t kKeyBytes = 32;

    /// Reads the key from `path`: 32 raw bytes, 64 hex digits or the base64
    /// of 32 bytes (surrounding white space ignored). Refuses a file that
    /// group or others may read, or a key of another size. Throws
    /// `FileError` or `CryptoError`; messages never contain key material.
    static std::shared_ptr<const KeyEncryption> fromKeyFile(const std::string& path);
    /// Writes a new random key (64 hex digits) to `path`, mode 0600, atomically.
    static void generateKeyFile(const std::string& path);

    explicit KeyEncryption(std::string key);
    ~KeyEncryption();
    KeyEncryption(const KeyEncryption&) = delete;
    KeyEncryption& operator=(const KeyEncryption&) = delete;

    /// The stored text of `entry` under `name`, its key sealed.
    std::string seal(const std::string& name, const PemBundle& entry) const;
    /// The entry from stored text, sealed or plain. Throws `CryptoError`
    /// when the seal does not open (wrong key, altered text, other name).
    PemBundle open(const std::string& name, std::string_view text) const;

    /// True when `text` holds a sealed key.
    static bool isSealed(std::string_view text);
    /// What a store writes: sealed with `encryption`, plain PEM without.
    static std::string encode(const std::string& name, const PemBundle& entry, const KeyEncryption* encryption);
    /// What a store reads: opens a sealed entry with `encryption`; a sealed
    /// entry without it throws `CryptoError` saying the key file is missing.
    static PemBundle decode(const std::string& name, std::string_view text, const KeyEncryption* encryption);

private:
    std::string key_;
};

}  // namespace cxxacme::stores
