#include "ReservedAddressBlocks.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "cxxacme/ServerName.h"

namespace cxxacme::mock_acme {

namespace {

struct Block {
    const char* prefix;  // an address literal
    int bits;
    const char* rfc;
    const char* name;
};

// IANA's special-purpose registries as Boulder reads them (footnotes dropped, white space
// runs made one space), and the multicast blocks it adds.
constexpr Block kBlocks[] = {
    {"0.0.0.0", 8, "[RFC791], Section 3.2", "\"This network\""},
    {"0.0.0.0", 32, "[RFC1122], Section 3.2.1.3", "\"This host on this network\""},
    {"10.0.0.0", 8, "[RFC1918]", "Private-Use"},
    {"100.64.0.0", 10, "[RFC6598]", "Shared Address Space"},
    {"127.0.0.0", 8, "[RFC1122], Section 3.2.1.3", "Loopback"},
    {"169.254.0.0", 16, "[RFC3927]", "Link Local"},
    {"172.16.0.0", 12, "[RFC1918]", "Private-Use"},
    {"192.0.0.0", 24, "[RFC6890], Section 2.1", "IETF Protocol Assignments"},
    {"192.0.0.0", 29, "[RFC7335]", "IPv4 Service Continuity Prefix"},
    {"192.0.0.8", 32, "[RFC7600]", "IPv4 dummy address"},
    {"192.0.0.9", 32, "[RFC7723]", "Port Control Protocol Anycast"},
    {"192.0.0.10", 32, "[RFC8155]", "Traversal Using Relays around NAT Anycast"},
    {"192.0.0.170", 32, "[RFC8880][RFC7050], Section 2.2", "NAT64/DNS64 Discovery"},
    {"192.0.0.171", 32, "[RFC8880][RFC7050], Section 2.2", "NAT64/DNS64 Discovery"},
    {"192.0.2.0", 24, "[RFC5737]", "Documentation (TEST-NET-1)"},
    {"192.31.196.0", 24, "[RFC7535]", "AS112-v4"},
    {"192.52.193.0", 24, "[RFC7450]", "AMT"},
    {"192.88.99.0", 24, "[RFC7526]", "Deprecated (6to4 Relay Anycast)"},
    {"192.168.0.0", 16, "[RFC1918]", "Private-Use"},
    {"192.175.48.0", 24, "[RFC7534]", "Direct Delegation AS112 Service"},
    {"198.18.0.0", 15, "[RFC2544]", "Benchmarking"},
    {"198.51.100.0", 24, "[RFC5737]", "Documentation (TEST-NET-2)"},
    {"203.0.113.0", 24, "[RFC5737]", "Documentation (TEST-NET-3)"},
    {"240.0.0.0", 4, "[RFC1112], Section 4", "Reserved"},
    {"255.255.255.255", 32, "[RFC8190] [RFC919], Section 7", "Limited Broadcast"},
    {"224.0.0.0", 4, "[RFC3171]", "Multicast Addresses"},
    {"::1", 128, "[RFC4291]", "Loopback Address"},
    {"::", 128, "[RFC4291]", "Unspecified Address"},
    {"::ffff:0:0", 96, "[RFC4291]", "IPv4-mapped Address"},
    {"64:ff9b::", 96, "[RFC6052]", "IPv4-IPv6 Translat."},
    {"64:ff9b:1::", 48, "[RFC8215]", "IPv4-IPv6 Translat."},
    {"100::", 64, "[RFC6666]", "Discard-Only Address Block"},
    {"100:0:0:1::", 64, "[RFC9780]", "Dummy IPv6 Prefix"},
    {"2001::", 23, "[RFC2928]", "IETF Protocol Assignments"},
    {"2001::", 32, "[RFC4380] [RFC8190]", "TEREDO"},
    {"2001:1::1", 128, "[RFC7723]", "Port Control Protocol Anycast"},
    {"2001:1::2", 128, "[RFC8155]", "Traversal Using Relays around NAT Anycast"},
    {"2001:1::3", 128, "[RFC-ietf-dnssd-srp-25]", "DNS-SD Service Registration Protocol Anycast"},
    {"2001:2::", 48, "[RFC5180][RFC Errata 1752]", "Benchmarking"},
    {"2001:3::", 32, "[RFC7450]", "AMT"},
    {"2001:4:112::", 48, "[RFC7535]", "AS112-v6"},
    {"2001:10::", 28, "[RFC4843]", "Deprecated (previously ORCHID)"},
    {"2001:20::", 28, "[RFC7343]", "ORCHIDv2"},
    {"2001:30::", 28, "[RFC9374]", "Drone Remote ID Protocol Entity Tags (DETs) Prefix"},
    {"2001:db8::", 32, "[RFC3849]", "Documentation"},
    {"2002::", 16, "[RFC3056]", "6to4"},
    {"2620:4f:8000::", 48, "[RFC7534]", "Direct Delegation AS112 Service"},
    {"3fff::", 20, "[RFC9637]", "Documentation"},
    {"5f00::", 16, "[RFC9602]", "Segment Routing (SRv6) SIDs"},
    {"fc00::", 7, "[RFC4193] [RFC8190]", "Unique-Local"},
    {"fe80::", 10, "[RFC4291]", "Link-Local Unicast"},
    {"ff00::", 8, "[RFC4291]", "Multicast Addresses"},
};

struct ParsedBlock {
    std::vector<unsigned char> prefix;
    int bits;
    const Block* block;
};

// The blocks as bytes, the most specific first (as Boulder sorts them).
const std::vector<ParsedBlock>& parsedBlocks() {
    static const std::vector<ParsedBlock> parsed = [] {
        std::vector<ParsedBlock> out;
        for (const Block& b : kBlocks) out.push_back({ServerName::addressBytes(b.prefix), b.bits, &b});
        std::stable_sort(out.begin(), out.end(), [](const ParsedBlock& a, const ParsedBlock& b) { return a.bits > b.bits; });
        return out;
    }();
    return parsed;
}

bool contains(const ParsedBlock& block, const std::vector<unsigned char>& address) {
    if (block.prefix.size() != address.size()) return false;  // an IPv4 block holds no IPv6 address
    const auto whole = static_cast<std::size_t>(block.bits / 8);
    if (!std::equal(address.begin(), address.begin() + static_cast<std::ptrdiff_t>(whole), block.prefix.begin())) return false;
    const int rest = block.bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (address[whole] & mask) == (block.prefix[whole] & mask);
}

}  // namespace

std::optional<std::string> ReservedAddressBlocks::blockOf(std::string_view ip) {
    const auto address = ServerName::addressBytes(ip);
    if (address.empty()) return std::nullopt;
    for (const auto& block : parsedBlocks())
        if (contains(block, address)) return std::string(block.block->rfc) + ": " + block.block->name;
    return std::nullopt;
}

}  // namespace cxxacme::mock_acme
