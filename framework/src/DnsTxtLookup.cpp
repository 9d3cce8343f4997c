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

std::vector<std::string> DnsTxtLookup::query(const std::string& server, const std::string& name,
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
    state.options &= ~static_cast<unsigned long>(RES_DNSRCH | RES_DEFNAMES);
    unsigned char answer[65535];
    const int len = res_nquery(&state, name.c_str(), ns_c_in, ns_t_txt, answer, sizeof answer);
    if (len < 0) {
        if (state.res_h_errno == HOST_NOT_FOUND || state.res_h_errno == NO_DATA) return {};
        throw DnsError(where, "no answer for TXT " + name +
                                  (state.res_h_errno == TRY_AGAIN ? " (timeout or SERVFAIL)" : " (REFUSED or FORMERR)"));
    }
    ns_msg msg;
    if (ns_initparse(answer, len, &msg) != 0) throw DnsError(where, "an unreadable answer for TXT " + name);
    std::vector<std::string> values;
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_txt) continue;
        const unsigned char* p = ns_rr_rdata(rr);
        const unsigned char* end = p + ns_rr_rdlen(rr);
        std::string value;
        while (p < end) {
            const std::size_t n = *p++;
            if (p + n > end) throw DnsError(where, "a malformed TXT record at " + name);
            value.append(reinterpret_cast<const char*>(p), n);
            p += n;
        }
        values.push_back(std::move(value));
    }
    return values;
}

}  // namespace cxxacme
