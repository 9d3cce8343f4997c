#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cxxacme/IClock.h"
#include "cxxacme/IDnsProvider.h"
#include "cxxacme/IResponder.h"

namespace cxxacme::responders {

struct Dns01ResponderOptions {
    /// Where to check that the record is visible ("IPv4:PORT" or
    /// "[IPv6]:PORT"); empty: the provider's name servers, else the zone's
    /// authoritative servers (found through `bootstrapResolver`), else the
    /// system's resolvers.
    std::vector<std::string> resolvers;
    /// Asked for the zone's NS and their addresses; "": the system's resolvers.
    std::string bootstrapResolver;
    std::uint16_t authoritativePort = 53;
    std::chrono::milliseconds propagationTimeout{std::chrono::minutes(2)};
    std::chrono::milliseconds pollInterval{std::chrono::seconds(2)};
    std::chrono::milliseconds queryTimeout{std::chrono::seconds(5)};
    /// Answer dns-account-01 (draft-ietf-acme-dns-account-label-02) instead
    /// of dns-01: the record goes to `_LABEL._acme-challenge.NAME.`, LABEL
    /// from the challenge's `accountUrl` (`KeyAuthorization::dnsAccountLabel`),
    /// so that other accounts' records for NAME are left alone.
    bool accountLabel = false;
    /// Follow a CNAME at the record's name, as lego's CNAME support does: a
    /// `_acme-challenge.NAME` delegated to another name (acme-dns, a zone the
    /// provider may write) gets its TXT record where the chain ends, which
    /// the CA reaches through the alias. The chain is asked of the first of
    /// `resolvers`, else of `bootstrapResolver`. Off: the record goes at its
    /// own name, and no lookup is made first.
    bool followCname = false;
};

/// Answers dns-01 (RFC 8555 §8.4) through an `IDnsProvider`: publishes
/// `_acme-challenge.NAME.` TXT = base64url(SHA-256(key authorization)) (for
/// `*.NAME` the record is at `_acme-challenge.NAME.`), then waits until
/// every resolver to check answers with the value. A timeout is a
/// `DnsError` naming the server and the values it did return.
/// `stopResponding` removes the value again; the issuer calls it after
/// every outcome, also a failed or cancelled one. With
/// `Dns01ResponderOptions::accountLabel` it answers dns-account-01 instead,
/// at the account's own `_LABEL._acme-challenge.NAME.`.
///
/// With `Dns01ResponderOptions::followCname` the record goes where a CNAME at
/// its name leads, and is checked and removed there: where it went is kept
/// from `startResponding` to `stopResponding`, so that an alias changed or
/// unreadable meanwhile does not leave the record behind (a responder that
/// did not publish it asks again).
///
/// The propagation wait (its deadline and the pauses between checks) runs on
/// an `IClock`; each DNS query's own `queryTimeout` is real time.
class Dns01Responder final : public IResponder {
public:
    /// `provider` must outlive the responder; waits on a `SystemClock` of its own.
    explicit Dns01Responder(IDnsProvider& provider, Dns01ResponderOptions options = {});
    /// `provider` and `clock` must outlive the responder.
    Dns01Responder(IDnsProvider& provider, IClock& clock, Dns01ResponderOptions options = {});
    ~Dns01Responder() override;

    /// `_acme-challenge.NAME.` for a server name (wildcards lose their `*.`).
    static std::string recordName(const std::string& serverName);
    /// dns-account-01's `_LABEL._acme-challenge.NAME.` for the account at
    /// `accountUrl` (an empty URL is a `JoseError`).
    static std::string accountRecordName(const std::string& serverName, const std::string& accountUrl);

    /// "dns-01", or "dns-account-01" with `Dns01ResponderOptions::accountLabel`.
    std::string challengeType() const override;
    void startResponding(const std::string& serverName, const Challenge& challenge,
                         const std::string& keyAuthorization) override;
    void stopResponding(const std::string& serverName, const Challenge& challenge,
                        const std::string& keyAuthorization) override;

private:
    std::string recordFor(const std::string& serverName, const Challenge& challenge) const;
    /// Where the record for `fqdn` goes: `fqdn`, or with `followCname` the end of its CNAME chain.
    std::string publishedAt(const std::string& fqdn) const;
    void waitUntilVisible(const std::string& fqdn, const std::string& value) const;

    IDnsProvider& provider_;
    std::unique_ptr<IClock> ownClock_;
    IClock& clock_;
    Dns01ResponderOptions options_;
    std::mutex mutex_;
    /// (record name, TXT value) -> where it was published, until it is removed
    std::multimap<std::pair<std::string, std::string>, std::string> published_;
};

}  // namespace cxxacme::responders
