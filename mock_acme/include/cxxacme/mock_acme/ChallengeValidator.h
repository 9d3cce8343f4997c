#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <Poco/URI.h>

#include "cxxacme/mock_acme/IChallengeValidator.h"
#include "cxxacme/mock_acme/MockAcmeConfig.h"

namespace cxxacme::mock_acme {

class PublicSuffixList;

/// Validates challenges for real, over the network, as a CA would:
///
/// - http-01: `GET http://NAME:http01Port/.well-known/acme-challenge/TOKEN`
///   with `Host: NAME`, following redirects to http or https (whose
///   certificate is not checked, as Let's Encrypt and pebble do not; a
///   target with a host and no port goes to http01Port or tlsAlpn01Port, an
///   address to itself): by Boulder's `validationRules` only 301, 302, 307
///   and 308, ten requests in all, an explicit port one of those two, no
///   loop, no address with a scope zone (nor, with refuseReservedAddresses,
///   in a reserved block), and with a `publicSuffixList` a host ending in an
///   ICANN suffix; by pebble's, as Go's client: 301, 302, 303, 307 and 308,
///   ten requests in all. A body that must equal the key
///   authorization (white space after it ignored, as by Let's Encrypt and
///   pebble), at most 128 bytes by Boulder's rules, 8 KiB by pebble's;
/// - tls-alpn-01 (RFC 8737): a TLS handshake to tlsAlpn01Port with SNI =
///   NAME (the reverse-DNS name for IP identifiers) offering only
///   `acme-tls/1`; the server must select it and present a certificate with
///   one SAN, the identifier, and a critical `acmeIdentifier` holding
///   SHA-256 of the key authorization (by Boulder's rules also self-signed,
///   each extension once, the SAN exactly as asked; by pebble's, checked as
///   pebble checks it);
/// - tls-sni-01 (draft-ietf-acme-acme-01 §7.3, one iteration, as Let's
///   Encrypt ran it): SNI = Z[0:32] "." Z[32:64] ".acme.invalid" where Z is
///   the lower-case hex SHA-256 of the key authorization; the certificate
///   must carry that name as a SAN;
/// - dns-01: TXT `_acme-challenge.NAME` asked of the configured DNS server
///   (UDP, with TCP fallback on truncation); one record must equal
///   base64url(SHA-256(key authorization));
/// - dns-account-01 (draft-ietf-acme-dns-account-label-02): as dns-01, at
///   `_LABEL._acme-challenge.NAME` (`KeyAuthorization::dnsAccountLabel` of
///   the account's URL);
/// - dns-persist-01 (draft-ietf-acme-dns-persist-01): TXT
///   `_validation-persist.NAME`; one record must name one of `caaIdentities`
///   and the account (`DnsPersistRecord::refusal`: `policy=wildcard` for a
///   wildcard, `persistUntil` not passed on the CA's clock).
///
/// Names resolve through the config's `resolve` map, else (with
/// `resolveThroughDns` and a `dnsServer`) through the DNS server's AAAA and
/// A records, else to `defaultAddress`. Through DNS, validation connects to
/// the first IPv6 address and, when that connection cannot be made, to the
/// first IPv4 one (Let's Encrypt's rule; pebble tries only the first
/// address, IPv6 when there is one). An address that takes the connection
/// gives the answer, whatever it is. Every network step has a timeout.
class ChallengeValidator final : public IChallengeValidator {
public:
    explicit ChallengeValidator(const MockAcmeConfig& config,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));

    std::optional<AcmeProblem> validate(const ValidationRequest& request) override;

private:
    /// Where to connect for `host` (the identifier's value, or a redirect's
    /// host), in the order to try: an IP address is itself. Throws the
    /// AcmeProblem when the DNS server fails or has no address for it: "dns"
    /// by Boulder's rules; by pebble's, "malformed" naming `asked` (the URL or
    /// the identifier), and only the first address is given.
    std::vector<std::string> addressesOf(const std::string& host, const std::string& asked) const;
    /// Where `resolve` sends `host` (lower case): its own entry, else that of
    /// the nearest wildcard above it; nullptr when none does.
    const std::string* resolvedByMap(const std::string& host) const;
    std::optional<AcmeProblem> http01(const ValidationRequest& request) const;
    /// Why Boulder's VA would not follow a redirect to `target` (whose
    /// Location named a port or not), in its words; none when it would.
    std::optional<std::string> refusedRedirect(const Poco::URI& target, bool explicitPort) const;
    std::optional<AcmeProblem> tls(const ValidationRequest& request, bool alpn) const;
    /// The TXT strings at `qname` from the DNS server; throws the AcmeProblem
    /// (in the words of the CA whose validation rules are kept) when there is
    /// no server, it fails, the name does not exist, or it has none.
    std::vector<std::string> txtRecords(const ValidationRequest& request, const std::string& qname) const;
    std::optional<AcmeProblem> dns01(const ValidationRequest& request) const;
    std::optional<AcmeProblem> dnsPersist01(const ValidationRequest& request) const;

    MockAcmeConfig config_;
    std::chrono::milliseconds timeout_;
    /// `resolve`, its names in canonical form ("*.NAME" for a wildcard).
    std::map<std::string, std::string> resolve_;
    /// `publicSuffixList`'s, read once, when Boulder's rules check redirect hosts against it.
    std::shared_ptr<const PublicSuffixList> suffixes_;
};

}  // namespace cxxacme::mock_acme
