#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cxxacme/IChangeNotifier.h"

namespace cxxacme::stores::detail {

/// The listeners of one store's `IChangeNotifier::onChange`: a subscription
/// handle that unsubscribes when its last copy goes (waiting for a call in
/// progress), and `notify`, which calls every live listener in turn.
/// Thread-safe; the store's watcher thread calls `notify`.
class ChangeListeners {
public:
    IChangeNotifier::Subscription subscribe(std::function<void(const std::string& name)> listener);
    void notify(const std::string& name);

private:
    struct Listener;

    std::mutex mutex_;
    std::vector<std::weak_ptr<Listener>> listeners_;
};

}  // namespace cxxacme::stores::detail
