#include "cxxacme/testing/NullResponder.h"

namespace cxxacme::testing {

void NullResponder::startResponding(const std::string& serverName, const Challenge& challenge,
                                    const std::string&) {
    std::lock_guard lock(mutex_);
    active_.emplace(serverName, challenge.token);
    ++starts_;
}

void NullResponder::stopResponding(const std::string& serverName, const Challenge& challenge, const std::string&) {
    std::lock_guard lock(mutex_);
    active_.erase({serverName, challenge.token});
}

std::set<std::pair<std::string, std::string>> NullResponder::active() const {
    std::lock_guard lock(mutex_);
    return active_;
}

int NullResponder::startCount() const {
    std::lock_guard lock(mutex_);
    return starts_;
}

}  // namespace cxxacme::testing
