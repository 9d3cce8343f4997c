#pragma once

// The entries of a certificate store that name a server name. Internal.

#include <string>
#include <vector>

#include "cxxacme/ICertificateStore.h"

namespace cxxacme::detail {

/// The keys of `store`'s entries that name `name` (a canonical server name),
/// sorted: its entry of its own, if any, and the entries of several names
/// that list it. With an expiry index (`IExpiryIndex`) the keys come from the
/// index, with no certificate parsed; else from `asMap()`. Throws what the
/// store throws.
std::vector<std::string> storeKeysNaming(ICertificateStore& store, const std::string& name);

}  // namespace cxxacme::detail
