#include "cxxacme/PrivateKey.h"

#include <sys/stat.h>

#include <climits>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Error.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/detail/X509Helpers.h"

namespace cxxacme {

using namespace detail;

namespace {

// Refuses to prompt: an encrypted key simply fails to load.
int noPassphrase(char*, int, int, void*) { return -1; }

// The key in `pem`'s first block when that block is an unencrypted PKCS#8
// or SEC1 EC key, read without OpenSSL's decoders (see ecPrivateKeyFromDer);
// null for anything else, which PEM_read_bio_PrivateKey then reads as before.
EvpPkeyPtr fromFirstKeyBlock(std::string_view pem) {
    auto bio = memoryBio(pem);
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long length = 0;
    const bool read = PEM_read_bio(bio.get(), &name, &header, &data, &length) == 1;
    ERR_clear_error();
    const auto release = [](char* p) { OPENSSL_free(p); };
    const std::unique_ptr<char, decltype(release)> nameOwner(name, release), headerOwner(header, release);
    const auto wipe = [length](unsigned char* p) { OPENSSL_clear_free(p, static_cast<std::size_t>(length)); };
    const std::unique_ptr<unsigned char, decltype(wipe)> dataOwner(data, wipe);
    if (!read || (header != nullptr && *header != '\0')) return nullptr;  // Proc-Type: an encrypted SEC1 key
    const std::string_view label(name);
    if (label != "PRIVATE KEY" && label != "EC PRIVATE KEY") return nullptr;
    return ecPrivateKeyFromDer(std::string_view(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length)));
}

}  // namespace

PrivateKey PrivateKey::adopt(EVP_PKEY* key) {
    if (key == nullptr) throw CryptoError("PrivateKey::adopt: null key");
    return PrivateKey(std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free));
}

PrivateKey PrivateKey::generate(KeyType type) {
    EVP_PKEY* key = nullptr;
    switch (type) {
    case KeyType::EcP256: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case KeyType::EcP384: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
    case KeyType::Rsa2048: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)); break;
    case KeyType::Rsa3072: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(3072)); break;
    case KeyType::Rsa4096: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(4096)); break;
    case KeyType::Ed25519: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    }
    if (key == nullptr) throwOpenSslError("generating a " + std::string(toString(type)) + " key");
    return adopt(key);
}

PrivateKey PrivateKey::fromPem(std::string_view pem) {
    if (auto key = fromFirstKeyBlock(pem)) return adopt(key.release());
    auto bio = memoryBio(pem);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr);
    if (key == nullptr) {
        ERR_clear_error();  // OpenSSL's reasons here can quote the input; keep them out
        if (pem.find("ENCRYPTED") != std::string_view::npos)
            throw CryptoError("encrypted private keys are not supported; decrypt it first");
        throw CryptoError("not a PEM private key (PKCS#1, SEC1 or PKCS#8)");
    }
    return adopt(key);
}

PrivateKey PrivateKey::fromDer(std::string_view der) {
    if (der.size() > static_cast<std::size_t>(LONG_MAX)) throw CryptoError("private key too large");
    if (auto fast = detail::ecPrivateKeyFromDer(der)) return adopt(fast.release());
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
    if (key == nullptr) {
        ERR_clear_error();
        throw CryptoError("not a DER private key (PKCS#1, SEC1 or PKCS#8)");
    }
    return adopt(key);
}

std::string PrivateKey::toPem() const {
    BioPtr bio(checked(BIO_new(BIO_s_mem()), "BIO_new"));
    // EC and RSA keys through their EC_KEY or RSA: OpenSSL's own PKCS#8, without its encoders' set-up
    const EvpPkeyPtr view = legacyView(key_.get());
    checkOne(PEM_write_bio_PrivateKey(bio.get(), view ? view.get() : key_.get(), nullptr, nullptr, 0, nullptr, nullptr),
             "PEM_write_bio_PrivateKey");
    return bioContents(bio.get());
}

std::string PrivateKey::toDer() const { return derOf(i2d_PrivateKey, key_.get(), "i2d_PrivateKey"); }

PublicKey PrivateKey::publicKey() const { return PublicKey::fromDer(derOf(i2d_PUBKEY, key_.get(), "i2d_PUBKEY")); }

std::optional<KeyType> PrivateKey::type() const {
    EVP_PKEY* key = key_.get();
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
        switch (EVP_PKEY_get_bits(key)) {
        case 2048: return KeyType::Rsa2048;
        case 3072: return KeyType::Rsa3072;
        case 4096: return KeyType::Rsa4096;
        default: return std::nullopt;
        }
    case EVP_PKEY_EC: {
        const std::string curve = joseCurveName(key);
        if (curve == "P-256") return KeyType::EcP256;
        if (curve == "P-384") return KeyType::EcP384;
        return std::nullopt;
    }
    case EVP_PKEY_ED25519: return KeyType::Ed25519;
    default: return std::nullopt;
    }
}

bool PrivateKey::matches(const PublicKey& key) const {
    // An EC_KEY-backed key (as fromPem/fromDer read EC keys) is compared through
    // a copy of its public half: EVP_PKEY_eq would export it to OpenSSL's provider
    // and keep that copy (~2 KB) for as long as the key lives, in every stored entry.
    if (EVP_PKEY_get0_provider(key_.get()) == nullptr && EVP_PKEY_get_base_id(key_.get()) == EVP_PKEY_EC)
        return publicKey() == key;
    return EVP_PKEY_eq(key_.get(), key.native()) == 1;
}

PrivateKey PrivateKey::loadOrGenerate(const std::string& path, KeyType type, bool* created) {
    constexpr std::size_t kMaxKeyFile = 1 << 20;
    struct stat info {};
    const bool exists = ::lstat(path.c_str(), &info) == 0;
    if (created) *created = !exists;
    if (exists) return fromPem(AtomicFile::read(path, kMaxKeyFile));
    PrivateKey key = generate(type);
    // Servers of a fleet starting at once over one directory: one key is made, and all use it.
    if (AtomicFile::create(path, key.toPem(), 0600)) return key;
    if (created) *created = false;
    return fromPem(AtomicFile::read(path, kMaxKeyFile));
}

}  // namespace cxxacme
