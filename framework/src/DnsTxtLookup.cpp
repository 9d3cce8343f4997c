#include "cxxacme/DnsTxtLookup.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <cstdlib>

#include "cxxacme/Error.h"

namespace cxxacme {

namespace {

/// Asks `server` (or the system's resolvers) for `type` records at `name`;
/// returns the answer section's records of that type, decoded: TXT as the
/// joined strings, NS as the name, A and AAAA as the address's text.
std::vector<std::string> ask(const std::string& server, const std::string& name, int type,
                             std::chrono::milliseconds timeout) {
    const std::string where = server.empty() ? "the system resolver" : server;
    struct __res_state state {};
    if (res_ninit(&state) != 0) throw DnsError(where, "cannot initialise the resolver");
    struct Closer {
        struct __res_state* s;
        ~Closer() { res_nclose(s); }
    } closer{&state};
    if (!server.empty()) {
        const auto colon = server.rfind(':');
        const std::string host = server.substr(0, colon);
        const int port = colon == std::string::npos ? 53 : std::atoi(server.c_str() + colon + 1);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        if (port <= 0 || port > 65535 || inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1)
            throw DnsError(server, "a DNS server is given as IPv4ADDR:PORT");
        state.nscount = 1;
        state.nsaddr_list[0] = address;
    }
    state.retrans = static_cast<int>(std::max<long>(1, timeout.count() / 2000));
    state.retry = 2;
    // no EDNS0: answers over 512 bytes come truncated over UDP and whole over TCP, everywhere alike
    state.options &= ~static_cast<unsigned long>(RES_DNSRCH | RES_DEFNAMES | RES_USE_EDNS0);
    std::vector<unsigned char> answer(65535);
    const int len = res_nquery(&state, name.c_str(), ns_c_in, type, answer.data(), static_cast<int>(answer.size()));
    if (len < 0) {
        if (state.res_h_errno == HOST_NOT_FOUND || state.res_h_errno == NO_DATA) return {};
        throw DnsError(where, "no answer for " + name +
                                  (state.res_h_errno == TRY_AGAIN ? " (timeout or SERVFAIL)" : " (REFUSED or FORMERR)"));
    }
    ns_msg msg;
    if (ns_initparse(answer.data(), len, &msg) != 0) throw DnsError(where, "an unreadable answer for " + name);
    std::vector<std::string> values;
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != type) continue;
        const unsigned char* p = ns_rr_rdata(rr);
        const unsigned char* end = p + ns_rr_rdlen(rr);
        if (type == ns_t_txt) {
            std::string value;
            while (p < end) {
                const std::size_t n = *p++;
                if (p + n > end) throw DnsError(where, "a malformed TXT record at " + name);
                value.append(reinterpret_cast<const char*>(p), n);
                p += n;
            }
            values.push_back(std::move(value));
        } else if (type == ns_t_ns) {
            char host[NS_MAXDNAME];
            if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), p, host, sizeof host) < 0)
                throw DnsError(where, "a malformed NS record at " + name);
            values.emplace_back(host);
        } else if (type == ns_t_a && ns_rr_rdlen(rr) == 4) {
            char text[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, p, text, sizeof text);
            values.emplace_back(text);
        } else if (type == ns_t_aaaa && ns_rr_rdlen(rr) == 16) {
            char text[INET6_ADDRSTRLEN];
            inet_ntop(AF_INET6, p, text, sizeof text);
            values.emplace_back(text);
        }
    }
    return values;
}

}  // namespace

std::vector<std::string> DnsTxtLookup::query(const std::string& server, const std::string& name,
                                             std::chrono::milliseconds timeout) {
    return ask(server, name, ns_t_txt, timeout);
}

std::vector<std::string> DnsTxtLookup::addresses(const std::string& server, const std::string& name,
                                                 std::chrono::milliseconds timeout) {
    return ask(server, name, ns_t_a, timeout);
}

std::vector<std::string> DnsTxtLookup::ipv6Addresses(const std::string& server, const std::string& name,
                                                     std::chrono::milliseconds timeout) {
    return ask(server, name, ns_t_aaaa, timeout);
}

std::vector<std::string> DnsTxtLookup::authoritativeServers(const std::string& resolver, const std::string& name,
                                                            std::uint16_t port, std::chrono::milliseconds timeout) {
    std::string zone = name;
    while (!zone.empty() && zone.back() == '.') zone.pop_back();
    while (!zone.empty()) {
        const auto servers = ask(resolver, zone, ns_t_ns, timeout);
        if (!servers.empty()) {
            std::vector<std::string> addresses;
            for (const auto& server : servers)
                for (const auto& address : ask(resolver, server, ns_t_a, timeout)) {
                    const std::string entry = address + ":" + std::to_string(port);
                    if (std::find(addresses.begin(), addresses.end(), entry) == addresses.end()) addresses.push_back(entry);
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
