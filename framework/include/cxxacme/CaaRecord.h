#pragma once

#include <cstdint>
#include <string>

namespace cxxacme {

/// One CAA resource record (RFC 8659 §4.1): flags, a property tag and its
/// value, as they come from DNS.
struct CaaRecord {
    std::uint8_t flags = 0;
    std::string tag;    ///< as published; tags compare case-insensitively
    std::string value;  ///< the property value's bytes

    /// The Issuer Critical flag (bit 0, the value 128).
    bool critical() const noexcept { return (flags & 0x80) != 0; }

    bool operator==(const CaaRecord&) const = default;
};

}  // namespace cxxacme
