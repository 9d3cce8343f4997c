#pragma once

#include <compare>
#include <string>
#include <string_view>

namespace cxxacme {

/// An ACME identifier (RFC 8555 §9.7.7, RFC 8738): a DNS name or an IP
/// address, always in canonical form (see `ServerName`).
struct Identifier {
    enum class Type { Dns, Ip };

    Type type = Type::Dns;
    std::string value;

    /// A checked DNS identifier; wildcards (`*.example.com`) allowed.
    static Identifier dns(std::string_view name);
    /// A checked IP identifier (IPv4 or IPv6 literal).
    static Identifier ip(std::string_view address);
    /// `ip()` for an address literal, `dns()` for anything else.
    static Identifier fromName(std::string_view name);

    /// The ACME type string: "dns" or "ip".
    std::string typeName() const;

    auto operator<=>(const Identifier&) const = default;
};

}  // namespace cxxacme
