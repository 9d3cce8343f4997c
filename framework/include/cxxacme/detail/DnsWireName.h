#pragma once

#include <string>
#include <string_view>

namespace cxxacme::detail {

/// `name` (with or without the root's dot) in DNS wire form: each label
/// after its length, then the root's empty label; letters in lower case, the
/// canonical form (RFC 4034 §6.2) that TSIG signs and that answers here
/// carry. Throws `InvalidNameError` for an empty name or label, a label over
/// 63 bytes, or more than 255 bytes in all (RFC 1035 §2.3.4). The bytes of a
/// label are otherwise taken as they are: what a name may hold is its
/// caller's rule.
std::string dnsWireName(std::string_view name);

}  // namespace cxxacme::detail
