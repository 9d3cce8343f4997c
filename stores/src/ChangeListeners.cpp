#include "ChangeListeners.h"

#include <algorithm>

namespace cxxacme::stores::detail {

struct ChangeListeners::Listener {
    std::mutex mutex;  // held while the listener runs; taken to unsubscribe
    bool alive = true;
    std::function<void(const std::string&)> function;
};

namespace {

// Unsubscribes when the last copy of the handle goes: waits for a running call.
template <typename Listener>
struct Subscription {
    explicit Subscription(std::shared_ptr<Listener> l) : listener(std::move(l)) {}
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    std::shared_ptr<Listener> listener;
    ~Subscription() {
        if (!listener) return;
        std::lock_guard lock(listener->mutex);
        listener->alive = false;
    }
};

}  // namespace

IChangeNotifier::Subscription ChangeListeners::subscribe(std::function<void(const std::string& name)> function) {
    auto listener = std::make_shared<Listener>();
    listener->function = std::move(function);
    {
        std::lock_guard lock(mutex_);
        listeners_.push_back(listener);
    }
    return std::make_shared<Subscription<Listener>>(std::move(listener));  // no temporary: it would unsubscribe
}

void ChangeListeners::notify(const std::string& name) {
    std::vector<std::shared_ptr<Listener>> current;
    {
        std::lock_guard lock(mutex_);
        std::erase_if(listeners_, [](const auto& weak) { return weak.expired(); });
        for (const auto& weak : listeners_)
            if (auto strong = weak.lock()) current.push_back(std::move(strong));
    }
    for (const auto& listener : current) {
        std::lock_guard lock(listener->mutex);
        if (listener->alive) listener->function(name);
    }
}

}  // namespace cxxacme::stores::detail
