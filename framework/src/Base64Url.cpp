#include "cxxacme/Base64Url.h"

#include <array>

#include "cxxacme/Error.h"

namespace cxxacme {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int, 256> makeReverse() {
    std::array<int, 256> table{};
    for (auto& v : table) v = -1;
    for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
    return table;
}
constexpr auto kReverse = makeReverse();

}  // namespace

std::string Base64Url::encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const unsigned v = at(i) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
    } else if (rest == 2) {
        const unsigned v = (at(i) << 16) | (at(i + 1) << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
    }
    return out;
}

bool Base64Url::isAlphabet(std::string_view text) noexcept {
    for (char c : text)
        if (kReverse[static_cast<unsigned char>(c)] < 0) return false;
    return true;
}

std::string Base64Url::decode(std::string_view text) {
    if (text.size() % 4 == 1) throw JoseError("base64url: impossible length " + std::to_string(text.size()));
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const int v = kReverse[static_cast<unsigned char>(text[i])];
        if (v < 0) {
            if (text[i] == '=') throw JoseError("base64url: padding is not allowed");
            throw JoseError("base64url: invalid character at offset " + std::to_string(i));
        }
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0)
        throw JoseError("base64url: non-zero trailing bits (not canonical)");
    return out;
}

}  // namespace cxxacme
