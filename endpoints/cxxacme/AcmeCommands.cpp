#include "AcmeCommands.h"

#include <unistd.h>

#include <Poco/Exception.h>

#include <cstdio>
#include <filesystem>

#include "CommandLine.h"
#include "StoreCommand.h"
#include "cxxacme/AcmeClient.h"
#include "cxxacme/AcmeIssuer.h"
#include "cxxacme/AcmeIssuingService.h"
#include "cxxacme/IChallengeBoard.h"
#include "cxxacme/IIssuanceLock.h"
#include "cxxacme/IRenewalInfoBoard.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/Base64Url.h"
#include "cxxacme/DnsPersistRecord.h"
#include "cxxacme/AcmeResources.h"
#include "cxxacme/Error.h"
#include "cxxacme/HttpProxy.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/RateLimitScope.h"
#include "cxxacme/RevocationReason.h"
#include "cxxacme/SharedRateLimits.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/responders/ChallTestSrvDnsProvider.h"
#include "cxxacme/responders/Dns01Responder.h"
#include "cxxacme/responders/DnsPersist01Responder.h"
#include "cxxacme/responders/ExecDnsProvider.h"
#include "cxxacme/responders/Http01Responder.h"
#include "cxxacme/responders/PortTakeover.h"
#include "cxxacme/responders/Rfc2136DnsProvider.h"
#include "cxxacme/responders/TlsAlpn01Responder.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/stores/SqliteStore.h"

namespace cxxacme::cli {

const char* const kAcmeCommandsUsage =
    "  issue  NAME[,NAME...]...   get a certificate for each argument and store it (a name in\n"
    "                             U-labels, bücher.example, is ordered and stored as its A-labels)\n"
    "  renew                      reissue every entry of the store that is due (or empty)\n"
    "  list                       names, expiry and issuer of every entry, and a name with\n"
    "                             A-labels in its U-labels too (no network)\n"
    "  revoke NAME[,NAME...] [--reason R]   revoke the stored certificate (R: an RFC 5280 code or its name,\n"
    "         [--with-certificate-key]      as keyCompromise, superseded, cessationOfOperation); signed by the\n"
    "         [--replace]                   account, or by the certificate's own key (no account needed);\n"
    "                                       --replace: then issue its replacement at once, as `issue`\n"
    "  account show|update|roll-key|deactivate\n"
    "  account persist-record NAME...   the dns-persist-01 TXT record that lets this account have\n"
    "                             each NAME from the CA (*.NAME: with policy=wildcard); creates the\n"
    "                             account if it has none\n"
    "\n"
    "  common options:\n"
    "    --directory URL          the ACME directory (required except for list)\n"
    "    --ca-bundle FILE         trust this CA bundle for the ACME server (default: system store)\n"
    "    --store dir:PATH|sqlite:FILE   the certificate store (txacme's cert directory, or SQLite)\n"
    "    --encryption-key FILE    the store seals private keys at rest with this AES-256 key\n"
    "                             (make one with `cxxacme store keygen FILE`)\n"
    "    --account-key FILE       default: client.key in (or beside) the store (created 0600)\n"
    "    --challenge http-01|tls-alpn-01|dns-01|dns-account-01|dns-persist-01   (default http-01)\n"
    "                             dns-account-01: the account's own TXT name, _LABEL._acme-challenge.NAME\n"
    "                             (draft-ietf-acme-dns-account-label), where the CA offers it\n"
    "                             dns-persist-01: a standing TXT record at _validation-persist.NAME naming the\n"
    "                             CA and the account (draft-ietf-acme-dns-persist); checked before the CA is\n"
    "                             asked, published (and left) through --dns-provider if one is given\n"
    "    --dns-provider rfc2136:ADDR[:PORT]:ZONE:KEYFILE | exec:COMMAND | challtestsrv:URL\n"
    "                             (dns-01, dns-account-01, dns-persist-01)\n"
    "                             rfc2136: signed dynamic updates (TSIG HMAC-SHA256; KEYFILE in BIND's\n"
    "                             or hmac-sha256:NAME:SECRET form) to the server ADDR (port 53 by default)\n"
    "                             for ZONE; exec: runs COMMAND present|cleanup FQDN VALUE (lego's contract);\n"
    "                             challtestsrv: a test DNS server's management at URL (http://HOST:PORT:\n"
    "                             pebble-challtestsrv's, or mock-acme's with --dns-listen); give --dns-resolver\n"
    "    --dns-resolver ADDR:PORT where to wait for the TXT record (default: the rfc2136 server, else the system's)\n"
    "    --propagation-timeout SECONDS   how long to wait for it (default 120)\n"
    "    --dns-follow-cname       publish where a CNAME at _acme-challenge.NAME leads (asked of --dns-resolver,\n"
    "                             else the system's resolvers), as acme-dns delegation needs (dns-01, dns-account-01)\n"
    "    --bind ADDR              where responders listen (default 127.0.0.1)\n"
    "    --http-port N            http-01 responder port (default 5002)\n"
    "    --tls-port N             tls-alpn-01 responder port (default 5001)\n"
    "    --key-type ec256|ec384|rsa2048|rsa3072|rsa4096   certificate key (default ec256)\n"
    "    --email ADDR             account contact (issue, account update)\n"
    "    --profile NAME           certificate profile offered by the CA\n"
    "    --ancestor-domain DOMAIN[,DOMAIN...]   names below DOMAIN are validated once, through DOMAIN (RFC 9444:\n"
    "                             one dns-01 or dns-account-01 record for them all), where the CA offers it\n"
    "    --eab-kid KID --eab-key BASE64URL   external account binding\n"
    "    --timeout SECONDS        per request (default 40)\n"
    "    --connect-timeout SECONDS   per new connection to the CA, TCP and TLS (default 10)\n"
    "    --proxy URL              reach the CA through this HTTP proxy (http://[USER:PASSWORD@]HOST:PORT; HTTPS by\n"
    "                             CONNECT); default: https_proxy / HTTPS_PROXY; none: no proxy whatever they say\n"
    "    --no-proxy LIST          hosts, domains, addresses and blocks that bypass it (default: no_proxy / NO_PROXY)\n";

namespace {

const std::set<std::string> kValued{"directory", "ca-bundle", "store", "account-key", "challenge", "bind",
                                    "http-port", "tls-port", "key-type", "email", "profile", "ancestor-domain", "eab-kid",
                                    "eab-key", "reason", "timeout", "connect-timeout", "proxy", "no-proxy", "encryption-key", "dns-provider",
                                    "dns-resolver", "propagation-timeout"};
const std::set<std::string> kSwitches{"quiet", "dns-follow-cname", "with-certificate-key", "replace"};
// how often a challenge port another process holds is tried again
constexpr auto kPortTakeoverInterval = std::chrono::milliseconds(250);

std::unique_ptr<ICertificateStore> openStore(const CommandLine& cl) {
    return cli::openStore(cl.require("store"), cl.get("encryption-key", ""));
}

// The account's contacts (--email) and external account binding (--eab-kid, --eab-key).
std::vector<std::string> contactsOf(const CommandLine& cl) {
    std::vector<std::string> contacts;
    if (const auto email = cl.get("email")) contacts.push_back("mailto:" + *email);
    return contacts;
}
std::optional<ExternalAccountBinding> bindingOf(const CommandLine& cl) {
    if (!cl.get("eab-kid") && !cl.get("eab-key")) return std::nullopt;
    return ExternalAccountBinding{cl.require("eab-kid"), Base64Url::decode(cl.require("eab-key"))};
}

// client.key in the cert directory, or beside the SQLite file.
std::string defaultAccountKeyPath(const CommandLine& cl) {
    const std::string spec = cl.require("store");
    if (spec.starts_with("dir:")) return spec.substr(4) + "/" + stores::DirectoryStore::kAccountKeyFile;
    const std::filesystem::path file(spec.substr(spec.find(':') + 1));
    return (file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path()).string() + "/client.key";
}

std::shared_ptr<KeySigner> accountKey(const CommandLine& cl, std::ostream& err) {
    const std::string path = cl.get("account-key", defaultAccountKeyPath(cl));
    bool created = false;
    PrivateKey key = PrivateKey::loadOrGenerate(path, KeyType::EcP256, &created);
    if (created) err << "created account key " << path << " (mode 0600)\n";
    return std::make_shared<KeySigner>(key);
}

// --dns-provider rfc2136:ADDR[:PORT]:ZONE:KEYFILE | exec:COMMAND | challtestsrv:URL,
// where ADDR is an IPv4 address or a bracketed IPv6 one ("[::1]").
std::unique_ptr<IDnsProvider> makeDnsProvider(const std::string& spec) {
    static const std::string kForm = "--dns-provider rfc2136:ADDR[:PORT]:ZONE:KEYFILE";
    if (spec.starts_with("exec:") && spec.size() > 5) return std::make_unique<responders::ExecDnsProvider>(spec.substr(5));
    if (spec.starts_with("challtestsrv:") && spec.size() > 13) {
        try {
            return std::make_unique<responders::ChallTestSrvDnsProvider>(spec.substr(13));
        } catch (const DnsError& e) {
            throw UsageError(std::string("--dns-provider challtestsrv:URL: ") + e.what());
        }
    }
    if (!spec.starts_with("rfc2136:"))
        throw UsageError("--dns-provider must be rfc2136:ADDR[:PORT]:ZONE:KEYFILE, exec:COMMAND or challtestsrv:URL");
    std::string address;
    std::size_t at = 8;
    if (spec.compare(at, 1, "[") == 0) {
        const auto close = spec.find(']', at);
        if (close == std::string::npos || spec.compare(close + 1, 1, ":") != 0)
            throw UsageError(kForm + ": an IPv6 ADDR is written [ADDR], followed by ':', in \"" + spec + "\"");
        address = spec.substr(at, close + 1 - at);
        at = close + 2;
    } else {
        const auto colon = std::min(spec.find(':', at), spec.size());
        address = spec.substr(at, colon - at);
        at = colon + 1;
    }
    std::vector<std::string> parts;  // [PORT,] ZONE, KEYFILE (which may hold ':')
    while (at <= spec.size()) {
        const auto colon = std::min(spec.find(':', at), spec.size());
        parts.push_back(spec.substr(at, colon - at));
        at = colon + 1;
    }
    const bool hasPort = parts.size() >= 3 && !parts[0].empty() &&
                         parts[0].find_first_not_of("0123456789") == std::string::npos;
    const std::size_t zoneAt = hasPort ? 1 : 0;
    if (address.empty() || address == "[]" || parts.size() < zoneAt + 2 || parts[zoneAt].empty())
        throw UsageError(kForm + ": missing parts in \"" + spec + "\"");
    std::string keyFile = parts[zoneAt + 1];
    for (std::size_t i = zoneAt + 2; i < parts.size(); ++i) keyFile += ":" + parts[i];
    if (keyFile.empty()) throw UsageError("--dns-provider rfc2136: missing KEYFILE");
    const std::string server = address + ":" + (hasPort ? parts[0] : "53");
    return std::make_unique<responders::Rfc2136DnsProvider>(server, parts[zoneAt], responders::TsigKey::fromFile(keyFile));
}

// The CA, its HTTPS trust, timeouts and proxy, as the command line says.
AcmeClientOptions clientOptionsOf(const CommandLine& cl) {
    AcmeClientOptions options;
    options.directoryUrl = cl.require("directory");
    options.http.caBundleFile = cl.get("ca-bundle", "");
    options.http.timeout = std::chrono::seconds(cl.number("timeout", 40, 1, 3600));
    options.http.connectTimeout = std::chrono::seconds(cl.number("connect-timeout", 10, 1, 3600));
    try {
        const auto proxy = cl.get("proxy");
        const auto noProxy = cl.get("no-proxy");
        if (!proxy)
            options.http.proxy = noProxy ? HttpProxy::fromEnvironment().bypassing(*noProxy) : HttpProxy::fromEnvironment();
        else if (*proxy != "none")
            options.http.proxy = HttpProxy::parse(*proxy, noProxy.value_or(""));
    } catch (const Error& e) {
        throw UsageError(e.what());
    }
    return options;
}

// Everything an ACME command needs, built from the command line.
struct Session {
    std::unique_ptr<ICertificateStore> store;
    std::shared_ptr<KeySigner> key;
    std::string keyPath;
    SystemClock clock;
    std::unique_ptr<AcmeClient> client;
    responders::Http01Responder http;
    responders::TlsAlpn01Responder tls;
    std::unique_ptr<responders::PortTakeover> takeover;  // goes before the responder it listens with
    std::unique_ptr<IDnsProvider> dnsProvider;
    std::unique_ptr<responders::Dns01Responder> dns;
    std::unique_ptr<responders::DnsPersist01Responder> persist;
    std::unique_ptr<AcmeIssuer> issuer;

    Session(const CommandLine& cl, std::ostream& err, bool needResponder) {
        store = openStore(cl);
        keyPath = cl.get("account-key", defaultAccountKeyPath(cl));
        key = accountKey(cl, err);
        client = std::make_unique<AcmeClient>(clientOptionsOf(cl), key, clock);
        if (!needResponder) return;
        // the CA may reach another server over the same store (a fleet): it answers from the board
        auto* board = dynamic_cast<IChallengeBoard*>(store.get());
        if (board) {
            http.share(*board);
            tls.share(*board);
        }

        AcmeIssuerOptions issuerOptions;
        try {
            issuerOptions.keyType = keyTypeFromString(cl.get("key-type", "ec256"));
        } catch (const Error& e) {
            throw UsageError(e.what());
        }
        issuerOptions.profile = cl.get("profile", "");
        if (const auto ancestors = cl.get("ancestor-domain")) {
            try {
                issuerOptions.ancestorDomains = AcmeClient::canonicalAncestorDomains(ServerName::splitKey(*ancestors));
            } catch (const InvalidNameError& e) {
                throw UsageError(std::string("--ancestor-domain: ") + e.what());
            }
        }
        issuerOptions.contacts = contactsOf(cl);
        issuerOptions.externalAccountBinding = bindingOf(cl);
        if (::isatty(2) && !cl.has("quiet")) issuerOptions.progress = [&err](const std::string& line) { err << "  " << line << "\n"; };

        const std::string challenge = cl.get("challenge", "http-01");
        const std::string bind = cl.get("bind", "127.0.0.1");
        // a port another process holds: with a challenge board, that process may be a server over
        // the same store (`cxxacme serve`), which answers from the board; else nothing would answer
        const auto listen = [&](auto& responder, const char* option, int defaultPort) {
            const auto port = static_cast<std::uint16_t>(cl.number(option, defaultPort, 1, 65535));
            try {
                responder.listen(bind, port);
            } catch (const ListenError& e) {
                if (!e.addressInUse() || !board) throw;
                err << "cxxacme: " << e.url() << " is taken; leaving the " << challenge
                    << " answers on the store's challenge board for the server that holds it, and taking the port"
                       " over if it is let go (--" << option << " picks another port)\n";
                // that server may stop first (another `cxxacme issue`, a restart): then this one answers
                takeover = std::make_unique<responders::PortTakeover>(
                    clock, kPortTakeoverInterval, [&responder, bind, port] { responder.listen(bind, port); },
                    [&err, url = e.url()] { err << "cxxacme: " << url << " was let go; answering there\n"; });
            }
        };
        IResponder* responder = nullptr;
        if (challenge == "http-01") {
            listen(http, "http-port", 5002);
            responder = &http;
        } else if (challenge == "tls-alpn-01") {
            listen(tls, "tls-port", 5001);
            responder = &tls;
        } else if (challenge == "dns-01" || challenge == "dns-account-01") {
            dnsProvider = makeDnsProvider(cl.require("dns-provider"));
            responders::Dns01ResponderOptions dnsOptions;
            if (const auto resolver = cl.get("dns-resolver")) dnsOptions.resolvers = {*resolver};
            dnsOptions.propagationTimeout = std::chrono::seconds(cl.number("propagation-timeout", 120, 1, 3600));
            dnsOptions.pollInterval = std::chrono::milliseconds(500);
            dnsOptions.accountLabel = challenge == "dns-account-01";
            dnsOptions.followCname = cl.has("dns-follow-cname");
            dns = std::make_unique<responders::Dns01Responder>(*dnsProvider, dnsOptions);
            responder = dns.get();
        } else if (challenge == "dns-persist-01") {
            responders::DnsPersist01ResponderOptions persistOptions;
            if (const auto provider = cl.get("dns-provider")) {
                dnsProvider = makeDnsProvider(*provider);
                persistOptions.publishWith = dnsProvider.get();
            }
            if (const auto resolver = cl.get("dns-resolver")) persistOptions.lookup.resolvers = {*resolver};
            persistOptions.lookup.propagationTimeout = std::chrono::seconds(cl.number("propagation-timeout", 120, 1, 3600));
            persistOptions.lookup.pollInterval = std::chrono::milliseconds(500);
            persist = std::make_unique<responders::DnsPersist01Responder>(persistOptions);
            responder = persist.get();
        } else {
            throw UsageError("--challenge must be http-01, tls-alpn-01, dns-01, dns-account-01 or dns-persist-01");
        }
        issuer = std::make_unique<AcmeIssuer>(*client, std::vector<IResponder*>{responder}, issuerOptions);
    }
};

void report(std::ostream& out, const std::string& verb, const std::string& names, const PemBundle& bundle) {
    const auto chain = bundle.chain();
    out << verb << " " << names << ": valid until " << formatRfc3339(bundle.notAfter()) << ", issued by "
        << bundle.certificate().issuer() << "\n";
}

// The CA's refusals met so far that hold more than their order (RateLimitScope), so that a
// command asking for many entries sends none into a refusal it has already met; shared with
// the services and commands of the same account over the store (SharedRateLimits), both ways.
class HeldScopes {
public:
    explicit HeldScopes(SharedRateLimits shared) : shared_(shared) {}
    void note(const Error& error, TimePoint now) {
        const auto* problem = dynamic_cast<const AcmeProblem*>(&error);
        if (!problem || !problem->retryAt() || *problem->retryAt() <= now) return;
        RateLimitScope scope = RateLimitScope::of(*problem);
        if (scope.kind() == RateLimitScope::Kind::Order) return;
        shared_.post(*problem, scope, *problem->retryAt());
        held_.emplace_back(std::move(scope), *problem->retryAt());
    }
    /// Why `names` (an order renewing as `renewal` says: RateLimitScope::holds) is not asked for, or nothing.
    std::optional<std::string> holding(const std::string& names, TimePoint now, RateLimitScope::Renewal renewal) const {
        for (const auto& [scope, until] : held_)
            if (until > now && scope.holds(names, renewal)) return scope.notAsked(until);
        for (const auto& refusal : shared_.read(now))
            if (refusal.scope.holds(names, renewal))
                return refusal.scope.notAsked(refusal.until) + ", as another process over the store was told";
        return std::nullopt;
    }

private:
    SharedRateLimits shared_;
    std::vector<std::pair<RateLimitScope, TimePoint>> held_;
};

// Takes `names`'s issuance lock where the store has them (IIssuanceLock), so that a
// command and a running service (or two hosts over one store) do not both order it.
// False when another holds it.
bool lockEntry(ICertificateStore& store, const std::string& names, std::unique_ptr<IIssuanceLock::Held>& held) {
    auto* locks = dynamic_cast<IIssuanceLock*>(&store);
    if (!locks) return true;
    held = locks->tryLock(names);
    return held != nullptr;
}

// The issuing service's rules, never started: when an entry is due and what an order for it
// renews, the CA's renewal information (RFC 9773) among them.
std::unique_ptr<AcmeIssuingService> renewalRules(Session& s) {
    AcmeIssuingServiceOptions options;
    options.renewalInfo = [client = s.client.get()](const Certificate& c) { return client->renewalInfo(c); };
    return std::make_unique<AcmeIssuingService>(*s.store, *s.issuer, s.clock, options);
}

int issue(const CommandLine& cl, std::ostream& out, std::ostream& err) {
    if (cl.positional().empty()) throw UsageError("issue needs at least one NAME[,NAME...]");
    std::vector<std::string> keys;
    for (const auto& arg : cl.positional()) keys.push_back(ServerName::canonicalKey(arg));  // check all first
    Session s(cl, err, true);
    int failures = 0;
    HeldScopes held(SharedRateLimits(*s.store, *s.issuer));
    const auto rules = renewalRules(s);
    // what each order renews, by what the store holds; `askWindow`: and whether the CA's renewal
    // window (RFC 9773) for it has begun, which exempts it from every refusal but a down CA's
    const auto renewalOf = [&](const std::string& names, bool askWindow) {
        try {
            const auto current = s.store->get(names);
            if (!current || current->empty()) return RateLimitScope::Renewal::None;
            if (askWindow) return rules->renewalOf(names, *current);
            return RateLimitScope::renewalOf(names, &current->certificate(), s.clock.now(), false);
        } catch (const Error&) {
            return RateLimitScope::Renewal::None;  // the order will say what is wrong with it
        }
    };
    for (const auto& names : keys) {
        auto why = held.holding(names, s.clock.now(), renewalOf(names, false));
        if (why) why = held.holding(names, s.clock.now(), renewalOf(names, true));  // the CA asked only then
        if (why) {
            err << "cxxacme: issuing " << names << " failed: " << *why << "\n";
            ++failures;
            continue;
        }
        try {
            std::unique_ptr<IIssuanceLock::Held> lock;
            if (!lockEntry(*s.store, names, lock)) {
                err << "cxxacme: issuing " << names << " failed: another process is issuing it (it holds the entry's lock)\n";
                ++failures;
                continue;
            }
            std::optional<Certificate> replacing;
            if (const auto current = s.store->get(names); current && !current->empty()) replacing = current->certificate();
            const PemBundle bundle = s.issuer->issue(names, replacing);
            s.store->store(names, bundle);
            report(out, "issued", names, bundle);
        } catch (const Error& e) {
            err << "cxxacme: issuing " << names << " failed: " << e.what() << "\n";
            held.note(e, s.clock.now());
            ++failures;
        }
    }
    return failures ? 1 : 0;
}

int renew(const CommandLine& cl, std::ostream& out, std::ostream& err) {
    if (!cl.positional().empty()) throw UsageError("renew takes no names: it renews what is due");
    Session s(cl, err, true);
    const auto rules = renewalRules(s);
    int failures = 0, renewed = 0, skipped = 0;
    HeldScopes held(SharedRateLimits(*s.store, *s.issuer));
    for (auto [names, entry] : s.store->asMap()) {
        if (!entry.empty() && s.clock.now() < rules->renewalDue(entry, names)) continue;
        if (const auto why = held.holding(names, s.clock.now(), rules->renewalOf(names, entry))) {
            err << "cxxacme: renewing " << names << " failed: " << *why << "\n";
            ++failures;
            continue;
        }
        try {
            std::unique_ptr<IIssuanceLock::Held> lock;
            if (!lockEntry(*s.store, names, lock)) {
                out << "skipped " << names << ": another process is issuing it\n";
                ++skipped;
                continue;
            }
            // read again under the lock: another process may have renewed it since the map was read
            const auto current = s.store->get(names);
            if (!current) continue;
            entry = *current;
            if (!entry.empty() && s.clock.now() < rules->renewalDue(entry, names)) continue;
            const PemBundle bundle =
                s.issuer->issue(names, entry.empty() ? std::nullopt : std::optional<Certificate>(entry.certificate()));
            s.store->store(names, bundle);
            report(out, entry.empty() ? "issued" : "renewed", names, bundle);
            ++renewed;
        } catch (const Error& e) {
            err << "cxxacme: renewing " << names << " failed: " << e.what() << "\n";
            held.note(e, s.clock.now());
            ++failures;
        }
    }
    if (renewed == 0 && failures == 0 && skipped == 0) out << "nothing is due\n";
    return failures ? 1 : 0;
}

int list(const CommandLine& cl, std::ostream& out) {
    auto store = openStore(cl);
    SystemClock clock;
    for (const auto& [names, entry] : store->asMap()) {
        // names with A-labels: as people write them too, in a last column
        const std::string shown = ServerName::forDisplay(names);
        const std::string readable = shown == names ? "" : "\t" + shown;
        if (entry.empty()) {
            out << names << "\tempty (will be issued)" << readable << "\n";
            continue;
        }
        const auto& cert = entry.certificate();
        const bool expired = cert.notAfter() <= clock.now();
        out << names << "\t" << formatRfc3339(cert.notAfter()) << (expired ? " (expired)" : "") << "\t" << cert.issuer()
            << readable << "\n";
    }
    return 0;
}

int revoke(const CommandLine& cl, std::ostream& out, std::ostream& err) {
    if (cl.positional().size() != 1) throw UsageError("revoke needs exactly one NAME[,NAME...]");
    int reason = RevocationReason::kUnspecified;
    if (const auto text = cl.get("reason")) {
        try {
            reason = RevocationReason::parse(*text);
        } catch (const Error& e) {
            throw UsageError(std::string("--reason: ") + e.what());
        }
    }
    const std::string names = ServerName::canonicalKey(cl.positional()[0]);
    const auto storedEntry = [&names](ICertificateStore& from) {
        auto found = from.get(names);
        if (!found || found->empty()) throw Error("the store has no certificate for " + names);
        return *found;
    };
    std::unique_ptr<ICertificateStore> store;
    PemBundle entry;
    const bool byCertificateKey = cl.has("with-certificate-key");
    if (byCertificateKey) {
        // RFC 8555 §7.6: a JWS with the certificate's own key (jwk), for an account key that is lost
        // or another's: no account is read, found or made
        store = openStore(cl);
        entry = storedEntry(*store);
        const auto certificateKey = std::make_shared<KeySigner>(entry.privateKey());
        SystemClock clock;
        AcmeClient client(clientOptionsOf(cl), certificateKey, clock);
        client.revoke(entry.certificate(), reason, certificateKey.get());
    } else {
        Session s(cl, err, false);
        entry = storedEntry(*s.store);
        s.client->findAccount();
        s.client->revoke(entry.certificate(), reason);
        store = std::move(s.store);
    }
    // the CA's renewal information about it changes now (a revoked certificate's window has begun):
    // what the store kept from before is not asked of it again
    if (auto* board = dynamic_cast<IRenewalInfoBoard*>(store.get())) {
        try {
            board->removeRenewalInfo(names);
        } catch (const Error& e) {
            err << "cxxacme: warning: the store keeps the CA's renewal information of " << names
                << " from before the revocation until it ends: " << e.what() << "\n";
        }
    }
    out << "revoked " << names << " (serial " << entry.certificate().serialHex() << ", reason " << reason << " "
        << RevocationReason::name(reason) << (byCertificateKey ? ", signed with the certificate's key" : "") << ")\n";
    return 0;
}

int account(const CommandLine& cl, std::ostream& out, std::ostream& err) {
    if (cl.positional().empty() || (cl.positional().size() != 1 && cl.positional()[0] != "persist-record"))
        throw UsageError("account needs one of: show, update, roll-key, deactivate, persist-record NAME...");
    const std::string action = cl.positional()[0];
    if (action == "persist-record" && cl.positional().size() < 2) throw UsageError("account persist-record needs a NAME");
    std::vector<std::string> names;  // checked before anything is asked of the CA
    for (std::size_t i = 1; i < cl.positional().size(); ++i) {
        names.push_back(ServerName::canonical(cl.positional()[i]));
        (void)DnsPersistRecord::validationName(names.back());  // no IP addresses
    }
    Session s(cl, err, false);
    const auto show = [&](const AcmeAccount& a) {
        out << "account " << a.url << "\nstatus  " << a.status << "\n";
        for (const auto& c : a.contact) out << "contact " << c << "\n";
        // the terms of now, agreed or not (RFC 8555 §7.3.3: a person agrees to changed terms)
        if (const std::string& terms = s.client->directory().termsOfService; !terms.empty())
            out << "terms   " << (a.termsOfServiceAgreed ? "agreed to " : "not agreed to ") << InvalidNameError::printable(terms, 512)
                << "\n";
    };
    if (action == "show") {
        show(s.client->findAccount());
    } else if (action == "update") {
        s.client->findAccount();
        show(s.client->updateContact(contactsOf(cl)));
    } else if (action == "roll-key") {
        s.client->findAccount();
        const PrivateKey next = PrivateKey::generate(KeyType::EcP256);
        const std::string pending = s.keyPath + ".next";
        AtomicFile::write(pending, next.toPem(), 0600);  // kept if the CA accepts and the rename fails
        s.client->rollKey(std::make_shared<KeySigner>(next));
        std::filesystem::rename(pending, s.keyPath);
        out << "rolled the account key; the new key is in " << s.keyPath << "\n";
    } else if (action == "persist-record") {
        const AcmeAccount a = s.client->registerAccount(contactsOf(cl), true, bindingOf(cl));
        const auto& issuers = s.client->directory().caaIdentities;
        if (issuers.empty())
            throw Error("the CA's directory lists no caaIdentities: there is no issuer domain name to put in the record");
        for (const auto& name : names)
            out << DnsPersistRecord::validationName(name) << ". TXT \""
                << responders::DnsPersist01Responder::recordFor(name, issuers.front(), a.url) << "\"\n";
    } else if (action == "deactivate") {
        s.client->findAccount();
        show(s.client->deactivateAccount());
    } else {
        throw UsageError("unknown account action \"" + action + "\"");
    }
    return 0;
}

}  // namespace

int runAcmeCommand(const std::string& command, const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
    try {
        const CommandLine cl(args, kValued, kSwitches);
        if (command == "issue") return issue(cl, out, err);
        if (command == "renew") return renew(cl, out, err);
        if (command == "list") return list(cl, out);
        if (command == "revoke") {
            const int status = revoke(cl, out, err);
            // the revoked certificate is served until another takes its place: --replace orders it now, as `issue`
            return status == 0 && cl.has("replace") ? issue(cl, out, err) : status;
        }
        if (command == "account") return account(cl, out, err);
        throw UsageError("unknown command " + command);
    } catch (const UsageError& e) {
        err << "cxxacme " << command << ": " << e.what() << "\n";
        return 2;
    } catch (const InvalidNameError& e) {
        err << "cxxacme " << command << ": " << e.what() << "\n";
        return 2;
    } catch (const Poco::Exception& e) {  // its what() is only its kind ("Net Exception")
        err << "cxxacme " << command << ": " << e.displayText() << "\n";
        return 1;
    } catch (const std::exception& e) {
        err << "cxxacme " << command << ": " << e.what() << "\n";
        return 1;
    }
}

}  // namespace cxxacme::cli
