#include "cxxacme/responders/Dns01Responder.h"

#include <algorithm>
#include <optional>

#include <Poco/Logger.h>

#include "cxxacme/DnsTxtLookup.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/SystemClock.h"
#include "TxtRecordWatch.h"

namespace cxxacme::responders {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.responder.dns-01"); }

}  // namespace

Dns01Responder::Dns01Responder(IDnsProvider& provider, Dns01ResponderOptions options)
    : provider_(provider), ownClock_(std::make_unique<SystemClock>()), clock_(*ownClock_), options_(std::move(options)) {}

Dns01Responder::Dns01Responder(IDnsProvider& provider, IClock& clock, Dns01ResponderOptions options)
    : provider_(provider), clock_(clock), options_(std::move(options)) {}

Dns01Responder::~Dns01Responder() = default;

std::string Dns01Responder::recordName(const std::string& serverName) {
    std::string name = ServerName::canonical(serverName);
    if (ServerName::isIpAddress(name)) throw InvalidNameError(name, "dns-01 cannot validate an IP address");
    if (name.starts_with("*.")) name = name.substr(2);
    return "_acme-challenge." + name + ".";
}

std::string Dns01Responder::accountRecordName(const std::string& serverName, const std::string& accountUrl) {
    return KeyAuthorization::dnsAccountLabel(accountUrl) + "." + recordName(serverName);
}

std::string Dns01Responder::challengeType() const { return options_.accountLabel ? "dns-account-01" : "dns-01"; }

std::string Dns01Responder::recordFor(const std::string& serverName, const Challenge& challenge) const {
    if (!options_.accountLabel) return recordName(serverName);
    if (challenge.accountUrl.empty())
        throw Error("dns-account-01 for " + serverName + " needs the challenge's account URL (AcmeClient::fetchAuthorization sets it)");
    return accountRecordName(serverName, challenge.accountUrl);
}

std::string Dns01Responder::publishedAt(const std::string& fqdn) const {
    if (!options_.followCname) return fqdn;
    const std::string& resolver = options_.resolvers.empty() ? options_.bootstrapResolver : options_.resolvers.front();
    std::string target = DnsTxtLookup::aliasTarget(resolver, fqdn, options_.queryTimeout) + ".";
    if (target != fqdn) logger().information(fqdn + " is an alias: the record goes at " + target);
    return target;
}

void Dns01Responder::startResponding(const std::string& serverName, const Challenge& challenge,
                                     const std::string& keyAuthorization) {
    const std::string record = recordFor(serverName, challenge);
    const std::string fqdn = publishedAt(record);
    const std::string value = KeyAuthorization::dns01TxtValue(keyAuthorization);
    provider_.present(fqdn, value);
    {
        std::lock_guard lock(mutex_);
        published_.emplace(std::make_pair(record, value), fqdn);
    }
    logger().information("published TXT " + fqdn + "; waiting until it is visible");
    waitUntilVisible(fqdn, value);
}

void Dns01Responder::stopResponding(const std::string& serverName, const Challenge& challenge,
                                    const std::string& keyAuthorization) {
    const std::string record = recordFor(serverName, challenge);
    const std::string value = KeyAuthorization::dns01TxtValue(keyAuthorization);
    std::optional<std::string> fqdn;
    {
        std::lock_guard lock(mutex_);
        if (const auto it = published_.find({record, value}); it != published_.end()) {
            fqdn = it->second;
            published_.erase(it);
        }
    }
    provider_.cleanup(fqdn ? *fqdn : publishedAt(record), value);
}

void Dns01Responder::waitUntilVisible(const std::string& fqdn, const std::string& value) const {
    const auto missing = [&value](const std::vector<std::string>& seen) {
        return std::find(seen.begin(), seen.end(), value) != seen.end() ? std::string() : "\"" + value + "\"";
    };
    detail::TxtRecordWatch(options_, clock_).wait(provider_.nameServers(), fqdn, missing, true);
}

}  // namespace cxxacme::responders
