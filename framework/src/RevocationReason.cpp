#include "cxxacme/RevocationReason.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string_view>

#include "cxxacme/Error.h"

namespace cxxacme {

namespace {

// RFC 5280 §5.3.1, by code; 7 has no name
constexpr std::array<std::string_view, 11> kNames{
    "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded", "cessationOfOperation",
    "certificateHold", "", "removeFromCRL", "privilegeWithdrawn", "aACompromise"};

bool equalIgnoringCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

bool RevocationReason::isCode(long long code) noexcept { return code >= 0 && code <= 10 && code != 7; }

int RevocationReason::check(long long code) {
    if (!isCode(code))
        throw Error("revocation reason " + std::to_string(code) + " is not an RFC 5280 CRLReason code (0 to 10 but 7)");
    return static_cast<int>(code);
}

std::string RevocationReason::name(int code) { return std::string(kNames[static_cast<std::size_t>(check(code))]); }

int RevocationReason::parse(const std::string& text) {
    long long code = -1;
    const char* end = text.data() + text.size();
    if (const auto [at, ec] = std::from_chars(text.data(), end, code); ec == std::errc() && at == end && !text.empty())
        return check(code);
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (!kNames[i].empty() && equalIgnoringCase(kNames[i], text)) return static_cast<int>(i);
    std::string names;
    for (const auto n : kNames)
        if (!n.empty()) names += (names.empty() ? "" : ", ") + std::string(n);
    throw Error("revocation reason '" + text + "' is neither a code (0 to 10 but 7) nor one of " + names);
}

}  // namespace cxxacme
