#include "cxxacme/responders/Rfc2136DnsProvider.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string_view>
#include <vector>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/detail/DnsWireName.h"
#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme::responders {

namespace {

constexpr std::uint16_t kTypeTxt = 16, kTypeSoa = 6, kTypeTsig = 250;
constexpr std::uint16_t kClassIn = 1, kClassNone = 254, kClassAny = 255;
constexpr std::uint16_t kFudge = 300;
const std::string kAlgorithm = "hmac-sha256.";

void u16(std::string& out, std::uint16_t v) {
    out += static_cast<char>(v >> 8);
    out += static_cast<char>(v & 0xff);
}
void u32(std::string& out, std::uint32_t v) {
    u16(out, static_cast<std::uint16_t>(v >> 16));
    u16(out, static_cast<std::uint16_t>(v & 0xffff));
}
void u48(std::string& out, std::uint64_t v) {
    u16(out, static_cast<std::uint16_t>((v >> 32) & 0xffff));
    u32(out, static_cast<std::uint32_t>(v & 0xffffffff));
}
std::uint16_t get16(const std::string& in, std::size_t at) {
    if (at + 2 > in.size()) throw DnsError("rfc2136", "a truncated answer");
    return static_cast<std::uint16_t>((static_cast<unsigned char>(in[at]) << 8) | static_cast<unsigned char>(in[at + 1]));
}

/// An absolute name in canonical (lower-case) wire form.
std::string wireName(const std::string& absolute) {
    try {
        return detail::dnsWireName(absolute);
    } catch (const InvalidNameError& e) {
        throw DnsError("rfc2136", e.what());
    }
}

/// Skips a (possibly compressed) name in a message; returns the offset after it.
std::size_t skipName(const std::string& msg, std::size_t at) {
    for (int guard = 0; guard < 128; ++guard) {
        if (at >= msg.size()) throw DnsError("rfc2136", "a truncated name in the answer");
        const auto len = static_cast<unsigned char>(msg[at]);
        if (len == 0) return at + 1;
        if ((len & 0xc0) == 0xc0) return at + 2;
        at += 1 + len;
    }
    throw DnsError("rfc2136", "a name loop in the answer");
}

std::string absolute(std::string name) {
    if (!name.empty() && name.back() != '.') name += '.';
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

std::string rcodeText(unsigned rcode) {
    switch (rcode) {
    case 1: return "FORMERR (the server could not read the update)";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP (the server does not do dynamic updates)";
    case 5: return "REFUSED (the server's policy refuses this update: check its ACL for the key and zone)";
    case 6: return "YXDOMAIN";
    case 7: return "YXRRSET";
    case 8: return "NXRRSET";
    case 9: return "NOTAUTH (the server is not authoritative for the zone, or did not accept the TSIG key)";
    case 10: return "NOTZONE (the name is not in the zone)";
    default: return "RCODE " + std::to_string(rcode);
    }
}

std::string tsigErrorText(unsigned error) {
    switch (error) {
    case 16: return "BADSIG: the TSIG key's secret is wrong";
    case 17: return "BADKEY: the server does not know this TSIG key name or algorithm";
    case 18: return "BADTIME: the clocks differ by more than 5 minutes";
    default: return "TSIG error " + std::to_string(error);
    }
}

/// RFC 8945 §4.3.3: what the MAC covers after the message: the key name,
/// class ANY, TTL 0, the algorithm, then time signed + fudge (8 bytes) and
/// error + other len + other data as they stand in the record.
std::string tsigVariables(const std::string& keyName, std::string_view timeAndFudge, std::string_view errorAndOther) {
    std::string out = wireName(keyName);
    u16(out, kClassAny);
    u32(out, 0);
    out += wireName(kAlgorithm);
    out += timeAndFudge;
    out += errorAndOther;
    return out;
}

bool onlyOf(const std::string& text, std::string_view allowed) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || allowed.find(c) != std::string_view::npos;
    });
}

// The words, quoted strings and "{", "}", ";" of a BIND configuration
// fragment, without its comments (#, //, /* */).
std::vector<std::string> bindTokens(const std::string& text) {
    std::vector<std::string> tokens;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            ++i;
        } else if (c == '#' || text.compare(i, 2, "//") == 0) {
            i = text.find('\n', i);
            if (i == std::string::npos) break;
        } else if (text.compare(i, 2, "/*") == 0) {
            i = text.find("*/", i + 2);
            if (i == std::string::npos) break;
            i += 2;
        } else if (c == '"') {
            const std::size_t close = text.find('"', i + 1);
            if (close == std::string::npos) break;
            tokens.push_back(text.substr(i + 1, close - i - 1));
            i = close + 1;
        } else if (c == '{' || c == '}' || c == ';') {
            tokens.emplace_back(1, c);
            ++i;
        } else {
            const std::size_t start = i;
            while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) == 0 &&
                   std::string_view("{};\"#").find(text[i]) == std::string_view::npos)
                ++i;
            tokens.push_back(text.substr(start, i - start));
        }
    }
    return tokens;
}

// BIND's `key "NAME" { algorithm ALG; secret "SECRET"; };`, the clauses in any
// order, others passed over; the first key statement counts.
bool bindKeyStatement(const std::string& text, std::string& name, std::string& algorithm, std::string& secret) {
    const std::vector<std::string> t = bindTokens(text);
    for (std::size_t k = 0; k + 2 < t.size(); ++k) {
        if (t[k] != "key" || t[k + 2] != "{") continue;
        name = t[k + 1];
        algorithm.clear(), secret.clear();
        for (std::size_t i = k + 3; i < t.size() && t[i] != "}";) {
            std::size_t end = i;
            while (end < t.size() && t[end] != ";" && t[end] != "}") ++end;
            if (end - i == 2 && t[i] == "algorithm") algorithm = t[i + 1];
            if (end - i == 2 && t[i] == "secret") secret = t[i + 1];
            i = end < t.size() && t[end] == ";" ? end + 1 : end;
        }
        return onlyOf(name, "._-") && onlyOf(algorithm, "-") && onlyOf(secret, "+/=");
    }
    return false;
}

// `hmac-sha256:NAME:SECRET` on a line of its own.
bool colonKey(const std::string& text, std::string& name, std::string& algorithm, std::string& secret) {
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    if (first == std::string::npos) return false;
    const std::string line = text.substr(first, last - first + 1);
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) return false;
    algorithm = line.substr(0, a), name = line.substr(a + 1, b - a - 1), secret = line.substr(b + 1);
    return algorithm.starts_with("hmac-") && onlyOf(algorithm, "-") && onlyOf(name, "._-") && onlyOf(secret, "+/=");
}

}  // namespace

TsigKey TsigKey::fromFile(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw FileError(path, "cannot read the TSIG key file");
    if ((st.st_mode & 007) != 0) throw FileError(path, "the TSIG key file is readable by others; chmod o-rwx it");
    const std::string text = AtomicFile::read(path, 16384);
    std::string name, algorithm, secret;
    if (!bindKeyStatement(text, name, algorithm, secret) && !colonKey(text, name, algorithm, secret))
        throw DnsError(path, "not a TSIG key file (expected BIND's key \"NAME\" { algorithm …; secret \"…\"; }; or "
                             "hmac-sha256:NAME:SECRET)");
    for (auto& c : algorithm) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (algorithm != "hmac-sha256") throw DnsError(path, "TSIG algorithm " + algorithm + " is not supported (use hmac-sha256)");
    const auto raw = detail::base64Decode(secret);
    if (!raw || raw->size() < 16) throw DnsError(path, "the TSIG secret is not base64 of at least 16 bytes");
    return TsigKey{absolute(name), *raw};
}

Rfc2136DnsProvider::Rfc2136DnsProvider(std::string server, const std::string& zone, TsigKey key, Rfc2136Options options)
    : server_(std::move(server)), key_(std::move(key)), options_(options) {
    zone_ = absolute(ServerName::canonical(zone.ends_with(".") ? zone.substr(0, zone.size() - 1) : zone));
    if (key_.secret.empty() || key_.name.empty()) throw DnsError(server_, "an empty TSIG key");
}

void Rfc2136DnsProvider::present(const std::string& fqdn, const std::string& value) { update(fqdn, value, false); }

void Rfc2136DnsProvider::cleanup(const std::string& fqdn, const std::string& value) { update(fqdn, value, true); }

std::string Rfc2136DnsProvider::buildUpdate(const std::string& fqdn, const std::string& value, bool remove,
                                            std::uint16_t id, std::uint64_t timeSigned) const {
    const std::string name = absolute(fqdn);
    if (name != zone_ && !name.ends_with("." + zone_))
        throw DnsError(server_, "TXT " + name + " is not in zone " + zone_ + "; nothing was sent");
    if (value.size() > 255) throw DnsError(server_, "a TXT value over 255 bytes");
    std::string msg;
    u16(msg, id);
    u16(msg, 5 << 11);  // opcode UPDATE
    u16(msg, 1);        // zone
    u16(msg, 0);        // prerequisites
    u16(msg, 1);        // updates
    u16(msg, 0);        // additional (TSIG comes after signing)
    msg += wireName(zone_);
    u16(msg, kTypeSoa);
    u16(msg, kClassIn);
    msg += wireName(name);
    u16(msg, kTypeTxt);
    u16(msg, remove ? kClassNone : kClassIn);  // RFC 2136 §2.5.4: class NONE deletes this RR
    u32(msg, remove ? 0 : options_.ttl);
    u16(msg, static_cast<std::uint16_t>(value.size() + 1));
    msg += static_cast<char>(value.size());
    msg += value;

    // RFC 8945 §4.3.3: the MAC covers the message and the TSIG variables
    std::string timeAndFudge;
    u48(timeAndFudge, timeSigned);
    u16(timeAndFudge, kFudge);
    const std::string noErrorNoOther(4, '\0');
    const std::string mac = detail::hmacSha256(key_.secret, msg + tsigVariables(key_.name, timeAndFudge, noErrorNoOther));

    std::string rdata = wireName(kAlgorithm) + timeAndFudge;
    u16(rdata, static_cast<std::uint16_t>(mac.size()));
    rdata += mac;
    u16(rdata, id);  // original ID
    u16(rdata, 0);   // error
    u16(rdata, 0);   // other len
    msg += wireName(key_.name);
    u16(msg, kTypeTsig);
    u16(msg, kClassAny);
    u32(msg, 0);
    u16(msg, static_cast<std::uint16_t>(rdata.size()));
    msg += rdata;
    msg[11] = 1;  // ARCOUNT = 1
    return msg;
}

void Rfc2136DnsProvider::update(const std::string& fqdn, const std::string& value, bool remove) const {
    const auto idBytes = detail::randomBytes(2);
    const auto id = static_cast<std::uint16_t>((static_cast<unsigned char>(idBytes[0]) << 8) | static_cast<unsigned char>(idBytes[1]));
    const auto now = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    const std::string request = buildUpdate(fqdn, value, remove, id, now);
    const std::string what = std::string(remove ? "deleting" : "adding") + " TXT " + absolute(fqdn);

    std::string answer;
    try {
        Poco::Net::SocketAddress address;
        try {
            address = Poco::Net::SocketAddress(server_);  // "IPv4:PORT" or "[IPv6]:PORT"
        } catch (const Poco::Exception&) {
            throw DnsError(server_, "give the server as IPv4:PORT or [IPv6]:PORT");
        }
        const Poco::Timespan timeout(std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout).count());
        Poco::Net::StreamSocket socket;
        socket.connect(address, timeout);
        socket.setReceiveTimeout(timeout);
        socket.setSendTimeout(timeout);
        std::string framed;
        u16(framed, static_cast<std::uint16_t>(request.size()));
        framed += request;
        socket.sendBytes(framed.data(), static_cast<int>(framed.size()));
        const auto readExactly = [&](std::size_t n) {
            std::string out(n, '\0');
            std::size_t got = 0;
            while (got < n) {
                const int r = socket.receiveBytes(out.data() + got, static_cast<int>(n - got));
                if (r <= 0) throw DnsError(server_, what + ": the server closed the connection without an answer");
                got += static_cast<std::size_t>(r);
            }
            return out;
        };
        const std::string length = readExactly(2);
        answer = readExactly(get16(length, 0));
    } catch (const Poco::Exception& e) {
        throw DnsError(server_, what + ": " + e.displayText());
    }
    if (answer.size() < 12 || get16(answer, 0) != id) throw DnsError(server_, what + ": an answer to another request");
    const std::uint16_t flags = get16(answer, 2);
    if ((flags & 0x8000) == 0 || ((flags >> 11) & 0xf) != 5) throw DnsError(server_, what + ": not an UPDATE answer");
    const unsigned rcode = flags & 0xf;

    // find the answer's TSIG (the last additional record) and check it
    const std::uint16_t counts[4] = {get16(answer, 4), get16(answer, 6), get16(answer, 8), get16(answer, 10)};
    std::size_t at = 12;
    for (int i = 0; i < counts[0]; ++i) at = skipName(answer, at) + 4;
    const int records = counts[1] + counts[2] + counts[3];
    std::size_t tsigStart = 0;
    unsigned tsigError = 0;
    std::string responseMac;
    for (int i = 0; i < records; ++i) {
        const std::size_t start = at;
        at = skipName(answer, at);
        const std::uint16_t type = get16(answer, at);
        const std::uint16_t rdlength = get16(answer, at + 8);
        const std::size_t rdata = at + 10;
        if (rdata + rdlength > answer.size()) throw DnsError(server_, what + ": a truncated answer");
        if (type == kTypeTsig && i == records - 1) {
            tsigStart = start;
            std::size_t p = skipName(answer, rdata) + 8;  // past algorithm, time signed, fudge
            const std::uint16_t macSize = get16(answer, p);
            p += 2;
            if (p + macSize + 6 > rdata + rdlength) throw DnsError(server_, what + ": a malformed TSIG in the answer");
            responseMac = answer.substr(p, macSize);
            tsigError = get16(answer, p + macSize + 2);
        }
        at = rdata + rdlength;
    }
    if (tsigError != 0) throw DnsError(server_, what + " refused: " + tsigErrorText(tsigError));
    if (rcode == 9 && responseMac.empty())
        throw DnsError(server_, what + " refused: NOTAUTH without a signed answer: the TSIG key is wrong or unknown to the server");
    if (!responseMac.empty()) {
        // RFC 8945 §4.3.1: request MAC, the answer without its TSIG, the variables
        const std::string requestMac = request.substr(request.size() - 6 - 32, 32);  // before original id, error, other len
        std::string unsigned_ = answer.substr(0, tsigStart);
        const std::uint16_t arcount = static_cast<std::uint16_t>(counts[3] - 1);
        unsigned_[10] = static_cast<char>(arcount >> 8);
        unsigned_[11] = static_cast<char>(arcount & 0xff);
        const std::size_t algorithmEnd = skipName(answer, skipName(answer, tsigStart) + 10);
        const std::size_t afterMac = algorithmEnd + 8 + 2 + responseMac.size() + 2;  // + MAC size, MAC, original id
        const std::uint16_t otherLen = get16(answer, afterMac + 2);
        const std::string variables =
            tsigVariables(key_.name, answer.substr(algorithmEnd, 8), answer.substr(afterMac, 4 + otherLen));
        std::string macInput;
        u16(macInput, static_cast<std::uint16_t>(requestMac.size()));
        macInput += requestMac + unsigned_ + variables;
        if (detail::hmacSha256(key_.secret, macInput) != responseMac)
            throw DnsError(server_, what + ": the answer's TSIG does not verify; ignoring it");
    } else if (rcode == 0) {
        throw DnsError(server_, what + ": the server's answer is not signed; not trusting it");
    }
    if (rcode != 0) throw DnsError(server_, what + " refused: " + rcodeText(rcode));
}

}  // namespace cxxacme::responders
