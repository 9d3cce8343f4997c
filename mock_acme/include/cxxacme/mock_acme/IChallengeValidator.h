#pragma once

#include <optional>
#include <string>

#include "cxxacme/AcmeProblem.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/Time.h"

namespace cxxacme::mock_acme {

/// What the engine asks a validator to check for one challenge.
struct ValidationRequest {
    std::string challengeType;     ///< "http-01", "tls-alpn-01", "tls-sni-01", "dns-01", "dns-account-01", "dns-persist-01"
    Identifier identifier;         ///< without any "*." (wildcards validate the base name)
    std::string token;
    std::string keyAuthorization;
    std::string accountUrl;        ///< the account's URL (its JWS `kid`), which dns-account-01's record name derives from
    bool wildcard = false;         ///< the authorization is for "*." and the identifier (dns-persist-01 needs policy=wildcard)
    TimePoint now{};               ///< the CA's time when the validation runs (dns-persist-01's persistUntil)
};

/// Checks challenges for mock-acme's engine. `ChallengeValidator` does it
/// over the network; tests may substitute their own. Called on worker
/// threads, possibly several at once; may block (with timeouts).
class IChallengeValidator {
public:
    virtual ~IChallengeValidator() = default;
    IChallengeValidator() = default;
    IChallengeValidator(const IChallengeValidator&) = delete;
    IChallengeValidator& operator=(const IChallengeValidator&) = delete;

    /// Nothing when the challenge is satisfied; otherwise the problem that
    /// the challenge's `error` will carry (unauthorized, connection, dns,
    /// tls, …).
    virtual std::optional<AcmeProblem> validate(const ValidationRequest& request) = 0;
};

}  // namespace cxxacme::mock_acme
