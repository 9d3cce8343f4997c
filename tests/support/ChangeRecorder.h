#pragma once

// Test support: what a store's change listener heard, with bounded waits for
// the store's watcher thread (no timing is asserted).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace cxxacme::test {

class ChangeRecorder {
public:
    /// The listener to pass to `IChangeNotifier::onChange`.
    std::function<void(const std::string&)> listener() {
        return [this](const std::string& name) {
            std::lock_guard lock(mutex_);
            names_.push_back(name);
            changed_.notify_all();
        };
    }
    /// Waits until `count` calls were heard (at most `limit`).
    bool waitFor(std::size_t count, std::chrono::seconds limit = std::chrono::seconds(20)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, limit, [&] { return names_.size() >= count; });
    }
    /// Waits until `count` different names were heard (at most `limit`).
    bool waitForDistinct(std::size_t count, std::chrono::seconds limit = std::chrono::seconds(20)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, limit, [&] { return distinctLocked().size() >= count; });
    }
    /// Every name heard, in order.
    std::vector<std::string> all() {
        std::lock_guard lock(mutex_);
        return names_;
    }
    /// The names heard, each once.
    std::set<std::string> distinct() {
        std::lock_guard lock(mutex_);
        return distinctLocked();
    }

private:
    std::set<std::string> distinctLocked() const { return {names_.begin(), names_.end()}; }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> names_;
};

}  // namespace cxxacme::test
