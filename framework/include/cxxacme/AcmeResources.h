#pragma once

// The ACME resources a client reads (RFC 8555 §7.1), as plain values parsed
// from the server's JSON. Parsing is tolerant of members it does not know
// and strict about the ones it needs: a missing or mistyped required member
// throws `AcmeProblem` of type "malformed" with status 0 (a client-side
// finding about the server's answer).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "cxxacme/AcmeProblem.h"
#include "cxxacme/Challenge.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/Time.h"

namespace cxxacme {

struct AcmeDirectory {
    std::string newNonce, newAccount, newOrder, revokeCert, keyChange;
    std::string newAuthz;     ///< optional in RFC 8555
    std::string renewalInfo;  ///< RFC 9773; empty when the CA has no ARI
    std::string termsOfService;
    std::string website;
    std::vector<std::string> caaIdentities;
    bool externalAccountRequired = false;
    /// RFC 9444: an authorization of a domain may serve the names below it
    /// (newOrder's `ancestorDomain`, newAuthz's `subdomainAuthAllowed`).
    bool subdomainAuthAllowed = false;
    std::map<std::string, std::string> profiles;  ///< name -> description

    static AcmeDirectory fromJson(const Poco::JSON::Object& json);
};

struct AcmeAccount {
    std::string url;  ///< the account URL: the `kid`
    std::string status;
    std::vector<std::string> contact;
    std::string ordersUrl;
    /// As the CA reports it (false when it does not): whether the account agrees to the
    /// terms of service the directory names now (RFC 8555 §7.3.3).
    bool termsOfServiceAgreed = false;

    static AcmeAccount fromJson(const Poco::JSON::Object& json, std::string url);
};

struct AcmeAuthorization {
    std::string url;
    std::string status;
    Identifier identifier;
    bool wildcard = false;
    /// RFC 9444: it serves the names below `identifier` too.
    bool subdomainAuthAllowed = false;
    std::optional<TimePoint> expires;
    std::vector<Challenge> challenges;
    /// Problems of challenges that failed, in challenge order.
    std::vector<AcmeProblem> challengeErrors;

    static AcmeAuthorization fromJson(const Poco::JSON::Object& json, std::string url);
};

struct AcmeOrder {
    std::string url;
    std::string status;
    std::optional<TimePoint> expires;
    std::vector<Identifier> identifiers;
    std::vector<std::string> authorizations;
    std::string finalize;
    std::string certificate;
    std::string profile;
    std::string replaces;
    std::optional<AcmeProblem> error;

    static AcmeOrder fromJson(const Poco::JSON::Object& json, std::string url);
};

/// A certificate download (RFC 8555 §7.4.2): the PEM chain at a certificate
/// URL and the URLs of the alternate chains the CA offers beside it
/// (`Link: rel="alternate"`), which are fetched only when asked for.
struct AcmeCertificateChain {
    std::string pem;
    std::vector<std::string> alternates;
};

struct RenewalInfo {
    TimePoint windowStart;
    TimePoint windowEnd;
    std::string explanationUrl;
    Duration retryAfter{};  ///< when to ask again (Retry-After), zero if unsaid
};

/// RFC 3339 text ("Z" or a zone offset, fractions to the nanosecond) to a
/// time point, held to 1950..2200 as `timePointFromUnixSeconds` says; nothing
/// for anything else, trailing text included.
std::optional<TimePoint> parseRfc3339(const std::string& text);

/// A time point as RFC 3339 UTC text, to the second ("2026-01-01T00:00:00Z").
std::string formatRfc3339(TimePoint time);

}  // namespace cxxacme
