#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cxxacme/IClock.h"
#include "cxxacme/responders/Dns01Responder.h"

namespace cxxacme::responders::detail {

/// What the DNS responders share: asking the servers that matter for the
/// TXT records at one name until they show what is wanted.
class TxtRecordWatch {
public:
    /// What is still missing from `records` (the TXT strings at the name);
    /// "" when they show what is wanted.
    using Missing = std::function<std::string(const std::vector<std::string>& records)>;

    /// `settings` and `clock` must outlive the watch.
    TxtRecordWatch(const Dns01ResponderOptions& settings, IClock& clock) : settings_(settings), clock_(clock) {}

    /// Asks every server to check (`settings.resolvers`, else
    /// `providerServers`, else the authoritative servers of `fqdn`'s zone,
    /// else the system's resolvers) until `missing` says nothing is missing,
    /// every `pollInterval` until `propagationTimeout` has passed on the
    /// clock. `patient` false: asks each server once. Throws a `DnsError`
    /// naming the server, what was missing and what it answered.
    void wait(const std::vector<std::string>& providerServers, const std::string& fqdn, const Missing& missing,
              bool patient) const;

private:
    /// Blocks until the clock has moved `pause` on.
    void pause(Duration pause) const;

    const Dns01ResponderOptions& settings_;
    IClock& clock_;
};

}  // namespace cxxacme::responders::detail
