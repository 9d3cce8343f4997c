#include "cxxacme/Error.h"

#include <cstdio>

namespace cxxacme {

std::string InvalidNameError::printable(const std::string& text, std::size_t kMaxShown) {
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out.push_back(static_cast<char>(c));
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    if (text.size() > kMaxShown) out += "...";
    return out;
}

}  // namespace cxxacme
