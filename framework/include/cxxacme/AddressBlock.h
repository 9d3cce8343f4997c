#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace cxxacme {

/// A block of IP addresses: "192.0.2.0/24", "2001:db8::/64", or an address
/// alone (its own /32 or /128), as NO_PROXY lists them and as Let's Encrypt
/// names the blocks its limits count. A value type; the bits past the
/// prefix are not looked at.
class AddressBlock {
public:
    /// The block `text` names, or nothing for text that is not an address
    /// literal optionally followed by "/N", N from 0 to its family's bits.
    static std::optional<AddressBlock> parse(std::string_view text);

    /// Whether `address` (a literal) is of the block's family and within it.
    bool contains(std::string_view address) const;
    /// The same for an address's bytes (`ServerName::addressBytes`).
    bool contains(const std::vector<unsigned char>& address) const;

    unsigned prefixBits() const noexcept { return prefixBits_; }
    bool operator==(const AddressBlock&) const = default;

private:
    AddressBlock(std::vector<unsigned char> bytes, unsigned prefixBits) : bytes_(std::move(bytes)), prefixBits_(prefixBits) {}

    std::vector<unsigned char> bytes_;  ///< 4 or 16
    unsigned prefixBits_;
};

}  // namespace cxxacme
