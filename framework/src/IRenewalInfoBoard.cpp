#include "cxxacme/IRenewalInfoBoard.h"

#include <algorithm>

#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"

namespace cxxacme {

void IRenewalInfoBoard::checkAnswer(const Answer& answer) {
    if (answer.certificate.empty() || answer.certificate.size() > 64 || !Base64Url::isAlphabet(answer.certificate))
        throw InvalidNameError(answer.certificate, "not a certificate identity");
    if (answer.windowEnd <= answer.windowStart)
        throw InvalidNameError(answer.certificate, "the renewal window ends before it starts");
    if (answer.explanationUrl.size() > kMaxExplanationBytes ||
        !std::all_of(answer.explanationUrl.begin(), answer.explanationUrl.end(), [](char c) { return c > ' ' && c < 0x7f; }))
        throw InvalidNameError(answer.certificate, "the renewal window's explanation URL is not printable ASCII of at most " +
                                                       std::to_string(kMaxExplanationBytes) + " bytes");
}

long long IRenewalInfoBoard::seconds(TimePoint time) {
    return std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
}

IRenewalInfoBoard::Answer IRenewalInfoBoard::toSeconds(Answer answer) {
    for (TimePoint* time : {&answer.windowStart, &answer.windowEnd, &answer.until}) *time = timePointFromUnixSeconds(seconds(*time));
    return answer;
}

}  // namespace cxxacme
