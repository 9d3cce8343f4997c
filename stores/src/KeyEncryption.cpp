#include "cxxacme/stores/KeyEncryption.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <cctype>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Error.h"
#include "cxxacme/PemObject.h"
#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme::stores {

namespace {

constexpr std::string_view kFormat = "cxk1";  // format tag: AES-256-GCM, 96-bit nonce, 128-bit tag
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

/// Wipes a string holding secret bytes when it goes.
struct Secret {
    std::string bytes;
    ~Secret() {
        if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
    }
};

std::string aadFor(const std::string& name) { return "cxxacme store entry\n" + name; }

std::string pemBlock(const std::string& label, std::string_view der) {
    const std::string body = detail::base64Encode(der);
    std::string out = "-----BEGIN " + label + "-----\n";
    for (std::size_t i = 0; i < body.size(); i += 64) out += body.substr(i, 64) + "\n";
    return out + "-----END " + label + "-----\n";
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> decodeKeyText(const std::string& text) {
    std::string trimmed;
    for (const char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) trimmed += c;
    if (trimmed.size() == 2 * KeyEncryption::kKeyBytes) {
        std::string key;
        for (std::size_t i = 0; i < trimmed.size(); i += 2) {
            const int hi = hexValue(trimmed[i]), lo = hexValue(trimmed[i + 1]);
            if (hi < 0 || lo < 0) return std::nullopt;
            key += static_cast<char>(hi * 16 + lo);
        }
        return key;
    }
    if (auto decoded = detail::base64Decode(trimmed); decoded && decoded->size() == KeyEncryption::kKeyBytes)
        return decoded;
    return std::nullopt;
}

}  // namespace

KeyEncryption::KeyEncryption(std::string key) : key_(std::move(key)) {
    if (key_.size() != kKeyBytes) throw CryptoError("an entry encryption key must be 32 bytes");
}

KeyEncryption::~KeyEncryption() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::shared_ptr<const KeyEncryption> KeyEncryption::fromKeyFile(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw FileError(path, "cannot read the entry encryption key file");
    if ((st.st_mode & 077) != 0)
        throw FileError(path, "the entry encryption key file is readable by group or others; chmod 600 it");
    Secret text{AtomicFile::read(path, 4096)};
    if (text.bytes.size() == kKeyBytes) return std::make_shared<const KeyEncryption>(text.bytes);
    const auto key = decodeKeyText(text.bytes);
    if (!key) throw CryptoError(path + ": not a 32-byte key (expected 32 raw bytes, 64 hex digits or base64)");
    Secret holder{*key};
    return std::make_shared<const KeyEncryption>(holder.bytes);
}

void KeyEncryption::generateKeyFile(const std::string& path) {
    Secret key{detail::randomBytes(kKeyBytes)};
    Secret text{detail::hexEncode(key.bytes) + "\n"};
    AtomicFile::write(path, text.bytes, 0600);
}

bool KeyEncryption::isSealed(std::string_view text) {
    return text.find(std::string("-----BEGIN ") + kPemLabel + "-----") != std::string_view::npos;
}

std::string KeyEncryption::seal(const std::string& name, const PemBundle& entry) const {
    if (entry.empty()) return "";
    Secret plain{entry.privateKey().toDer()};
    const std::string nonce = detail::randomBytes(kNonceBytes);
    const std::string aad = aadFor(name);
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    std::string cipher(plain.bytes.size() + 16, '\0');
    int len = 0, total = 0;
    std::string tag(kTagBytes, '\0');
    const auto* k = reinterpret_cast<const unsigned char*>(key_.data());
    const auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes), nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, k, iv) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                          static_cast<int>(aad.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(cipher.data()), &len,
                          reinterpret_cast<const unsigned char*>(plain.bytes.data()), static_cast<int>(plain.bytes.size())) != 1)
        throw CryptoError(detail::takeOpenSslErrors("AES-256-GCM encryption failed"));
    total = len;
    if (EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(cipher.data()) + total, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), tag.data()) != 1)
        throw CryptoError(detail::takeOpenSslErrors("AES-256-GCM encryption failed"));
    cipher.resize(static_cast<std::size_t>(total) + static_cast<std::size_t>(len));
    std::string text = pemBlock(kPemLabel, std::string(kFormat) + nonce + cipher + tag);
    text += entry.certificate().toPem();
    for (const auto& cert : entry.chain()) text += cert.toPem();
    return text;
}

PemBundle KeyEncryption::open(const std::string& name, std::string_view text) const {
    if (!isSealed(text)) return PemBundle::parse(text);
    const std::vector<PemObject> objects = PemObject::parseAll(text);
    std::optional<std::string> sealed;
    std::vector<Certificate> certificates;
    for (const auto& object : objects) {
        if (object.label() == kPemLabel) {
            if (sealed) throw CryptoError("entry \"" + name + "\" holds two sealed keys");
            sealed = object.der();
        } else if (object.kind() == PemObject::Kind::Certificate) {
            certificates.push_back(object.certificate());
        } else {
            throw PemError("entry \"" + name + "\": a sealed entry holds only certificates besides its key, not " +
                           object.label());
        }
    }
    if (certificates.empty()) throw PemError("entry \"" + name + "\": a sealed key without a certificate");
    const std::string& blob = *sealed;
    if (blob.size() < kFormat.size() + kNonceBytes + kTagBytes || blob.compare(0, kFormat.size(), kFormat) != 0)
        throw CryptoError("entry \"" + name + "\": the sealed key is not in a format this version reads");
    const std::string nonce = blob.substr(kFormat.size(), kNonceBytes);
    const std::string cipher = blob.substr(kFormat.size() + kNonceBytes, blob.size() - kFormat.size() - kNonceBytes - kTagBytes);
    std::string tag = blob.substr(blob.size() - kTagBytes);
    const std::string aad = aadFor(name);
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    Secret plain{std::string(cipher.size() + 16, '\0')};
    int len = 0, total = 0;
    const auto* k = reinterpret_cast<const unsigned char*>(key_.data());
    const auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
    const bool ok =
        ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes), nullptr) == 1 &&
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, k, iv) == 1 &&
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                          static_cast<int>(aad.size())) == 1 &&
        EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.bytes.data()), &total,
                          reinterpret_cast<const unsigned char*>(cipher.data()), static_cast<int>(cipher.size())) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) == 1 &&
        EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.bytes.data()) + total, &len) == 1;
    if (!ok) {
        detail::takeOpenSslErrors("");
        throw CryptoError("entry \"" + name +
                          "\": the sealed key does not open: a different key file, or the entry was altered or moved");
    }
    plain.bytes.resize(static_cast<std::size_t>(total) + static_cast<std::size_t>(len));
    const PrivateKey key = PrivateKey::fromDer(plain.bytes);
    const Certificate leaf = certificates.front();
    certificates.erase(certificates.begin());
    return PemBundle::make(key, leaf, certificates);
}

std::string KeyEncryption::encode(const std::string& name, const PemBundle& entry, const KeyEncryption* encryption) {
    return encryption ? encryption->seal(name, entry) : entry.toPem();
}

PemBundle KeyEncryption::decode(const std::string& name, std::string_view text, const KeyEncryption* encryption) {
    if (encryption) return encryption->open(name, text);
    if (isSealed(text))
        throw CryptoError("entry \"" + name +
                          "\" is encrypted (AES-256-GCM) and this store has no key file to decrypt it");
    return PemBundle::parse(text);
}

}  // namespace cxxacme::stores
