#include "cxxacme/detail/StoreKeysNaming.h"

#include <algorithm>

#include "cxxacme/IExpiryIndex.h"
#include "cxxacme/ServerName.h"

namespace cxxacme::detail {

std::vector<std::string> storeKeysNaming(ICertificateStore& store, const std::string& name) {
    std::vector<std::string> keys;
    if (auto* index = dynamic_cast<IExpiryIndex*>(&store)) {
        // every entry expires before then: a certificate's times are read held to 1950..2200
        // (timePointFromUnixSeconds), so one that names 9999 is listed too
        keys = index->expiringBefore(TimePoint::max());
    } else {
        for (const auto& [key, entry] : store.asMap()) keys.push_back(key);
    }
    std::vector<std::string> naming;
    for (const auto& key : keys) {
        if (key == name) {
            naming.push_back(key);
            continue;
        }
        if (key.find(',') == std::string::npos) continue;
        const auto names = ServerName::splitKey(key);
        if (std::find(names.begin(), names.end(), name) != names.end()) naming.push_back(key);
    }
    std::sort(naming.begin(), naming.end());
    return naming;
}

}  // namespace cxxacme::detail
