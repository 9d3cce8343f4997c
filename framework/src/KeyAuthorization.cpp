#include "cxxacme/KeyAuthorization.h"

#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"
#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme {

namespace {
constexpr std::size_t kMaxTokenLength = 256;
}

std::string KeyAuthorization::compute(std::string_view token, const Jwk& accountKey) {
    if (token.empty() || token.size() > kMaxTokenLength)
        throw JoseError("challenge token must have 1 to " + std::to_string(kMaxTokenLength) + " characters");
    if (!Base64Url::isAlphabet(token)) throw JoseError("challenge token has a character outside the base64url alphabet");
    return std::string(token) + "." + accountKey.thumbprint();
}

std::string KeyAuthorization::dns01TxtValue(std::string_view keyAuthorization) {
    return Base64Url::encode(detail::sha256(keyAuthorization));
}

std::string KeyAuthorization::tlsAlpn01Digest(std::string_view keyAuthorization) {
    return detail::sha256(keyAuthorization);
}

std::string KeyAuthorization::acmeIdentifierExtensionValue(std::string_view keyAuthorization) {
    return std::string("\x04\x20", 2) + tlsAlpn01Digest(keyAuthorization);
}

std::string KeyAuthorization::tlsSni01Name(std::string_view keyAuthorization) {
    const std::string z = detail::hexEncode(detail::sha256(keyAuthorization));
    return z.substr(0, 32) + "." + z.substr(32, 32) + ".acme.invalid";
}

}  // namespace cxxacme
