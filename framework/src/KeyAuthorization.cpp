#include "cxxacme/KeyAuthorization.h"

#include <cstdint>

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

std::string KeyAuthorization::dnsAccountLabel(std::string_view accountUrl) {
    if (accountUrl.empty()) throw JoseError("dns-account-01 needs the account URL");
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    const std::string digest = detail::sha256(accountUrl);
    std::string label = "_";
    // 10 bytes are 80 bits: 16 characters of 5 bits, no padding
    for (std::size_t group = 0; group < 10; group += 5) {
        std::uint64_t bits = 0;
        for (std::size_t i = 0; i < 5; ++i) bits = (bits << 8) | static_cast<unsigned char>(digest[group + i]);
        for (int shift = 35; shift >= 0; shift -= 5) label += kAlphabet[(bits >> shift) & 0x1f];
    }
    return label;
}

}  // namespace cxxacme
