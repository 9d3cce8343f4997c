#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cxxacme/AcmeIssuingService.h"
#include "cxxacme/ICertificateStore.h"
#include "cxxacme/IClock.h"
#include "cxxacme/Time.h"

namespace cxxacme::endpoints {

/// When a handshake may have its certificate issued there and then.
struct OnDemandOptions {
    /// Whether `name` (a canonical DNS name: never a wildcard or an IP
    /// address) may be issued because a client asked for it: certmagic's
    /// DecisionFunc, Caddy's `ask`. The one guard against strangers pointing
    /// names at the server and spending the account's rate limits at the
    /// CA, so on-demand issuance is off while it is empty. Called on a
    /// handshake's thread, for every handshake naming a name that has no
    /// certificate, from several threads at once; it may block (the
    /// handshake waits for it). An exception is a no.
    std::function<bool(const std::string& name)> allow;
    /// Issuances handshakes wait for at once; a handshake for one more new
    /// name is refused at once (each waiting handshake holds a connection's
    /// thread).
    std::size_t maxConcurrent = 8;
    /// How long a handshake waits for its certificate. It is refused after
    /// that; the issuance goes on, and a later handshake is served.
    Duration handshakeWait = std::chrono::seconds(60);
    /// After an issuance for a name fails, handshakes naming it are refused
    /// for this long without asking the CA (a client retrying in a loop
    /// costs the CA one order, not one per handshake).
    Duration failureHold = std::chrono::minutes(10);
};

/// On-demand TLS: a certificate issued while the first handshake that asks
/// for its name waits, for names no one listed beforehand (a host's
/// customers pointing their own domains at it). The handshake's name must
/// pass `OnDemandOptions::allow`; then the issuing service issues it into
/// the store under that name (concurrent handshakes share one issuance),
/// where the service renews it from then on like every other entry. A name
/// of an entry of several names gets no entry of its own: it is served from
/// that entry when its certificate is in force, else that entry is issued
/// (still empty: listed, not issued yet; or expired), with all its names.
///
/// `obtain` is what an `SniEndpoint` calls (`SniEndpointOptions::onUnknownName`);
/// `AutoTlsEndpoint` wires it when `AutoTlsEndpointOptions::onDemand.allow`
/// is set. Thread-safe.
class OnDemandIssuance {
public:
    /// `service`, the `store` it keeps and `clock` must outlive this
    /// object. Throws `Error` when `options.allow` is empty or
    /// `maxConcurrent` is 0.
    OnDemandIssuance(AcmeIssuingService& service, ICertificateStore& store, IClock& clock, OnDemandOptions options);
    ~OnDemandIssuance();
    OnDemandIssuance(const OnDemandIssuance&) = delete;
    OnDemandIssuance& operator=(const OnDemandIssuance&) = delete;

    /// Issues `serverName` (an SNI name: checked here, lower-cased) when
    /// it may be, and waits for it up to `handshakeWait`. True when its
    /// entry holds a certificate now (one the store held already, say
    /// issued after an earlier handshake stopped waiting, is not issued
    /// again); false when the name is no DNS name, not allowed, held after
    /// a failure, under a CA's rate limit (the CA is not asked until it
    /// ends), beyond `maxConcurrent`, failed or not issued in time.
    bool obtain(const std::string& serverName);

    /// Ends every wait (those handshakes are refused) and refuses from now
    /// on; issuances under way go on in the service. For a server stopping.
    void stop();

    /// What `obtain` answered; for tests and logs.
    struct Counters {
        std::uint64_t issued = 0;      ///< a certificate issued while a handshake waited
        std::uint64_t notAllowed = 0;  ///< `allow` said no (or threw), or no DNS name
        std::uint64_t held = 0;        ///< refused: the name failed within `failureHold`
        std::uint64_t busy = 0;        ///< refused: `maxConcurrent` handshakes were waiting
        std::uint64_t rateLimited = 0; ///< refused: a CA's rate limit holds the name (`AcmeIssuingService::holdOn`)
        std::uint64_t failed = 0;      ///< the issuance failed
        std::uint64_t timedOut = 0;    ///< not issued within `handshakeWait`
    };
    Counters counters() const;

private:
    /// What a handshake for `name` needs issued: nothing (nullopt) when an
    /// entry of the store that names it, its own or one of several names,
    /// holds a certificate in force (stored meanwhile: served); else the key of
    /// an entry of several names that names it and is empty or expired (the
    /// first in key order), that entry issued with all its names; else `name`.
    std::optional<std::string> entryToIssue(const std::string& name);
    struct State;
    AcmeIssuingService& service_;
    ICertificateStore& store_;
    IClock& clock_;
    OnDemandOptions options_;
    std::unique_ptr<State> state_;
};

}  // namespace cxxacme::endpoints
