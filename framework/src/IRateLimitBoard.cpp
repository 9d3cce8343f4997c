#include "cxxacme/IRateLimitBoard.h"

#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"

namespace cxxacme {

void IRateLimitBoard::checkRefusal(const Refusal& refusal) {
    if (refusal.scope.empty() || refusal.scope.size() > 64 || !Base64Url::isAlphabet(refusal.scope))
        throw InvalidNameError(refusal.scope, "not a rate-limit scope key");
    if (refusal.problem.empty() || refusal.problem.size() > kMaxProblemBytes)
        throw InvalidNameError(refusal.scope, "the refusal's problem document is empty or larger than " +
                                                  std::to_string(kMaxProblemBytes) + " bytes");
    if (refusal.status < 400 || refusal.status > 599)
        throw InvalidNameError(refusal.scope, "the refusal's status " + std::to_string(refusal.status) + " is no error");
}

long long IRateLimitBoard::untilSeconds(TimePoint until) {
    const auto since = until.time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since);
    if (seconds < since) ++seconds;
    return seconds.count();
}

TimePoint IRateLimitBoard::untilFromSeconds(const std::string& scope, long long seconds) {
    constexpr long long kYear9999 = 253402300799;
    if (seconds < 0 || seconds > kYear9999) throw InvalidNameError(scope, "the refusal's time is out of range");
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds(seconds)));
}

}  // namespace cxxacme
