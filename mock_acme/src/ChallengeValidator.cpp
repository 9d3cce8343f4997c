#include "cxxacme/mock_acme/ChallengeValidator.h"

#include "cxxacme/DnsPersistRecord.h"
#include "cxxacme/DnsTxtLookup.h"

#include <arpa/nameser.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>
#include <sstream>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "PublicSuffixList.h"
#include "cxxacme/Certificate.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/detail/HttpBodyReader.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/detail/Sockets.h"

namespace cxxacme::mock_acme {

namespace {

constexpr std::size_t kMaxHttpBody = std::size_t{8} * 1024;
constexpr std::size_t kBoulderMaxHttpBody = 128;  // Boulder's VA refuses a body this long or longer
constexpr int kMaxRedirects = 10;

// POCO's client session, its buffered read (protected there) open to HttpBodyReader
class ValidationSession final : public Poco::Net::HTTPClientSession {
public:
    using Poco::Net::HTTPClientSession::HTTPClientSession;
    int readSome(char* buffer, std::streamsize length) { return read(buffer, length); }
};

// Without the white space after it, which a CA ignores (Boulder: Go's unicode.IsSpace; pebble
// " \t\r\n"); white space before the key authorization is not ignored, by either.
std::string withoutTrailingSpace(const std::string& s) {
    const auto last = s.find_last_not_of(" \t\n\v\f\r");
    return last == std::string::npos ? std::string() : s.substr(0, last + 1);
}

// Bytes as Go's %q shows an ASCII string: printable ones as they are, others escaped.
std::string goQuoted(const std::string& bytes) {
    std::string out = "\"";
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') out += std::string("\\") + c;
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (u >= 0x20 && u < 0x7f) out += c;
        else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", u);
            out += hex;
        }
    }
    return out + "\"";
}

// A TCP connection with a connect timeout and read/write timeouts, blocking.
int connectTo(const std::string& address, std::uint16_t port, std::chrono::milliseconds timeout) {
    const auto to = detail::ipEndpoint(address, port);
    if (!to) throw Error("not an IP address: " + address);
    detail::UniqueFd fd = detail::connectTcp(*to, timeout);
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd.release();
}

// A connection to the first of `addresses` that takes one, as
// Let's Encrypt's validation falls back from IPv6 to IPv4 when the IPv6
// connection cannot be made (an answer that comes, however wrong, is the
// answer). `connected` is set to the address connected to. Throws Error
// naming every address tried.
int connectToFirst(const std::vector<std::string>& addresses, std::uint16_t port, std::chrono::milliseconds timeout,
                   std::string& connected) {
    std::string failures;
    for (const auto& address : addresses) {
        try {
            const int fd = connectTo(address, port, timeout);
            connected = address;
            return fd;
        } catch (const Error& e) {
            failures += (failures.empty() ? "" : "; ") + MockAcmeConfig::joinHostPort(address, port) + ": " + e.what();
        }
    }
    throw Error(failures.empty() ? "no address to connect to" : failures);
}

// A refusal, `at` the address whose answer it is ("" for none): Boulder's validation names the
// address it connected to before its words (its VA's ipError), for http-01 and tls-alpn-01.
AcmeProblem problem(const std::string& type, const std::string& detail, const std::string& at = "") {
    return AcmeProblem(type, at.empty() ? detail : at + ": " + detail, type == "connection" || type == "dns" ? 400 : 403);
}

}  // namespace

ChallengeValidator::ChallengeValidator(const MockAcmeConfig& config, std::chrono::milliseconds timeout)
    : config_(config), timeout_(timeout) {
    if (config_.validationRules == MockAcmeConfig::ValidationRules::Boulder && !config_.publicSuffixList.empty())
        suffixes_ = std::make_shared<const PublicSuffixList>(PublicSuffixList::load(config_.publicSuffixList));
}

std::vector<std::string> ChallengeValidator::addressesOf(const std::string& host) const {
    if (detail::ipEndpoint(host, 0)) return {host};  // an IP identifier, or a redirect to an address: that address
    const auto it = config_.resolve.find(host);
    if (it != config_.resolve.end()) return {it->second};
    if (!config_.resolveThroughDns || config_.dnsServer.empty()) return {config_.defaultAddress};
    // as pebble and Let's Encrypt: IPv6 first; the first address of each
    // family. One family's failure is borne when the other has an address.
    std::vector<std::string> found;
    std::optional<DnsError> failure;
    for (auto lookup : {&DnsTxtLookup::ipv6Addresses, &DnsTxtLookup::addresses}) {
        try {
            const auto family = lookup(config_.dnsServer, host, timeout_);
            if (!family.empty()) found.push_back(family.front());
        } catch (const DnsError& e) {
            if (!failure) failure = e;
        }
    }
    if (found.empty() && failure) throw problem("dns", failure->what());  // (which names the name)
    if (found.empty()) throw problem("dns", "No valid IP addresses found for " + host + " (from " + config_.dnsServer + ")");
    return found;
}

std::optional<AcmeProblem> ChallengeValidator::validate(const ValidationRequest& request) {
    try {
        if (request.challengeType == "http-01") return http01(request);
        if (request.challengeType == "tls-alpn-01") return tls(request, true);
        if (request.challengeType == "tls-sni-01") return tls(request, false);
        if (request.challengeType == "dns-01" || request.challengeType == "dns-account-01") return dns01(request);
        if (request.challengeType == "dns-persist-01") return dnsPersist01(request);
    } catch (const AcmeProblem& p) {  // a name that does not resolve (addressesOf)
        return p;
    }
    return AcmeProblem("malformed", "unknown challenge type " + request.challengeType, 400);
}

std::optional<AcmeProblem> ChallengeValidator::http01(const ValidationRequest& request) const {
    const Identifier& id = request.identifier;
    // RFC 8555 §8.3: the server follows redirects, as Let's Encrypt and pebble do, to http and to
    // https, whose certificate is not checked; https without a port goes to the TLS port
    std::string scheme = "http";
    std::string host = id.value;
    std::uint16_t port = config_.http01Port;
    std::string path = "/.well-known/acme-challenge/" + request.token;
    const bool boulder = config_.validationRules == MockAcmeConfig::ValidationRules::Boulder;
    for (int redirects = 0;; ++redirects) {
        const auto addresses = addressesOf(host);
        std::string connected;
        std::string at;  // the address whose answer is judged, as Boulder names it
        const std::string authority = MockAcmeConfig::joinHostPort(host, port);
        const std::string url = scheme + "://" + authority + path;
        std::string body;
        int status = 0;
        std::string location;
        try {
            int fd = -1;
            try {
                fd = connectToFirst(addresses, port, timeout_, connected);
            } catch (const Error& e) {
                return problem("connection", "fetching " + url + ": " + e.what());  // (naming each address tried)
            }
            if (boulder) at = connected;
            Poco::Net::StreamSocket socket(new Poco::Net::StreamSocketImpl(fd));
            if (scheme == "https") {
                Poco::Net::Context::Params params;
                params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // as Let's Encrypt and pebble
                params.loadDefaultCAs = false;
                Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
                // SNI names a DNS name, never an address (RFC 6066 §3); a plain session over the
                // TLS socket, since POCO's HTTPS one would set a port on it
                const std::string sni = detail::ipEndpoint(host, port) ? "" : host;
                socket = Poco::Net::SecureStreamSocket::attach(socket, sni, context);
            }
            ValidationSession session(socket);
            session.setTimeout(Poco::Timespan(timeout_.count() * 1000));
            Poco::Net::HTTPRequest get(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
            get.setHost(authority);
            get.set("User-Agent", "cxxacme-mock-acme validation");
            get.set("Accept", "*/*");
            session.sendRequest(get);
            Poco::Net::HTTPResponse response;
            detail::HttpBodyReader::receiveHead(session, response);  // the body is read by HttpBodyReader
            status = response.getStatus();
            location = response.get("Location", "");
            // only an answer's body is read, whole (as a CA's Go client reads it: a body cut short is an
            // unexpected EOF); a redirect's or a refusal's is left unread
            if (status == 200)
                body = detail::HttpBodyReader(
                           [&session](char* buffer, std::streamsize length) { return session.readSome(buffer, length); },
                           kMaxHttpBody)
                           .body(response, "GET");
        } catch (const detail::HttpBodyReader::Refused& e) {
            if (e.why() == detail::HttpBodyReader::Refused::Why::TooLarge)
                return problem("unauthorized",
                               boulder ? "Invalid response from " + url + ": over 8 KiB" : "the response is over 8 KiB", at);
            return problem("connection", "fetching " + url + ": " + e.what(), at);
        } catch (const Poco::Exception& e) {
            return problem("connection", "fetching " + url + ": " + e.displayText(), at);
        }
        if (status >= 300 && status < 400 && !location.empty()) {
            if (redirects >= kMaxRedirects) return problem("connection", "too many redirects (the last to " + url + ")", at);
            Poco::URI target;
            Poco::URI reference;
            try {
                reference = Poco::URI(location);
                target = Poco::URI(Poco::URI(url), location);
            } catch (const Poco::Exception&) {
                return problem("connection", "unreadable redirect from " + url, at);
            }
            // a reference without a host keeps the port; one with a host but no port goes to the
            // scheme's validation port, as a CA's goes to 80 or 443
            const bool keepsPort = reference.getHost().empty() || reference.getSpecifiedPort() != 0;
            if (boulder) {
                if (auto refused = refusedRedirect(target, reference.getSpecifiedPort() != 0))
                    return problem("connection", *refused, at);
            } else {
                if (target.getScheme() != "http" && target.getScheme() != "https")
                    return problem("connection", "redirect from " + url + " to a URL neither http nor https");
                if (target.getHost().empty())
                    return problem("connection", "redirect from " + url + " to a URL without a host");
            }
            scheme = target.getScheme();
            host = target.getHost();
            port = keepsPort ? target.getPort() : (scheme == "https" ? config_.tlsAlpn01Port : config_.http01Port);
            path = target.getPathEtc();
            continue;
        }
        // each refusal unauthorized, in the words of the CA whose rules are kept
        if (status != 200)
            return problem("unauthorized",
                           boulder ? "Invalid response from " + url + ": " + std::to_string(status)
                                   : "Non-200 status code from HTTP: " + url + " returned " + std::to_string(status),
                           at);
        // Boulder reads at most 128 bytes (a key authorization is 87) and refuses a body that fills them
        if (boulder && body.size() >= kBoulderMaxHttpBody)
            return problem("unauthorized",
                           "Invalid response from " + url + ": " + goQuoted(body.substr(0, kBoulderMaxHttpBody)), at);
        const std::string payload = withoutTrailingSpace(body);
        if (payload != request.keyAuthorization)
            return problem("unauthorized",
                           "The key authorization file from the server did not match this challenge" +
                               (boulder ? ". Expected " + goQuoted(request.keyAuthorization) + " (got " + goQuoted(payload) + ")"
                                        : " " + goQuoted(request.keyAuthorization) + " != " + goQuoted(payload)),
                           at);
        return std::nullopt;
    }
}

std::optional<std::string> ChallengeValidator::refusedRedirect(const Poco::URI& target, bool explicitPort) const {
    // Boulder's checks of a redirect target, in its order and words (its VA's extractRequestTarget),
    // its ports being the two validation ports
    const std::string fetching = "Fetching " + InvalidNameError::printable(target.toString(), 200) + ": ";
    const std::string& scheme = target.getScheme();
    if (scheme != "http" && scheme != "https")
        return fetching + "Invalid protocol scheme in redirect target. Only \"http\" and \"https\" protocol schemes are "
                          "supported, not \"" + InvalidNameError::printable(scheme, 40) + "\"";
    if (explicitPort && target.getPort() != config_.http01Port && target.getPort() != config_.tlsAlpn01Port)
        return fetching + "Invalid port in redirect target. Only ports " + std::to_string(config_.http01Port) + " and " +
               std::to_string(config_.tlsAlpn01Port) + " are supported, not " + std::to_string(target.getPort());
    const std::string& host = target.getHost();
    if (host.empty()) return fetching + "Invalid empty host in redirect target";
    // a site's redirect written without the '/' after its host: "https://example.test" + "/.well-known/..."
    if (host.size() >= 11 && Poco::icompare(host.substr(host.size() - 11), ".well-known") == 0)
        return fetching + "Invalid host in redirect target \"" + InvalidNameError::printable(host, 253) +
               "\". Check webserver config for missing '/' in redirect target.";
    // with the Public Suffix List Boulder's names are judged by: a name, not an address, must end in an ICANN suffix
    if (suffixes_ && !detail::ipEndpoint(host, 0) && !suffixes_->icannSuffix(Poco::toLower(host)))
        return fetching + "Invalid host in redirect target, must end in IANA registered TLD";
    return std::nullopt;
}

std::optional<AcmeProblem> ChallengeValidator::tls(const ValidationRequest& request, bool alpn) const {
    const Identifier& id = request.identifier;
    std::string sni;
    std::string expectedSan;
    if (alpn) {
        sni = id.type == Identifier::Type::Ip ? ServerName::reverseDnsName(id.value) : id.value;
        expectedSan = id.value;
    } else {
        sni = KeyAuthorization::tlsSni01Name(request.keyAuthorization);
        expectedSan = sni;
    }
    const auto addresses = addressesOf(id.value);
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    if (!ctx) return AcmeProblem("serverInternal", detail::takeOpenSslErrors("SSL_CTX_new"), 500);
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
    detail::UniqueFd fd;
    std::string connected;
    try {
        fd = detail::UniqueFd(connectToFirst(addresses, config_.tlsAlpn01Port, timeout_, connected));
    } catch (const Error& e) {
        return problem("connection", "connecting to " + MockAcmeConfig::joinHostPort(id.value, config_.tlsAlpn01Port) + ": " +
                                         e.what());  // (naming each address tried)
    }
    // the address whose answer is judged, as Boulder names it
    const std::string at = config_.validationRules == MockAcmeConfig::ValidationRules::Boulder ? connected : "";
    SSL_set_fd(ssl.get(), fd.get());
    SSL_set_tlsext_host_name(ssl.get(), sni.c_str());
    if (alpn) {
        static const unsigned char protos[] = "\x0a" "acme-tls/1";
        SSL_set_alpn_protos(ssl.get(), protos, sizeof protos - 1);
    }
    if (SSL_connect(ssl.get()) != 1)
        return problem("tls", detail::takeOpenSslErrors("TLS handshake failed"), at);
    if (alpn) {
        const unsigned char* selected = nullptr;
        unsigned int len = 0;
        SSL_get0_alpn_selected(ssl.get(), &selected, &len);
        if (std::string(reinterpret_cast<const char*>(selected), len) != KeyAuthorization::kAcmeTlsAlpnProtocol)
            return problem("tls", "the server did not negotiate acme-tls/1", at);
    }
    X509* peer = SSL_get1_peer_certificate(ssl.get());
    SSL_shutdown(ssl.get());
    if (peer == nullptr) return problem("tls", "no certificate presented", at);
    const Certificate cert = Certificate::adopt(peer);
    std::vector<Identifier> sans;
    try {
        sans = cert.subjectAltNames();
    } catch (const Error& e) {
        return problem("unauthorized", std::string("unreadable certificate: ") + e.what(), at);
    }
    if (alpn) {
        // RFC 8737 §3 / RFC 8738 §6: a dNSName for a dns identifier, an iPAddress for an ip one
        if (sans.size() != 1 || sans[0].type != id.type || sans[0].value != expectedSan)
            return problem("unauthorized", "the challenge certificate must have exactly one SAN, the identifier", at);
        // in Boulder's words (pebble's for a wrong value by its rules)
        const std::string incorrect = "Incorrect validation certificate for tls-alpn-01 challenge. ";
        const auto ext = cert.extension(KeyAuthorization::kAcmeIdentifierOid);
        if (!ext) return problem("unauthorized", incorrect + "Missing acmeValidationV1 extension.", at);
        if (!ext->critical) return problem("unauthorized", incorrect + "acmeValidationV1 extension not critical", at);
        const std::string expected = KeyAuthorization::tlsAlpn01Digest(request.keyAuthorization);
        // an OCTET STRING of the 32 bytes of a SHA-256 digest, and nothing else
        if (ext->value.size() != 2 + expected.size() || ext->value[0] != '\x04' ||
            ext->value[1] != static_cast<char>(expected.size()))
            return problem("unauthorized", incorrect + "Malformed acmeValidationV1 extension value", at);
        const std::string got = ext->value.substr(2);
        if (got != expected)
            return problem("unauthorized",
                           incorrect + (config_.validationRules == MockAcmeConfig::ValidationRules::Boulder
                                            ? "Expected acmeValidationV1 extension value " + detail::hexEncode(expected) +
                                                  " for this challenge but got " + detail::hexEncode(got)
                                            : std::string("Invalid acmeValidationV1 extension value.")),
                           at);
    } else {
        bool found = false;
        for (const auto& san : sans) found = found || san.value == expectedSan;
        if (!found) return problem("unauthorized", "the certificate lacks the name " + expectedSan, at);
    }
    return std::nullopt;
}

std::vector<std::string> ChallengeValidator::txtRecords(const ValidationRequest& request, const std::string& qname) const {
    if (config_.dnsServer.empty())
        throw problem("dns", "no DNS server is configured to look up " + qname + " for " + request.challengeType);
    const bool boulder = config_.validationRules == MockAcmeConfig::ValidationRules::Boulder;
    // a lookup that failed, in Boulder's words (its DNS client's errors): what kept the records away
    const auto dnsProblem = [&](const std::string& what, const std::string& explanation = "") {
        return problem("dns", "DNS problem: " + what + " looking up TXT for " + qname + explanation);
    };
    // pebble's: every failure is "unauthorized", quoting its resolver's words
    const auto notRetrieved = [&](const std::string& why) {
        return problem("unauthorized", "Error retrieving TXT records for DNS challenge (" + goQuoted(why) + ")");
    };
    DnsTxtLookup::TxtAnswer seen;
    try {
        seen = DnsTxtLookup::txtAnswer(config_.dnsServer, qname, timeout_);
    } catch (const DnsError& e) {
        if (!boulder) throw notRetrieved(e.what());
        if (e.rcode() == ns_r_servfail)
            throw dnsProblem(DnsTxtLookup::responseCodeName(e.rcode()), " - the domain's nameservers may be malfunctioning");
        if (e.rcode() > 0) throw dnsProblem(DnsTxtLookup::responseCodeName(e.rcode()));
        throw dnsProblem(e.cause() == DnsError::Cause::TimedOut      ? "query timed out"
                         : e.cause() == DnsError::Cause::Unreachable ? "networking error"
                                                                     : "server failure at resolver");
    }
    if (seen.noSuchName) {
        if (!boulder) throw notRetrieved(config_.dnsServer + ": no such name as " + qname + " (NXDOMAIN)");
        throw dnsProblem("NXDOMAIN", " - check that a DNS record exists for this domain");
    }
    // a name without TXT records: a distinct answer, so that it is told from a wrong record
    if (seen.values.empty())
        throw problem("unauthorized", boulder ? "No TXT record found at " + qname : "No TXT records found for DNS challenge");
    return std::move(seen.values);
}

std::optional<AcmeProblem> ChallengeValidator::dns01(const ValidationRequest& request) const {
    std::string qname = "_acme-challenge." + request.identifier.value;
    if (request.challengeType == "dns-account-01") qname = KeyAuthorization::dnsAccountLabel(request.accountUrl) + "." + qname;
    const std::vector<std::string> seen = txtRecords(request, qname);
    const std::string expected = KeyAuthorization::dns01TxtValue(request.keyAuthorization);
    if (std::find(seen.begin(), seen.end(), expected) != seen.end()) return std::nullopt;
    if (config_.validationRules == MockAcmeConfig::ValidationRules::Pebble)
        return problem("unauthorized", "Correct value not found for DNS challenge");
    // as Boulder says it: the first record seen, cut at 100 bytes
    const std::string first = seen.front().size() > 100 ? seen.front().substr(0, 100) + "..." : seen.front();
    return problem("unauthorized",
                   "Incorrect TXT record " + goQuoted(first) +
                       (seen.size() > 1 ? " (and " + std::to_string(seen.size() - 1) + " more)" : std::string()) +
                       " found at " + qname);
}

std::optional<AcmeProblem> ChallengeValidator::dnsPersist01(const ValidationRequest& request) const {
    const std::string qname = DnsPersistRecord::validationName(request.identifier.value);
    const auto why = DnsPersistRecord::refusal(
        txtRecords(request, qname),
        DnsPersistRecord::Expectation{config_.caaIdentities, request.accountUrl, request.wildcard, request.now});
    if (!why) return std::nullopt;
    return problem("unauthorized", "the records at " + qname + " do not authorize this: " + *why);
}

}  // namespace cxxacme::mock_acme
