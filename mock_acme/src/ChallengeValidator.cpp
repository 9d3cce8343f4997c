#include "cxxacme/mock_acme/ChallengeValidator.h"

#include "cxxacme/DnsPersistRecord.h"
#include "cxxacme/DnsTxtLookup.h"

#include <arpa/nameser.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "PublicSuffixList.h"
#include "ReservedAddressBlocks.h"
#include "cxxacme/Certificate.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/detail/HttpBodyReader.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/detail/Sockets.h"
#include "cxxacme/detail/X509Helpers.h"

namespace cxxacme::mock_acme {

namespace {

constexpr std::size_t kMaxHttpBody = std::size_t{8} * 1024;
constexpr std::size_t kBoulderMaxHttpBody = 128;  // Boulder's VA refuses a body longer than this
constexpr int kGoMaxRequests = 10;                // Go's client (pebble's) makes this many requests at most
// what Go's client (pebble's) says when its timeout ends a request: before the answer's head, in its body
constexpr const char* kGoClientTimeout = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
constexpr const char* kGoClientTimeoutInBody = "context deadline exceeded (Client.Timeout or context cancellation while reading body)";
constexpr int kBoulderMaxRequests = 10;           // Boulder's VA makes this many requests at most
constexpr std::size_t kBoulderMaxPath = 2000;     // the longest redirect path Boulder's VA follows

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

// What Boulder's VA says of a connection that could not be made (its detailedError), by the
// system's error number.
std::string boulderConnectWords(int code) {
    switch (code) {
    case ETIMEDOUT: return "Timeout during connect (likely firewall problem)";
    case ECONNREFUSED: return "Connection refused";
    case ENETUNREACH: return "Network unreachable";
    case ECONNRESET: return "Connection reset by peer";
    default: return "Error getting validation data";
    }
}

// What Boulder's DNS client says of a lookup of `type` at `name` that failed (its bdns Error): the
// server's response code, with its explanation for two of them, or what kept the answer away.
std::string boulderDnsWords(int rcode, DnsError::Cause cause, const std::string& type, const std::string& name) {
    const std::string what = rcode > 0                                ? DnsTxtLookup::responseCodeName(rcode)
                             : cause == DnsError::Cause::TimedOut    ? "query timed out"
                             : cause == DnsError::Cause::Unreachable ? "networking error"
                                                                     : "server failure at resolver";
    const std::string explanation = rcode == ns_r_nxdomain   ? " - check that a DNS record exists for this domain"
                                    : rcode == ns_r_servfail ? " - the domain's nameservers may be malfunctioning"
                                                             : "";
    return "DNS problem: " + what + " looking up " + type + " for " + name + explanation;
}

// Whether an answer's first 9 bytes are the header of an HTTP/2 SETTINGS frame (RFC 9113 §4.1,
// §6.5: a length under 64 KiB, type 4, no flags, stream 0) as Boulder recognises one in Go's
// quoted "malformed HTTP response": a length byte that Go's %q shows as \xNN.
bool looksLikeHttp2Settings(const unsigned char (&header)[9]) {
    const unsigned char length = header[2];
    const bool shownAsHex = (length < 0x20 && (length < 7 || length > 13)) || length >= 0x7f;
    return header[0] == 0 && header[1] == 0 && shownAsHex && header[3] == 4 && header[4] == 0 && header[5] == 0 &&
           header[6] == 0 && header[7] == 0 && header[8] == 0;
}

// A TLS alert as Go's crypto/tls words it (its alert.Error()).
std::string goAlertWords(int alert) {
    static const std::map<int, const char*> kText = {
        {0, "close notify"}, {10, "unexpected message"}, {20, "bad record MAC"}, {21, "decryption failed"},
        {22, "record overflow"}, {30, "decompression failure"}, {40, "handshake failure"}, {42, "bad certificate"},
        {43, "unsupported certificate"}, {44, "revoked certificate"}, {45, "expired certificate"},
        {46, "unknown certificate"}, {47, "illegal parameter"}, {48, "unknown certificate authority"},
        {49, "access denied"}, {50, "error decoding message"}, {51, "error decrypting message"},
        {60, "export restriction"}, {70, "protocol version not supported"}, {71, "insufficient security level"},
        {80, "internal error"}, {86, "inappropriate fallback"}, {90, "user canceled"}, {100, "no renegotiation"},
        {109, "missing extension"}, {110, "unsupported extension"}, {111, "certificate unobtainable"},
        {112, "unrecognized name"}, {113, "bad certificate status response"}, {114, "bad certificate hash value"},
        {115, "unknown PSK identity"}, {116, "certificate required"}, {120, "no application protocol"},
        {121, "encrypted client hello required"}};
    const auto it = kText.find(alert);
    return it != kText.end() ? std::string("tls: ") + it->second : "tls: alert(" + std::to_string(alert) + ")";
}

// The TLS alert a peer sent, found in OpenSSL's words for a failed handshake (as POCO's
// exception carries them): the alert whose reason string (the longest, of those there) they hold.
std::optional<int> alertIn(const std::string& openSslWords) {
    std::optional<int> alert;
    std::size_t longest = 0;
    for (int a = 0; a < 256; ++a) {
        const char* reason = ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, SSL_AD_REASON_OFFSET + a));
        const std::size_t length = reason != nullptr ? std::strlen(reason) : 0;
        if (length <= longest || openSslWords.find(reason) == std::string::npos) continue;
        alert = a;
        longest = length;
    }
    return alert;
}

// A URL as Go prints it: "http:///path" for one without a host (where POCO prints "http:/path").
std::string goUrl(const Poco::URI& uri) {
    return uri.getHost().empty() && !uri.getScheme().empty() ? uri.getScheme() + "://" + uri.getPathEtc() : uri.toString();
}

// A system error as Go's syscall.Errno words it: the C library's words, first letter in lower case.
std::string goErrnoWords(int code) {
    std::string words = std::strerror(code);
    if (!words.empty()) words[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(words[0])));
    return words;
}

// A TCP connection with a connect timeout and read/write timeouts, blocking.
int connectTo(const std::string& address, std::uint16_t port, std::chrono::milliseconds timeout) {
    const auto to = detail::ipEndpoint(address, port);
    if (!to) throw detail::ConnectError("not an IP address: " + address, EINVAL);
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
// answer). `connected` is set to the address connected to, or, when none
// takes one, to the last tried. Throws ConnectError naming every address
// tried, with the last one's error number.
int connectToFirst(const std::vector<std::string>& addresses, std::uint16_t port, std::chrono::milliseconds timeout,
                   std::string& connected) {
    std::string failures;
    int code = 0;
    for (const auto& address : addresses) {
        connected = address;
        try {
            return connectTo(address, port, timeout);
        } catch (const detail::ConnectError& e) {
            failures += (failures.empty() ? "" : "; ") + MockAcmeConfig::joinHostPort(address, port) + ": " + e.what();
            code = e.code();
        }
    }
    throw detail::ConnectError(failures.empty() ? "no address to connect to" : failures, code);
}

// A refusal, `at` the address whose answer it is ("" for none): Boulder's validation names the
// address it connected to before its words (its VA's ipError), for http-01 and tls-alpn-01. Its
// status as Boulder's problems carry it: 403 for unauthorized, 400 for connection, dns, tls, malformed.
AcmeProblem problem(const std::string& type, const std::string& detail, const std::string& at = "") {
    return AcmeProblem(type, at.empty() ? detail : at + ": " + detail, type == "unauthorized" ? 403 : 400);
}

// Boulder's checks of a tls-alpn-01 certificate (its VA's validateTLSALPN01), in its order and
// words: self-signed; each extension once, the acmeIdentifier and SAN ones there; the identifier
// alone as its SAN, encoded as Boulder encodes it; a critical acmeIdentifier with the digest.
std::optional<AcmeProblem> boulderTlsAlpnRefusal(const Certificate& cert, const Identifier& id,
                                                 const std::string& keyAuthorization, const std::string& hostPort) {
    const auto bad = [&](const std::string& why) {
        return problem("unauthorized", "Incorrect validation certificate for tls-alpn-01 challenge. Requested " + id.value +
                                           " from " + hostPort + ". " + why);
    };
    X509* x = cert.native();
    EVP_PKEY* key = X509_get0_pubkey(x);
    // (the names' DER as the certificate carries them)
    const bool selfSigned = detail::derOf(i2d_X509_NAME, X509_get_subject_name(x), "i2d_X509_NAME") ==
                                detail::derOf(i2d_X509_NAME, X509_get_issuer_name(x), "i2d_X509_NAME") &&
                            key != nullptr && X509_verify(x, key) == 1;
    ERR_clear_error();
    if (!selfSigned) return bad("Received certificate which is not self-signed.");

    constexpr const char* kSanOid = "2.5.29.17";
    std::set<std::string> seen;
    for (int i = 0; i < X509_get_ext_count(x); ++i) {
        char oid[128];
        OBJ_obj2txt(oid, sizeof oid, X509_EXTENSION_get_object(X509_get_ext(x, i)), 1);
        if (!seen.insert(oid).second)
            return bad("Received certificate with unexpected extensions: " +
                       goQuoted("Extension OID " + std::string(oid) + " seen twice"));
    }
    for (const char* required : {KeyAuthorization::kAcmeIdentifierOid, kSanOid})
        if (seen.count(required) == 0)
            return bad("Received certificate with unexpected extensions: " +
                       goQuoted("Required extension OID " + std::string(required) + " is not present"));

    std::vector<Identifier> sans;
    try {
        sans = cert.subjectAltNames();
    } catch (const Error&) {
    }
    std::vector<std::string> dnsNames;
    std::vector<std::string> addresses;
    for (const auto& san : sans) (san.type == Identifier::Type::Dns ? dnsNames : addresses).push_back(san.value);
    const bool isDns = id.type == Identifier::Type::Dns;
    std::string why;
    if (isDns ? dnsNames.size() != 1 || !addresses.empty() : addresses.size() != 1 || !dnsNames.empty())
        why = "wrong number of identifiers";
    else if (isDns ? Poco::icompare(dnsNames[0], id.value) != 0 : addresses[0] != id.value)
        why = "identifier does not match expected identifier";
    // the one name as Boulder encodes it (a name in another case, an e-mail address beside it, differ)
    else if (cert.extension(kSanOid)->value !=
             detail::derOf(i2d_GENERAL_NAMES, detail::generalNamesFrom({id}).get(), "i2d_GENERAL_NAMES"))
        why = "SAN extension does not match expected bytes";
    if (!why.empty()) {
        // as Boulder lists a certificate's names: its subject's CN and SANs, in lower case, each once, sorted
        std::set<std::string> names;
        if (!cert.commonName().empty()) names.insert(Poco::toLower(cert.commonName()));
        for (const auto& san : sans) names.insert(Poco::toLower(san.value));
        std::string list;
        for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
        return bad("Received certificate with unexpected identifiers (" + goQuoted(list) + "): " + goQuoted(why));
    }

    const auto ext = cert.extension(KeyAuthorization::kAcmeIdentifierOid);
    if (!ext->critical) return bad("Received certificate with acmeValidationV1 extension that is not Critical.");
    const std::string expected = KeyAuthorization::tlsAlpn01Digest(keyAuthorization);
    // an OCTET STRING of the 32 bytes of a SHA-256 digest, and nothing else
    if (ext->value.size() != 2 + expected.size() || ext->value[0] != '\x04' || ext->value[1] != static_cast<char>(expected.size()))
        return bad("Received certificate with malformed acmeValidationV1 extension value.");
    const std::string got = ext->value.substr(2);
    if (got != expected)
        return bad("Received certificate with acmeValidationV1 extension value " + detail::hexEncode(got) + " but expected " +
                   detail::hexEncode(expected) + ".");
    return std::nullopt;
}

// pebble's words for a tls-alpn-01 connection or handshake that failed: the address and port
// dialled, nothing of why.
AcmeProblem pebbleCouldNotConnect(const std::string& address, std::uint16_t port) {
    return problem("unauthorized",
                   "Failed to connect to " + MockAcmeConfig::joinHostPort(address, port) + " for the tls-alpn-01 challenge");
}

// pebble's checks of a tls-alpn-01 certificate (its VA's validateTLSALPN01, Debian's 2.4), in
// its words: the one DNS name (any case) or address; then the first critical acmeIdentifier
// extension, an OCTET STRING whose bytes are the digest (a non-critical one is not looked at).
std::optional<AcmeProblem> pebbleTlsAlpnRefusal(const Certificate& cert, int certificates, const Identifier& id,
                                                const std::string& keyAuthorization, const std::string& hostPort) {
    const std::string incorrect = "Incorrect validation certificate for tls-alpn-01 challenge. ";
    std::vector<Identifier> sans;
    try {
        sans = cert.subjectAltNames();
    } catch (const Error&) {
    }
    std::vector<std::string> ofType;
    std::string dnsNames;  // as pebble lists a certificate's names: its CN, then its DNS names
    if (!cert.commonName().empty()) dnsNames = cert.commonName();
    for (const auto& san : sans) {
        if (san.type == id.type) ofType.push_back(san.value);
        if (san.type == Identifier::Type::Dns) dnsNames += (dnsNames.empty() ? "" : ", ") + san.value;
    }
    const bool named = ofType.size() == 1 && (id.type == Identifier::Type::Dns ? Poco::icompare(ofType[0], id.value) == 0
                                                                               : ofType[0] == id.value);
    if (!named)
        return problem("unauthorized", incorrect + "Requested {" + std::string(id.type == Identifier::Type::Dns ? "dns" : "ip") +
                                           " " + id.value + "} from " + hostPort + ". Received " + std::to_string(certificates) +
                                           " certificate(s), first certificate had names " + goQuoted(dnsNames));
    const auto ext = cert.extension(KeyAuthorization::kAcmeIdentifierOid);
    if (!ext || !ext->critical) return problem("unauthorized", incorrect + "Missing acmeValidationV1 extension.");
    // an OCTET STRING (bytes after it are not looked at, as Go's asn1.Unmarshal leaves them)
    const std::string& v = ext->value;
    std::size_t length = v.size() >= 2 ? static_cast<unsigned char>(v[1]) : 0;
    std::size_t header = 2;
    if (length == 0x81 && v.size() >= 3) {  // the long form, for 128 to 255 bytes
        length = static_cast<unsigned char>(v[2]);
        header = 3;
    }
    if (v.size() < 2 || v[0] != '\x04' || (header == 2 && length >= 0x80) || v.size() < header + length)
        return problem("unauthorized", incorrect + "Malformed acmeValidation extension value.");
    if (v.substr(header, length) != KeyAuthorization::tlsAlpn01Digest(keyAuthorization))
        return problem("unauthorized", incorrect + "Invalid acmeValidation extension value.");
    return std::nullopt;
}

}  // namespace

ChallengeValidator::ChallengeValidator(const MockAcmeConfig& config, std::chrono::milliseconds timeout)
    : config_(config), timeout_(timeout) {
    if (config_.validationRules == MockAcmeConfig::ValidationRules::Boulder && !config_.publicSuffixList.empty())
        suffixes_ = std::make_shared<const PublicSuffixList>(PublicSuffixList::load(config_.publicSuffixList));
    for (const auto& [name, address] : config_.resolve) resolve_[ServerName::canonical(name)] = address;
}

const std::string* ChallengeValidator::resolvedByMap(const std::string& host) const {
    if (resolve_.empty()) return nullptr;
    std::string name = host;  // in lower case, as identifiers are and Poco's URI gives a redirect's host
    if (name.ends_with('.')) name.pop_back();  // a redirect's, written as a fully qualified name
    if (const auto it = resolve_.find(name); it != resolve_.end()) return &it->second;
    for (std::size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1))
        if (const auto it = resolve_.find("*" + name.substr(dot)); it != resolve_.end()) return &it->second;
    return nullptr;
}

std::vector<std::string> ChallengeValidator::addressesOf(const std::string& host, const std::string& asked) const {
    if (detail::ipEndpoint(host, 0)) return {host};  // an IP identifier, or a redirect to an address: that address
    if (const std::string* address = resolvedByMap(host)) return {*address};
    if (!config_.resolveThroughDns || config_.dnsServer.empty()) return {config_.defaultAddress};
    // as pebble and Let's Encrypt: IPv6 first; the first address of each
    // family. One family's failure is borne when the other has an address.
    const bool pebble = config_.validationRules == MockAcmeConfig::ValidationRules::Pebble;
    std::vector<std::string> found;
    // why a family (AAAA, A) gave no address: by Boulder's rules in its resolver's words; by
    // pebble's, only a lookup with no answer counts (it reads an answer's records, not its code)
    std::string why[2];
    std::string pebbleFailure;
    for (int family = 0; family < 2; ++family) {
        const auto lookup = family == 0 ? &DnsTxtLookup::ipv6AddressAnswer : &DnsTxtLookup::addressAnswer;
        const std::string type = family == 0 ? "AAAA" : "A";
        try {
            auto [addresses, noSuchName] = lookup(config_.dnsServer, host, timeout_);
            // Boulder's resolver drops addresses in reserved blocks (with refuseReservedAddresses)
            if (!pebble && config_.refuseReservedAddresses)
                std::erase_if(addresses, [](const std::string& a) { return ReservedAddressBlocks::blockOf(a).has_value(); });
            if (!addresses.empty()) found.push_back(addresses.front());
            else if (!pebble)
                why[family] = noSuchName ? boulderDnsWords(ns_r_nxdomain, DnsError::Cause::Other, type, host)
                                         : "no valid " + type + " records found for " + host;
        } catch (const DnsError& e) {
            if (!pebble) why[family] = boulderDnsWords(e.rcode(), e.cause(), type, host);
            else if (e.rcode() < 0 && pebbleFailure.empty()) pebbleFailure = e.what();
        }
    }
    if (pebble) {
        // pebble's words (its VA's resolveIP, Debian's 2.4), naming what it asked for; it dials the first address alone
        if (!pebbleFailure.empty())
            throw problem("malformed", "Error occurred while resolving URL " + goQuoted(asked) + ": " + goQuoted(pebbleFailure));
        if (found.empty()) throw problem("malformed", "Could not resolve URL " + goQuoted(asked));
        return {found.front()};
    }
    // Boulder's (its bdns LookupHost): an error only when neither family has an address, A's words first
    if (found.empty()) throw problem("dns", why[1] + "; " + why[0]);
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
    // the URL each request is named by in the words: the first as mock-acme asks it (its port
    // standing for 80), a redirect's target as it was written (as Go prints a URL)
    std::string url = scheme + "://" + MockAcmeConfig::joinHostPort(host, port) + path;
    const std::string firstUrl = url;  // (pebble names only this one)
    std::vector<std::string> requested;  // the URLs asked, for Boulder's loop check
    // Boulder makes at most 10 requests (9 redirects); Go's client, pebble's, as many
    for (int asked = 1;; ++asked) {
        const auto addresses = addressesOf(host, url);
        std::string connected;
        std::string at;     // the address whose answer is judged, as Boulder names it
        std::string local;  // this end of the connection, as Go names it in a read's failure
        const std::string authority = MockAcmeConfig::joinHostPort(host, port);
        requested.push_back(url);
        // what Boulder says of a request that failed below HTTP: the URL, then what went wrong;
        // what pebble says: what Go's client said (its url.Error)
        const auto fetching = [&](const std::string& words) { return problem("connection", "Fetching " + url + ": " + words, at); };
        const auto goGet = [&](const std::string& words) { return problem("connection", "Get " + goQuoted(url) + ": " + words); };
        std::string body;
        int status = 0;
        std::string location;
        bool readingBody = false;
        try {
            int fd = -1;
            try {
                fd = connectToFirst(addresses, port, timeout_, connected);
            } catch (const detail::ConnectError& e) {
                if (!boulder)
                    return goGet(e.code() == ETIMEDOUT ? kGoClientTimeout
                                                       : "dial tcp " + MockAcmeConfig::joinHostPort(connected, port) +
                                                             ": connect: " + goErrnoWords(e.code()));
                at = connected;  // the last one tried
                return fetching(boulderConnectWords(e.code()));
            }
            if (boulder) at = connected;
            Poco::Net::StreamSocket socket(new Poco::Net::StreamSocketImpl(fd));
            if (!boulder) local = socket.address().toString();  // (only pebble's words name it)
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
            session.sendRequest(get).flush();  // (sent now, not when the answer is asked for)
            // Boulder tells an HTTP/2 server's SETTINGS frame where an HTTP/1.1 answer belongs
            // (prior-knowledge h2c on port 80), by what Go's client quotes of it
            if (boulder && scheme == "http") {
                unsigned char first[9];
                if (socket.receiveBytes(first, sizeof first, MSG_PEEK) == sizeof first && looksLikeHttp2Settings(first))
                    return fetching("Server is speaking HTTP/2 over HTTP");
            }
            Poco::Net::HTTPResponse response;
            detail::HttpBodyReader::receiveHead(session, response);  // the body is read by HttpBodyReader
            status = response.getStatus();
            location = response.get("Location", "");
            // only an answer's body is read, whole (as a CA's Go client reads it: a body cut short is an
            // unexpected EOF); a redirect's or a refusal's is left unread. Boulder reads 128 bytes at most.
            readingBody = true;
            if (status == 200)
                body = detail::HttpBodyReader(
                           [&session](char* buffer, std::streamsize length) { return session.readSome(buffer, length); },
                           boulder ? kBoulderMaxHttpBody : kMaxHttpBody)
                           .body(response, "GET");
        } catch (const detail::HttpBodyReader::Refused& e) {
            using Why = detail::HttpBodyReader::Refused::Why;
            if (!boulder) {
                if (e.why() == Why::TooLarge) return problem("unauthorized", "the response is over 8 KiB");
                // pebble's: a body that does not read is its server's error, in Go's words
                if (e.why() == Why::CutShort) return AcmeProblem("serverInternal", "unexpected EOF", 500);
                return goGet(e.what());
            }
            // Boulder: a body that will not read is "unauthorized" (its reader's error, as Go's words
            // it); framing Go's client does not take fails the request
            if (e.why() == Why::TooLarge)
                return problem("unauthorized", "Error reading HTTP response body: reader size limit exceeded", at);
            if (e.why() == Why::CutShort) return problem("unauthorized", "Error reading HTTP response body: unexpected EOF", at);
            return fetching("Error getting validation data");
        } catch (const Poco::TimeoutException&) {
            if (boulder) return fetching("Timeout after connect (your server may be slow or overloaded)");
            if (readingBody) return AcmeProblem("serverInternal", kGoClientTimeoutInBody, 500);
            return goGet(kGoClientTimeout);
        } catch (const Poco::Net::ConnectionResetException&) {
            if (boulder) return fetching("Connection reset by peer");
            const std::string words = "read tcp " + local + "->" + MockAcmeConfig::joinHostPort(connected, port) +
                                      ": read: connection reset by peer";
            return readingBody ? AcmeProblem("serverInternal", words, 500) : goGet(words);
        } catch (const Poco::Net::NoMessageException&) {  // closed before any answer
            return boulder ? fetching("Error getting validation data") : goGet("EOF");
        } catch (const Poco::Exception& e) {
            // an https target that ended the handshake with an alert: Go's words for it, a tls
            // problem to Boulder (its detailedError)
            if (const auto alert = scheme == "https" ? alertIn(e.displayText()) : std::nullopt) {
                const std::string words = "remote error: " + goAlertWords(*alert);
                return boulder ? problem("tls", "Fetching " + url + ": " + words, at) : goGet(words);
            }
            if (boulder) return fetching("Error getting validation data");
            // TLS to what answers in plain HTTP (Go's client looks at the record it got)
            if (scheme == "https" && e.displayText().find("wrong version number") != std::string::npos)
                return goGet("http: server gave HTTP response to HTTPS client");
            return goGet(e.displayText());  // (mock-acme's words)
        }
        // Boulder follows the four redirects the Baseline Requirements allow (§3.2.2.4.19); Go's
        // client, pebble's, those and 303 when a Location names where
        const bool redirect = status == 301 || status == 302 || status == 307 || status == 308 ||
                              (!boulder && status == 303);
        if (boulder && status >= 300 && status < 400 && !redirect)
            return problem("connection", "Received disallowed redirect status code " + std::to_string(status), at);
        if (redirect && (boulder || !location.empty())) {
            Poco::URI target;
            Poco::URI reference;
            try {
                if (location.empty()) throw Poco::SyntaxException("no Location");
                reference = Poco::URI(location);
                target = Poco::URI(Poco::URI(url), location);
            } catch (const Poco::Exception& e) {
                if (boulder) return fetching("Invalid Location header in " + std::to_string(status) + " redirect");
                return goGet("failed to parse Location header " + goQuoted(location) + ": " + e.displayText());
            }
            // a reference without a host keeps the port; one with a host but no port goes to the
            // scheme's validation port, as a CA's goes to 80 or 443
            const bool keepsPort = reference.getHost().empty() || reference.getSpecifiedPort() != 0;
            if (boulder) {
                if (auto refused = refusedRedirect(target, reference.getSpecifiedPort() != 0))
                    return problem("connection", *refused, at);
            } else {
                // Go's client: its ten requests (the URL named is the Location as written), then
                // the target's scheme and host
                if (asked >= kGoMaxRequests) return problem("connection", "Get " + goQuoted(location) + ": stopped after 10 redirects");
                url = goUrl(target);
                if (target.getScheme() != "http" && target.getScheme() != "https")
                    return goGet("unsupported protocol scheme " + goQuoted(target.getScheme()));
                if (target.getHost().empty()) return goGet("http: no Host in request URL");
            }
            scheme = target.getScheme();
            host = target.getHost();
            port = keepsPort ? target.getPort() : (scheme == "https" ? config_.tlsAlpn01Port : config_.http01Port);
            path = target.getPathEtc();
            if (boulder) {
                const std::string next = goUrl(target);
                if (std::find(requested.begin(), requested.end(), next) != requested.end())
                    return problem("connection",
                                   "Fetching " + InvalidNameError::printable(next, 200) + ": redirect loop detected", at);
                if (asked >= kBoulderMaxRequests) return problem("connection", "Too many hops");
                url = next;
            }
            continue;
        }
        // each refusal unauthorized, in the words of the CA whose rules are kept
        if (status != 200)
            return problem("unauthorized",
                           boulder ? "Invalid response from " + url + ": " + std::to_string(status)
                                   : "Non-200 status code from HTTP: " + firstUrl + " returned " + std::to_string(status),
                           at);
        const std::string payload = withoutTrailingSpace(body);
        if (payload != request.keyAuthorization)  // (Boulder names no address here)
            return problem("unauthorized",
                           "The key authorization file from the server did not match this challenge" +
                               (boulder ? ". Expected " + goQuoted(request.keyAuthorization) + " (got " + goQuoted(payload) + ")"
                                        : " " + goQuoted(request.keyAuthorization) + " != " + goQuoted(payload)));
        return std::nullopt;
    }
}

std::optional<std::string> ChallengeValidator::refusedRedirect(const Poco::URI& target, bool explicitPort) const {
    // Boulder's checks of a redirect target, in its order and words (its VA's
    // newValidationRecordFromRedirect and newValidationRecord), its ports being the two validation ports
    const std::string fetching = "Fetching " + InvalidNameError::printable(goUrl(target), 200) + ": ";
    const std::string host = Poco::toLower(target.getHost());
    // a site's redirect written without the '/' after its host: "https://example.test" + "/.well-known/..."
    if (host.ends_with(".well-known"))
        return fetching + "invalid host in redirect target " + goQuoted(InvalidNameError::printable(host, 253)) +
               ": check webserver config for missing '/' in redirect target";
    const std::string& scheme = target.getScheme();
    if (scheme != "http" && scheme != "https")
        return fetching + "invalid protocol scheme: only \"http\" and \"https\" are supported, not " +
               goQuoted(InvalidNameError::printable(scheme, 40));
    if (explicitPort && target.getPort() != config_.http01Port && target.getPort() != config_.tlsAlpn01Port)
        return fetching + "invalid port " + std::to_string(target.getPort()) + ": must be " +
               std::to_string(config_.http01Port) + " or " + std::to_string(config_.tlsAlpn01Port);
    if (target.getPath().size() > kBoulderMaxPath) return fetching + "invalid url: path component too long";
    if (host.empty()) return fetching + "invalid host: host must be non-empty";
    // an address: none with an IPv6 scope zone (RFCs 4007, 6874), and with
    // refuseReservedAddresses none in a block Let's Encrypt does not reach (what it
    // refuses as an IP identifier: tests validate on loopback, so off by default)
    if (const auto zone = host.find('%'); zone != std::string::npos && detail::ipEndpoint(host.substr(0, zone), 0))
        return fetching + "invalid host: contains IPv6 scope zone";
    if (detail::ipEndpoint(host, 0)) {
        if (config_.refuseReservedAddresses)
            if (const auto block = ReservedAddressBlocks::blockOf(host))
                return fetching + "invalid host: IP address is in a reserved address block: " + *block;
        return std::nullopt;
    }
    // with the Public Suffix List Boulder's names are judged by: a name, not an address, must end in an ICANN suffix
    if (suffixes_ && !suffixes_->icannSuffix(host))
        return fetching + "invalid host: must end in IANA registered TLD";
    return std::nullopt;
}

std::optional<AcmeProblem> ChallengeValidator::tls(const ValidationRequest& request, bool alpn) const {
    const Identifier& id = request.identifier;
    // tls-alpn-01: the name (the reverse-DNS name for an address); tls-sni-01: the name it derives
    const std::string sni = !alpn                          ? KeyAuthorization::tlsSni01Name(request.keyAuthorization)
                            : id.type == Identifier::Type::Ip ? ServerName::reverseDnsName(id.value)
                                                              : id.value;
    const auto addresses = addressesOf(id.value, id.value);  // (pebble names the identifier)
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    if (!ctx) return AcmeProblem("serverInternal", detail::takeOpenSslErrors("SSL_CTX_new"), 500);
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
    const bool boulder = config_.validationRules == MockAcmeConfig::ValidationRules::Boulder;
    detail::UniqueFd fd;
    std::string connected;
    try {
        fd = detail::UniqueFd(connectToFirst(addresses, config_.tlsAlpn01Port, timeout_, connected));
    } catch (const detail::ConnectError& e) {
        if (boulder) return problem("connection", boulderConnectWords(e.code()), connected);  // (the last tried)
        if (alpn) return pebbleCouldNotConnect(connected, config_.tlsAlpn01Port);
        return problem("connection", "connecting to " + MockAcmeConfig::joinHostPort(id.value, config_.tlsAlpn01Port) + ": " +
                                         e.what());  // (naming each address tried)
    }
    // the address Boulder names before a handshake's failure (not before a certificate's)
    const std::string at = boulder ? connected : "";
    SSL_set_fd(ssl.get(), fd.get());
    SSL_set_tlsext_host_name(ssl.get(), sni.c_str());
    if (alpn) {
        static const unsigned char protos[] = "\x0a" "acme-tls/1";
        SSL_set_alpn_protos(ssl.get(), protos, sizeof protos - 1);
    }
    if (const int done = SSL_connect(ssl.get()); done != 1) {
        const int systemError = errno;
        const int why = SSL_get_error(ssl.get(), done);
        const unsigned long error = ERR_peek_error();
        const int reason = ERR_GET_LIB(error) == ERR_LIB_SSL ? ERR_GET_REASON(error) : 0;
        const std::string openSsl = detail::takeOpenSslErrors("TLS handshake failed");  // (and clears the queue)
        if (alpn && !boulder) return pebbleCouldNotConnect(connected, config_.tlsAlpn01Port);
        if (!boulder) return problem("tls", openSsl);
        // Boulder's words (its detailedError of Go's handshake error): what answers is no TLS
        // server (a site's plain HTTP on the TLS port, most often); an alert the server sent;
        // no answer in time; a reset; anything else
        if (reason == SSL_R_WRONG_VERSION_NUMBER) return problem("malformed", "Server only speaks HTTP, not TLS", at);
        if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256)
            return problem("tls", "remote error: " + goAlertWords(reason - SSL_AD_REASON_OFFSET), at);
        // (a read timeout on the blocking socket is a retry to OpenSSL)
        if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE ||
            (why == SSL_ERROR_SYSCALL && (systemError == EAGAIN || systemError == EWOULDBLOCK)))
            return problem("connection", "Timeout after connect (your server may be slow or overloaded)", at);
        if (why == SSL_ERROR_SYSCALL && systemError == ECONNRESET) return problem("connection", "Connection reset by peer", at);
        return problem("connection", "Error getting validation data", at);
    }
    if (alpn) {
        const unsigned char* selected = nullptr;
        unsigned int len = 0;
        SSL_get0_alpn_selected(ssl.get(), &selected, &len);
        if (std::string(reinterpret_cast<const char*>(selected), len) != KeyAuthorization::kAcmeTlsAlpnProtocol)
            return problem("unauthorized", "Cannot negotiate ALPN protocol \"acme-tls/1\" for tls-alpn-01 challenge");
    }
    X509* peer = SSL_get1_peer_certificate(ssl.get());
    SSL_shutdown(ssl.get());
    if (peer == nullptr)
        return alpn ? problem("unauthorized", "No certs presented for tls-alpn-01 challenge")
                    : problem("tls", "no certificate presented", at);
    const Certificate cert = Certificate::adopt(peer);
    if (alpn && boulder)
        return boulderTlsAlpnRefusal(cert, id, request.keyAuthorization,
                                     MockAcmeConfig::joinHostPort(connected, config_.tlsAlpn01Port));
    if (alpn) {
        const STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get());
        return pebbleTlsAlpnRefusal(cert, chain ? sk_X509_num(chain) : 1, id, request.keyAuthorization,
                                    MockAcmeConfig::joinHostPort(id.value, config_.tlsAlpn01Port));
    }
    // tls-sni-01: its SNI name among the certificate's SANs
    std::vector<Identifier> sans;
    try {
        sans = cert.subjectAltNames();
    } catch (const Error& e) {
        return problem("unauthorized", std::string("unreadable certificate: ") + e.what(), at);
    }
    bool found = false;
    for (const auto& san : sans) found = found || san.value == sni;
    if (!found) return problem("unauthorized", "the certificate lacks the name " + sni, at);
    return std::nullopt;
}

std::vector<std::string> ChallengeValidator::txtRecords(const ValidationRequest& request, const std::string& qname) const {
    if (config_.dnsServer.empty())
        throw problem("dns", "no DNS server is configured to look up " + qname + " for " + request.challengeType);
    const bool boulder = config_.validationRules == MockAcmeConfig::ValidationRules::Boulder;
    // pebble's: every failure is "unauthorized", quoting its resolver's words
    const auto notRetrieved = [&](const std::string& why) {
        return problem("unauthorized", "Error retrieving TXT records for DNS challenge (" + goQuoted(why) + ")");
    };
    DnsTxtLookup::Answer seen;
    try {
        seen = DnsTxtLookup::txtAnswer(config_.dnsServer, qname, timeout_);
    } catch (const DnsError& e) {
        if (!boulder) throw notRetrieved(e.what());
        throw problem("dns", boulderDnsWords(e.rcode(), e.cause(), "TXT", qname));  // (Boulder's DNS client's words)
    }
    if (seen.noSuchName) {
        if (!boulder) throw notRetrieved(config_.dnsServer + ": no such name as " + qname + " (NXDOMAIN)");
        throw problem("dns", boulderDnsWords(ns_r_nxdomain, DnsError::Cause::Other, "TXT", qname));
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
