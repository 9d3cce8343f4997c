#include "cxxacme/responders/DnsPersist01Responder.h"

#include <algorithm>

#include <Poco/Logger.h>

#include "cxxacme/DnsPersistRecord.h"
#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/SystemClock.h"
#include "TxtRecordWatch.h"

namespace cxxacme::responders {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.responder.dns-persist-01"); }

}  // namespace

DnsPersist01Responder::DnsPersist01Responder(DnsPersist01ResponderOptions options)
    : ownClock_(std::make_unique<SystemClock>()), clock_(*ownClock_), options_(std::move(options)) {}

DnsPersist01Responder::DnsPersist01Responder(IClock& clock, DnsPersist01ResponderOptions options)
    : clock_(clock), options_(std::move(options)) {}

DnsPersist01Responder::~DnsPersist01Responder() = default;

std::string DnsPersist01Responder::recordFor(const std::string& serverName, const std::string& issuerDomainName,
                                             const std::string& accountUrl, bool wildcard,
                                             std::optional<std::int64_t> persistUntil) {
    DnsPersistRecord record;
    record.issuer = DnsPersistRecord::foldIssuer(issuerDomainName);
    record.accountUri = accountUrl;
    record.wildcard = wildcard || ServerName::isWildcard(serverName);
    record.persistUntil = persistUntil;
    std::string txt = record.toTxt();
    // what is published must read back as itself: an issuer or a URL off the grammar would not
    if (DnsPersistRecord::parse(txt) != record)
        throw Error("dns-persist-01: \"" + InvalidNameError::printable(txt, 300) + "\" would not be a valid record");
    return txt;
}

void DnsPersist01Responder::startResponding(const std::string& serverName, const Challenge& challenge,
                                            const std::string&) {
    const std::string fqdn = DnsPersistRecord::validationName(serverName);
    if (challenge.accountUrl.empty())
        throw Error("dns-persist-01 for " + serverName + " needs the challenge's account URL (AcmeClient::fetchAuthorization sets it)");
    if (challenge.issuerDomainNames.empty())
        throw Error("dns-persist-01 for " + serverName + ": the CA's challenge names no issuer-domain-names");
    const std::string& issuer = options_.issuerDomainName.empty() ? challenge.issuerDomainNames.front() : options_.issuerDomainName;
    const auto sameIssuer = [&](const std::string& name) { return DnsPersistRecord::foldIssuer(name) == DnsPersistRecord::foldIssuer(issuer); };
    if (std::none_of(challenge.issuerDomainNames.begin(), challenge.issuerDomainNames.end(), sameIssuer))
        throw Error("dns-persist-01: the CA does not go by \"" + InvalidNameError::printable(issuer) + "\"");
    const std::string wanted = recordFor(serverName, issuer, challenge.accountUrl, options_.wildcard, options_.persistUntil);
    const bool wildcard = ServerName::isWildcard(serverName);
    const auto missing = [&](const std::vector<std::string>& seen) {
        const auto why = DnsPersistRecord::refusal(seen, {challenge.issuerDomainNames, challenge.accountUrl, wildcard, clock_.now()});
        return why ? "a record that lets this account have " + serverName + " (" + *why + "); publish \"" + wanted + "\"" : "";
    };
    detail::TxtRecordWatch watch(options_.lookup, clock_);
    const std::vector<std::string> servers = options_.publishWith ? options_.publishWith->nameServers() : std::vector<std::string>{};
    try {
        watch.wait(servers, fqdn, missing, false);
        logger().information("the record at " + fqdn + " lets this account have " + serverName);
        return;
    } catch (const DnsError&) {
        if (!options_.publishWith) throw;  // the owner's to publish: the error names the record
    }
    options_.publishWith->present(fqdn + ".", wanted);
    logger().information("published TXT " + fqdn + " \"" + wanted + "\" (it stays); waiting until it is visible");
    watch.wait(servers, fqdn, missing, true);
}

void DnsPersist01Responder::stopResponding(const std::string&, const Challenge&, const std::string&) {}

}  // namespace cxxacme::responders
