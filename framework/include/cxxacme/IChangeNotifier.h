#pragma once

#include <functional>
#include <memory>
#include <string>

namespace cxxacme {

/// An optional ability of a certificate store (found with `dynamic_cast`):
/// telling listeners that entries changed, also when another process or a
/// person changed them. A TLS endpoint uses it to pick up new certificates
/// without a restart.
class IChangeNotifier {
public:
    using Subscription = std::shared_ptr<void>;

    virtual ~IChangeNotifier() = default;
    IChangeNotifier() = default;
    IChangeNotifier(const IChangeNotifier&) = delete;
    IChangeNotifier& operator=(const IChangeNotifier&) = delete;

    /// Calls `listener` with the canonical name of each entry that was
    /// created, replaced or removed, on a thread of the store's, until the
    /// returned handle is dropped (dropping it waits for a running call).
    /// The listener must not throw. A burst of changes may be reported once.
    [[nodiscard]] virtual Subscription onChange(std::function<void(const std::string& name)> listener) = 0;
};

}  // namespace cxxacme
