#include "cxxacme/mock_acme/MockAcmeConfig.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <tuple>
#include <utility>
#include <type_traits>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/detail/Json.h"

namespace cxxacme::mock_acme {

namespace {

template <typename T>
T number(const Poco::JSON::Object& json, const std::string& name) {
    const auto value = json.get(name);
    if (!value.isNumeric() || (std::is_integral_v<T> && !value.isInteger()))
        throw Error("mock-acme config: \"" + name + "\" must be " + (std::is_integral_v<T> ? "a whole number" : "a number"));
    try {
        return value.convert<T>();
    } catch (const Poco::Exception&) {  // out of the field's range (a port above 65535, a negative count)
        throw Error("mock-acme config: \"" + name + "\" is out of range");
    }
}

bool boolean(const Poco::JSON::Object& json, const std::string& name) {
    const auto value = json.get(name);
    if (!value.isBoolean()) throw Error("mock-acme config: \"" + name + "\" must be true or false");
    return value.convert<bool>();
}

std::string text(const Poco::JSON::Object& json, const std::string& name) {
    const auto value = json.get(name);
    if (!value.isString()) throw Error("mock-acme config: \"" + name + "\" must be a string");
    return value.convert<std::string>();
}

std::map<std::string, std::string> stringMap(const Poco::JSON::Object& json, const std::string& name) {
    auto object = json.getObject(name);
    if (!object) throw Error("mock-acme config: \"" + name + "\" must be an object of strings");
    std::map<std::string, std::string> out;
    for (const auto& key : object->getNames()) out[key] = text(*object, key);
    return out;
}

std::vector<std::string> stringList(const Poco::JSON::Object& json, const std::string& name) {
    auto array = json.getArray(name);
    if (!array) throw Error("mock-acme config: \"" + name + "\" must be an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const auto value = array->get(static_cast<unsigned>(i));
        if (!value.isString()) throw Error("mock-acme config: \"" + name + "\" must be an array of strings");
        out.push_back(value.convert<std::string>());
    }
    return out;
}

Duration seconds(const Poco::JSON::Object& json, const std::string& name) {
    const double value = number<double>(json, name);
    constexpr double kHundredYears = 100.0 * 365 * 86400;
    if (!std::isfinite(value) || value < 0 || value > kHundredYears)
        throw Error("mock-acme config: \"" + name + "\" must be between 0 and 100 years in seconds");
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(value));
}

// `text` as one of two `choices` of the setting `key`; the error names both.
template <typename Choice>
Choice oneOf(const std::string& text, const char* key, std::pair<const char*, Choice> first, std::pair<const char*, Choice> second) {
    if (text == first.first) return first.second;
    if (text == second.first) return second.second;
    throw Error(std::string("mock-acme config: ") + key + " must be \"" + first.first + "\" or \"" + second.first + "\", not \"" +
                InvalidNameError::printable(text) + "\"");
}

}  // namespace

void MockAcmeConfig::applyJson(const std::string& jsonText) {
    Poco::JSON::Object::Ptr json;
    try {
        json = detail::parseJsonObject(jsonText, std::size_t{1024} * 1024, "mock-acme config");
    } catch (const Error& e) {
        throw Error(e.what());
    }
    // applied last: it is about the default profile, whatever "profiles" and "defaultProfile" say
    std::optional<Duration> certificateLifetime;
    for (const auto& key : json->getNames()) {
        const auto& j = *json;
        if (key == "listenHost") listenHost = text(j, key);
        else if (key == "listenPort") listenPort = number<std::uint16_t>(j, key);
        else if (key == "managementHost") managementHost = text(j, key);
        else if (key == "managementPort") managementPort = number<std::uint16_t>(j, key);
        else if (key == "managementTls") managementTls = boolean(j, key);
        else if (key == "httpsCertificateFile") httpsCertificateFile = text(j, key);
        else if (key == "httpsPrivateKeyFile") httpsPrivateKeyFile = text(j, key);
        else if (key == "httpsNames") httpsNames = stringList(j, key);
        else if (key == "preAuthorization") preAuthorization = boolean(j, key);
        else if (key == "orderReuse") orderReuse = boolean(j, key);
        else if (key == "authorizationReuse") authorizationReuse = authorizationReuseFromString(text(j, key));
        else if (key == "blockedDomains") blockedDomains = stringList(j, key);
        else if (key == "caaIdentities") caaIdentities = stringList(j, key);
        else if (key == "http01Port") http01Port = number<std::uint16_t>(j, key);
        else if (key == "tlsAlpn01Port") tlsAlpn01Port = number<std::uint16_t>(j, key);
        else if (key == "dnsServer") dnsServer = text(j, key);
        else if (key == "defaultAddress") defaultAddress = text(j, key);
        else if (key == "resolve") resolve = stringMap(j, key);
        else if (key == "resolveThroughDns") resolveThroughDns = boolean(j, key);
        else if (key == "skipValidation") skipValidation = boolean(j, key);
        else if (key == "checkCaa") checkCaa = boolean(j, key);
        else if (key == "caaRecheckAfterSeconds") caaRecheckAfter = seconds(j, key);
        else if (key == "nonceOnEveryResponse") nonceOnEveryResponse = boolean(j, key);
        else if (key == "corsOrigins") corsOrigins = stringList(j, key);
        else if (key == "randomDirectoryEntry") randomDirectoryEntry = boolean(j, key);
        else if (key == "enableTlsSni01") enableTlsSni01 = boolean(j, key);
        else if (key == "enableDnsAccount01") enableDnsAccount01 = boolean(j, key);
        else if (key == "enableDnsPersist01") enableDnsPersist01 = boolean(j, key);
        else if (key == "subdomainAuthAllowed") subdomainAuth = boolean(j, key);
        else if (key == "validationDelaySeconds") validationDelay = seconds(j, key);
        else if (key == "validationJitterSeconds") validationJitter = seconds(j, key);
        else if (key == "challengeWaitSeconds") challengeWait = seconds(j, key);
        else if (key == "validationThreads") validationThreads = number<std::size_t>(j, key);
        else if (key == "nonceRejectPercent") nonceRejectPercent = number<int>(j, key);
        else if (key == "authzReusePercent") authzReusePercent = number<int>(j, key);
        else if (key == "serverErrorPercent") serverErrorPercent = number<int>(j, key);
        else if (key == "truncatedResponsePercent") truncatedResponsePercent = number<int>(j, key);
        else if (key == "delayedResponsePercent") delayedResponsePercent = number<int>(j, key);
        else if (key == "responseDelaySeconds") responseDelay = seconds(j, key);
        else if (key == "rateLimitOrders") rateLimitOrders = number<int>(j, key);
        else if (key == "rateLimitWindowSeconds") rateLimitWindow = seconds(j, key);
        else if (key == "failedAuthorizationLimit") failedAuthorizationLimit = number<int>(j, key);
        else if (key == "failedAuthorizationWindowSeconds") failedAuthorizationWindow = seconds(j, key);
        else if (key == "pauseAfterFailures") pauseAfterFailures = number<int>(j, key);
        else if (key == "duplicateCertificateLimit") duplicateCertificateLimit = number<int>(j, key);
        else if (key == "duplicateCertificateWindowSeconds") duplicateCertificateWindow = seconds(j, key);
        else if (key == "registeredDomainLimit") registeredDomainLimit = number<int>(j, key);
        else if (key == "registeredDomainWindowSeconds") registeredDomainWindow = seconds(j, key);
        else if (key == "registrationLimit") registrationLimit = number<int>(j, key);
        else if (key == "registrationWindowSeconds") registrationWindow = seconds(j, key);
        else if (key == "registrationRangeLimit") registrationRangeLimit = number<int>(j, key);
        else if (key == "registrationRangeWindowSeconds") registrationRangeWindow = seconds(j, key);
        else if (key == "retryAfterSeconds") retryAfterSeconds = number<int>(j, key);
        else if (key == "randomSeed") randomSeed = number<std::uint64_t>(j, key);
        else if (key == "externalAccountRequired") externalAccountRequired = boolean(j, key);
        else if (key == "eabKeys") eabKeys = stringMap(j, key);
        else if (key == "eabSingleUse") eabSingleUse = boolean(j, key);
        else if (key == "termsOfService") termsOfService = text(j, key);
        else if (key == "orderLifetimeSeconds") orderLifetime = seconds(j, key);
        else if (key == "authorizationLifetimeSeconds") authorizationLifetime = seconds(j, key);
        else if (key == "validAuthorizationLifetimeSeconds") validAuthorizationLifetime = seconds(j, key);
        else if (key == "maxNames") maxNames = number<std::size_t>(j, key);
        else if (key == "certificateLifetimeSeconds") certificateLifetime = seconds(j, key);
        else if (key == "forgetAfterSeconds") forgetAfter = seconds(j, key);
        else if (key == "defaultProfile") defaultProfile = text(j, key);
        else if (key == "profiles") {
            auto object = j.getObject(key);
            if (!object) throw Error("mock-acme config: \"profiles\" must be an object");
            profiles.clear();
            for (const auto& name : object->getNames()) {
                auto p = object->getObject(name);
                if (!p || !p->has("lifetimeSeconds"))
                    throw Error("mock-acme config: profile \"" + InvalidNameError::printable(name) + "\" needs \"lifetimeSeconds\"");
                CertificateProfile profile{name, seconds(*p, "lifetimeSeconds")};
                for (const auto& field : p->getNames()) {
                    if (field == "description") profile.description = text(*p, field);
                    else if (field == "commonName") profile.contents.commonName = boolean(*p, field);
                    else if (field == "subjectKeyId") profile.contents.subjectKeyId = boolean(*p, field);
                    else if (field == "clientAuth") profile.contents.clientAuth = boolean(*p, field);
                    else if (field == "keyEncipherment") profile.contents.keyEncipherment = boolean(*p, field);
                    else if (field == "identifierTypes") {
                        const auto types = p->getArray(field);
                        if (!types || types->size() == 0)
                            throw Error("mock-acme config: profile \"" + InvalidNameError::printable(name) +
                                        "\": \"identifierTypes\" must be a non-empty array");
                        profile.dnsIdentifiers = profile.ipIdentifiers = false;
                        for (std::size_t i = 0; i < types->size(); ++i) {
                            const auto type = types->get(static_cast<unsigned>(i));
                            const std::string value = type.isString() ? type.convert<std::string>() : std::string();
                            if (value == "dns") profile.dnsIdentifiers = true;
                            else if (value == "ip") profile.ipIdentifiers = true;
                            else
                                throw Error("mock-acme config: profile \"" + InvalidNameError::printable(name) +
                                            "\": \"identifierTypes\" may hold \"dns\" and \"ip\", not " +
                                            (type.isString() ? "\"" + InvalidNameError::printable(value) + "\"" : type.toString()));
                        }
                    }
                    else if (field == "orderLifetimeSeconds") profile.orderLifetime = seconds(*p, field);
                    else if (field == "authorizationLifetimeSeconds") profile.authorizationLifetime = seconds(*p, field);
                    else if (field == "validAuthorizationLifetimeSeconds") profile.validAuthorizationLifetime = seconds(*p, field);
                    else if (field == "maxNames") profile.maxNames = number<std::size_t>(*p, field);
                    else if (field != "lifetimeSeconds")
                        throw Error("mock-acme config: profile \"" + InvalidNameError::printable(name) + "\" has an unknown field \"" +
                                    InvalidNameError::printable(field) + "\"");
                }
                profiles[name] = std::move(profile);
            }
        } else if (key == "caKeyType") caKeyType = keyTypeFromString(text(j, key));
        else if (key == "rootCertFile") rootCertFile = text(j, key);
        else if (key == "rootKeyFile") rootKeyFile = text(j, key);
        else if (key == "alternateChains") alternateChains = number<int>(j, key);
        else if (key == "persistFile") persistFile = text(j, key);
        else if (key == "maxBodyBytes") maxBodyBytes = number<std::size_t>(j, key);
        else if (key == "maxConnections") maxConnections = number<int>(j, key);
        else if (key == "ordersPerPage") ordersPerPage = number<int>(j, key);
        else if (key == "intermediates") intermediates = number<int>(j, key);
        else if (key == "ocspResponderUrl") ocspResponderUrl = text(j, key);
        else if (key == "mustStaple") mustStaple = mustStapleFromString(text(j, key));
        else if (key == "csrRules") csrRules = csrRulesFromString(text(j, key));
        else if (key == "ariRules") ariRules = ariRulesFromString(text(j, key));
        else if (key == "identifierRules") identifierRules = identifierRulesFromString(text(j, key));
        else if (key == "validationRules") validationRules = validationRulesFromString(text(j, key));
        else if (key == "publicSuffixList") publicSuffixList = text(j, key);
        else if (key == "refuseReservedAddresses") refuseReservedAddresses = boolean(j, key);
        else if (key == "dnsListen") {
            try {
                std::tie(dnsListenHost, dnsListenPort) = parseHostPort(text(j, key));
            } catch (const Error&) {
                throw Error("mock-acme config: \"dnsListen\" must be HOST:PORT");
            }
            dnsListen = true;
        } else if (key == "crlListen") {
            try {
                std::tie(crlHost, crlPort) = parseHostPort(text(j, key));
            } catch (const Error&) {
                throw Error("mock-acme config: \"crlListen\" must be HOST:PORT");
            }
            crl = true;
        } else if (key == "crlBaseUrl") crlBaseUrl = text(j, key);
        else if (key == "crlValiditySeconds") crlValidity = seconds(j, key);
        else if (key == "crlMaxDelaySeconds") crlMaxDelay = seconds(j, key);
        else throw Error("mock-acme config: unknown key \"" + InvalidNameError::printable(key) + "\"");
    }
    if (certificateLifetime) profiles[defaultProfile].lifetime = *certificateLifetime;
}

bool MockAcmeConfig::isWebUrl(const std::string& text, std::size_t maxBytes) {
    return (text.starts_with("http://") || text.starts_with("https://")) && text.size() <= maxBytes &&
           std::none_of(text.begin(), text.end(), [](unsigned char c) { return c <= ' ' || c >= 0x7f; });
}

bool MockAcmeConfig::isWebOrigin(const std::string& text) {
    const std::size_t host = text.find("://") + 3;
    if (!isWebUrl(text, 300) || host >= text.size()) return false;
    const std::string_view rest = std::string_view(text).substr(host);
    const bool bracketed = rest.front() == '[';
    const std::size_t hostEnd = bracketed ? rest.find(']') + 1 : rest.find(':');  // npos + 1: no ']'
    const std::string_view name = rest.substr(0, hostEnd);
    const std::string_view port = hostEnd == 0 || hostEnd == std::string_view::npos ? std::string_view() : rest.substr(hostEnd);
    if (bracketed && hostEnd == 0) return false;
    // the host as a browser serialises it (WHATWG URL): an address in its shortest text, a name
    // in lower-case ASCII (A-labels)
    const std::string_view bare = bracketed ? name.substr(1, name.size() - 2) : name;
    try {
        if (bracketed ? !ServerName::isIpAddress(bare) || bare.find(':') == std::string_view::npos
                      : ServerName::isWildcard(bare))
            return false;
        if (ServerName::canonical(bare) != bare) return false;
    } catch (const InvalidNameError&) {
        return false;
    }
    if (port.empty()) return true;
    // ":N", N in 1..65535 as a number is written (a browser leaves the scheme's own port out)
    return port.size() >= 2 && port.size() <= 6 && port[0] == ':' && port[1] != '0' &&
           port.find_first_not_of("0123456789", 1) == std::string_view::npos && std::stoul(std::string(port.substr(1))) <= 65535;
}

bool MockAcmeConfig::isLinkUrl(const std::string& text) {
    const std::size_t host = text.find("://") + 3;
    return isWebUrl(text, 2048) && host < text.size() && text[host] != '/' && text.find_first_of("\"<>\\") == std::string::npos;
}

bool MockAcmeConfig::isOwnTermsPath(std::string_view path) {
    if (!path.starts_with(kOwnTermsPath)) return false;
    const std::string_view version = path.substr(kOwnTermsPath.size());
    if (version.empty()) return true;
    return version.size() >= 2 && version.size() <= 65 && version[0] == '/' &&
           version.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", 1) == std::string_view::npos &&
           version != "/." && version != "/..";
}

bool MockAcmeConfig::isTermsOfService(const std::string& text) {
    return text.empty() || isLinkUrl(text) || isOwnTermsPath(text);
}

MockAcmeConfig::MustStaple MockAcmeConfig::mustStapleFromString(const std::string& text) {
    return oneOf<MustStaple>(text, "mustStaple", {"refuse", MustStaple::Refuse}, {"copy", MustStaple::Copy});
}

MockAcmeConfig::AuthorizationReuse MockAcmeConfig::authorizationReuseFromString(const std::string& text) {
    return oneOf<AuthorizationReuse>(text, "authorizationReuse", {"boulder", AuthorizationReuse::Boulder}, {"pebble", AuthorizationReuse::Pebble});
}

MockAcmeConfig::CsrRules MockAcmeConfig::csrRulesFromString(const std::string& text) {
    return oneOf<CsrRules>(text, "csrRules", {"boulder", CsrRules::Boulder}, {"pebble", CsrRules::Pebble});
}

MockAcmeConfig::AriRules MockAcmeConfig::ariRulesFromString(const std::string& text) {
    return oneOf<AriRules>(text, "ariRules", {"boulder", AriRules::Boulder}, {"pebble", AriRules::Pebble});
}

MockAcmeConfig::IdentifierRules MockAcmeConfig::identifierRulesFromString(const std::string& text) {
    return oneOf<IdentifierRules>(text, "identifierRules", {"boulder", IdentifierRules::Boulder}, {"pebble", IdentifierRules::Pebble});
}

MockAcmeConfig::ValidationRules MockAcmeConfig::validationRulesFromString(const std::string& text) {
    return oneOf<ValidationRules>(text, "validationRules", {"boulder", ValidationRules::Boulder},
                                  {"pebble", ValidationRules::Pebble});
}

void MockAcmeConfig::validate() const {
    for (int p : {nonceRejectPercent, authzReusePercent, serverErrorPercent, truncatedResponsePercent, delayedResponsePercent})
        if (p < 0 || p > 100) throw Error("mock-acme config: percentages must be between 0 and 100");
    // the limits per window: a count not negative, a window positive when there is a count
    for (const auto& [limit, window, limitName, windowName] :
         {std::tuple{rateLimitOrders, rateLimitWindow, "rateLimitOrders", "rateLimitWindow"},
          {failedAuthorizationLimit, failedAuthorizationWindow, "failedAuthorizationLimit", "failedAuthorizationWindow"},
          {duplicateCertificateLimit, duplicateCertificateWindow, "duplicateCertificateLimit", "duplicateCertificateWindow"},
          {registeredDomainLimit, registeredDomainWindow, "registeredDomainLimit", "registeredDomainWindow"},
          {registrationLimit, registrationWindow, "registrationLimit", "registrationWindow"},
          {registrationRangeLimit, registrationRangeWindow, "registrationRangeLimit", "registrationRangeWindow"}}) {
        if (limit < 0) throw Error(std::string("mock-acme config: ") + limitName + " must not be negative");
        if (limit > 0 && window <= Duration::zero()) throw Error(std::string("mock-acme config: ") + windowName + " must be positive");
    }
    if (pauseAfterFailures < 0) throw Error("mock-acme config: pauseAfterFailures must not be negative");
    if (alternateChains < 0 || alternateChains > 4) throw Error("mock-acme config: alternateChains must be 0..4");
    if (intermediates < 1 || intermediates > 4) throw Error("mock-acme config: intermediates must be 1..4");
    if (profiles.empty()) throw Error("mock-acme config: at least one profile is needed");
    if (!profiles.count(defaultProfile))
        throw Error("mock-acme config: the default profile \"" + defaultProfile + "\" is not among the profiles");
    const auto checkWindows = [](const ValidationWindows& w, const std::string& where) {
        for (const auto& [value, name] : {std::pair{w.orderLifetime, "orderLifetime"},
                                          {w.authorizationLifetime, "authorizationLifetime"},
                                          {w.validAuthorizationLifetime, "validAuthorizationLifetime"}})
            if (value <= Duration::zero()) throw Error("mock-acme config: " + where + std::string(name) + " must be positive");
        if (w.maxNames < 1 || w.maxNames > kMaxNames)
            throw Error("mock-acme config: " + where + "maxNames must be 1.." + std::to_string(kMaxNames));
    };
    checkWindows({orderLifetime, authorizationLifetime, validAuthorizationLifetime, maxNames}, "");
    for (const auto& [name, profile] : profiles) {
        if (profile.lifetime <= Duration::zero()) throw Error("mock-acme config: profile \"" + InvalidNameError::printable(name) + "\" has no lifetime");
        checkWindows(windowsOf(profile), "profile \"" + InvalidNameError::printable(name) + "\": ");
    }
    if (rootCertFile.empty() != rootKeyFile.empty())
        throw Error("mock-acme config: rootCertFile and rootKeyFile go together");
    if (validationJitter < Duration::zero() || validationJitter > std::chrono::hours(1))
        throw Error("mock-acme config: validationJitter must be between 0 and 3600 seconds");
    if (responseDelay < std::chrono::milliseconds(1) || responseDelay > std::chrono::hours(1))
        throw Error("mock-acme config: responseDelay must be between 1 ms and 3600 seconds");
    if (challengeWait < Duration::zero() || challengeWait > std::chrono::minutes(1))
        throw Error("mock-acme config: challengeWait must be between 0 and 60 seconds");
    if (forgetAfter < Duration::zero() || forgetAfter > std::chrono::hours(24 * 365 * 100))
        throw Error("mock-acme config: forgetAfter must be between 0 (never) and 100 years");
    if (validationThreads == 0) throw Error("mock-acme config: validationThreads must be at least 1");
    if (ordersPerPage < 1 || ordersPerPage > 10000) throw Error("mock-acme config: ordersPerPage must be 1..10000");
    if (maxConnections < 1 || maxConnections > kMaxConnections)
        throw Error("mock-acme config: maxConnections must be 1.." + std::to_string(kMaxConnections));
    if (httpsCertificateFile.empty() != httpsPrivateKeyFile.empty())
        throw Error("mock-acme config: httpsCertificateFile and httpsPrivateKeyFile go together");
    if (!httpsNames.empty() && !httpsCertificateFile.empty())
        throw Error("mock-acme config: httpsNames are for the generated HTTPS certificate, not one from httpsCertificateFile");
    if (httpsNames.size() > 100) throw Error("mock-acme config: httpsNames holds at most 100 names");
    for (const auto& name : httpsNames)
        if (!ServerName::isValid(name))
            throw Error("mock-acme config: httpsNames: \"" + InvalidNameError::printable(name) +
                        "\" is not a DNS name or an IP address");
    if (!isTermsOfService(termsOfService))
        throw Error("mock-acme config: termsOfService must be an http:// or https:// URL of printable ASCII without quotes or "
                    "angle brackets, or /terms-of-service[/VERSION] (mock-acme's own page), not \"" +
                    InvalidNameError::printable(termsOfService) + "\"");
    if (!ocspResponderUrl.empty() && !isWebUrl(ocspResponderUrl, 1000))
        throw Error("mock-acme config: ocspResponderUrl must be an http:// or https:// URL of printable ASCII, not \"" +
                    InvalidNameError::printable(ocspResponderUrl) + "\"");
    if (!crlBaseUrl.empty()) {
        if (!crl) throw Error("mock-acme config: crlBaseUrl needs a CRL listener (crlListen)");
        if (!crlBaseUrl.starts_with("http://") || crlBaseUrl.size() <= 7 || !isWebUrl(crlBaseUrl, 900))
            throw Error("mock-acme config: crlBaseUrl must be an http:// URL of printable ASCII, not \"" +
                        InvalidNameError::printable(crlBaseUrl) + "\"");
    }
    if (crlValidity < std::chrono::seconds(1) || crlValidity > std::chrono::hours(24 * 366))
        throw Error("mock-acme config: crlValidity must be between 1 second and 366 days");
    if (crlMaxDelay < Duration::zero() || crlMaxDelay > std::chrono::hours(1))
        throw Error("mock-acme config: crlMaxDelay must be between 0 and 3600 seconds");
    if (caaRecheckAfter < Duration::zero() || caaRecheckAfter > std::chrono::hours(8))
        throw Error("mock-acme config: caaRecheckAfter must be between 0 and 8 hours (28800 seconds), "
                    "the most the Baseline Requirements allow");
    if (checkCaa && dnsServer.empty() && !dnsListen)
        throw Error("mock-acme config: checkCaa needs a dnsServer to ask for CAA records (or dnsListen)");
    if (!ServerName::isIpAddress(defaultAddress))
        throw Error("mock-acme config: defaultAddress must be an IP address, not \"" + InvalidNameError::printable(defaultAddress) + "\"");
    for (const auto& [name, address] : resolve) {
        if (!ServerName::isValid(name) || ServerName::isIpAddress(name))
            throw Error("mock-acme config: resolve: \"" + InvalidNameError::printable(name) +
                        "\" is not a DNS name (or \"*.\" and one, for every name below it)");
        if (!ServerName::isIpAddress(address))
            throw Error("mock-acme config: resolve: \"" + InvalidNameError::printable(name) + "\" must go to an IP address, not \"" +
                        InvalidNameError::printable(address) + "\"");
    }
    for (const auto& name : caaIdentities)
        if (!ServerName::isValid(name) || ServerName::canonical(name) != name || name.starts_with("*."))
            throw Error("mock-acme config: CAA identity \"" + InvalidNameError::printable(name) +
                        "\" is not a DNS name in lower case");
    for (const auto& origin : corsOrigins)
        if (origin != "*" && !isWebOrigin(origin))
            throw Error("mock-acme config: CORS origin \"" + InvalidNameError::printable(origin) +
                        "\" is neither \"*\" nor an origin as a browser sends it (http:// or https://, a host, an optional port; "
                        "no path)");
    for (const auto& name : blockedDomains)
        if (!ServerName::isValid(name) || ServerName::canonical(name) != name || name.starts_with("*."))
            throw Error("mock-acme config: blocked domain \"" + InvalidNameError::printable(name) +
                        "\" is not a DNS name in lower case");
    if (identifierRules != IdentifierRules::Boulder && (!publicSuffixList.empty() || refuseReservedAddresses))
        throw Error("mock-acme config: publicSuffixList and refuseReservedAddresses are Boulder's policy: they need "
                    "identifierRules boulder");
}

// ------------------------------------------------------------ pebble's way

namespace {

constexpr Duration kPebbleLifetime = std::chrono::seconds(157766400);  // pebble's certificates: 5 years
constexpr int kPebbleCrlValidity = 7 * 86400;      // seconds, when its file says 0
constexpr int kPebbleMaxCrlValidity = 10 * 86400;  // what it clamps to

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// "HOST:PORT" as pebble's listenAddress has it; an empty host is every address, as in Go.
std::pair<std::string, std::uint16_t> listenAddress(const std::string& text, const std::string& key) {
    try {
        auto [host, port] = MockAcmeConfig::parseHostPort(text);
        return {host.empty() ? "0.0.0.0" : host, port};
    } catch (const Error&) {
        throw Error("pebble config: \"" + key + "\" must be HOST:PORT, not \"" + InvalidNameError::printable(text) + "\"");
    }
}

// An environment variable that must be a whole number lo..hi when set.
std::optional<int> whole(const std::function<const char*(const char*)>& lookup, const char* name, int lo, int hi) {
    const char* value = lookup(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    char* end = nullptr;
    const long v = std::strtol(value, &end, 10);
    if (end == value || *end != '\0' || v < lo || v > hi)
        throw Error(std::string(name) + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                    ", not \"" + InvalidNameError::printable(value) + "\"");
    return static_cast<int>(v);
}

}  // namespace

std::string MockAcmeConfig::joinHostPort(const std::string& host, std::uint16_t port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::pair<std::string, std::uint16_t> MockAcmeConfig::parseHostPort(const std::string& text) {
    const auto colon = text.rfind(':');
    char* end = nullptr;
    const long port = colon == std::string::npos ? -1 : std::strtol(text.c_str() + colon + 1, &end, 10);
    if (colon == std::string::npos || end == text.c_str() + colon + 1 || *end != '\0' || port < 0 || port > 65535)
        throw Error("expected HOST:PORT, got \"" + InvalidNameError::printable(text) + "\"");
    std::string host = text.substr(0, colon);
    if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return {host, static_cast<std::uint16_t>(port)};
}

bool MockAcmeConfig::isPebbleJson(const std::string& json) {
    try {
        const auto object = detail::parseJsonObject(json, std::size_t{1024} * 1024, "config");
        const auto names = object->getNames();
        return names.size() == 1 && lower(names[0]) == "pebble";  // applyPebbleJson says what is wrong inside
    } catch (const Error&) {
        return false;
    }
}

void MockAcmeConfig::applyPebbleDefaults() {
    nonceRejectPercent = 5;
    authzReusePercent = 50;
    ordersPerPage = 3;
    alternateChains = 0;
    intermediates = 1;
    retryAfterSeconds = 3;
    managementTls = true;
    resolveThroughDns = true;
    profiles[defaultProfile].lifetime = kPebbleLifetime;
    profiles[defaultProfile].contents = kPebbleLeaf;  // clientAuth too
    for (auto& named : profiles) named.second.ipIdentifiers = true;  // pebble issues for IP addresses under any profile
    crlMaxDelay = std::chrono::seconds(15);  // pebble's default delay before a revocation shows on its CRL
    caKeyType = KeyType::Rsa2048;            // pebble's CA keys (its keyAlgorithm "rsa", the default)
    preAuthorization = false;                // pebble's directory has no newAuthz
    orderReuse = false;                      // and it makes a new order for every newOrder
    authorizationReuse = AuthorizationReuse::Pebble;  // any unexpired authorization, of any profile
    mustStaple = MustStaple::Copy;           // pebble puts a CSR's Must-Staple into the certificate
    csrRules = CsrRules::Pebble;             // and passes over its other names and its common name
    ariRules = AriRules::Pebble;             // its renewal windows are two days wide
    identifierRules = IdentifierRules::Pebble;  // it takes a name beside a wildcard that covers it
    validationRules = ValidationRules::Pebble;      // its validation follows a redirect to any port, reads any body
    orderLifetime = std::chrono::hours(24);  // pebble's orders expire after a day,
    authorizationLifetime = std::chrono::hours(1);       // its pending authorizations after an hour,
    validAuthorizationLifetime = std::chrono::hours(1);  // and its valid ones an hour after validation
    randomDirectoryEntry = false;            // its directory is the same every time
}

std::vector<std::string> MockAcmeConfig::applyPebbleJson(const std::string& jsonText) {
    Poco::JSON::Object::Ptr outer;
    try {
        outer = detail::parseJsonObject(jsonText, std::size_t{1024} * 1024, "pebble config");
    } catch (const Error& e) {
        throw Error(e.what());
    }
    const auto outerNames = outer->getNames();
    const auto json = outerNames.size() == 1 && lower(outerNames[0]) == "pebble" ? outer->getObject(outerNames[0]) : nullptr;
    if (!json) throw Error("pebble config: expected one object, \"pebble\"");
    std::vector<std::string> warnings;
    const auto& j = *json;
    std::optional<Duration> validityPeriod;                // certificateValidityPeriod, when over 0
    std::map<std::string, CertificateProfile> newProfiles;  // "profiles", with 0 for "pebble's default"
    for (const auto& key : j.getNames()) {
        const std::string k = lower(key);
        if (j.isNull(key)) {
            if (k == "managementlistenaddress") {  // pebble: no management interface
                managementHost = "127.0.0.1";
                managementPort = 0;
                warnings.push_back("managementListenAddress is null: the management interface listens on 127.0.0.1, any free port");
            }
            continue;  // Go leaves a field alone for null
        }
        if (k == "listenaddress") std::tie(listenHost, listenPort) = listenAddress(text(j, key), key);
        else if (k == "managementlistenaddress") {
            const std::string address = text(j, key);
            if (address.empty()) {
                managementHost = "127.0.0.1";
                managementPort = 0;
                warnings.push_back("managementListenAddress is empty: the management interface listens on 127.0.0.1, any free port");
            } else {
                std::tie(managementHost, managementPort) = listenAddress(address, key);
            }
        } else if (k == "httpport") http01Port = number<std::uint16_t>(j, key);
        else if (k == "tlsport") tlsAlpn01Port = number<std::uint16_t>(j, key);
        else if (k == "certificate") httpsCertificateFile = text(j, key);
        else if (k == "privatekey") httpsPrivateKeyFile = text(j, key);
        else if (k == "externalaccountbindingrequired") externalAccountRequired = boolean(j, key);
        else if (k == "externalaccountmackeys") eabKeys = stringMap(j, key);
        else if (k == "domainblocklist") {
            blockedDomains.clear();
            for (const auto& name : stringList(j, key)) blockedDomains.push_back(lower(name));
        } else if (k == "certificatevalidityperiod") {
            const auto period = seconds(j, key);
            if (period > Duration::zero()) validityPeriod = period;  // 0: pebble's default
        } else if (k == "profiles") {  // newer pebble: {NAME: {description, validityPeriod}}
            const auto object = j.getObject(key);
            if (!object) throw Error("pebble config: \"profiles\" must be an object");
            for (const auto& name : object->getNames()) {
                const auto p = object->getObject(name);
                const std::string where = "profiles." + InvalidNameError::printable(name);
                if (!p) throw Error("pebble config: \"" + where + "\" must be an object");
                if (name.empty() || name.size() > 64 ||
                    std::any_of(name.begin(), name.end(), [](unsigned char c) { return c <= ' ' || c >= 0x7f || c == '"'; }))
                    throw Error("pebble config: profile name \"" + InvalidNameError::printable(name) + "\" is not printable ASCII of 1..64 bytes");
                CertificateProfile profile{name, Duration::zero(), kPebbleLeaf};
                for (const auto& field : p->getNames()) {
                    if (p->isNull(field)) continue;
                    if (lower(field) == "description") profile.description = text(*p, field);
                    else if (lower(field) == "validityperiod") profile.lifetime = seconds(*p, field);
                    else warnings.push_back(where + "." + InvalidNameError::printable(field) + " is not known; ignored");
                }
                newProfiles[name] = profile;
            }
        } else if (k == "keyalgorithm") {  // newer pebble: the CA's key, "rsa" (its default) or "ecdsa"
            const std::string algorithm = text(j, key);
            if (algorithm == "rsa") caKeyType = KeyType::Rsa2048;
            else if (algorithm == "ecdsa") caKeyType = KeyType::EcP256;
            else if (!algorithm.empty())
                throw Error("pebble config: \"keyAlgorithm\" must be \"rsa\" or \"ecdsa\", not \"" +
                            InvalidNameError::printable(algorithm) + "\"");
        } else if (k == "caaidentities") {
            caaIdentities.clear();
            for (const auto& name : stringList(j, key)) caaIdentities.push_back(lower(name));
        } else if (k == "crllistenaddress") {  // newer pebble's CRLs, with crlBaseURL
            const std::string address = text(j, key);
            if (!address.empty()) {
                std::tie(crlHost, crlPort) = listenAddress(address, key);
                crl = true;
            }
        } else if (k == "crlbaseurl") {
            crlBaseUrl = text(j, key);
        } else if (k == "crlmaxdelay") {
            const int delay = number<int>(j, key);
            if (delay < 0) throw Error("pebble config: \"crlMaxDelay\" must not be negative");
            crlMaxDelay = std::chrono::seconds(delay);
        } else if (k == "crlvalidity") {
            const int validity = number<int>(j, key);
            if (validity < 0) throw Error("pebble config: \"crlValidity\" must not be negative");
            crlValidity = std::chrono::seconds(validity == 0 ? kPebbleCrlValidity : std::min(validity, kPebbleMaxCrlValidity));
            if (validity > kPebbleMaxCrlValidity) warnings.push_back("crlValidity over 10 days: 10 days, as pebble");
        } else if (k == "retryafter") {
            const auto object = j.getObject(key);
            if (!object) throw Error("pebble config: \"retryAfter\" must be an object");
            std::optional<int> authz, order;
            for (const auto& name : object->getNames()) {
                if (lower(name) == "authz") authz = number<int>(*object, name);
                else if (lower(name) == "order") order = number<int>(*object, name);
                else warnings.push_back("retryAfter." + InvalidNameError::printable(name) + " is not known; ignored");
            }
            if (authz && *authz > 0) retryAfterSeconds = *authz;
            if (order && *order > 0 && *order != retryAfterSeconds)
                warnings.push_back("retryAfter.order: mock-acme has one Retry-After for authorizations and orders; it is " +
                                   std::to_string(retryAfterSeconds));
        } else if (k == "ocspresponderurl") {
            ocspResponderUrl = text(j, key);
        } else {
            warnings.push_back("\"" + InvalidNameError::printable(key) + "\" is not a pebble setting mock-acme knows; ignored");
        }
    }
    if (!newProfiles.empty()) {
        // pebble picks a profile at random for an order that names none; mock-acme
        // stays deterministic: "default" when there is one, else the first by name
        for (auto& [name, profile] : newProfiles)
            if (profile.lifetime <= Duration::zero()) profile.lifetime = validityPeriod.value_or(kPebbleLifetime);
        profiles = std::move(newProfiles);
        defaultProfile = profiles.count("default") ? "default" : profiles.begin()->first;
    } else if (validityPeriod) {
        profiles[defaultProfile].lifetime = *validityPeriod;
    }
    return warnings;
}

std::vector<std::string> MockAcmeConfig::applyPebbleEnvironment(const std::function<const char*(const char*)>& lookup) {
    std::vector<std::string> warnings;
    if (const char* v = lookup("PEBBLE_VA_ALWAYS_VALID"); v != nullptr && std::string(v) == "1") skipValidation = true;
    if (const auto v = whole(lookup, "PEBBLE_WFE_NONCEREJECT", 0, 100)) nonceRejectPercent = *v;
    if (const auto v = whole(lookup, "PEBBLE_AUTHZREUSE", 0, 100)) authzReusePercent = *v;
    if (const auto v = whole(lookup, "PEBBLE_CHAIN_LENGTH", 0, 4)) intermediates = std::max(1, *v);
    if (const auto v = whole(lookup, "PEBBLE_ALTERNATE_ROOTS", 0, 4)) alternateChains = *v;
    if (const auto v = whole(lookup, "PEBBLE_WFE_ORDERS_PER_PAGE", 1, 10000)) ordersPerPage = *v;
    if (const char* v = lookup("PEBBLE_CRL_LISTEN_ADDRESS"); v != nullptr && *v != '\0') {
        std::tie(crlHost, crlPort) = listenAddress(v, "PEBBLE_CRL_LISTEN_ADDRESS");
        crl = true;
    }
    if (const char* v = lookup("PEBBLE_CRL_BASE_URL"); v != nullptr && *v != '\0') crlBaseUrl = v;
    if (const auto v = whole(lookup, "PEBBLE_CRL_MAX_DELAY", 0, 3600)) crlMaxDelay = std::chrono::seconds(*v);
    if (const auto v = whole(lookup, "PEBBLE_CRL_VALIDITY", 0, 10 * 365 * 86400))
        crlValidity = std::chrono::seconds(*v == 0 ? kPebbleCrlValidity : std::min(*v, kPebbleMaxCrlValidity));
    // pebble sleeps 0..SLEEPTIME-1 whole seconds (5 untold) before validating unless
    // PEBBLE_VA_NOSLEEP says not to; mock-acme sleeps only when SLEEPTIME is given
    const char* noSleep = lookup("PEBBLE_VA_NOSLEEP");
    const bool sleeps = noSleep == nullptr || !(std::string(noSleep) == "1" || lower(noSleep) == "true");
    if (const auto v = whole(lookup, "PEBBLE_VA_SLEEPTIME", 1, 3601); v && sleeps) validationJitter = std::chrono::seconds(*v - 1);
    return warnings;
}

}  // namespace cxxacme::mock_acme
