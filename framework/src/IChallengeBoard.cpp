#include "cxxacme/IChallengeBoard.h"

#include <algorithm>

#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"

namespace cxxacme {

namespace {

// Runs of base64url joined by single dots, `max` characters at most: a token,
// a key authorization (token.thumbprint) or a server name in A-labels; never
// empty, never a leading dot, never "..".
bool dottedBase64Url(const std::string& text, std::size_t max) {
    if (text.empty() || text.size() > max) return false;
    for (std::size_t start = 0;;) {
        const std::size_t dot = std::min(text.find('.', start), text.size());
        if (dot == start || !Base64Url::isAlphabet(std::string_view(text).substr(start, dot - start))) return false;
        if (dot == text.size()) return true;
        start = dot + 1;
    }
}

}  // namespace

void IChallengeBoard::check(const std::string& type, const std::string& key, const std::string* keyAuthorization) {
    const bool typeOk = !type.empty() && type.size() <= 32 && std::all_of(type.begin(), type.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!typeOk) throw InvalidNameError(type, "not a challenge type");
    if (!dottedBase64Url(key, 255)) throw InvalidNameError(key, "not a challenge token or server name");
    if (keyAuthorization && !dottedBase64Url(*keyAuthorization, 512))
        throw InvalidNameError(*keyAuthorization, "not a key authorization");
}

}  // namespace cxxacme
