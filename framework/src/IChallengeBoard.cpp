#include "cxxacme/IChallengeBoard.h"

#include <algorithm>

#include "cxxacme/Error.h"

namespace cxxacme {

namespace {

bool isAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

}  // namespace

void IChallengeBoard::check(const std::string& type, const std::string& key, const std::string* keyAuthorization) {
    const bool typeOk = !type.empty() && type.size() <= 32 && std::all_of(type.begin(), type.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!typeOk) throw InvalidNameError(type, "not a challenge type");
    const bool keyOk = !key.empty() && key.size() <= 255 && key.front() != '.' && key.find("..") == std::string::npos &&
                       std::all_of(key.begin(), key.end(), [](char c) { return isAlnum(c) || c == '_' || c == '-' || c == '.'; });
    if (!keyOk) throw InvalidNameError(key, "not a challenge token or server name");
    if (keyAuthorization) {
        const std::string& k = *keyAuthorization;
        const bool ok = !k.empty() && k.size() <= 512 &&
                        std::all_of(k.begin(), k.end(), [](char c) { return isAlnum(c) || c == '_' || c == '-' || c == '.'; });
        if (!ok) throw InvalidNameError(k, "not a key authorization");
    }
}

}  // namespace cxxacme
