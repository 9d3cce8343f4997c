#include "cxxacme/responders/Dns01Responder.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include <Poco/Logger.h>

#include "cxxacme/DnsTxtLookup.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/SystemClock.h"

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

void Dns01Responder::startResponding(const std::string& serverName, const Challenge& challenge,
                                     const std::string& keyAuthorization) {
    const std::string fqdn = recordFor(serverName, challenge);
    const std::string value = KeyAuthorization::dns01TxtValue(keyAuthorization);
    provider_.present(fqdn, value);
    logger().information("published TXT " + fqdn + "; waiting until it is visible");
    waitUntilVisible(fqdn, value);
}

void Dns01Responder::stopResponding(const std::string& serverName, const Challenge& challenge,
                                    const std::string& keyAuthorization) {
    provider_.cleanup(recordFor(serverName, challenge), KeyAuthorization::dns01TxtValue(keyAuthorization));
}

void Dns01Responder::waitUntilVisible(const std::string& fqdn, const std::string& value) const {
    std::vector<std::string> servers = options_.resolvers;
    if (servers.empty()) servers = provider_.nameServers();
    if (servers.empty()) {
        try {
            servers = DnsTxtLookup::authoritativeServers(options_.bootstrapResolver, fqdn, options_.authoritativePort,
                                                         options_.queryTimeout);
        } catch (const DnsError& e) {
            logger().warning(std::string("cannot find the authoritative servers: ") + e.what());
        }
    }
    if (servers.empty()) servers = {""};  // the system's resolvers
    const TimePoint deadline = clock_.now() + options_.propagationTimeout;
    for (const auto& server : servers) {
        for (;;) {
            std::vector<std::string> seen;
            std::string failure;
            try {
                seen = DnsTxtLookup::query(server, fqdn, options_.queryTimeout);
                if (std::find(seen.begin(), seen.end(), value) != seen.end()) break;
            } catch (const DnsError& e) {
                failure = e.what();
            }
            if (clock_.now() + options_.pollInterval > deadline) {
                std::string saw = failure.empty() ? (seen.empty() ? "no TXT record" : "") : failure;
                for (const auto& v : seen) saw += (saw.empty() ? "\"" : ", \"") + InvalidNameError::printable(v, 100) + "\"";
                throw DnsError(server.empty() ? "the system resolver" : server,
                               "TXT " + fqdn + " did not show \"" + value + "\" within " +
                                   std::to_string(options_.propagationTimeout.count() / 1000.0).substr(0, 5) +
                                   " s; it answered " + saw);
            }
            pause(options_.pollInterval);
        }
    }
}

void Dns01Responder::pause(Duration pause) const {
    struct Wake {
        std::mutex mutex;
        std::condition_variable cv;
        bool due = false;
    };
    const auto wake = std::make_shared<Wake>();  // the callback may outlive this call if the clock is slow to cancel
    const ScheduledCall call = clock_.callLater(pause, [wake] {
        std::lock_guard lock(wake->mutex);
        wake->due = true;
        wake->cv.notify_all();
    });
    std::unique_lock lock(wake->mutex);
    wake->cv.wait(lock, [&] { return wake->due; });
}

}  // namespace cxxacme::responders
