#include "cxxacme/Jwk.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"
#include "cxxacme/detail/Json.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/detail/X509Helpers.h"

namespace cxxacme {

using namespace detail;

namespace {

constexpr std::string_view kWhat = "JWK";

std::string bnBytes(const BIGNUM* bn, std::size_t width = 0) {
    std::size_t len = static_cast<std::size_t>(BN_num_bytes(bn));
    if (width < len) width = len;
    std::string out(width, '\0');
    if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(width)) < 0)
        throwOpenSslError("BN_bn2binpad");
    return out;
}

std::string bnParam(EVP_PKEY* key, const char* name, std::size_t width = 0) {
    BIGNUM* raw = nullptr;
    checkOne(EVP_PKEY_get_bn_param(key, name, &raw), std::string("reading key parameter ") + name);
    BignumPtr bn(raw);
    return Base64Url::encode(bnBytes(bn.get(), width));
}

// A member decoded to bytes, present and non-empty.
std::string memberBytes(const Poco::JSON::Object& json, const std::string& name) {
    std::string bytes = Base64Url::decode(requireString(json, name, kWhat));
    if (bytes.empty()) throw JoseError("JWK: \"" + name + "\" is empty");
    return bytes;
}

std::size_t fieldBytes(const std::string& crv) {
    if (crv == "P-256") return 32;
    if (crv == "P-384") return 48;
    if (crv == "P-521") return 66;
    throw JoseError("JWK: unsupported curve \"" + InvalidNameError::printable(crv) + "\"");
}

// The curve's NID; OBJ_nid2sn of it is OpenSSL's group name ("prime256v1").
int curveNid(const std::string& crv) {
    if (crv == "P-256") return NID_X9_62_prime256v1;
    if (crv == "P-384") return NID_secp384r1;
    return NID_secp521r1;
}

EVP_PKEY* fromParams(const char* type, int selection, OSSL_PARAM_BLD* bld) {
    EvpPkeyPtr key = keyFromParams(type, selection, bld);
    if (!key) {
        ERR_clear_error();
        throw JoseError("JWK: the members do not form a valid key");
    }
    return key.release();
}

void pushBn(OSSL_PARAM_BLD* bld, const char* name, const BIGNUM* bn) {
    checkOne(OSSL_PARAM_BLD_push_BN(bld, name, bn), "OSSL_PARAM_BLD_push_BN");
}

// Builds the EC or RSA key (public, or key pair when `priv` is given).
EVP_PKEY* buildKey(const Jwk& jwk, const Poco::JSON::Object& json, bool priv);

void checkKey(EVP_PKEY* key, bool priv) {
    EvpPkeyCtxPtr ctx(checked(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr), "EVP_PKEY_CTX_new_from_pkey"));
    const int ok = priv ? EVP_PKEY_pairwise_check(ctx.get()) : EVP_PKEY_public_check(ctx.get());
    if (ok != 1) {
        ERR_clear_error();
        EVP_PKEY_free(key);
        throw JoseError(priv ? "JWK: the private and public members do not match"
                             : "JWK: the public key is not valid (not on its curve?)");
    }
}

}  // namespace

Jwk Jwk::fromPublicKey(const PublicKey& key) {
    Jwk jwk;
    EVP_PKEY* pkey = key.native();
    const std::string algorithm = key.algorithm();
    if (algorithm == "RSA") {
        jwk.kty_ = "RSA";
        jwk.n_ = bnParam(pkey, OSSL_PKEY_PARAM_RSA_N);
        jwk.e_ = bnParam(pkey, OSSL_PKEY_PARAM_RSA_E);
    } else if (algorithm == "EC") {
        jwk.kty_ = "EC";
        jwk.crv_ = key.curve();
        if (jwk.crv_.empty()) throw JoseError("JWK: unsupported EC curve");
        const std::size_t width = fieldBytes(jwk.crv_);
        const auto [x, y] = detail::ecPublicCoordinates(pkey);
        jwk.x_ = Base64Url::encode(bnBytes(x.get(), width));
        jwk.y_ = Base64Url::encode(bnBytes(y.get(), width));
    } else if (algorithm == "ED25519") {
        jwk.kty_ = "OKP";
        jwk.crv_ = "Ed25519";
        std::string raw(32, '\0');
        std::size_t len = raw.size();
        checkOne(EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(raw.data()), &len),
                 "EVP_PKEY_get_raw_public_key");
        raw.resize(len);
        jwk.x_ = Base64Url::encode(raw);
    } else {
        throw JoseError("JWK: unsupported key algorithm " + algorithm);
    }
    jwk.key_ = key;
    return jwk;
}

Jwk Jwk::fromJson(const Poco::JSON::Object& json) {
    Jwk jwk;
    jwk.kty_ = requireString(json, "kty", kWhat);
    if (jwk.kty_ == "RSA") {
        jwk.n_ = Base64Url::encode(memberBytes(json, "n"));
        jwk.e_ = Base64Url::encode(memberBytes(json, "e"));
    } else if (jwk.kty_ == "EC") {
        jwk.crv_ = requireString(json, "crv", kWhat);
        const std::size_t width = fieldBytes(jwk.crv_);
        const std::string x = memberBytes(json, "x");
        const std::string y = memberBytes(json, "y");
        if (x.size() != width || y.size() != width)
            throw JoseError("JWK: \"x\" and \"y\" must be " + std::to_string(width) + " bytes for " + jwk.crv_);
        jwk.x_ = Base64Url::encode(x);
        jwk.y_ = Base64Url::encode(y);
    } else if (jwk.kty_ == "OKP") {
        jwk.crv_ = requireString(json, "crv", kWhat);
        if (jwk.crv_ != "Ed25519") throw JoseError("JWK: unsupported OKP curve \"" + InvalidNameError::printable(jwk.crv_) + "\"");
        const std::string x = memberBytes(json, "x");
        if (x.size() != 32) throw JoseError("JWK: an Ed25519 \"x\" must be 32 bytes");
        jwk.x_ = Base64Url::encode(x);
    } else {
        throw JoseError("JWK: unsupported kty \"" + InvalidNameError::printable(jwk.kty_) + "\"");
    }
    jwk.key_ = jwk.buildPublicKey();  // validates the numbers
    return jwk;
}

Jwk Jwk::parse(std::string_view json) { return fromJson(*parseJsonObject(json, kMaxJsonBytes, kWhat)); }

namespace {

EVP_PKEY* buildKey(const Jwk& jwk, const Poco::JSON::Object& json, bool priv) {
    ParamBldPtr bld(checked(OSSL_PARAM_BLD_new(), "OSSL_PARAM_BLD_new"));
    const int selection = priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
    if (jwk.kty() == "RSA") {
        const auto n = bignumFrom(memberBytes(json, "n"));
        const auto e = bignumFrom(memberBytes(json, "e"));
        if (!BN_is_odd(n.get()) || BN_num_bits(n.get()) < 512 || !BN_is_odd(e.get()) || BN_is_one(e.get()))
            throw JoseError("JWK: not a valid RSA public key");
        pushBn(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
        pushBn(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
        std::vector<BignumPtr> keep;
        if (priv) {
            const std::pair<const char*, const char*> members[] = {
                {"d", OSSL_PKEY_PARAM_RSA_D},           {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
                {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},     {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
                {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},  {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
            for (const auto& [member, param] : members) {
                keep.push_back(bignumFrom(memberBytes(json, member)));
                pushBn(bld.get(), param, keep.back().get());
            }
        }
        EVP_PKEY* key = fromParams("RSA", selection, bld.get());
        if (priv) checkKey(key, true);
        return key;
    }
    // EC
    const std::string crv = requireString(json, "crv", kWhat);
    const std::size_t width = fieldBytes(crv);
    const std::string point = "\x04" + memberBytes(json, "x") + memberBytes(json, "y");
    if (point.size() != 1 + 2 * width) throw JoseError("JWK: wrong coordinate size for " + crv);
    if (!priv) {
        // An EC_KEY-backed key: FlattenedJws::verify checks ECDSA on it
        // directly, without OpenSSL 3.0's per-verification provider lookups.
        try {
            return ecPublicKey(curveNid(crv), point).release();
        } catch (const CryptoError&) {
            throw JoseError("JWK: the public key is not valid (not on its curve?)");
        }
    }
    checkOne(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, OBJ_nid2sn(curveNid(crv)), 0),
             "OSSL_PARAM_BLD_push_utf8_string");
    checkOne(OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
             "OSSL_PARAM_BLD_push_octet_string");
    BignumPtr d;
    if (priv) {
        d = bignumFrom(memberBytes(json, "d"));
        pushBn(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get());
    }
    EVP_PKEY* key = fromParams("EC", selection, bld.get());
    checkKey(key, priv);
    return key;
}

}  // namespace

PublicKey Jwk::publicKey() const {
    if (key_) return *key_;
    return buildPublicKey();
}

PublicKey Jwk::buildPublicKey() const {
    if (kty_ == "OKP") {
        const std::string x = Base64Url::decode(x_);
        EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                    reinterpret_cast<const unsigned char*>(x.data()), x.size());
        if (key == nullptr) {
            ERR_clear_error();
            throw JoseError("JWK: not a valid Ed25519 public key");
        }
        return PublicKey::adopt(key);
    }
    return PublicKey::adopt(buildKey(*this, *toObject(), false));
}

PrivateKey Jwk::privateKeyFromJson(std::string_view text) {
    const auto json = parseJsonObject(text, kMaxJsonBytes, kWhat);
    const Jwk jwk = fromJson(*json);
    if (jwk.kty_ == "OKP") {
        const std::string d = memberBytes(*json, "d");
        EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                     reinterpret_cast<const unsigned char*>(d.data()), d.size());
        if (key == nullptr) {
            ERR_clear_error();
            throw JoseError("JWK: not a valid Ed25519 private key");
        }
        PrivateKey result = PrivateKey::adopt(key);
        if (!(result.publicKey() == jwk.publicKey()))
            throw JoseError("JWK: the private and public members do not match");
        return result;
    }
    return PrivateKey::adopt(buildKey(jwk, *json, true));
}

std::string Jwk::toJson() const {
    // RFC 7638 §3.2: required members only, lexicographic order, no spaces.
    if (kty_ == "RSA") return R"({"e":")" + e_ + R"(","kty":"RSA","n":")" + n_ + R"("})";
    if (kty_ == "EC")
        return R"({"crv":")" + crv_ + R"(","kty":"EC","x":")" + x_ + R"(","y":")" + y_ + R"("})";
    return R"({"crv":")" + crv_ + R"(","kty":"OKP","x":")" + x_ + R"("})";
}

Poco::JSON::Object::Ptr Jwk::toObject() const { return parseJsonObject(toJson(), kMaxJsonBytes, kWhat); }

std::string Jwk::thumbprint() const { return Base64Url::encode(sha256(toJson())); }

}  // namespace cxxacme
