#include "cxxacme/JwsAlgorithm.h"

#include <string>

#include "cxxacme/Error.h"

namespace cxxacme {

std::string_view toString(JwsAlgorithm alg) noexcept {
    switch (alg) {
    case JwsAlgorithm::RS256: return "RS256";
    case JwsAlgorithm::ES256: return "ES256";
    case JwsAlgorithm::ES384: return "ES384";
    case JwsAlgorithm::EdDSA: return "EdDSA";
    case JwsAlgorithm::HS256: return "HS256";
    case JwsAlgorithm::HS384: return "HS384";
    case JwsAlgorithm::HS512: return "HS512";
    }
    return "unknown";
}

std::optional<JwsAlgorithm> jwsAlgorithmFromString(std::string_view name) noexcept {
    for (auto alg : {JwsAlgorithm::RS256, JwsAlgorithm::ES256, JwsAlgorithm::ES384, JwsAlgorithm::EdDSA,
                     JwsAlgorithm::HS256, JwsAlgorithm::HS384, JwsAlgorithm::HS512})
        if (toString(alg) == name) return alg;
    return std::nullopt;
}

bool isMacAlgorithm(JwsAlgorithm alg) noexcept {
    return alg == JwsAlgorithm::HS256 || alg == JwsAlgorithm::HS384 || alg == JwsAlgorithm::HS512;
}

JwsAlgorithm jwsAlgorithmFor(const PublicKey& key) {
    const std::string algorithm = key.algorithm();
    if (algorithm == "RSA") return JwsAlgorithm::RS256;
    if (algorithm == "ED25519") return JwsAlgorithm::EdDSA;
    if (algorithm == "EC") {
        const std::string curve = key.curve();
        if (curve == "P-256") return JwsAlgorithm::ES256;
        if (curve == "P-384") return JwsAlgorithm::ES384;
        throw JoseError("no JWS algorithm for EC curve " + (curve.empty() ? std::string("(unknown)") : curve));
    }
    throw JoseError("no JWS algorithm for a " + algorithm + " key");
}

}  // namespace cxxacme
