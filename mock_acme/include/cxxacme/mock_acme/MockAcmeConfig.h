#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxxacme/KeyType.h"
#include "cxxacme/Time.h"
#include "cxxacme/mock_acme/LeafContents.h"

namespace cxxacme::mock_acme {

/// One certificate profile (draft-ietf-acme-profiles): a name the client
/// may ask for in newOrder, the lifetime of what it gets, and what its
/// certificate carries.
struct CertificateProfile {
    std::string description;
    Duration lifetime;
    LeafContents contents{};
    bool dnsIdentifiers = true;  ///< dns identifiers may be ordered (as Let's Encrypt's classic: dns alone)
    bool ipIdentifiers = true;   ///< ip identifiers may be ordered (RFC 8738; Let's Encrypt: shortlived alone)
    // The validation windows of Let's Encrypt's profiles; each unset one is
    // MockAcmeConfig's of the same name.
    std::optional<Duration> orderLifetime{};               ///< an order's time to be finished
    std::optional<Duration> authorizationLifetime{};       ///< a pending authorization's time to be validated
    std::optional<Duration> validAuthorizationLifetime{};  ///< how long a validation serves orders of this profile
    std::optional<std::size_t> maxNames{};                 ///< identifiers an order may have
};

/// Everything mock-acme can be told. The defaults give a clean, fast,
/// deterministic server: real validation, no injected faults.
struct MockAcmeConfig {
    /// What `tlsserver` and `shortlived` leave out of a leaf: all of LeafContents.
    static constexpr LeafContents kTlsServerOnly{false, false, false, false};
    /// What Debian's pebble (2.4.0) puts into a leaf: all of them, clientAuth too.
    static constexpr LeafContents kPebbleLeaf{true, true, true, true};

    // --- where it listens (loopback unless told otherwise) ---
    std::string listenHost = "127.0.0.1";
    std::uint16_t listenPort = 14000;        ///< ACME over HTTPS; 0 picks a free port
    std::string managementHost = "127.0.0.1";
    std::uint16_t managementPort = 15000;    ///< pebble-style management; 0 picks a free port
    bool managementTls = false;              ///< the management interface over HTTPS, with the ACME side's certificate (as pebble)
    /// The ACME side's HTTPS certificate (PEM, leaf first, then any
    /// intermediates) and its private key, instead of a generated pair; both
    /// or neither. The CA behind them is the caller's: `httpsCaPem()` is empty.
    std::string httpsCertificateFile;
    std::string httpsPrivateKeyFile;
    /// More names for the generated HTTPS certificate, which always carries
    /// 127.0.0.1, ::1, localhost and the listening host: DNS names (a
    /// leading wildcard allowed) or IP addresses, such as the name a
    /// container is reached by. Not with `httpsCertificateFile`.
    std::vector<std::string> httpsNames;

    // --- validation ---
    std::uint16_t http01Port = 5002;         ///< port http-01 validation connects to (pebble's default)
    std::uint16_t tlsAlpn01Port = 5001;      ///< port tls-alpn-01 (and tls-sni-01) validation connects to
    std::string dnsServer;                   ///< "ADDR:PORT" asked for dns-01 TXT records; empty: dns-01 fails
    /// Serve DNS too (`ChallengeDnsServer`, pebble-challtestsrv's DNS part) over
    /// UDP and TCP on `dnsListenHost`:`dnsListenPort` (0: a free port), its records
    /// set through the management interface (POST /set-txt, /add-a, ... as
    /// pebble-challtestsrv's); it is the `dnsServer` unless one is given.
    bool dnsListen = false;
    std::string dnsListenHost = "127.0.0.1";
    std::uint16_t dnsListenPort = 0;
    std::string defaultAddress = "127.0.0.1";///< where every name resolves unless `resolve` says otherwise
    std::map<std::string, std::string> resolve;  ///< name -> address overrides
    /// With a `dnsServer`: names not in `resolve` resolve through it (the
    /// first AAAA record, then the first A record if nothing takes the IPv6
    /// connection), as pebble's do through its -dnsserver; a name with
    /// neither fails validation with a "dns" problem. On as pebble.
    bool resolveThroughDns = false;
    /// Check CAA records (RFC 8659, with RFC 8657's `accounturi` and
    /// `validationmethods`) through `dnsServer`, under `caaIdentities`: when
    /// a validation succeeds (the challenge fails with a `caa` problem
    /// otherwise) and again at finalize for each name whose last check is
    /// `caaRecheckAfter` old or older, or was never made (`skipValidation`);
    /// the order becomes invalid if they forbid it. Needs `dnsServer`. Off
    /// by default, and as pebble, which checks none.
    bool checkCaa = false;
    /// How old a name's CAA check may be at finalize before it is made again:
    /// Boulder's 7 hours by default (the Baseline Requirements allow 8); zero
    /// checks again at every finalize.
    Duration caaRecheckAfter = std::chrono::hours(7);
    bool skipValidation = false;             ///< challenges become valid without any check
    /// A `Replay-Nonce` on every response, GETs included. Off by default, as
    /// Boulder and pebble: a nonce goes with every answer to a POST or HEAD,
    /// and to a GET of newNonce, and no other GET (RFC 8555 §6.5 asks for it
    /// on POST answers). A client may meet either; Debian 12's ruby-acme-client
    /// (Acme::Client 2.0.9) fails on a nonce in the directory's answer.
    bool nonceOnEveryResponse = false;
    /// The web origins whose scripts may use the ACME API from a browser
    /// (CORS): "*" for any, the default, as Let's Encrypt and pebble answer;
    /// or origins such as "https://app.example" (scheme, host and port), each
    /// answered by name with `Vary: Origin`, as Boulder's `allowOrigins`.
    /// Empty: no CORS header, and a browser's scripts cannot read an answer.
    std::vector<std::string> corsOrigins = {"*"};
    /// As Let's Encrypt's directory (Boulder's), one more member every time,
    /// under a new random name (11 characters of base64url), whose value is
    /// the page that explains why: so that a client that takes the directory
    /// for a fixed set of members fails here as it would there (RFC 8555 §7.1.1
    /// lets a CA add any). Off in pebble's place: pebble's has none.
    bool randomDirectoryEntry = true;
    bool enableTlsSni01 = false;             ///< offer the legacy tls-sni-01 challenge
    /// Also offer dns-account-01 (draft-ietf-acme-dns-account-label-02) for
    /// every DNS name, wildcards included: a TXT record at
    /// `_LABEL._acme-challenge.NAME`, LABEL derived from the account's URL
    /// (`KeyAuthorization::dnsAccountLabel`), asked of `dnsServer`. Off by
    /// default: clients see the challenges they saw before.
    bool enableDnsAccount01 = false;
    /// Also offer dns-persist-01 (draft-ietf-acme-dns-persist-01) for every
    /// DNS name, wildcards included: a standing TXT record at
    /// `_validation-persist.NAME` naming one of `caaIdentities` (the
    /// challenge's `issuer-domain-names`) and the account (`accounturi`),
    /// with `policy=wildcard` for a wildcard and an optional
    /// `persistUntil`, asked of `dnsServer`. Off by default.
    bool enableDnsPersist01 = false;
    /// RFC 9444 (ACME for subdomains): the directory's meta says
    /// `subdomainAuthAllowed`; a newOrder identifier may name an
    /// `ancestorDomain`, whose authorization then serves it, and a newAuthz
    /// identifier may ask `subdomainAuthAllowed`. Such an authorization says
    /// `subdomainAuthAllowed: true`, offers DNS challenges alone (dns-01, and
    /// dns-account-01 when offered: a DNS change proves a domain and the names
    /// below it, an http-01 or tls-alpn-01 answer one host) and, once valid,
    /// serves the account's orders for every name below its identifier as
    /// pre-authorizations and reused authorizations serve their own name. Off
    /// by default, as at Let's Encrypt: both members are then ignored.
    bool subdomainAuth = false;
    Duration validationDelay{};              ///< each validation starts this long after its challenge POST, on the engine's clock
    /// Each validation waits a further random time, up to this (millisecond
    /// steps, from the seeded generator): a client's polling meets uneven
    /// delays, as pebble's random sleeps give them. At most an hour.
    Duration validationJitter{};
    /// How long the answer to a challenge POST waits for its validation: one
    /// that ends in time is answered "valid"/"invalid", a slower one
    /// "processing" (to be polled). 0: always "processing", as most CAs do.
    Duration challengeWait{};
    std::size_t validationThreads = 4;

    // --- fault injection (percentages 0..100) ---
    int nonceRejectPercent = 0;              ///< good nonces answered with badNonce
    int authzReusePercent = 0;               ///< valid authorizations reused for new orders
    int serverErrorPercent = 0;              ///< requests answered with 500 serverInternal
    /// ACME answers cut short, then the connection closed (HttpResponse::cutShort),
    /// after the request has had its effect, as when a connection breaks mid-answer.
    int truncatedResponsePercent = 0;
    /// ACME answers held back `responseDelay` (HttpResponse::holdFor), after
    /// the request has had its effect: a slow server, or with a delay longer
    /// than the client waits, one that hangs. A client that gives up and
    /// closes frees the connection at once.
    int delayedResponsePercent = 0;
    Duration responseDelay = std::chrono::seconds(60);  ///< 1 ms .. 1 hour
    int rateLimitOrders = 0;                 ///< newOrder per account per window; 0 = unlimited
    Duration rateLimitWindow = std::chrono::hours(1);
    /// Failed validations an account may have for one identifier per window
    /// before its new orders naming that identifier get 429 rateLimited (as
    /// Let's Encrypt's 5 an hour); 0 = unlimited.
    int failedAuthorizationLimit = 0;
    Duration failedAuthorizationWindow = std::chrono::hours(1);
    /// Failed validations of one identifier in a row (no successful one
    /// between) after which it is paused for the account, as Let's Encrypt
    /// pauses a name after 1152: its new orders naming it get 429
    /// rateLimited "Your account is temporarily prevented from requesting
    /// certificates for NAME and possibly others. Please visit: URL", until
    /// a person opens URL (on the ACME listener) and unpauses; 0 = never.
    int pauseAfterFailures = 0;
    /// Certificates issued for one exact set of identifiers (by any account)
    /// per window before a new order for that set gets 429 rateLimited (as
    /// Let's Encrypt's 5 a week); 0 = unlimited.
    int duplicateCertificateLimit = 0;
    Duration duplicateCertificateWindow = std::chrono::hours(24 * 7);
    /// Certificates issued (by any account) naming a registered domain per
    /// window before a new order naming it gets 429 rateLimited, as Let's
    /// Encrypt's 50 a week; 0 = unlimited. A name's registered domain is its
    /// public suffix and one label, by `publicSuffixList` when set (the whole
    /// list, private section too, as Boulder's limits read it), else by the
    /// default rule (the last two labels); an IPv4 address counts as its /32,
    /// an IPv6 one as its /64. A renewal (an order for an exact set issued in
    /// the last 120 days, or an ARI renewal) is neither refused nor counted.
    int registeredDomainLimit = 0;
    Duration registeredDomainWindow = std::chrono::hours(24 * 7);
    /// Accounts made from one client address per window before newAccount
    /// from it gets 429 rateLimited, as Let's Encrypt's 10 per IP address
    /// every 3 hours; 0 = unlimited. Finding an existing account is not
    /// making one.
    int registrationLimit = 0;
    Duration registrationWindow = std::chrono::hours(3);
    /// Accounts made from one IPv6 /48 per window before newAccount from it
    /// gets 429 rateLimited, as Let's Encrypt's 500 per /48 every 3 hours;
    /// 0 = unlimited. IPv4 clients (and IPv4-mapped addresses) are not
    /// counted by it. Finding an existing account is not making one.
    int registrationRangeLimit = 0;
    Duration registrationRangeWindow = std::chrono::hours(3);
    int retryAfterSeconds = 1;               ///< Retry-After on 429 and on processing objects
    std::uint64_t randomSeed = 1;            ///< makes the percentages repeatable

    // --- accounts ---
    bool externalAccountRequired = false;
    std::map<std::string, std::string> eabKeys;  ///< EAB key id -> base64url HMAC key
    /// Each EAB key binds one account only; a second newAccount with it gets
    /// 403 unauthorized (as CAs that hand out single-use keys answer). Off by
    /// default: like pebble, a key binds any number of accounts.
    bool eabSingleUse = false;
    /// The terms of service the directory names, which a new account must
    /// agree to: an http(s) URL, or a path of mock-acme's own terms page
    /// (`isOwnTermsPath`: "/terms-of-service" or "/terms-of-service/VERSION"),
    /// named under the URL the client reached the server by. Empty: none.
    std::string termsOfService = "/terms-of-service";
    /// The directory's `meta.caaIdentities`: the names this CA goes by in
    /// CAA records (RFC 8555 §7.1.1, RFC 8659). DNS names in lower case.
    std::vector<std::string> caaIdentities = {"cxxacme.mock"};
    /// newOrder refuses these names and every name under them (a wildcard's
    /// too) with rejectedIdentifier, as pebble's `domainBlocklist`.
    std::vector<std::string> blockedDomains;

    /// Which validations `authzReusePercent` reuses. Boulder's rules: only
    /// one made for an order of the same profile, and only while it has an
    /// eighth of that profile's order lifetime left, held to 1..24 hours
    /// (`classic`: 21 hours, `tlsserver`: 1 hour), so that an order made on
    /// it has time to be finished. pebble's (and so in pebble's place): any
    /// unexpired one, whatever its profile.
    enum class AuthorizationReuse { Boulder, Pebble };
    AuthorizationReuse authorizationReuse = AuthorizationReuse::Boulder;
    /// The time a validation must still have for Boulder to reuse it for an order of this lifetime.
    static Duration reuseCutoff(Duration orderLifetime) {
        return std::clamp<Duration>(orderLifetime / 8, std::chrono::hours(1), std::chrono::hours(24));
    }

    /// Offer pre-authorization (RFC 8555 §7.4.1): `newAuthz` in the
    /// directory. A valid pre-authorization serves the account's next orders
    /// for that identifier whatever `authzReusePercent` says. pebble has none.
    bool preAuthorization = true;
    /// A newOrder for the set of identifiers, profile and validity of one of
    /// the account's orders that is still pending or ready gets that order
    /// back (201, its URL), as Let's Encrypt reuses them (Boulder's
    /// GetOrderForNames). A newOrder with `replaces` gets a new order, and an
    /// order that replaces a certificate is not given again. Counted under
    /// `rateLimitOrders` all the same. pebble makes a new order each time
    /// (off in pebble's place).
    bool orderReuse = true;

    // --- lifetimes: those of a profile that does not set its own ---
    /// An order expires this long after it is made, or when one of its
    /// authorizations expires if that is sooner (as Boulder).
    Duration orderLifetime = std::chrono::hours(24 * 7);
    /// A new authorization expires this long after it is made while pending.
    Duration authorizationLifetime = std::chrono::hours(24 * 7);
    /// A validated authorization expires this long after its validation; till
    /// then it may serve the account's orders of the same profile (when
    /// `authzReusePercent` says so).
    Duration validAuthorizationLifetime = std::chrono::hours(24 * 30);
    std::size_t maxNames = 100;  ///< identifiers an order may have (1..1000)
    static constexpr std::size_t kMaxNames = 1000;
    /// Let's Encrypt's three as they are today (its profiles page, September
    /// 2026). `classic`: 90 days, a common name, a subject key identifier and
    /// (RSA) keyEncipherment, serverAuth alone since Let's Encrypt dropped
    /// clientAuth (February 2026), and the windows above (7-day orders and
    /// pending authorizations, 30-day reuse, 100 names). `tlsserver`: 45 days
    /// (since May 2026), none of those extensions, 8-hour orders, 1-hour
    /// pending authorizations, 7-hour reuse, 25 names. `shortlived`: as
    /// `tlsserver`, 160 hours (Let's Encrypt's "six-day" certificates).
    /// As at Let's Encrypt, `shortlived` alone issues for IP addresses
    /// (RFC 8738); `classic` and `tlsserver` issue for DNS names only.
    std::map<std::string, CertificateProfile> profiles = {
        {"classic", {"90-day certificates for DNS names", std::chrono::hours(24 * 90), {}, true, false}},
        {"tlsserver",
         {"45-day certificates for DNS names, without common name or key identifier; 7-hour authorization reuse",
          std::chrono::hours(24 * 45), kTlsServerOnly, true, false, std::chrono::hours(8), std::chrono::hours(1),
          std::chrono::hours(7), 25}},
        {"shortlived",
         {"160-hour certificates for DNS names and IP addresses, without common name or key identifier; "
          "7-hour authorization reuse",
          std::chrono::hours(160), kTlsServerOnly, true, true, std::chrono::hours(8), std::chrono::hours(1),
          std::chrono::hours(7), 25}},
    };
    std::string defaultProfile = "classic";
    /// What an order of a profile is allowed: the profile's own windows, or else these.
    struct ValidationWindows {
        Duration orderLifetime, authorizationLifetime, validAuthorizationLifetime;
        std::size_t maxNames;
    };
    ValidationWindows windowsOf(const CertificateProfile& profile) const {
        return {profile.orderLifetime.value_or(orderLifetime), profile.authorizationLifetime.value_or(authorizationLifetime),
                profile.validAuthorizationLifetime.value_or(validAuthorizationLifetime), profile.maxNames.value_or(maxNames)};
    }
    /// The windows of the profile named so, or the default profile's when
    /// none is (a pre-authorization's "", a profile the configuration dropped).
    ValidationWindows windowsOf(const std::string& profileName) const {
        const auto named = profiles.find(profileName);
        return windowsOf(named != profiles.end() ? named->second : profiles.at(defaultProfile));
    }
    /// Orders are forgotten this long after they were made (by the CA's
    /// clock, time travel included), with their certificate and the
    /// authorizations and challenges no kept order lists: requests for them
    /// then get 404, and memory stays bounded on a long-running server
    /// (about 5 KB an order). An order still finalizing or validating is
    /// kept until it is done. 0: nothing is ever forgotten (as pebble).
    Duration forgetAfter{};

    // --- the CA ---
    KeyType caKeyType = KeyType::EcP256;
    std::string rootCertFile;                ///< load the root (and its key) instead of generating
    std::string rootKeyFile;
    int alternateChains = 1;                 ///< extra chains to other roots, offered as Link: rel="alternate"
    int intermediates = 1;                   ///< CA certificates between a leaf and its root (1..4)
    /// An http(s) URL put into every leaf as its OCSP responder
    /// (authorityInfoAccess), as pebble's `ocspResponderURL`; mock-acme
    /// answers no OCSP itself. Empty: none.
    std::string ocspResponderUrl;
    /// A CSR that asks for OCSP Must-Staple (RFC 7633's TLS feature
    /// extension with status_request): refused with badCSR (the default, as
    /// Let's Encrypt has done since May 2025, when it stopped answering
    /// OCSP), or the extension copied into the leaf, non-critical (as pebble
    /// does). Either way a CSR asking for any other TLS feature is refused.
    enum class MustStaple { Refuse, Copy };
    MustStaple mustStaple = MustStaple::Refuse;
    /// What a CSR may carry besides its key, signature and names, and where
    /// the leaf's common name comes from (for a profile that has one). Both
    /// refuse a CSR signed with anything but RSA PKCS #1 v1.5 or ECDSA with
    /// SHA-256, -384 or -512. Boulder's rules (Let's Encrypt's; the default)
    /// also refuse email addresses and URIs among the subjectAltNames, an IP
    /// address as common name and a common name that is not one of the names;
    /// the leaf has the CSR's common name (none when it is over 64
    /// characters), else the CSR's first DNS name of 64 characters or fewer.
    /// pebble's (the default in pebble's place) pass over other kinds of
    /// names and the CSR's common name, and the leaf's is the CSR's first
    /// DNS name, else its first IP address.
    enum class CsrRules { Boulder, Pebble };
    CsrRules csrRules = CsrRules::Boulder;
    /// The renewal window a certificate's renewalInfo suggests (RFC 9773)
    /// until one is set from the management interface. Boulder's (Let's
    /// Encrypt's; the default): centred where a third of the lifetime is left
    /// (half, for a lifetime under 10 days), 1 % of the lifetime either side.
    /// pebble's (the default in pebble's place): centred where a third is
    /// left, a day either side. Under both, a revoked certificate's window is
    /// the half hour that began an hour ago: renew now.
    enum class AriRules { Boulder, Pebble };
    AriRules ariRules = AriRules::Boulder;
    /// Which identifiers newOrder takes, and how it refuses the others.
    /// Boulder's (Let's Encrypt's; the default): each name judged as
    /// Boulder's policy judges it, in its order and words, and a DNS name
    /// that a wildcard in the same order already covers ("www.example.test"
    /// beside "*.example.test"; the base name "example.test" may be there)
    /// refused with 400 malformed naming both, as Boulder's wildcardOverlap
    /// does. pebble's (the default in pebble's place): what pebble's newOrder
    /// refuses, in its words; such an order is taken.
    enum class IdentifierRules { Boulder, Pebble };
    IdentifierRules identifierRules = IdentifierRules::Boulder;
    /// How validation judges a responder's answer, and in whose words.
    /// Boulder's (Let's Encrypt's VA as its source stands in 2026; the
    /// default): an http-01 body over 128 bytes is refused; only 301, 302,
    /// 307 and 308 redirects are followed, ten requests in all, and not to
    /// a port other than the two validation ports (`http01Port`,
    /// `tlsAlpn01Port`: Let's Encrypt's 80 and 443), a host ending in
    /// ".well-known" (a redirect missing its '/') or none, another scheme,
    /// or a URL already asked; a tls-alpn-01 certificate must be
    /// self-signed, with each extension once and the name exactly as asked;
    /// each refusal in Boulder's words, those of an answer or a connection
    /// after the address it came from. pebble's (the default in pebble's
    /// place): a redirect to any http or https URL is followed, as Go's
    /// client follows it, and a body up to mock-acme's own bound of 8 KiB
    /// read, and a challenge POSTed (`{}`) once it is no longer pending is
    /// refused in pebble's words (Boulder's give a valid one back as it
    /// is). Under both, white space after the key authorization is ignored,
    /// and none before it, and a wrong answer is `unauthorized`, in the
    /// words of the CA named.
    enum class ValidationRules { Boulder, Pebble };
    ValidationRules validationRules = ValidationRules::Boulder;
    /// With Boulder's identifier rules: a Public Suffix List file (Debian's
    /// package `publicsuffix`: /usr/share/publicsuffix/public_suffix_list.dat)
    /// whose ICANN section every DNS name must end in, and not be, as at Let's
    /// Encrypt ("Domain name does not end with a valid public suffix (TLD)",
    /// "Domain name is an ICANN TLD", "Domain name is a wildcard for an ICANN
    /// TLD"). Empty (the default): not checked, so that the names reserved
    /// for tests (.test, .example) are taken.
    std::string publicSuffixList;
    /// With Boulder's identifier rules: refuse an IP address in IANA's
    /// special-purpose registries or a multicast block, as Let's Encrypt
    /// does ("IP address is in a reserved address block: [RFC1918]:
    /// Private-Use"), and with Boulder's validation rules an http-01
    /// redirect to one, and one found through `resolveThroughDns`. Off by
    /// default: tests validate on 127.0.0.1 and ::1.
    bool refuseReservedAddresses = false;

    // --- certificate revocation lists (RFC 5280 §5), pebble's layout ---
    /// Serve the issuing CA's CRL over plain HTTP at `/crl/KEYID.crl` (KEYID:
    /// the issuing intermediate's subject key identifier in lower-case hex)
    /// on `crlHost`:`crlPort` (0: a free port), and name that URL in every
    /// leaf's cRLDistributionPoints. Off: no listener, no extension.
    bool crl = false;
    std::string crlHost = "127.0.0.1";
    std::uint16_t crlPort = 0;
    /// The URL the leaves name is this + "crl/KEYID.crl"; an http:// URL
    /// ending in "/" (one is added). Empty: "http://HOST:PORT/" of the listener.
    std::string crlBaseUrl;
    Duration crlValidity = std::chrono::hours(24 * 7);  ///< nextUpdate - thisUpdate (1 s .. 366 days)
    /// A revocation shows on the CRL up to this long after it is made: each
    /// certificate's delay is the low 60 bits of its serial number modulo
    /// (this + 1), in seconds,
    /// spread as pebble's random delays (up to 15 s) are, but known in
    /// advance. 0 (the default): at once. At most an hour.
    Duration crlMaxDelay{};

    std::size_t maxBodyBytes = std::size_t{64} * 1024;
    /// ACME connections served at once. POCO gives a kept-alive connection a
    /// thread for as long as it stays open (made when needed, gone after a
    /// minute idle), so this is how many clients can hold a connection;
    /// one more waits until another is closed or idles out (10 s). Each is
    /// a file descriptor: the `mock-acme` program raises its open-file limit.
    int maxConnections = 4096;
    static constexpr int kMaxConnections = 65536;
    /// An account's orders list gives this many URLs a page, with
    /// `Link: rel="next"` to the rest (RFC 8555 §7.1.2.1).
    int ordersPerPage = 100;

    /// A SQLite file that keeps the whole state (CA, accounts, orders,
    /// certificates) across restarts; empty: memory only. Written in the
    /// background at most every 250 ms (longer for large states) and when the
    /// engine stops.
    std::string persistFile;

    /// Whether `text` is an http:// or https:// URL of printable ASCII (no
    /// space), at most `maxBytes` long: what mock-acme puts into certificates
    /// and answers.
    static bool isWebUrl(const std::string& text, std::size_t maxBytes);
    /// `isWebUrl(text, 2048)` with a host, and without `"`, `<`, `>` or `\`:
    /// what goes into a `Link` header and an HTML page (the terms of service).
    static bool isLinkUrl(const std::string& text);
    /// Whether `path` is a page of mock-acme's own terms of service, which
    /// its ACME listener serves: "/terms-of-service", or a version of them,
    /// "/terms-of-service/VERSION" (1 to 64 letters, digits, '.', '-', '_').
    static bool isOwnTermsPath(std::string_view path);
    static constexpr std::string_view kOwnTermsPath = "/terms-of-service";
    /// Whether `text` may name the terms of service: empty (none),
    /// `isLinkUrl`, or `isOwnTermsPath`.
    static bool isTermsOfService(const std::string& text);
    /// Whether `text` is a web origin as a browser sends it in `Origin`
    /// (RFC 6454, serialised as the WHATWG URL standard does): http:// or
    /// https://, a host (a valid DNS name in lower case with A-labels, an IPv4
    /// address or a bracketed IPv6 one, each in its canonical text), an
    /// optional port of 1..65535 without leading zeros, nothing more.
    static bool isWebOrigin(const std::string& text);
    /// "refuse" or "copy"; throws `cxxacme::Error` for anything else.
    static MustStaple mustStapleFromString(const std::string& text);
    static AuthorizationReuse authorizationReuseFromString(const std::string& text);
    /// "boulder" or "pebble"; throws `cxxacme::Error` for anything else.
    static CsrRules csrRulesFromString(const std::string& text);
    static AriRules ariRulesFromString(const std::string& text);
    static IdentifierRules identifierRulesFromString(const std::string& text);
    static ValidationRules validationRulesFromString(const std::string& text);

    /// Applies a JSON object of the same names (see docs/mock-acme.md).
    /// Throws `cxxacme::Error` naming an unknown key or a bad value.
    void applyJson(const std::string& json);
    /// Throws `cxxacme::Error` for values out of range.
    void validate() const;

    /// "HOST:PORT", "[IPv6]:PORT" or ":PORT" (empty host) as host and port;
    /// throws `cxxacme::Error` for anything else.
    static std::pair<std::string, std::uint16_t> parseHostPort(const std::string& text);
    /// The other way: "HOST:PORT", "[IPv6]:PORT" (RFC 3986 §3.2.2).
    static std::string joinHostPort(const std::string& host, std::uint16_t port);

    // --- pebble's way of being configured (docs/mock-acme.md, "In pebble's place") ---
    /// Whether `json` is meant as pebble's configuration file: one member,
    /// "pebble" (`applyPebbleJson` refuses it if that is not an object).
    static bool isPebbleJson(const std::string& json);
    /// Sets what pebble does without being told: 5 % of good nonces refused,
    /// half the valid authorizations reused, 3 orders a page, no alternate
    /// chain, 5-year certificates, Retry-After 3, the management interface
    /// over HTTPS, names resolved through the DNS server when one is given,
    /// a 15 s CRL delay, an RSA 2048 CA, no pre-authorization, 1-day orders,
    /// authorizations that expire an hour after they are made and an hour
    /// after they are validated.
    void applyPebbleDefaults();
    /// Applies pebble's configuration file (`{"pebble": {...}}`, its keys
    /// matched without regard to case, as Go does). Returns a warning for
    /// each key mock-acme reads but does not act on, and for each unknown
    /// one; throws `cxxacme::Error` for a bad value.
    std::vector<std::string> applyPebbleJson(const std::string& json);
    /// Applies pebble's environment variables (PEBBLE_VA_ALWAYS_VALID,
    /// PEBBLE_WFE_NONCEREJECT, PEBBLE_AUTHZREUSE, PEBBLE_CHAIN_LENGTH,
    /// PEBBLE_ALTERNATE_ROOTS, PEBBLE_WFE_ORDERS_PER_PAGE), read through
    /// `lookup` (getenv; null: unset). Returns warnings for PEBBLE_VA_SLEEPTIME
    /// (mock-acme validates at once, as pebble with PEBBLE_VA_NOSLEEP=1);
    /// throws `cxxacme::Error` for a bad value.
    std::vector<std::string> applyPebbleEnvironment(const std::function<const char*(const char*)>& lookup);
};

}  // namespace cxxacme::mock_acme
