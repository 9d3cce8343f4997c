#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "cxxacme/Error.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/Time.h"

namespace cxxacme {

/// An ACME error: an RFC 7807 problem document with RFC 8555 §6.7 types.
///
/// The client throws it for every error document a CA returns; the mock
/// server throws it from request handling and turns it into the response.
/// `type` is the full URN (`urn:ietf:params:acme:error:badNonce`); `detail`
/// is the server's text, which callers must escape before logging (see
/// `InvalidNameError::printable`).
class AcmeProblem : public Error {
public:
    struct Subproblem {
        std::string type;
        std::string detail;
        Identifier identifier;
    };

    static inline const std::string kPrefix = "urn:ietf:params:acme:error:";

    /// `shortType` is the part after the prefix ("badNonce"), or a full URN.
    AcmeProblem(const std::string& shortType, std::string detail, int status,
                std::vector<Subproblem> subproblems = {});

    /// Reads a problem document; anything unreadable becomes a
    /// `serverInternal`-like problem of the given status that says so.
    static AcmeProblem fromJson(const std::string& body, int status);

    const std::string& type() const noexcept { return type_; }
    /// The type without the ACME prefix ("badNonce"), or the full type if it
    /// has another prefix.
    std::string shortType() const;
    const std::string& detail() const noexcept { return detail_; }
    int status() const noexcept { return status_; }
    const std::vector<Subproblem>& subproblems() const noexcept { return subproblems_; }
    /// Extra members (e.g. `algorithms` for badSignatureAlgorithm).
    Poco::JSON::Object::Ptr extra() const { return extra_; }
    AcmeProblem& withExtra(const std::string& name, const Poco::Dynamic::Var& value);

    /// The `application/problem+json` document.
    std::string toJson() const;

    /// True when this is the ACME error `shortType` ("badNonce").
    bool is(const std::string& shortType) const { return type_ == kPrefix + shortType; }

    /// When the CA said to ask again: its `Retry-After` on the answer that
    /// carried this problem (a 429 `rateLimited`, a 503), as the client read
    /// it against its clock; nothing when it did not say.
    std::optional<TimePoint> retryAt() const noexcept { return retryAt_; }
    AcmeProblem& withRetryAt(TimePoint when) {
        retryAt_ = when;
        return *this;
    }

private:
    std::string type_;
    std::string detail_;
    int status_;
    std::vector<Subproblem> subproblems_;
    Poco::JSON::Object::Ptr extra_ = new Poco::JSON::Object;
    std::optional<TimePoint> retryAt_;
};

}  // namespace cxxacme
