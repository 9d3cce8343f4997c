#include "cxxacme/DnsTxtLookup.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iterator>
#include <string>
#include <utility>

#include "cxxacme/Error.h"
#include "cxxacme/detail/DnsAnswer.h"
#include "cxxacme/detail/Sockets.h"

namespace cxxacme {

namespace {

using SteadyClock = std::chrono::steady_clock;

using detail::IpEndpoint;
using detail::UniqueFd;

// A DNS server as "IPv4:PORT", "[IPv6]:PORT", or an address alone (port 53).
IpEndpoint serverAddress(const std::string& server) {
    std::string host = server;
    int port = 53;
    if (server.starts_with('[')) {
        const auto close = server.find(']');
        if (close == std::string::npos || (close + 1 < server.size() && server[close + 1] != ':')) host.clear();
        else {
            host = server.substr(1, close - 1);
            if (close + 1 < server.size()) port = std::atoi(server.c_str() + close + 2);
        }
    } else if (std::count(server.begin(), server.end(), ':') == 1) {
        const auto colon = server.find(':');
        host = server.substr(0, colon);
        port = std::atoi(server.c_str() + colon + 1);
    }
    if (port > 0 && port <= 65535)
        if (const auto to = detail::ipEndpoint(host, static_cast<std::uint16_t>(port))) return *to;
    throw DnsError(server, "a DNS server is given as IPv4:PORT or [IPv6]:PORT");
}

int millisecondsLeft(SteadyClock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// Waits for `events` on `fd` until `deadline`; false on timeout.
bool waitFor(int fd, short events, SteadyClock::time_point deadline) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int n = ::poll(&p, 1, millisecondsLeft(deadline));
        if (n > 0) return true;
        if (n == 0 || errno != EINTR) return false;
    }
}

std::uint16_t idOf(const unsigned char* message) { return static_cast<std::uint16_t>(message[0] << 8 | message[1]); }

// One query over UDP: the answer with the query's ID (others are dropped),
// or nothing by the deadline; `refused` is set when the query could not be
// sent or the address refused it (ICMP) rather than staying silent.
std::vector<unsigned char> overUdp(const IpEndpoint& to, const std::vector<unsigned char>& query,
                                   SteadyClock::time_point deadline, bool& refused) {
    UniqueFd s(::socket(to.address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (s.get() < 0 || ::connect(s.get(), reinterpret_cast<const sockaddr*>(&to.address), to.length) != 0 ||
        ::send(s.get(), query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) {
        refused = true;
        return {};
    }
    std::vector<unsigned char> answer(65535);
    while (waitFor(s.get(), POLLIN, deadline)) {
        const ssize_t n = ::recv(s.get(), answer.data(), answer.size(), 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0) {  // refused (ICMP): no server there
            refused = true;
            return {};
        }
        if (n >= 12 && idOf(answer.data()) == idOf(query.data()) && (answer[2] & 0x80) != 0) {
            answer.resize(static_cast<std::size_t>(n));
            return answer;
        }
    }
    return {};
}

// The query over TCP (RFC 1035 §4.2.2: a two-byte length before each message);
// `refused` as overUdp's, when no connection could be made.
std::vector<unsigned char> overTcp(const IpEndpoint& to, const std::vector<unsigned char>& query,
                                   SteadyClock::time_point deadline, bool& refused) {
    UniqueFd s;
    try {
        s = detail::connectTcp(to, std::chrono::milliseconds(millisecondsLeft(deadline)));
    } catch (const Error&) {
        refused = SteadyClock::now() < deadline;
        return {};
    }
    std::vector<unsigned char> out{static_cast<unsigned char>(query.size() >> 8), static_cast<unsigned char>(query.size() & 0xff)};
    out.insert(out.end(), query.begin(), query.end());
    for (std::size_t sent = 0; sent < out.size();) {
        if (!waitFor(s.get(), POLLOUT, deadline)) return {};
        const ssize_t n = ::send(s.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) return {};
        sent += static_cast<std::size_t>(n);
    }
    const auto readExactly = [&](std::vector<unsigned char>& into) {
        for (std::size_t got = 0; got < into.size();) {
            if (!waitFor(s.get(), POLLIN, deadline)) return false;
            const ssize_t n = ::recv(s.get(), into.data() + got, into.size() - got, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (n <= 0) return false;
            got += static_cast<std::size_t>(n);
        }
        return true;
    };
    std::vector<unsigned char> size(2);
    if (!readExactly(size)) return {};
    std::vector<unsigned char> answer(static_cast<std::size_t>(size[0] << 8 | size[1]));
    if (answer.size() < 12 || !readExactly(answer) || idOf(answer.data()) != idOf(query.data())) return {};
    return answer;
}

// How errors name `server`.
std::string serverLabel(const std::string& server) { return server.empty() ? "the system resolver" : server; }

constexpr int kCaaType = 257;  // RFC 8659 §7.1 (older C libraries do not name it)

// A name as compared in DNS: without the root's dot, ASCII letters in lower case.
// As a recursive resolver does, a lookup goes through at most this many aliases (CNAME records)
// in all, whether one answer carries the chain or each link is asked for.
constexpr int kMaxAliases = 8;

std::string canonicalName(std::string name) {
    while (!name.empty() && name.back() == '.') name.pop_back();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

// One exchange: `type` records asked of `server` (or the system's resolvers) for `name`. The
// answer as it came (empty when the system's resolvers found no such name or record);
// `noSuchName`: NXDOMAIN from a server of its own, whose answer may still carry the CNAME
// chain that led nowhere. A server
// of its own is asked here, over UDP (twice, half the timeout each) and over TCP when the
// answer comes truncated; the system's resolvers through the C library.
struct Exchanged {
    std::vector<unsigned char> answer;
    bool noSuchName = false;
};
Exchanged exchange(const std::string& server, const std::string& name, int type, std::chrono::milliseconds timeout) {
    const std::string where = serverLabel(server);
    struct __res_state state {};
    if (res_ninit(&state) != 0) throw DnsError(where, "cannot initialise the resolver");
    struct Closer {
        struct __res_state* s;
        ~Closer() { res_nclose(s); }
    } closer{&state};
    // no EDNS0: answers over 512 bytes come truncated over UDP and whole over TCP, everywhere alike
    state.options &= ~static_cast<unsigned long>(RES_DNSRCH | RES_DEFNAMES | RES_USE_EDNS0);
    if (server.empty()) {
        std::vector<unsigned char> answer(65535);
        state.retrans = static_cast<int>(std::max<long>(1, timeout.count() / 2000));
        state.retry = 2;
        const int len = res_nquery(&state, name.c_str(), ns_c_in, type, answer.data(), static_cast<int>(answer.size()));
        if (len < 0) {
            if (state.res_h_errno == HOST_NOT_FOUND) return {{}, true};  // NXDOMAIN: nothing to read
            if (state.res_h_errno == NO_DATA) return {};
            throw DnsError(where, "no answer for " + name +
                                      (state.res_h_errno == TRY_AGAIN ? " (timeout or SERVFAIL)" : " (REFUSED or FORMERR)"));
        }
        answer.resize(static_cast<std::size_t>(len));
        return {std::move(answer), false};
    }
    const auto to = serverAddress(server);
    std::vector<unsigned char> query(NS_PACKETSZ);
    const int qlen = res_nmkquery(&state, ns_o_query, name.c_str(), ns_c_in, type, nullptr, 0, nullptr, query.data(),
                                  static_cast<int>(query.size()));
    if (qlen < 0) throw DnsError(where, "cannot ask for \"" + InvalidNameError::printable(name) + "\"");
    query.resize(static_cast<std::size_t>(qlen));
    const auto half = std::max<std::chrono::milliseconds>(timeout / 2, std::chrono::milliseconds(100));
    std::vector<unsigned char> got;
    bool refused = false;
    for (int attempt = 0; attempt < 2 && got.empty(); ++attempt) got = overUdp(to, query, SteadyClock::now() + half, refused);
    bool overTcpToo = false;
    if (!got.empty() && (got[2] & 0x02) != 0) {  // truncated
        overTcpToo = true;
        const auto deadline = SteadyClock::now() + timeout;
        got = overTcp(to, query, deadline, refused);
        if (got.empty() && !refused && SteadyClock::now() < deadline)
            throw DnsError(where, "no answer for " + name + " (no usable answer over TCP)");
    }
    if (got.empty())
        throw DnsError(where, "no answer for " + name + (refused ? " (refused: no DNS server there" : " (timeout") +
                                  (overTcpToo ? " over TCP)" : ")"),
                       -1, refused ? DnsError::Cause::Unreachable : DnsError::Cause::TimedOut);
    const int rcode = got[3] & 0x0f;
    if (rcode != ns_r_noerror && rcode != ns_r_nxdomain)
        throw DnsError(where, "no answer for " + name + " (" + DnsTxtLookup::responseCodeName(rcode) + ")", rcode);
    return {std::move(got), rcode == ns_r_nxdomain};
}

/// Asks `server` (or the system's resolvers) for `type` records at `name`,
/// and follows its aliases as a recursive resolver does: through the
/// answer's CNAME chain, and, when the answer ends the chain at a name
/// without such records (an authoritative server answers for its own zones
/// alone), by asking for that name, kMaxAliases in all.
/// `target`, when given, is set to the name where the chain ends.
/// `noSuchName`, when given, is set when the chain ends at a name that does not exist.
std::vector<std::string> ask(const std::string& server, const std::string& name, int type,
                             std::chrono::milliseconds timeout, std::string* target = nullptr,
                             bool* noSuchName = nullptr) {
    const std::string where = serverLabel(server);
    int aliases = 0;
    for (std::string current = name;;) {
        if (target) *target = canonicalName(current);
        const Exchanged got = exchange(server, current, type, timeout);
        if (noSuchName) *noSuchName = got.noSuchName;
        if (got.answer.empty()) return {};
        detail::DnsAnswer answered = detail::readDnsAnswer(got.answer, name, current, type, aliases, where);
        if (target) *target = answered.owner;
        if (got.noSuchName) return {};  // no such name where the chain ends: nothing to ask for next
        if (answered.alias.empty()) return std::move(answered.values);
        current = std::move(answered.alias);
    }
}

}  // namespace

namespace detail {

DnsAnswer readDnsAnswer(const std::vector<unsigned char>& answer, const std::string& asked, const std::string& name, int type,
                        int& aliases, const std::string& where) {
    ns_msg msg;
    if (ns_initparse(answer.data(), static_cast<int>(answer.size()), &msg) != 0)
        throw DnsError(where, "an unreadable answer for " + asked);
    const auto expandName = [&](const unsigned char* at, const char* what) {
        char host[NS_MAXDNAME];
        if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), at, host, sizeof host) < 0)
            throw DnsError(where, std::string("a malformed ") + what + " record at " + asked);
        return std::string(host);
    };
    const int count = ns_msg_count(msg, ns_s_an);
    std::string owner = canonicalName(name);
    for (bool moved = true; moved;) {  // along the chain as far as this answer carries it
        moved = false;
        for (int i = 0; i < count && !moved; ++i) {
            ns_rr rr;
            if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_cname || canonicalName(ns_rr_name(rr)) != owner)
                continue;
            if (++aliases > kMaxAliases)
                throw DnsError(where, "more than " + std::to_string(kMaxAliases) + " CNAME records (or a loop) from " + asked);
            owner = canonicalName(expandName(ns_rr_rdata(rr), "CNAME"));
            if (owner.empty()) throw DnsError(where, "a CNAME record to the root (\".\") from " + asked);
            moved = true;
        }
    }
    DnsAnswer out;
    for (int i = 0; i < count; ++i) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != type || canonicalName(ns_rr_name(rr)) != owner) continue;
        const unsigned char* p = ns_rr_rdata(rr);
        const unsigned char* end = p + ns_rr_rdlen(rr);
        if (type == ns_t_txt) {
            std::string value;
            while (p < end) {
                const std::size_t n = *p++;
                if (p + n > end) throw DnsError(where, "a malformed TXT record at " + asked);
                value.append(reinterpret_cast<const char*>(p), n);
                p += n;
            }
            out.values.push_back(std::move(value));
        } else if (type == ns_t_ns) {
            out.values.push_back(expandName(p, "NS"));
        } else if (type == ns_t_a && ns_rr_rdlen(rr) == 4) {
            char text[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, p, text, sizeof text);
            out.values.emplace_back(text);
        } else if (type == ns_t_aaaa && ns_rr_rdlen(rr) == 16) {
            char text[INET6_ADDRSTRLEN];
            inet_ntop(AF_INET6, p, text, sizeof text);
            out.values.emplace_back(text);
        } else if (type == kCaaType) {
            out.values.emplace_back(reinterpret_cast<const char*>(p), ns_rr_rdlen(rr));
        }
    }
    if (out.values.empty() && owner != canonicalName(name)) out.alias = owner;
    out.owner = std::move(owner);
    return out;
}

}  // namespace detail

std::vector<std::string> DnsTxtLookup::query(const std::string& server, const std::string& name,
                                             std::chrono::milliseconds timeout) {
    return ask(server, name, ns_t_txt, timeout);
}

namespace {

// `type` records at `name`, and whether the name where their chain ends exists.
DnsTxtLookup::Answer answerOf(const std::string& server, const std::string& name, int type, std::chrono::milliseconds timeout) {
    DnsTxtLookup::Answer out;
    out.values = ask(server, name, type, timeout, nullptr, &out.noSuchName);
    return out;
}

}  // namespace

DnsTxtLookup::Answer DnsTxtLookup::txtAnswer(const std::string& server, const std::string& name,
                                             std::chrono::milliseconds timeout) {
    return answerOf(server, name, ns_t_txt, timeout);
}

DnsTxtLookup::Answer DnsTxtLookup::addressAnswer(const std::string& server, const std::string& name,
                                                 std::chrono::milliseconds timeout) {
    return answerOf(server, name, ns_t_a, timeout);
}

DnsTxtLookup::Answer DnsTxtLookup::ipv6AddressAnswer(const std::string& server, const std::string& name,
                                                     std::chrono::milliseconds timeout) {
    return answerOf(server, name, ns_t_aaaa, timeout);
}

std::string DnsTxtLookup::responseCodeName(int rcode) {
    static constexpr const char* kNames[] = {"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
                                             "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
    if (rcode >= 0 && rcode < static_cast<int>(std::size(kNames))) return kNames[rcode];
    return "RCODE" + std::to_string(rcode);
}

std::string DnsTxtLookup::aliasTarget(const std::string& server, const std::string& name, std::chrono::milliseconds timeout) {
    std::string target;
    ask(server, name, ns_t_txt, timeout, &target);
    return target;
}

std::vector<std::string> DnsTxtLookup::addresses(const std::string& server, const std::string& name,
                                                 std::chrono::milliseconds timeout) {
    return ask(server, name, ns_t_a, timeout);
}

std::vector<std::string> DnsTxtLookup::ipv6Addresses(const std::string& server, const std::string& name,
                                                     std::chrono::milliseconds timeout) {
    return ask(server, name, ns_t_aaaa, timeout);
}

std::vector<CaaRecord> DnsTxtLookup::caaRecords(const std::string& server, const std::string& name,
                                                std::chrono::milliseconds timeout) {
    std::vector<CaaRecord> records;
    for (const auto& rdata : ask(server, name, kCaaType, timeout)) {
        // RFC 8659 §4.1: flags, tag length (1..15), tag (letters and digits), value (the rest)
        const std::size_t tagLength = rdata.size() >= 2 ? static_cast<unsigned char>(rdata[1]) : 0;
        if (tagLength == 0 || tagLength > 15 || rdata.size() < 2 + tagLength)
            throw DnsError(serverLabel(server), "a malformed CAA record at " + InvalidNameError::printable(name));
        const std::string tag = rdata.substr(2, tagLength);
        if (!std::all_of(tag.begin(), tag.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }))
            throw DnsError(serverLabel(server), "a CAA record with a malformed tag at " + InvalidNameError::printable(name));
        records.push_back(CaaRecord{static_cast<std::uint8_t>(rdata[0]), tag, rdata.substr(2 + tagLength)});
    }
    return records;
}

std::vector<std::string> DnsTxtLookup::authoritativeServers(const std::string& resolver, const std::string& name,
                                                            std::uint16_t port, std::chrono::milliseconds timeout) {
    std::string zone = name;
    while (!zone.empty() && zone.back() == '.') zone.pop_back();
    while (!zone.empty()) {
        const auto servers = ask(resolver, zone, ns_t_ns, timeout);
        if (!servers.empty()) {
            std::vector<std::string> addresses;
            for (const auto& server : servers) {
                // each server once: by its IPv4 addresses, or by its IPv6 ones when it has none
                std::vector<std::string> found = ask(resolver, server, ns_t_a, timeout);
                const bool v6 = found.empty();
                if (v6) found = ask(resolver, server, ns_t_aaaa, timeout);
                for (const auto& address : found) {
                    const std::string entry = (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
                    if (std::find(addresses.begin(), addresses.end(), entry) == addresses.end()) addresses.push_back(entry);
                }
            }
            return addresses;
        }
        const auto dot = zone.find('.');
        if (dot == std::string::npos) break;
        zone = zone.substr(dot + 1);
    }
    return {};
}

}  // namespace cxxacme
