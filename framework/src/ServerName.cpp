#include "cxxacme/ServerName.h"

#include <arpa/inet.h>
#include <idn2.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string_view>
#include <vector>

#include "cxxacme/Error.h"
#include "cxxacme/detail/OptionalWhitespace.h"

namespace cxxacme {
namespace {

bool isLdh(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

char toLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The label or name libidn2 gives back, freed with idn2_free.
using Idn2Text = std::unique_ptr<std::uint8_t, decltype(&idn2_free)>;

// Why `label` (lower case, starting "xn--") is not an A-label by IDNA2008, or an empty
// string when it is one. libidn2 decodes its Punycode (RFC 3492) and tests the U-label it
// gives as RFC 5891 §5.4 asks: NFC, RFC 5892's tables (nothing DISALLOWED or unassigned,
// the CONTEXTJ and CONTEXTO rules), no "--" as third and fourth characters, no hyphen at
// either end, no leading combining mark, RFC 5893's Bidi rule; the U-label must then encode
// back to this very label. IDN2_NO_TR46: IDNA2008 alone, no UTS #46 mapping.
std::string aLabelFault(const std::string& label) {
    std::uint8_t* out = nullptr;
    const int rc = idn2_lookup_u8(reinterpret_cast<const std::uint8_t*>(label.c_str()), &out, IDN2_NO_TR46);
    const Idn2Text text(out, idn2_free);
    if (rc != IDN2_OK) return idn2_strerror(rc);
    if (label != reinterpret_cast<const char*>(text.get())) return "its U-label does not encode back to it";
    return {};
}

// The A-label form of a name written with U-labels (UTF-8): UTS #46's non-transitional
// processing (full-width letters and dots, upper case and the like mapped; NFC), then IDNA2008's
// lookup conversion (RFC 5891 §5), each label tested as aLabelFault says. A leading "*." is kept
// aside. The result is checked again as any ASCII name is.
std::string toALabels(const std::string& original, std::string_view name) {
    const bool wildcard = name.starts_with("*.");
    if (wildcard) name.remove_prefix(2);
    const std::string text(name);
    std::uint8_t* out = nullptr;
    const int rc = idn2_lookup_u8(reinterpret_cast<const std::uint8_t*>(text.c_str()), &out, IDN2_NONTRANSITIONAL);
    const Idn2Text converted(out, idn2_free);
    if (rc == IDN2_ENCODING_ERROR) throw InvalidNameError(original, "is not valid UTF-8");
    if (rc != IDN2_OK)
        throw InvalidNameError(original, std::string("is not a valid internationalised name (IDNA2008): ") + idn2_strerror(rc));
    return (wildcard ? "*." : "") + std::string(reinterpret_cast<const char*>(converted.get()));
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
        if (lower.starts_with("xn--"))
            if (const std::string fault = aLabelFault(lower); !fault.empty())
                throw InvalidNameError(original, "A-label \"" + lower + "\" is not one by IDNA2008 (RFC 5891): " + fault);
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
    const bool unicode = !isAscii(name);
    // UTF-8 takes up to four bytes for a character that Punycode may write in one
    if (name.size() > (unicode ? kMaxUnicodeInputLength : kMaxNameLength + 2))
        throw InvalidNameError(original, "is longer than 253 characters");
    checkBytes(original, name);
    if (name == "." || name == "..") throw InvalidNameError(original, "is not a server name");
    if (std::string ip = canonicalIp(name); !ip.empty()) return ip;
    if (name.find(':') != std::string_view::npos)
        throw InvalidNameError(original, "contains \":\" but is not an IPv6 address");
    if (unicode) {
        const std::string ascii = toALabels(original, name);
        checkBytes(original, ascii);  // UTS #46 maps a few characters to ASCII punctuation ("℀" to "a/c")
        return canonicalDnsName(original, ascii);
    }
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

bool ServerName::isAtOrUnder(std::string_view name, std::string_view domain) noexcept {
    return name == domain ||
           (!domain.empty() && name.size() > domain.size() && name.ends_with(domain) && name[name.size() - domain.size() - 1] == '.');
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

std::optional<std::string> ServerName::addressOfReverseDnsName(std::string_view name) {
    constexpr std::string_view v4 = ".in-addr.arpa", v6 = ".ip6.arpa";
    unsigned char buf[16] = {};
    int family = 0;
    if (name.ends_with(v4) && name.size() <= 15 + v4.size()) {
        std::string_view rest = name.substr(0, name.size() - v4.size());
        for (int i = 3; i >= 0; --i) {  // the last byte first
            const std::size_t dot = i == 0 ? rest.size() : rest.find('.');
            if (dot == std::string_view::npos || dot == 0 || dot > 3) return std::nullopt;
            unsigned value = 0;
            for (char c : rest.substr(0, dot)) {
                if (c < '0' || c > '9') return std::nullopt;
                value = value * 10 + static_cast<unsigned>(c - '0');
            }
            if (value > 255) return std::nullopt;
            buf[i] = static_cast<unsigned char>(value);
            rest = i == 0 ? std::string_view() : rest.substr(dot + 1);
        }
        family = AF_INET;
    } else if (name.ends_with(v6) && name.size() == 64 + v6.size() - 1) {
        const auto nibble = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            return -1;
        };
        for (std::size_t k = 0; k < 32; ++k) {  // the last byte's low nibble first
            const int n = nibble(name[2 * k]);
            if (n < 0 || (k < 31 && name[2 * k + 1] != '.')) return std::nullopt;
            buf[15 - k / 2] |= static_cast<unsigned char>(k % 2 == 0 ? n : n << 4);
        }
        family = AF_INET6;
    } else {
        return std::nullopt;
    }
    char out[INET6_ADDRSTRLEN];
    if (!inet_ntop(family, buf, out, sizeof out)) return std::nullopt;
    std::string ip(out);
    if (reverseDnsName(ip) != name) return std::nullopt;  // "01", "A": not as reverseDnsName spells it
    return ip;
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

bool ServerName::isAscii(std::string_view text) noexcept {
    return std::none_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

bool ServerName::isIpAddress(std::string_view name) noexcept {
    try {
        return !canonicalIp(name).empty();
    } catch (...) {
        return false;
    }
}

std::string ServerName::forDisplay(std::string_view canonical) {
    if (canonical.find("xn--") == std::string_view::npos) return std::string(canonical);
    std::string out;
    for (std::size_t start = 0; start <= canonical.size();) {  // each name of a key
        const std::size_t end = std::min(canonical.find(',', start), canonical.size());
        const std::string name(canonical.substr(start, end - start));
        char* text = nullptr;
        const int rc = idn2_to_unicode_8z8z(name.c_str(), &text, 0);
        const std::unique_ptr<char, decltype(&idn2_free)> shown(text, idn2_free);
        out += (start == 0 ? "" : ",") + (rc == IDN2_OK && shown != nullptr ? std::string(shown.get()) : name);
        start = end + 1;
    }
    return out;
}

std::vector<std::string> ServerName::splitKey(std::string_view key) {
    const std::string original(key);
    if (detail::trimOws(key).empty()) throw InvalidNameError(original, "is empty");
    std::vector<std::string> names;
    std::set<std::string> seen;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = key.find(',', start);
        const std::string_view part =
            detail::trimOws(key.substr(start, comma == std::string_view::npos ? key.npos : comma - start));
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
