#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cxxacme/Certificate.h"
#include "cxxacme/PrivateKey.h"
#include "cxxacme/Time.h"

namespace cxxacme {

/// Builds and signs X.509 v2 certificate revocation lists (RFC 5280 §5):
/// what mock-acme serves at its certificates' CRL distribution point.
///
/// The list names the issuer's subject as its issuer and carries an
/// authorityKeyIdentifier (the issuer's key identifier) and a cRLNumber.
/// Each entry has its serial, its revocation date and, for a reason other
/// than unspecified (0), a reasonCode: RFC 5280 §5.3.1 says to leave
/// unspecified out.
class RevocationListBuilder {
public:
    /// thisUpdate and nextUpdate; needed.
    RevocationListBuilder& validity(TimePoint thisUpdate, TimePoint nextUpdate);
    /// The cRLNumber (RFC 5280 §5.2.3), which must grow from one list of an
    /// issuer to the next. Default 1.
    RevocationListBuilder& number(std::uint64_t n);
    /// One revoked certificate, by its serial in hex (as
    /// `Certificate::serialHex` gives it) and an RFC 5280 CRLReason code
    /// (0..10 but 7). Throws `CertificateError` for a serial that is not
    /// hex of 1 to 20 bytes, or a code that is not a reason.
    RevocationListBuilder& revoked(const std::string& serialHex, TimePoint when, int reason = 0);

    /// The DER of the list, issued by `issuer` and signed with `issuerKey`.
    /// Throws `CertificateError` when `issuerKey` is not the issuer's key,
    /// or the validity is unset or ends before it starts.
    std::string sign(const Certificate& issuer, const PrivateKey& issuerKey) const;

private:
    struct Entry {
        std::string serialHex;
        TimePoint when;
        int reason;
    };
    std::optional<TimePoint> thisUpdate_;
    std::optional<TimePoint> nextUpdate_;
    std::uint64_t number_ = 1;
    std::vector<Entry> entries_;
};

}  // namespace cxxacme
