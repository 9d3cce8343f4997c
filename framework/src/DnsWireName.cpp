#include "cxxacme/detail/DnsWireName.h"

#include <algorithm>

#include "cxxacme/Error.h"

namespace cxxacme::detail {

std::string dnsWireName(std::string_view name) {
    const std::string shown(name);
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty()) throw InvalidNameError(shown, "is not a DNS name (empty)");
    std::string out;
    out.reserve(name.size() + 2);
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = std::min(name.find('.', start), name.size());
        const std::size_t length = end - start;
        if (length == 0) throw InvalidNameError(shown, "has an empty label");
        if (length > 63) throw InvalidNameError(shown, "has a label longer than 63");
        out += static_cast<char>(length);
        for (const char c : name.substr(start, length)) out += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if (end == name.size()) break;
        start = end + 1;
    }
    out += '\0';
    if (out.size() > 255) throw InvalidNameError(shown, "is longer than 255 bytes in DNS wire form");
    return out;
}

}  // namespace cxxacme::detail
