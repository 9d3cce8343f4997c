#pragma once

#include <string>
#include <vector>

#include "cxxacme/Time.h"

namespace cxxacme {

/// An optional ability of a certificate store (found with `dynamic_cast`):
/// answering "which entries expire before T?" from an index, without
/// parsing every certificate. Empty entries count as expiring.
class IExpiryIndex {
public:
    virtual ~IExpiryIndex() = default;
    IExpiryIndex() = default;
    IExpiryIndex(const IExpiryIndex&) = delete;
    IExpiryIndex& operator=(const IExpiryIndex&) = delete;

    /// Canonical names of the entries whose certificate's notAfter is before
    /// `time`, and of the empty entries. Thread-safe.
    virtual std::vector<std::string> expiringBefore(TimePoint time) = 0;
};

}  // namespace cxxacme
