#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cxxacme/IClock.h"
#include "cxxacme/IDnsProvider.h"
#include "cxxacme/IResponder.h"
#include "cxxacme/responders/Dns01Responder.h"

namespace cxxacme::responders {

struct DnsPersist01ResponderOptions {
    /// Where and how long to look for the record (as for dns-01).
    Dns01ResponderOptions lookup;
    /// Publishes the record through this provider when it is missing (and
    /// then waits until it is visible); it is never removed. Null: the
    /// record is the domain owner's to publish, and a missing one fails at
    /// once with the record to publish.
    IDnsProvider* publishWith = nullptr;
    /// The issuer domain name a published record names; "": the first of
    /// the challenge's `issuer-domain-names`. Must be one of them.
    std::string issuerDomainName;
    /// A published record also stands for `*.NAME` (`policy=wildcard`), as
    /// it always does when it is published for a wildcard.
    bool wildcard = false;
    /// A published record's `persistUntil` (seconds since 1970).
    std::optional<std::int64_t> persistUntil;
};

/// Answers dns-persist-01 (draft-ietf-acme-dns-persist-01): the domain's
/// owner publishes, once, a TXT record at `_validation-persist.NAME` that
/// names the CA and the ACME account (`DnsPersistRecord`), and every later
/// issuance and renewal for NAME needs no DNS change at all.
///
/// `startResponding` checks that such a record is visible and lets this
/// account have NAME (with `policy=wildcard` for `*.NAME`) from this CA,
/// by the challenge's `issuer-domain-names` and `accountUrl`, before the CA
/// is asked. When it is not: with `publishWith`, the record is published
/// and waited for; without, a `DnsError` says what the servers answered and
/// which record to publish. `stopResponding` leaves the record in place.
class DnsPersist01Responder final : public IResponder {
public:
    /// Checks on a `SystemClock` of its own.
    explicit DnsPersist01Responder(DnsPersist01ResponderOptions options = {});
    /// `clock` must outlive the responder.
    DnsPersist01Responder(IClock& clock, DnsPersist01ResponderOptions options);
    ~DnsPersist01Responder() override;

    std::string challengeType() const override { return "dns-persist-01"; }
    void startResponding(const std::string& serverName, const Challenge& challenge,
                         const std::string& keyAuthorization) override;
    /// Nothing: the record stays for the next issuance.
    void stopResponding(const std::string& serverName, const Challenge& challenge,
                        const std::string& keyAuthorization) override;

    /// The TXT string that lets the account at `accountUrl` have
    /// `serverName` from the CA named `issuerDomainName`
    /// (`policy=wildcard` when `serverName` is `*.NAME` or `wildcard`).
    static std::string recordFor(const std::string& serverName, const std::string& issuerDomainName,
                                 const std::string& accountUrl, bool wildcard = false,
                                 std::optional<std::int64_t> persistUntil = std::nullopt);

private:
    std::unique_ptr<IClock> ownClock_;
    IClock& clock_;
    DnsPersist01ResponderOptions options_;
};

}  // namespace cxxacme::responders
