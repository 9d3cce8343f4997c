#pragma once

#include <string_view>

namespace cxxacme::detail {

/// `text` without the spaces and horizontal tabs at either end: RFC 9110
/// §5.6.3's optional white space (OWS) around an HTTP field value or list
/// item, which is also how a CAA parameter or a list of names given on a
/// command line is read. Nothing else counts as white space here (not CR,
/// LF or VT): such a byte stays, for the caller to refuse.
constexpr std::string_view trimOws(std::string_view text) noexcept {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace cxxacme::detail
