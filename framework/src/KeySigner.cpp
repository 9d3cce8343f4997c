#include "cxxacme/KeySigner.h"

#include "cxxacme/Error.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/detail/X509Helpers.h"

namespace cxxacme {

using namespace detail;

KeySigner::KeySigner(PrivateKey key)
    : key_(std::move(key)), algorithm_(jwsAlgorithmFor(key_.publicKey())), jwk_(Jwk::fromPublicKey(key_.publicKey())) {}

std::string KeySigner::sign(std::string_view signingInput) const {
    const EVP_MD* md = nullptr;
    std::size_t half = 0;
    switch (algorithm_) {
    case JwsAlgorithm::RS256: md = EVP_sha256(); break;
    case JwsAlgorithm::ES256: md = EVP_sha256(); half = 32; break;
    case JwsAlgorithm::ES384: md = EVP_sha384(); half = 48; break;
    case JwsAlgorithm::EdDSA: break;
    case JwsAlgorithm::HS256:
    case JwsAlgorithm::HS384:
    case JwsAlgorithm::HS512: throw JoseError("KeySigner cannot sign with a MAC algorithm");
    }
    if (half) {
        if (auto raw = signOnEcKey(key_.native(), md, signingInput, half)) return std::move(*raw);
    }
    EvpMdCtxPtr ctx(checked(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
    checkOne(EVP_DigestSignInit(ctx.get(), nullptr, fetchedDigest(md), nullptr, key_.native()), "EVP_DigestSignInit");
    const auto* in = reinterpret_cast<const unsigned char*>(signingInput.data());
    std::size_t len = 0;
    checkOne(EVP_DigestSign(ctx.get(), nullptr, &len, in, signingInput.size()), "EVP_DigestSign");
    std::string signature(len, '\0');
    checkOne(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, in,
                            signingInput.size()),
             "EVP_DigestSign");
    signature.resize(len);
    return half ? ecdsaDerToRaw(signature, half) : signature;
}

}  // namespace cxxacme
