// mock-acme: an RFC 8555 test CA for offline tests of ACME clients.
// See docs/mock-acme.md. Exit codes: 0 clean stop, 1 failure, 2 usage.

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/Exception.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"
#include "cxxacme/detail/OpenFileLimit.h"
#include "cxxacme/mock_acme/MockAcmeServer.h"

using namespace cxxacme;
using namespace cxxacme::mock_acme;

namespace {

constexpr const char* kUsage = R"(usage: mock-acme [options]
  --listen HOST:PORT          ACME over HTTPS (default 127.0.0.1:14000; port 0 = any free port)
  --management HOST:PORT      management interface, HTTP (default 127.0.0.1:15000)
  --management-tls            the management interface over HTTPS, with the ACME side's certificate
  --https-cert FILE --https-key FILE   serve this certificate chain (PEM, leaf first) and key
                              instead of a generated pair
  --https-name NAME           also name NAME (DNS name or IP) in the generated HTTPS certificate,
                              as the name a container is reached by (repeatable)
  --http01-port N             port http-01 validation connects to (default 5002)
  --tls01-port N              port tls-alpn-01/tls-sni-01 validation connects to (default 5001)
  --dns-server ADDR:PORT      DNS server asked for dns-01 TXT records
  --dns-listen HOST:PORT      serve DNS there too, UDP and TCP (port 0: a free one), records set
                              as in pebble-challtestsrv (POST /set-txt, /add-a, /add-caa, /set-cname,
                              ... on the management interface; a host may be *.NAME); the --dns-server
                              unless one is given
  --resolve NAME=ADDR         where NAME resolves for validation, *.NAME for every name below (repeatable;
                              ADDR an IP address; default: all to 127.0.0.1)
  --resolve-through-dns       with --dns-server, other names resolve through its AAAA and A
                              records (IPv6 first, IPv4 when IPv6 cannot be reached)
  --write-ca FILE             write the PEM of the CA that signed the HTTPS certificate
  --config FILE.json          read settings (see docs/mock-acme.md); later flags override
  --verbose                   log every request (method, path, status, problem type) to stderr
  --skip-validation           challenges become valid without being checked
  --check-caa                 with --dns-server, check CAA records (RFC 8659, RFC 8657's
                              accounturi and validationmethods) under the --caa-identity names,
                              after each validation and at finalize when that is --caa-recheck-after old
  --caa-recheck-after SECONDS at finalize, check a name's CAA again if its last check is this old
                              (default 25200, Boulder's 7 hours; 0: at every finalize; at most 28800)
  --tls-sni-01                also offer the legacy tls-sni-01 challenge
  --nonce-on-every-response   a Replay-Nonce on GET answers too (default: as Boulder and pebble,
                              on answers to POST and HEAD and to a GET of newNonce alone)
  --cors-origin ORIGIN        a web origin whose scripts may use the API from a browser
                              (repeatable; default "*", any, as Let's Encrypt and pebble)
  --no-cors                   no CORS headers: a browser's scripts cannot read the answers
  --no-random-directory-entry the directory without the member under a new random name that
                              Let's Encrypt's carries every time (so that clients expect no fixed set)
  --dns-account-01            also offer dns-account-01 (draft-ietf-acme-dns-account-label-02):
                              TXT at _LABEL._acme-challenge.NAME, LABEL from the account URL
  --dns-persist-01            also offer dns-persist-01 (draft-ietf-acme-dns-persist-01): a standing
                              TXT at _validation-persist.NAME, "CAA-IDENTITY; accounturi=URL[; policy=wildcard]"
  --subdomain-auth            RFC 9444: an authorization of a domain may serve the names below it
                              (newOrder's ancestorDomain, newAuthz's subdomainAuthAllowed; DNS
                              challenges alone for it)
  --validation-delay SECONDS  wait before each validation
  --validation-jitter MS      and a further random 0..MS milliseconds
  --challenge-wait-ms MS      answer a challenge POST with the validation's outcome when it
                              ends within MS (default 0: always "processing", to be polled)
  --nonce-reject PERCENT      answer this share of good nonces with badNonce
  --authz-reuse PERCENT       reuse this share of valid authorizations
  --authz-reuse-rules boulder|pebble   which: of the order's profile with an eighth of its
                              order lifetime left, 1..24 h (default, as Boulder), or any
                              unexpired one (as pebble; the default in pebble's place)
  --no-pre-authorization      no newAuthz in the directory (RFC 8555 §7.4.1; pebble has none)
  --no-order-reuse            a new order for every newOrder (by default, as Let's Encrypt, an
                              account's pending or ready order for the same names comes back)
  --server-errors PERCENT     answer this share of requests with 500
  --truncated-responses PERCENT   cut this share of answers short and close the connection
                              (after the request has had its effect)
  --delayed-responses PERCENT     hold this share of answers back --response-delay-ms (after the
                              request has had its effect; a client that closes frees it at once)
  --response-delay-ms MS      how long (default 60000: longer than most clients wait)
  --rate-limit N[/SECONDS]    at most N new orders per account per window (default window 3600)
  --failed-authz-limit N[/SECONDS]   after N failed validations of an identifier in the window
                              (default 3600), an account's new orders for it get 429
  --pause-after-failures N    after N failed validations of an identifier in a row, it is paused
                              for the account, as Let's Encrypt pauses names: 429 with a link a
                              person opens to unpause (Let's Encrypt: 1152)
  --duplicate-limit N[/SECONDS]      after N certificates for one exact set of identifiers in the
                              window (default 604800), new orders for that set get 429
  --domain-limit N[/SECONDS]  after N certificates naming a registered domain in the window
                              (default 604800), new orders naming it get 429 (Let's Encrypt:
                              50; renewals exempt; domains by --public-suffix-list if given)
  --registration-limit N[/SECONDS]   after N accounts made from one address in the window
                              (default 10800), newAccount from it gets 429 (Let's Encrypt: 10)
  --registration-range-limit N[/SECONDS]   the same per IPv6 /48 (default 10800; Let's
                              Encrypt: 500; IPv4 clients are not counted by it)
  --eab KID=BASE64URLKEY      an external account binding key (repeatable)
  --eab-required              require external account binding
  --eab-single-use            each --eab key binds one account only (default: any number)
  --terms-of-service URL      the terms new accounts must agree to (default /terms-of-service: its own page; "": none asked)
  --block-domain NAME         refuse NAME and every name under it (repeatable)
  --caa-identity NAME         a name the directory gives in meta.caaIdentities (repeatable;
                              default cxxacme.mock)
  --cert-lifetime SECONDS     lifetime of the default profile's certificates (default 90 days)
  --order-lifetime SECONDS    an order's time to be finished (default 7 days)
  --authz-lifetime SECONDS    a pending authorization's time to be validated (default 7 days)
  --valid-authz-lifetime SECONDS   how long a validation serves later orders (default 30 days)
  --max-names N               identifiers an order may have, 1..1000 (default 100)
                              (these four: for profiles that set none; tlsserver and shortlived
                              have Let's Encrypt's 8 h, 1 h, 7 h and 25)
  --forget-after SECONDS      forget orders (with their certificates, authorizations and
                              challenges) this long after they were made (default 0: never)
  --ca-key-type TYPE          ec256 (default), ec384, rsa2048, rsa3072, rsa4096
  --root-cert FILE --root-key FILE   issue under this root instead of a generated one
  --alternate-chains N        extra chains offered as Link rel="alternate" (default 1)
  --intermediates N           CA certificates between a leaf and its root, 1..4 (default 1)
  --ocsp-responder-url URL    name URL as the OCSP responder in every certificate
  --must-staple refuse|copy   a CSR asking for OCSP Must-Staple: refused with badCSR (default,
                              as Let's Encrypt since 2025) or the extension copied (as pebble)
  --csr-rules boulder|pebble  what a CSR may carry and where the leaf's common name comes from:
                              Let's Encrypt's rules (default) or pebble's (default in its place)
  --identifier-rules boulder|pebble   refuse names as Let's Encrypt does, in its words, with a
                              name beside a wildcard that covers it (default), or as pebble
                              does, taking such a name (default in its place)
  --validation-rules boulder|pebble   how validation judges an answer, in whose words: http-01
                              redirects to the two validation ports alone, a body of 128 bytes
                              at most, as Let's Encrypt (default), or any redirect, a body up to
                              8 KiB and no challenge started again, as pebble (its place's default)
  --public-suffix-list FILE   (Boulder's rules) every DNS name must end in, and not be, an ICANN
                              suffix of this list, as at Let's Encrypt (Debian's package
                              publicsuffix: /usr/share/publicsuffix/public_suffix_list.dat)
  --refuse-reserved-ips       (Boulder's rules) refuse IP addresses in IANA's special-purpose
                              blocks (private, loopback, documentation, ...), as Let's Encrypt,
                              as identifiers, http-01 redirect targets and addresses found
                              through DNS
  --ari-rules boulder|pebble  the renewal window renewalInfo suggests: around a third of the
                              lifetime left, 1 % of it either side (Let's Encrypt's; default)
                              or a day either side (pebble's; default in its place)
  --crl-listen HOST:PORT      serve the issuing CA's CRL over HTTP there (port 0: a free one)
                              and name it in every certificate's CRL distribution points
  --crl-base-url URL          the leaves name URL/crl/KEYID.crl (default: the listener's address)
  --crl-validity SECONDS      a CRL's nextUpdate after its thisUpdate (default 604800, 7 days)
  --crl-max-delay SECONDS     a revocation shows on the CRL up to this long after it is made
                              (default 0: at once; 15 as pebble)
  --retry-after SECONDS       Retry-After on processing objects (default 1)
  --orders-per-page N         URLs per page of an account's orders list (default 100)
  --max-connections N         ACME connections served at once (default 4096)
  --seed N                    random seed for the fault percentages
  --persist FILE.sqlite       keep the state (CA, accounts, orders, certificates) across restarts
  --pebble                    behave as pebble does untold (5 % nonces refused, half the valid
                              authorizations reused, ...) and read its PEBBLE_* environment;
                              implied when named "pebble" or given pebble's config file
  -config FILE  -dnsserver ADDR:PORT  -strict   pebble's own flags (-strict is accepted, and
                              mock-acme is always strict)
When ready, prints "directory: URL" on standard output (and "management: URL",
"crl: URL" with --crl-listen, "dns: ADDR:PORT" with --dns-listen). SIGTERM or SIGINT stops it.
)";

[[noreturn]] void usage(const std::string& message) {
    std::cerr << "mock-acme: " << message << "\n" << kUsage;
    std::exit(2);
}

std::pair<std::string, std::uint16_t> hostPort(const std::string& text) {
    try {
        return MockAcmeConfig::parseHostPort(text);
    } catch (const Error& e) {
        usage(e.what());
    }
}

long number(const std::string& text, long lo, long hi) {
    char* end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0' || v < lo || v > hi) usage("bad number \"" + text + "\"");
    return v;
}

Duration seconds(const std::string& text) { return std::chrono::seconds(number(text, 0, 100L * 365 * 86400)); }

// "N" or "N/SECONDS": a limit per window (the window unchanged without one).
void limitPerWindow(const std::string& text, int& count, Duration& window) {
    const auto slash = text.find('/');
    count = static_cast<int>(number(text.substr(0, slash), 0, 1000000));
    if (slash != std::string::npos) window = seconds(text.substr(slash + 1));
}

// pebble's flags in Go's forms ("-config F", "-config=F", "--config=F",
// "-dnsserver A", "-strict", "-strict=false") as mock-acme's own; "-strict" is
// dropped: mock-acme already refuses what pebble's strict mode refuses.
std::vector<std::string> withPebbleFlags(const std::vector<std::string>& in) {
    std::vector<std::string> out;
    for (const std::string& a : in) {
        std::string name = a, value;
        bool hasValue = false;
        if (const auto eq = a.find('='); a.starts_with("-") && eq != std::string::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            hasValue = true;
        }
        const std::string bare = name.starts_with("--") ? name.substr(2) : name.starts_with("-") ? name.substr(1) : "";
        if (bare == "strict") continue;
        if (bare == "config" || bare == "dnsserver" || (hasValue && bare == "dns-server")) {
            out.push_back(bare == "config" ? "--config" : "--dns-server");
            if (hasValue) out.push_back(value);
            continue;
        }
        out.push_back(a);
    }
    return out;
}

// "2026/12/04 06:27:34", the time as Go's log package writes it.
std::string pebbleLogTime() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y/%m/%d %H:%M:%S", &local);
    return text;
}


void warn(const std::vector<std::string>& warnings) {
    for (const auto& w : warnings) std::cerr << "mock-acme: warning: " << w << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args = withPebbleFlags(std::vector<std::string>(argv + 1, argv + argc));
    MockAcmeConfig config;
    std::string writeCa;
    bool verbose = false;
    bool caaGiven = false;  // --caa-identity seen: later ones add to it
    bool corsGiven = false;  // --cors-origin or --no-cors seen: later ones add to it
    const std::string program = argc > 0 ? argv[0] : "";
    bool asPebble = program == "pebble" || program.ends_with("/pebble") ||
                    std::find(args.begin(), args.end(), "--pebble") != args.end();
    // --config first, so that flags override it wherever they stand; pebble's
    // defaults under its file, its environment over it.
    try {
        std::optional<std::string> configText;  // the last --config's
        for (std::size_t i = 0; i + 1 < args.size(); ++i)
            if (args[i] == "--config") configText = AtomicFile::read(args[i + 1], 1 << 20);
        const bool pebbleFile = configText && MockAcmeConfig::isPebbleJson(*configText);
        asPebble = asPebble || pebbleFile;
        if (asPebble) config.applyPebbleDefaults();
        if (pebbleFile) warn(config.applyPebbleJson(*configText));
        else if (configText) config.applyJson(*configText);
        if (asPebble) warn(config.applyPebbleEnvironment([](const char* name) { return std::getenv(name); }));
    } catch (const Error& e) {
        std::cerr << "mock-acme: " << e.what() << "\n";
        return 2;
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) usage(a + " needs a value");
            return args[++i];
        };
        // a value the config reads with `fromString`, which refuses anything but `choices`
        const auto choice = [&](auto fromString, const char* choices) {
            const std::string& v = value();
            try {
                return fromString(v);
            } catch (const Error&) {
                usage(a + " takes " + choices + ", not \"" + InvalidNameError::printable(v) + "\"");
            }
        };
        if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--verbose" || a == "-v") verbose = true;
        else if (a == "--listen") std::tie(config.listenHost, config.listenPort) = hostPort(value());
        else if (a == "--management") std::tie(config.managementHost, config.managementPort) = hostPort(value());
        else if (a == "--management-tls") config.managementTls = true;
        else if (a == "--https-cert") config.httpsCertificateFile = value();
        else if (a == "--https-key") config.httpsPrivateKeyFile = value();
        else if (a == "--https-name") config.httpsNames.push_back(value());
        else if (a == "--no-pre-authorization") config.preAuthorization = false;
        else if (a == "--no-order-reuse") config.orderReuse = false;
        else if (a == "--block-domain") config.blockedDomains.push_back(value());
        else if (a == "--caa-identity") {
            if (!caaGiven) config.caaIdentities.clear();  // the first one replaces the default
            caaGiven = true;
            config.caaIdentities.push_back(value());
        }
        else if (a == "--pebble") continue;
        else if (a == "--http01-port") config.http01Port = static_cast<std::uint16_t>(number(value(), 1, 65535));
        else if (a == "--tls01-port") config.tlsAlpn01Port = static_cast<std::uint16_t>(number(value(), 1, 65535));
        else if (a == "--dns-server") config.dnsServer = value();
        else if (a == "--resolve-through-dns") config.resolveThroughDns = true;
        else if (a == "--resolve") {
            const std::string& v = value();
            const auto eq = v.find('=');
            if (eq == std::string::npos) usage("--resolve takes NAME=ADDR");
            config.resolve[v.substr(0, eq)] = v.substr(eq + 1);
        } else if (a == "--write-ca") writeCa = value();
        else if (a == "--config") (void)value();
        else if (a == "--skip-validation") config.skipValidation = true;
        else if (a == "--check-caa") config.checkCaa = true;
        else if (a == "--caa-recheck-after") config.caaRecheckAfter = std::chrono::seconds(number(value(), 0, 8L * 3600));
        else if (a == "--nonce-on-every-response") config.nonceOnEveryResponse = true;
        else if (a == "--cors-origin") {
            if (!corsGiven) config.corsOrigins.clear();  // the first one replaces the default
            corsGiven = true;
            config.corsOrigins.push_back(value());
        } else if (a == "--no-random-directory-entry") config.randomDirectoryEntry = false;
        else if (a == "--no-cors") {
            config.corsOrigins.clear();
            corsGiven = true;
        }
        else if (a == "--tls-sni-01") config.enableTlsSni01 = true;
        else if (a == "--dns-account-01") config.enableDnsAccount01 = true;
        else if (a == "--dns-persist-01") config.enableDnsPersist01 = true;
        else if (a == "--subdomain-auth") config.subdomainAuth = true;
        else if (a == "--validation-delay") config.validationDelay = seconds(value());
        else if (a == "--validation-jitter") config.validationJitter = std::chrono::milliseconds(number(value(), 0, 3600000));
        else if (a == "--challenge-wait-ms") config.challengeWait = std::chrono::milliseconds(number(value(), 0, 60000));
        else if (a == "--nonce-reject") config.nonceRejectPercent = static_cast<int>(number(value(), 0, 100));
        else if (a == "--authz-reuse") config.authzReusePercent = static_cast<int>(number(value(), 0, 100));
        else if (a == "--authz-reuse-rules")
            config.authorizationReuse = choice(MockAcmeConfig::authorizationReuseFromString, "boulder or pebble");
        else if (a == "--server-errors") config.serverErrorPercent = static_cast<int>(number(value(), 0, 100));
        else if (a == "--truncated-responses") config.truncatedResponsePercent = static_cast<int>(number(value(), 0, 100));
        else if (a == "--delayed-responses") config.delayedResponsePercent = static_cast<int>(number(value(), 0, 100));
        else if (a == "--response-delay-ms") config.responseDelay = std::chrono::milliseconds(number(value(), 1, 3600000));
        else if (a == "--rate-limit") limitPerWindow(value(), config.rateLimitOrders, config.rateLimitWindow);
        else if (a == "--failed-authz-limit") limitPerWindow(value(), config.failedAuthorizationLimit, config.failedAuthorizationWindow);
        else if (a == "--pause-after-failures") config.pauseAfterFailures = static_cast<int>(number(value(), 1, 1000000));
        else if (a == "--duplicate-limit") limitPerWindow(value(), config.duplicateCertificateLimit, config.duplicateCertificateWindow);
        else if (a == "--domain-limit") limitPerWindow(value(), config.registeredDomainLimit, config.registeredDomainWindow);
        else if (a == "--registration-limit") limitPerWindow(value(), config.registrationLimit, config.registrationWindow);
        else if (a == "--registration-range-limit")
            limitPerWindow(value(), config.registrationRangeLimit, config.registrationRangeWindow);
        else if (a == "--eab") {
            const std::string& v = value();
            const auto eq = v.find('=');
            if (eq == std::string::npos) usage("--eab takes KID=BASE64URLKEY");
            config.eabKeys[v.substr(0, eq)] = v.substr(eq + 1);
        } else if (a == "--eab-required") config.externalAccountRequired = true;
        else if (a == "--eab-single-use") config.eabSingleUse = true;
        else if (a == "--terms-of-service") config.termsOfService = value();
        else if (a == "--cert-lifetime") config.profiles[config.defaultProfile].lifetime = seconds(value());
        else if (a == "--order-lifetime") config.orderLifetime = seconds(value());
        else if (a == "--forget-after") config.forgetAfter = seconds(value());
        else if (a == "--authz-lifetime") config.authorizationLifetime = seconds(value());
        else if (a == "--valid-authz-lifetime") config.validAuthorizationLifetime = seconds(value());
        else if (a == "--max-names") config.maxNames = static_cast<std::size_t>(number(value(), 1, static_cast<long>(MockAcmeConfig::kMaxNames)));
        else if (a == "--ca-key-type") {
            try {
                config.caKeyType = keyTypeFromString(value());
            } catch (const Error& e) {
                usage(e.what());
            }
        } else if (a == "--root-cert") config.rootCertFile = value();
        else if (a == "--root-key") config.rootKeyFile = value();
        else if (a == "--alternate-chains") config.alternateChains = static_cast<int>(number(value(), 0, 4));
        else if (a == "--intermediates") config.intermediates = static_cast<int>(number(value(), 1, 4));
        else if (a == "--ocsp-responder-url") config.ocspResponderUrl = value();
        else if (a == "--must-staple") config.mustStaple = choice(MockAcmeConfig::mustStapleFromString, "refuse or copy");
        else if (a == "--csr-rules") config.csrRules = choice(MockAcmeConfig::csrRulesFromString, "boulder or pebble");
        else if (a == "--ari-rules") config.ariRules = choice(MockAcmeConfig::ariRulesFromString, "boulder or pebble");
        else if (a == "--identifier-rules")
            config.identifierRules = choice(MockAcmeConfig::identifierRulesFromString, "boulder or pebble");
        else if (a == "--validation-rules")
            config.validationRules = choice(MockAcmeConfig::validationRulesFromString, "boulder or pebble");
        else if (a == "--public-suffix-list") config.publicSuffixList = value();
        else if (a == "--refuse-reserved-ips") config.refuseReservedAddresses = true;
        else if (a == "--dns-listen") {
            std::tie(config.dnsListenHost, config.dnsListenPort) = hostPort(value());
            config.dnsListen = true;
        } else if (a == "--crl-listen") {
            std::tie(config.crlHost, config.crlPort) = hostPort(value());
            config.crl = true;
        } else if (a == "--crl-base-url") config.crlBaseUrl = value();
        else if (a == "--crl-validity") config.crlValidity = std::chrono::seconds(number(value(), 1, 366L * 86400));
        else if (a == "--crl-max-delay") config.crlMaxDelay = std::chrono::seconds(number(value(), 0, 3600));
        else if (a == "--retry-after") config.retryAfterSeconds = static_cast<int>(number(value(), 0, 86400));
        else if (a == "--orders-per-page") config.ordersPerPage = static_cast<int>(number(value(), 1, 10000));
        else if (a == "--max-connections")
            config.maxConnections = static_cast<int>(number(value(), 1, MockAcmeConfig::kMaxConnections));
        else if (a == "--persist") config.persistFile = value();
        else if (a == "--seed") config.randomSeed = static_cast<std::uint64_t>(number(value(), 0, LONG_MAX));
        else usage("unknown option " + a);
    }

    // settings that contradict one another are a usage error too, found before anything starts
    try {
        config.validate();
    } catch (const Error& e) {
        std::cerr << "mock-acme: " << e.what() << "\n";
        return 2;
    }
    // warnings and errors always, every request with --verbose, to stderr
    Poco::AutoPtr<Poco::PatternFormatter> format(new Poco::PatternFormatter("mock-acme: %p: %t"));
    Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(format, new Poco::ConsoleChannel(std::cerr)));
    Poco::Logger::root().setChannel(channel);
    Poco::Logger::setLevel("", verbose ? Poco::Message::PRIO_INFORMATION : Poco::Message::PRIO_WARNING);

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts
    std::signal(SIGPIPE, SIG_IGN);
    // a shell's soft limit is often 1024; raised to the hard limit, as Go's runtime does for pebble
    if (const auto warning = cxxacme::detail::raiseOpenFileLimit(config.maxConnections))
        std::cerr << "mock-acme: warning: " << *warning << "; raise it (ulimit -n) or lower --max-connections\n";

    try {
        if (!writeCa.empty() && !config.httpsCertificateFile.empty()) {
            std::cerr << "mock-acme: --write-ca: the HTTPS certificate is your own (--https-cert); so is its CA\n";
            return 2;
        }
        MockAcmeServer server(config);
        if (!writeCa.empty()) AtomicFile::write(writeCa, server.httpsCaPem(), 0644);
        std::cout << "directory: " << server.directoryUrl() << "\n"
                  << "management: " << server.managementUrl() << std::endl;
        if (server.dns() != nullptr) std::cout << "dns: " << server.dns()->address() << std::endl;
        if (!server.crlUrl().empty()) {
            if (config.crlBaseUrl.empty() && (config.crlHost == "0.0.0.0" || config.crlHost == "::"))
                std::cerr << "mock-acme: warning: --crl-listen " << config.crlHost << ": the leaves name the CRL at "
                          << server.crlUrl() << "; give --crl-base-url for clients on other hosts\n";
            std::cout << "crl: " << server.crlUrl() << std::endl;
            if (asPebble) std::cout << "Pebble " << pebbleLogTime() << " CRL available at: " << server.crlUrl() << std::endl;
        }
        if (asPebble)  // what scripts written for pebble wait for
            std::cout << "Pebble " << pebbleLogTime() << " Listening on: "
                      << MockAcmeConfig::joinHostPort(config.listenHost, server.port()) << "\n"
                      << "Pebble " << pebbleLogTime() << " ACME directory available at: " << server.directoryUrl()
                      << std::endl;
        int sig = 0;
        sigwait(&signals, &sig);
        server.stop();
        return 0;
    } catch (const Poco::Exception& e) {  // its what() is only its kind ("Net Exception")
        std::cerr << "mock-acme: " << e.displayText() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "mock-acme: " << e.what() << "\n";
        return 1;
    }
}
