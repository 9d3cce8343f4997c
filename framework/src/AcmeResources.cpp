#include "cxxacme/AcmeResources.h"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <iomanip>
#include <sstream>

#include <Poco/JSON/Array.h>

#include "cxxacme/detail/Json.h"

namespace cxxacme {

namespace {

AcmeProblem bad(const std::string& what) {
    return AcmeProblem("malformed", "the server's answer is malformed: " + what, 0);
}

std::string required(const Poco::JSON::Object& json, const std::string& name, const char* what) {
    try {
        return detail::requireString(json, name, what);
    } catch (const JoseError& e) {
        throw bad(e.what());
    }
}

std::string optional(const Poco::JSON::Object& json, const std::string& name, const char* what) {
    try {
        return detail::optionalString(json, name, what).value_or("");
    } catch (const JoseError& e) {
        throw bad(e.what());
    }
}

std::vector<std::string> strings(const Poco::JSON::Object& json, const std::string& name) {
    std::vector<std::string> out;
    if (!json.has(name)) return out;
    auto array = json.getArray(name);
    if (!array) throw bad("\"" + name + "\" is not an array");
    for (std::size_t i = 0; i < array->size(); ++i) {
        const auto v = array->get(static_cast<unsigned>(i));
        if (!v.isString()) throw bad("\"" + name + "\" holds a non-string");
        out.push_back(v.convert<std::string>());
    }
    return out;
}

Identifier identifierFrom(const Poco::JSON::Object& json) {
    const std::string type = required(json, "type", "identifier");
    const std::string value = required(json, "value", "identifier");
    return Identifier{type == "ip" ? Identifier::Type::Ip : Identifier::Type::Dns, value};
}

std::optional<AcmeProblem> problemFrom(const Poco::JSON::Object& json, const std::string& name) {
    auto object = json.getObject(name);
    if (!object) return std::nullopt;
    return AcmeProblem::fromJson(detail::toJsonText(*object), 0);
}

}  // namespace

std::string formatRfc3339(TimePoint time) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::optional<TimePoint> parseRfc3339(const std::string& text) {
    // date-time = YYYY-MM-DD "T" hh:mm:ss [ "." digits ] ( "Z" / ("+" / "-") hh ":" mm ), RFC 3339 §5.6
    std::tm tm{};
    std::istringstream in(text);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
    if (in.fail()) return std::nullopt;
    std::string rest;
    std::getline(in, rest);
    const auto digit = [&rest](std::size_t at) { return at < rest.size() && rest[at] >= '0' && rest[at] <= '9'; };
    const auto number = [&rest](std::size_t at) { return (rest[at] - '0') * 10 + (rest[at + 1] - '0'); };
    std::size_t i = 0;
    std::int64_t nanos = 0;
    if (i < rest.size() && rest[i] == '.') {
        if (!digit(++i)) return std::nullopt;
        for (std::int64_t scale = 100'000'000; digit(i); ++i, scale /= 10) nanos += (rest[i] - '0') * scale;
    }
    std::int64_t east = 0;  // the zone's offset from UTC, in seconds
    if (i < rest.size() && (rest[i] == 'Z' || rest[i] == 'z')) {
        ++i;
    } else if (i < rest.size() && (rest[i] == '+' || rest[i] == '-') && digit(i + 1) && digit(i + 2) &&
               i + 3 < rest.size() && rest[i + 3] == ':' && digit(i + 4) && digit(i + 5)) {
        const int hours = number(i + 1);
        const int minutes = number(i + 4);
        if (hours > 23 || minutes > 59) return std::nullopt;
        east = (rest[i] == '+' ? std::int64_t{1} : std::int64_t{-1}) * (hours * 3600 + minutes * 60);
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != rest.size()) return std::nullopt;
    return timePointFromUnixSeconds(static_cast<std::int64_t>(timegm(&tm)) - east) +
           std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(nanos));
}

AcmeDirectory AcmeDirectory::fromJson(const Poco::JSON::Object& json) {
    AcmeDirectory d;
    d.newNonce = required(json, "newNonce", "directory");
    d.newAccount = required(json, "newAccount", "directory");
    d.newOrder = required(json, "newOrder", "directory");
    d.revokeCert = optional(json, "revokeCert", "directory");
    d.keyChange = optional(json, "keyChange", "directory");
    d.newAuthz = optional(json, "newAuthz", "directory");
    d.renewalInfo = optional(json, "renewalInfo", "directory");
    if (auto meta = json.getObject("meta")) {
        d.termsOfService = optional(*meta, "termsOfService", "directory meta");
        d.website = optional(*meta, "website", "directory meta");
        d.caaIdentities = strings(*meta, "caaIdentities");
        d.externalAccountRequired = detail::isTrue(*meta, "externalAccountRequired");
        d.subdomainAuthAllowed = detail::isTrue(*meta, "subdomainAuthAllowed");
        if (auto profiles = meta->getObject("profiles"))
            for (const auto& name : profiles->getNames()) d.profiles[name] = optional(*profiles, name, "profiles");
    }
    return d;
}

AcmeAccount AcmeAccount::fromJson(const Poco::JSON::Object& json, std::string url) {
    AcmeAccount a;
    a.url = std::move(url);
    a.status = required(json, "status", "account");
    a.contact = strings(json, "contact");
    a.ordersUrl = optional(json, "orders", "account");
    a.termsOfServiceAgreed = detail::isTrue(json, "termsOfServiceAgreed");
    return a;
}

AcmeAuthorization AcmeAuthorization::fromJson(const Poco::JSON::Object& json, std::string url) {
    AcmeAuthorization a;
    a.url = std::move(url);
    a.status = required(json, "status", "authorization");
    auto id = json.getObject("identifier");
    if (!id) throw bad("authorization without an identifier");
    a.identifier = identifierFrom(*id);
    a.wildcard = detail::isTrue(json, "wildcard");
    a.subdomainAuthAllowed = detail::isTrue(json, "subdomainAuthAllowed");
    if (json.has("expires")) a.expires = parseRfc3339(optional(json, "expires", "authorization"));
    auto challenges = json.getArray("challenges");
    if (!challenges) throw bad("authorization without challenges");
    for (std::size_t i = 0; i < challenges->size(); ++i) {
        auto c = challenges->getObject(static_cast<unsigned>(i));
        if (!c) throw bad("a challenge is not an object");
        a.challenges.push_back(Challenge{required(*c, "type", "challenge"), required(*c, "url", "challenge"),
                                         optional(*c, "token", "challenge"), required(*c, "status", "challenge")});
        // draft-ietf-acme-dns-persist-01 §3: the CA's issuer domain names, 1 to 10 of them
        a.challenges.back().issuerDomainNames = strings(*c, "issuer-domain-names");
        if (a.challenges.back().issuerDomainNames.size() > 10) throw bad("a challenge lists more than 10 issuer-domain-names");
        if (auto error = problemFrom(*c, "error")) a.challengeErrors.push_back(*error);
    }
    return a;
}

AcmeOrder AcmeOrder::fromJson(const Poco::JSON::Object& json, std::string url) {
    AcmeOrder o;
    o.url = std::move(url);
    o.status = required(json, "status", "order");
    if (json.has("expires")) o.expires = parseRfc3339(optional(json, "expires", "order"));
    auto ids = json.getArray("identifiers");
    if (!ids) throw bad("order without identifiers");
    for (std::size_t i = 0; i < ids->size(); ++i) {
        auto id = ids->getObject(static_cast<unsigned>(i));
        if (!id) throw bad("an identifier is not an object");
        o.identifiers.push_back(identifierFrom(*id));
    }
    o.authorizations = strings(json, "authorizations");
    o.finalize = required(json, "finalize", "order");
    o.certificate = optional(json, "certificate", "order");
    o.profile = optional(json, "profile", "order");
    o.replaces = optional(json, "replaces", "order");
    o.error = problemFrom(json, "error");
    return o;
}

}  // namespace cxxacme
