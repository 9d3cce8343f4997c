#include "cxxacme/FlattenedJws.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>

#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"
#include "cxxacme/detail/Json.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/detail/X509Helpers.h"

namespace cxxacme {

using namespace detail;

namespace {

constexpr std::string_view kWhat = "JWS";

// The MAC of `data` under `key` with `alg` (HS256, HS384 or HS512).
std::string macOf(JwsAlgorithm alg, std::string_view key, std::string_view data) {
    if (key.empty()) throw JoseError(std::string(toString(alg)) + ": empty MAC key");
    const EVP_MD* md = alg == JwsAlgorithm::HS512 ? EVP_sha512() : alg == JwsAlgorithm::HS384 ? EVP_sha384() : EVP_sha256();
    return detail::hmac(md, key, data);
}

}  // namespace

FlattenedJws FlattenedJws::signEncoded(const ISigner& signer, std::string protectedB64, std::string payloadB64) {
    FlattenedJws jws;
    jws.protected_ = std::move(protectedB64);
    jws.payload_ = std::move(payloadB64);
    jws.header_ = parseJsonObject(Base64Url::decode(jws.protected_), kDefaultMaxBytes, "JWS protected header");
    jws.signature_ = Base64Url::encode(signer.sign(jws.signingInput()));
    return jws;
}

FlattenedJws FlattenedJws::sign(const ISigner& signer, Poco::JSON::Object header, std::string_view payload) {
    header.set("alg", std::string(toString(signer.algorithm())));
    return signEncoded(signer, Base64Url::encode(toJsonText(header)), Base64Url::encode(payload));
}

FlattenedJws FlattenedJws::signAcmeRequest(const ISigner& signer, std::string_view url, std::string_view nonce,
                                           std::string_view kid, std::string_view payload) {
    Poco::JSON::Object header;
    header.set("nonce", std::string(nonce));
    header.set("url", std::string(url));
    if (kid.empty()) header.set("jwk", signer.publicJwk().toObject());
    else header.set("kid", std::string(kid));
    return sign(signer, std::move(header), payload);
}

FlattenedJws FlattenedJws::signExternalAccountBinding(std::string_view macKey, std::string_view keyId,
                                                      std::string_view url, const Jwk& accountKey) {
    Poco::JSON::Object header;
    header.set("alg", std::string("HS256"));
    header.set("kid", std::string(keyId));
    header.set("url", std::string(url));
    FlattenedJws jws;
    jws.header_ = new Poco::JSON::Object(header);
    jws.protected_ = Base64Url::encode(toJsonText(header));
    jws.payload_ = Base64Url::encode(accountKey.toJson());
    jws.signature_ = Base64Url::encode(macOf(JwsAlgorithm::HS256, macKey, jws.signingInput()));
    return jws;
}

FlattenedJws FlattenedJws::parse(std::string_view json, std::size_t maxBytes) {
    return fromObject(*parseJsonObject(json, maxBytes, kWhat));
}

FlattenedJws FlattenedJws::fromObject(const Poco::JSON::Object& json) {
    for (const auto& name : json.getNames()) {
        if (name == "header") throw JoseError("JWS: an unprotected header is not allowed");
        if (name == "signatures") throw JoseError("JWS: the general serialization is not allowed; use the flattened one");
        if (name != "protected" && name != "payload" && name != "signature")
            throw JoseError("JWS: unexpected member \"" + InvalidNameError::printable(name) + "\"");
    }
    FlattenedJws jws;
    jws.protected_ = requireString(json, "protected", kWhat);
    jws.payload_ = requireString(json, "payload", kWhat);
    jws.signature_ = requireString(json, "signature", kWhat);
    jws.header_ = parseJsonObject(Base64Url::decode(jws.protected_), kDefaultMaxBytes, "JWS protected header");
    (void)requireString(*jws.header_, "alg", "JWS protected header");
    // RFC 7515 §4.1.11: extensions listed in "crit" must be understood, and none is here
    // (RFC 7797's "b64": false would change what the signature covers)
    if (jws.header_->has("crit")) throw JoseError("JWS: the protected header has \"crit\" extensions, and none is understood here");
    (void)Base64Url::decode(jws.payload_);
    if (Base64Url::decode(jws.signature_).empty()) throw JoseError("JWS: empty signature");
    return jws;
}

std::string FlattenedJws::toJson() const { return toJsonText(*toObject()); }

Poco::JSON::Object::Ptr FlattenedJws::toObject() const {
    Poco::JSON::Object::Ptr object = new Poco::JSON::Object;
    object->set("protected", protected_);
    object->set("payload", payload_);
    object->set("signature", signature_);
    return object;
}

std::string FlattenedJws::algorithm() const { return requireString(*header_, "alg", "JWS protected header"); }

std::string FlattenedJws::payload() const { return Base64Url::decode(payload_); }

bool FlattenedJws::verify(const PublicKey& key) const {
    const auto alg = jwsAlgorithmFromString(algorithm());
    if (!alg || isMacAlgorithm(*alg)) return false;
    try {
        if (jwsAlgorithmFor(key) != *alg) return false;
    } catch (const JoseError&) {
        return false;
    }
    std::string signature = Base64Url::decode(signature_);
    const EVP_MD* md = nullptr;
    switch (*alg) {
    case JwsAlgorithm::RS256: md = EVP_sha256(); break;
    case JwsAlgorithm::ES256:
        if (signature.size() != 64) return false;
        md = EVP_sha256();
        signature = ecdsaRawToDer(signature);
        break;
    case JwsAlgorithm::ES384:
        if (signature.size() != 96) return false;
        md = EVP_sha384();
        signature = ecdsaRawToDer(signature);
        break;
    default: break;
    }
    const std::string input = signingInput();
    // An EC_KEY-backed key (as Jwk makes them) is checked on itself: OpenSSL
    // 3.0's EVP verification looks its algorithms up anew each time.
    if (const auto ok = verifyOnEcKey(key.native(), md, input, signature)) return *ok;
    EvpMdCtxPtr ctx(checked(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
    checkOne(EVP_DigestVerifyInit(ctx.get(), nullptr, fetchedDigest(md), nullptr, key.native()), "EVP_DigestVerifyInit");
    const int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                                    signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                                    input.size());
    ERR_clear_error();
    return rc == 1;
}

bool FlattenedJws::verifyHmac(std::string_view macKey) const {
    const auto alg = jwsAlgorithmFromString(algorithm());
    if (!alg || !isMacAlgorithm(*alg)) return false;
    const std::string expected = macOf(*alg, macKey, signingInput());
    const std::string actual = Base64Url::decode(signature_);
    return actual.size() == expected.size() && CRYPTO_memcmp(actual.data(), expected.data(), expected.size()) == 0;
}

}  // namespace cxxacme
