#include "cxxacme/SharedRateLimits.h"

#include <Poco/Logger.h>

#include "cxxacme/Base64Url.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/Error.h"
#include "cxxacme/IRateLimitBoard.h"

namespace cxxacme {

namespace {
Poco::Logger& logger() { return Poco::Logger::get("cxxacme.service"); }
}  // namespace

std::string SharedRateLimits::key(const std::string& identity, const RateLimitScope& scope) {
    // the account's new orders and its registrations are both "every name of the account"
    return Base64Url::encode(detail::sha256(identity + "\n" + scope.describe() + (scope.exemptsSetRenewals() ? "\nrenewals exempt" : "")));
}

void SharedRateLimits::post(const AcmeProblem& problem, const RateLimitScope& scope, TimePoint until) const {
    auto* board = dynamic_cast<IRateLimitBoard*>(&store_);
    if (!board || scope.kind() == RateLimitScope::Kind::Order) return;
    try {
        const std::string identity = issuer_.rateLimitIdentity();
        if (identity.empty()) return;
        board->postRefusal({key(identity, scope), problem.toJson(), problem.status(), until});
    } catch (const Error& e) {
        logger().warning(std::string("the CA's refusal cannot be shared through the store: ") + e.what());
    }
}

std::vector<SharedRateLimits::Refusal> SharedRateLimits::read(TimePoint now) const {
    auto* board = dynamic_cast<IRateLimitBoard*>(&store_);
    if (!board) return {};
    std::vector<Refusal> out;
    try {
        const std::string identity = issuer_.rateLimitIdentity();
        if (identity.empty()) return {};
        for (const auto& posted : board->refusals(now)) {
            const AcmeProblem problem = AcmeProblem::fromJson(posted.problem, posted.status);
            RateLimitScope scope = RateLimitScope::of(problem);
            // another CA's or account's, or not the scope its key says: not this issuer's to wait for
            if (scope.kind() == RateLimitScope::Kind::Order || posted.scope != key(identity, scope)) continue;
            out.push_back({std::move(scope), posted.until, problem.what()});
        }
    } catch (const Error& e) {
        logger().warning(std::string("the store's rate-limit refusals cannot be read: ") + e.what());
    }
    return out;
}

}  // namespace cxxacme
