#pragma once

#include <string>
#include <string_view>

namespace cxxacme {

/// base64url without padding (RFC 7515 §2, RFC 4648 §5).
///
/// Decoding is strict, as a server must be: padding, white space, characters
/// outside the URL-safe alphabet, an impossible length and non-zero unused
/// trailing bits are all rejected with `JoseError`. Bytes travel in
/// `std::string`.
class Base64Url {
public:
    Base64Url() = delete;

    static std::string encode(std::string_view bytes);
    static std::string decode(std::string_view text);
    /// Whether every character of `text` is of the base64url alphabet
    /// (A-Z a-z 0-9 - _), as tokens and nonces must be (no padding).
    static bool isAlphabet(std::string_view text) noexcept;
};

}  // namespace cxxacme
