#include "cxxacme/detail/OpenSsl.h"

#include <cctype>
#include <climits>

#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "cxxacme/Error.h"

namespace cxxacme::detail {

std::string takeOpenSslErrors(std::string_view what) {
    std::string message(what);
    bool first = true;
    unsigned long code = 0;
    while ((code = ERR_get_error()) != 0) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        message += first ? ": " : "; ";
        message += buf;
        first = false;
    }
    return message;
}

void throwOpenSslError(std::string_view what) { throw CryptoError(takeOpenSslErrors(what)); }

const EVP_MD* signatureDigestFor(EVP_PKEY* key) {
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) return nullptr;
    const std::string curve = joseCurveName(key);
    if (curve == "P-384") return fetchedDigest(EVP_sha384());
    if (curve == "P-521") return fetchedDigest(EVP_sha512());
    return fetchedDigest(EVP_sha256());
}

std::string joseCurveName(EVP_PKEY* key) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return {};
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
        ERR_clear_error();
        return {};
    }
    const std::string_view name(group, len);
    if (name == "prime256v1" || name == "P-256") return "P-256";
    if (name == "secp384r1" || name == "P-384") return "P-384";
    if (name == "secp521r1" || name == "P-521") return "P-521";
    return {};
}

std::string randomBytes(std::size_t n) {
    std::string out(n, '\0');
    checkOne(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)), "RAND_bytes");
    return out;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (key.empty()) throw CryptoError("HMAC: empty key");
    if (key.size() > static_cast<std::size_t>(INT_MAX)) throw CryptoError("HMAC: key too long");
    if (HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
             data.size(), out, &len) == nullptr)
        throw CryptoError(takeOpenSslErrors("HMAC"));
    return std::string(reinterpret_cast<char*>(out), len);
}

std::string hmacSha256(std::string_view key, std::string_view data) { return hmac(EVP_sha256(), key, data); }

BignumPtr bignumFrom(std::string_view bytes) {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) throw CryptoError("number too large");
    return BignumPtr(checked(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                       static_cast<int>(bytes.size()), nullptr),
                             "BN_bin2bn"));
}

EvpPkeyPtr keyFromParams(const char* type, int selection, OSSL_PARAM_BLD* bld) {
    ParamPtr params(checked(OSSL_PARAM_BLD_to_param(bld), "OSSL_PARAM_BLD_to_param"));
    EvpPkeyCtxPtr ctx(checked(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), "EVP_PKEY_CTX_new_from_name"));
    checkOne(EVP_PKEY_fromdata_init(ctx.get()), "EVP_PKEY_fromdata_init");
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1) {
        EVP_PKEY_free(key);
        return nullptr;
    }
    return EvpPkeyPtr(key);
}

std::string hexEncode(std::string_view data) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (const unsigned char c : data) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
    }
    return out;
}

std::string base64Encode(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string pemText(std::string_view label, std::string_view der) {
    const std::string body = base64Encode(der);
    std::string out;
    out.reserve(body.size() + body.size() / 64 + 2 * label.size() + 32);
    out.append("-----BEGIN ").append(label).append("-----\n");
    for (std::size_t i = 0; i < body.size(); i += 64) out.append(body, i, 64).push_back('\n');
    out.append("-----END ").append(label).append("-----\n");
    return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0 || text.size() > (1u << 20)) return std::nullopt;
    for (const char c : text)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') return std::nullopt;
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    std::size_t padding = 0;
    if (text.ends_with("==")) padding = 2;
    else if (text.ends_with("=")) padding = 1;
    if (text.substr(0, text.size() - padding).find('=') != std::string_view::npos) return std::nullopt;
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}

const EVP_MD* fetchedDigest(const EVP_MD* md) {
    // Made once, kept for the process (never freed: a digest outlives every user).
    static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
    static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
    const EVP_MD* fetched = nullptr;
    switch (md == nullptr ? NID_undef : EVP_MD_get_type(md)) {
    case NID_sha1: fetched = sha1; break;
    case NID_sha256: fetched = sha256; break;
    case NID_sha384: fetched = sha384; break;
    case NID_sha512: fetched = sha512; break;
    default: break;
    }
    return fetched != nullptr ? fetched : md;
}

std::string sha256(std::string_view data) {
    unsigned char digest[32];
    unsigned int len = 0;
    checkOne(EVP_Digest(data.data(), data.size(), digest, &len, fetchedDigest(EVP_sha256()), nullptr), "EVP_Digest");
    return std::string(reinterpret_cast<char*>(digest), len);
}

std::string ecdsaDerToRaw(std::string_view der, std::size_t half) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig) throwOpenSslError("d2i_ECDSA_SIG");
    std::string raw(2 * half, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, static_cast<int>(half)) < 0 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + half, static_cast<int>(half)) < 0)
        throwOpenSslError("BN_bn2binpad");
    return raw;
}

std::string ecdsaRawToDer(std::string_view raw) {
    const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
    const int half = static_cast<int>(raw.size() / 2);
    EcdsaSigPtr sig(checked(ECDSA_SIG_new(), "ECDSA_SIG_new"));
    BignumPtr r(checked(BN_bin2bn(in, half, nullptr), "BN_bin2bn"));
    BignumPtr s(checked(BN_bin2bn(in + half, half, nullptr), "BN_bin2bn"));
    checkOne(ECDSA_SIG_set0(sig.get(), r.get(), s.get()), "ECDSA_SIG_set0");
    (void)r.release();
    (void)s.release();
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(sig.get(), &der);
    if (len <= 0) throwOpenSslError("i2d_ECDSA_SIG");
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return out;
}

BioPtr memoryBio(std::string_view data) {
    if (data.size() > static_cast<std::size_t>(INT_MAX)) throw CryptoError("input too large");
    return BioPtr(checked(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())), "BIO_new_mem_buf"));
}

std::string bioContents(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    if (len <= 0 || data == nullptr) return {};
    return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace cxxacme::detail
