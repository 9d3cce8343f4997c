#include "cxxacme/AddressBlock.h"

#include <charconv>

#include "cxxacme/ServerName.h"

namespace cxxacme {

std::optional<AddressBlock> AddressBlock::parse(std::string_view text) {
    const auto slash = text.find('/');
    std::vector<unsigned char> bytes = ServerName::addressBytes(text.substr(0, slash));
    if (bytes.empty()) return std::nullopt;
    const auto maxBits = static_cast<unsigned>(bytes.size() * 8);
    if (slash == std::string_view::npos) return AddressBlock(std::move(bytes), maxBits);
    const std::string_view digits = text.substr(slash + 1);
    unsigned bits = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || digits.size() > 3 || error != std::errc() || end != digits.data() + digits.size() || bits > maxBits)
        return std::nullopt;
    return AddressBlock(std::move(bytes), bits);
}

bool AddressBlock::contains(std::string_view address) const { return contains(ServerName::addressBytes(address)); }

bool AddressBlock::contains(const std::vector<unsigned char>& address) const {
    if (address.size() != bytes_.size()) return false;
    for (unsigned bit = 0; bit < prefixBits_; ++bit) {
        const unsigned mask = 0x80u >> (bit % 8);
        if ((address[bit / 8] & mask) != (bytes_[bit / 8] & mask)) return false;
    }
    return true;
}

}  // namespace cxxacme
