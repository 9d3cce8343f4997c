#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cxxacme::mock_acme {

/// The IP address blocks Let's Encrypt does not issue for (Boulder's
/// `iana.IsReservedAddr`): IANA's IPv4 and IPv6 Special-Purpose Address
/// Registries, as Boulder keeps them, and the multicast blocks.
class ReservedAddressBlocks {
public:
    /// For an address in such a block, the block as Boulder names it, the
    /// most specific one first: "[RFC1918]: Private-Use",
    /// "[RFC1122], Section 3.2.1.3: Loopback". Nothing for any other address
    /// and for text that is not one.
    static std::optional<std::string> blockOf(std::string_view ip);
};

}  // namespace cxxacme::mock_acme
