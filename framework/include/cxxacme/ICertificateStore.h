#pragma once

#include <map>
#include <optional>
#include <string>

#include "cxxacme/PemBundle.h"

namespace cxxacme {

/// Where certificates live: txacme's `ICertificateStore`.
///
/// An entry is a `PemBundle` under a *name*: one server name, or several
/// joined with commas for a multi-name certificate (see `ServerName`).
/// An empty bundle is a real entry, meaning "no certificate yet: issue one".
///
/// Every implementation guarantees:
/// - names are checked with `ServerName::canonicalKey` before they touch a
///   path or a query; a bad name throws `InvalidNameError` and changes
///   nothing. Names are compared in canonical form, and `asMap` returns
///   canonical names.
/// - `store` is atomic: a reader, another process, or a crash sees the old
///   entry or the new one, never a torn one. Private keys are kept
///   unreadable to other users.
/// - a storage failure throws `StoreError` and loses no existing entry.
/// - all methods are safe to call from several threads at once.
///
/// `testing/StoreConformance.h` checks all of this against any store.
class ICertificateStore {
public:
    virtual ~ICertificateStore() = default;
    ICertificateStore() = default;
    ICertificateStore(const ICertificateStore&) = delete;
    ICertificateStore& operator=(const ICertificateStore&) = delete;

    /// The entry stored under `name`, or `std::nullopt` when there is none
    /// (which is different from an empty entry).
    virtual std::optional<PemBundle> get(const std::string& name) = 0;

    /// Creates or replaces the entry under `name`.
    virtual void store(const std::string& name, const PemBundle& entry) = 0;

    /// Every entry, by canonical name. A store may skip an entry it cannot
    /// read (reporting it through its logger) rather than fail the whole map.
    virtual std::map<std::string, PemBundle> asMap() = 0;
};

}  // namespace cxxacme
