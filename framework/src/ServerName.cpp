#include "cxxacme/ServerName.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "cxxacme/Error.h"

namespace cxxacme {
namespace {

bool isLdh(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

char toLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
    const auto isSpace = [](char c) { return c == ' ' || c == '\t'; };
    while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
    return s;
}

// RFC 3492's Punycode, for checking A-labels: its parameters and bias adaptation (§6.1).
namespace punycode {
constexpr std::uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700, kInitialBias = 72, kInitialN = 128;
constexpr std::uint32_t kMax = 0xffffffffu;

std::uint32_t adapt(std::uint32_t delta, std::uint32_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    while (delta > ((kBase - kTmin) * kTmax) / 2) {
        delta /= kBase - kTmin;
        k += kBase;
    }
    return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
}

std::uint32_t threshold(std::uint32_t k, std::uint32_t bias) {
    return k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
}

// §6.2: the code points `text` encodes, or nullopt when it is not Punycode (a digit
// out of range, an end inside a number, an overflow).
std::optional<std::vector<std::uint32_t>> decode(std::string_view text) {
    std::vector<std::uint32_t> out;
    const std::size_t delimiter = text.rfind('-');
    std::size_t at = 0;
    if (delimiter != std::string_view::npos && delimiter > 0) {
        for (char c : text.substr(0, delimiter)) out.push_back(static_cast<unsigned char>(c));
        at = delimiter + 1;
    }
    std::uint32_t n = kInitialN, i = 0, bias = kInitialBias;
    while (at < text.size()) {
        const std::uint32_t oldi = i;
        std::uint32_t w = 1;
        for (std::uint32_t k = kBase;; k += kBase) {
            if (at >= text.size()) return std::nullopt;
            const char c = text[at++];
            const std::uint32_t digit = c >= 'a' && c <= 'z' ? static_cast<std::uint32_t>(c - 'a')
                                        : c >= '0' && c <= '9' ? static_cast<std::uint32_t>(c - '0' + 26)
                                                               : kBase;
            if (digit >= kBase || digit > (kMax - i) / w) return std::nullopt;
            i += digit * w;
            const std::uint32_t t = threshold(k, bias);
            if (digit < t) break;
            if (w > kMax / (kBase - t)) return std::nullopt;
            w *= kBase - t;
        }
        const auto points = static_cast<std::uint32_t>(out.size() + 1);
        bias = adapt(i - oldi, points, oldi == 0);
        if (i / points > kMax - n) return std::nullopt;
        n += i / points;
        i %= points;
        out.insert(out.begin() + i, n);
        ++i;
    }
    return out;
}

// §6.3: the Punycode of `points`, which decode() gave (so nothing overflows).
std::string encode(const std::vector<std::uint32_t>& points) {
    std::string out;
    for (std::uint32_t p : points)
        if (p < 0x80) out += static_cast<char>(p);
    const auto basic = static_cast<std::uint32_t>(out.size());
    if (basic > 0) out += '-';
    std::uint32_t n = kInitialN, delta = 0, bias = kInitialBias, handled = basic;
    const auto digit = [](std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); };
    while (handled < points.size()) {
        std::uint32_t m = kMax;
        for (std::uint32_t p : points)
            if (p >= n && p < m) m = p;
        delta += (m - n) * (handled + 1);
        n = m;
        for (std::uint32_t p : points) {
            if (p < n) ++delta;
            if (p != n) continue;
            std::uint32_t q = delta;
            for (std::uint32_t k = kBase;; k += kBase) {
                const std::uint32_t t = threshold(k, bias);
                if (q < t) break;
                out += digit(t + (q - t) % (kBase - t));
                q = (q - t) / (kBase - t);
            }
            out += digit(q);
            bias = adapt(delta, handled + 1, handled == basic);
            delta = 0;
            ++handled;
        }
        ++delta;
        ++n;
    }
    return out;
}
}  // namespace punycode

// Whether `label` (lower case, after "xn--") is an A-label's Punycode: it decodes
// (RFC 3492), to a label with something beyond ASCII, of Unicode scalar values that
// are not controls, and it is what encoding that label gives back (RFC 5891 §5.4's
// round trip). What IDNA2008's tables add (RFC 5892) is not checked.
bool isPunycodeOfALabel(std::string_view label) {
    const auto points = punycode::decode(label);
    if (!points) return false;
    bool beyondAscii = false;
    for (std::uint32_t p : *points) {
        if (p < 0x80) continue;
        if (p < 0xa0 || (p >= 0xd800 && p <= 0xdfff) || p > 0x10ffff) return false;
        beyondAscii = true;
    }
    return beyondAscii && punycode::encode(*points) == label;
}

// Returns the canonical text of an IP literal, or an empty string.
std::string canonicalIp(std::string_view name) {
    const auto bytes = ServerName::addressBytes(name);
    if (bytes.empty()) return {};
    char out[INET6_ADDRSTRLEN];
    return inet_ntop(bytes.size() == 4 ? AF_INET : AF_INET6, bytes.data(), out, sizeof out);
}

// Rejects the bytes that must never reach a path or a query, with the most
// useful message first.
void checkBytes(const std::string& original, std::string_view name) {
    for (char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == 0) throw InvalidNameError(original, "contains a NUL byte");
        if (c == '/' || c == '\\') throw InvalidNameError(original, "contains a path separator");
        if (c < 0x20 || c == 0x7f) throw InvalidNameError(original, "contains a control character");
        if (c >= 0x80)
            throw InvalidNameError(original,
                                   "contains non-ASCII characters; write internationalised names in "
                                   "their A-label (xn--) form");
        if (c == ',') throw InvalidNameError(original, "contains a comma; multi-name keys are split before checking");
    }
}

std::string canonicalDnsName(const std::string& original, std::string_view name) {
    std::string out;
    out.reserve(name.size());
    if (name.starts_with("*.")) {
        out = "*.";
        name.remove_prefix(2);
    }
    if (name.empty()) throw InvalidNameError(original, "a wildcard needs a name after \"*.\"");
    if (name.find('*') != std::string_view::npos)
        throw InvalidNameError(original, "\"*\" may only appear once, as the whole leftmost label (\"*.\")");
    if (name.back() == '.') throw InvalidNameError(original, "has a trailing dot");

    std::string_view lastLabel;
    bool firstLabel = true;
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t end = name.find('.', start);
        if (end == std::string_view::npos) end = name.size();
        const std::string_view label = name.substr(start, end - start);
        if (label.empty()) throw InvalidNameError(original, "has an empty label (\"..\" or a leading dot)");
        if (label.size() > ServerName::kMaxLabelLength)
            throw InvalidNameError(original, "has a label longer than 63 characters");
        for (char c : label) {
            if (!isLdh(c))
                throw InvalidNameError(original, "label \"" + InvalidNameError::printable(std::string(label)) +
                                                     "\" has a character other than letters, digits and "
                                                     "hyphen");
        }
        std::string lower(label);
        std::transform(lower.begin(), lower.end(), lower.begin(), toLower);
        if (lower == "xn--") throw InvalidNameError(original, "an A-label (\"xn--\") is empty");
        if (lower.starts_with("xn--") && !isPunycodeOfALabel(std::string_view(lower).substr(4)))
            throw InvalidNameError(original, "A-label \"" + lower +
                                                 "\" is not the Punycode of a label beyond ASCII (RFC 3492, RFC 5891)");
        if (label.front() == '-' || label.back() == '-')
            throw InvalidNameError(original, "a label starts or ends with a hyphen");
        if (!firstLabel) out += '.';
        out += lower;
        firstLabel = false;
        lastLabel = label;
        start = end + 1;
    }
    if (std::all_of(lastLabel.begin(), lastLabel.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw InvalidNameError(original, "the last label is all digits, and the name is not an IP address");
    if (out.size() > ServerName::kMaxNameLength)
        throw InvalidNameError(original, "is longer than 253 characters");
    return out;
}

}  // namespace

std::string ServerName::canonical(std::string_view name) {
    const std::string original(name);
    if (name.empty()) throw InvalidNameError(original, "is empty");
    if (name.size() > kMaxNameLength + 2) throw InvalidNameError(original, "is longer than 253 characters");
    checkBytes(original, name);
    if (name == "." || name == "..") throw InvalidNameError(original, "is not a server name");
    if (std::string ip = canonicalIp(name); !ip.empty()) return ip;
    if (name.find(':') != std::string_view::npos)
        throw InvalidNameError(original, "contains \":\" but is not an IPv6 address");
    return canonicalDnsName(original, name);
}

bool ServerName::isValid(std::string_view name) noexcept {
    try {
        (void)canonical(name);
        return true;
    } catch (...) {
        return false;
    }
}

std::string ServerName::reverseDnsName(std::string_view ip) {
    const auto buf = addressBytes(ip);
    if (buf.size() == 4)
        return std::to_string(buf[3]) + "." + std::to_string(buf[2]) + "." + std::to_string(buf[1]) + "." +
               std::to_string(buf[0]) + ".in-addr.arpa";
    if (buf.empty()) throw InvalidNameError(std::string(ip), "is not an IP address");
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (int i = 15; i >= 0; --i) {
        out += digits[buf[i] & 15];
        out += '.';
        out += digits[buf[i] >> 4];
        out += '.';
    }
    return out + "ip6.arpa";
}

std::vector<unsigned char> ServerName::addressBytes(std::string_view ip) {
    if (ip.size() >= INET6_ADDRSTRLEN || ip.find('\0') != std::string_view::npos) return {};
    const std::string text(ip);
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, text.c_str(), buf) == 1) return {buf, buf + 4};
    if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return {buf, buf + 16};
    return {};
}

bool ServerName::isWildcard(std::string_view name) noexcept { return name.starts_with("*."); }

bool ServerName::isIpAddress(std::string_view name) noexcept {
    try {
        return !canonicalIp(name).empty();
    } catch (...) {
        return false;
    }
}

std::vector<std::string> ServerName::splitKey(std::string_view key) {
    const std::string original(key);
    if (trim(key).empty()) throw InvalidNameError(original, "is empty");
    std::vector<std::string> names;
    std::set<std::string> seen;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = key.find(',', start);
        const std::string_view part = trim(key.substr(start, comma == std::string_view::npos ? key.npos : comma - start));
        if (part.empty()) throw InvalidNameError(original, "has an empty name between commas");
        std::string name = canonical(part);
        if (!seen.insert(name).second) throw InvalidNameError(original, "names \"" + name + "\" twice");
        names.push_back(std::move(name));
        if (names.size() > kMaxNamesPerKey)
            throw InvalidNameError(original, "has more than " + std::to_string(kMaxNamesPerKey) + " names");
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return names;
}

std::string ServerName::joinKey(const std::vector<std::string>& names) {
    std::string key;
    for (const auto& name : names) {
        if (!key.empty()) key += ',';
        key += name;
    }
    return canonicalKey(key);
}

std::string ServerName::canonicalKey(std::string_view key) {
    std::string out;
    for (const auto& name : splitKey(key)) {
        if (!out.empty()) out += ',';
        out += name;
    }
    return out;
}

std::string ServerName::lowerAscii(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace cxxacme
