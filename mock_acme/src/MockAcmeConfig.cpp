#include "cxxacme/mock_acme/MockAcmeConfig.h"

#include <cmath>
#include <optional>
#include <type_traits>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>

#include "cxxacme/Error.h"
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

Duration seconds(const Poco::JSON::Object& json, const std::string& name) {
    const double value = number<double>(json, name);
    constexpr double kHundredYears = 100.0 * 365 * 86400;
    if (!std::isfinite(value) || value < 0 || value > kHundredYears)
        throw Error("mock-acme config: \"" + name + "\" must be between 0 and 100 years in seconds");
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(value));
}

}  // namespace

void MockAcmeConfig::applyJson(const std::string& jsonText) {
    Poco::JSON::Object::Ptr json;
    try {
        json = detail::parseJsonObject(jsonText, 1024 * 1024, "mock-acme config");
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
        else if (key == "http01Port") http01Port = number<std::uint16_t>(j, key);
        else if (key == "tlsAlpn01Port") tlsAlpn01Port = number<std::uint16_t>(j, key);
        else if (key == "dnsServer") dnsServer = text(j, key);
        else if (key == "defaultAddress") defaultAddress = text(j, key);
        else if (key == "resolve") resolve = stringMap(j, key);
        else if (key == "skipValidation") skipValidation = boolean(j, key);
        else if (key == "enableTlsSni01") enableTlsSni01 = boolean(j, key);
        else if (key == "validationDelaySeconds") validationDelay = seconds(j, key);
        else if (key == "challengeWaitSeconds") challengeWait = seconds(j, key);
        else if (key == "validationThreads") validationThreads = number<std::size_t>(j, key);
        else if (key == "nonceRejectPercent") nonceRejectPercent = number<int>(j, key);
        else if (key == "authzReusePercent") authzReusePercent = number<int>(j, key);
        else if (key == "serverErrorPercent") serverErrorPercent = number<int>(j, key);
        else if (key == "rateLimitOrders") rateLimitOrders = number<int>(j, key);
        else if (key == "rateLimitWindowSeconds") rateLimitWindow = seconds(j, key);
        else if (key == "retryAfterSeconds") retryAfterSeconds = number<int>(j, key);
        else if (key == "randomSeed") randomSeed = number<std::uint64_t>(j, key);
        else if (key == "externalAccountRequired") externalAccountRequired = boolean(j, key);
        else if (key == "eabKeys") eabKeys = stringMap(j, key);
        else if (key == "eabSingleUse") eabSingleUse = boolean(j, key);
        else if (key == "termsOfService") termsOfService = text(j, key);
        else if (key == "orderLifetimeSeconds") orderLifetime = seconds(j, key);
        else if (key == "authorizationLifetimeSeconds") authorizationLifetime = seconds(j, key);
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
                    throw Error("mock-acme config: profile \"" + name + "\" needs \"lifetimeSeconds\"");
                profiles[name] = {p->has("description") ? text(*p, "description") : name, seconds(*p, "lifetimeSeconds")};
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
        else throw Error("mock-acme config: unknown key \"" + InvalidNameError::printable(key) + "\"");
    }
    if (certificateLifetime) profiles[defaultProfile].lifetime = *certificateLifetime;
}

void MockAcmeConfig::validate() const {
    for (int p : {nonceRejectPercent, authzReusePercent, serverErrorPercent})
        if (p < 0 || p > 100) throw Error("mock-acme config: percentages must be between 0 and 100");
    if (rateLimitOrders < 0) throw Error("mock-acme config: rateLimitOrders must not be negative");
    if (alternateChains < 0 || alternateChains > 4) throw Error("mock-acme config: alternateChains must be 0..4");
    if (intermediates < 1 || intermediates > 4) throw Error("mock-acme config: intermediates must be 1..4");
    if (profiles.empty()) throw Error("mock-acme config: at least one profile is needed");
    if (!profiles.count(defaultProfile))
        throw Error("mock-acme config: the default profile \"" + defaultProfile + "\" is not among the profiles");
    for (const auto& [name, profile] : profiles)
        if (profile.lifetime <= Duration::zero()) throw Error("mock-acme config: profile \"" + name + "\" has no lifetime");
    if (rootCertFile.empty() != rootKeyFile.empty())
        throw Error("mock-acme config: rootCertFile and rootKeyFile go together");
    if (challengeWait < Duration::zero() || challengeWait > std::chrono::minutes(1))
        throw Error("mock-acme config: challengeWait must be between 0 and 60 seconds");
    if (forgetAfter < Duration::zero() || forgetAfter > std::chrono::hours(24 * 365 * 100))
        throw Error("mock-acme config: forgetAfter must be between 0 (never) and 100 years");
    if (validationThreads == 0) throw Error("mock-acme config: validationThreads must be at least 1");
    if (ordersPerPage < 1 || ordersPerPage > 10000) throw Error("mock-acme config: ordersPerPage must be 1..10000");
    if (maxConnections < 1 || maxConnections > kMaxConnections)
        throw Error("mock-acme config: maxConnections must be 1.." + std::to_string(kMaxConnections));
}

}  // namespace cxxacme::mock_acme
