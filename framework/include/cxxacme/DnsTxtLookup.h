#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cxxacme/CaaRecord.h"

namespace cxxacme {

/// TXT (and A, AAAA, NS, CAA) records of a name, asked of one DNS server (UDP,
/// TCP when the answer is truncated; IPv4 or IPv6) or of the system's
/// resolvers.
class DnsTxtLookup {
public:
    DnsTxtLookup() = delete;

    /// The TXT strings at `name` (each record's character-strings joined),
    /// asked of `server` ("IPv4:PORT", "[IPv6]:PORT", an address alone for
    /// port 53, or "" for the system's resolvers).
    /// No such name or no TXT record: an empty list. Throws `DnsError` when
    /// the server cannot be asked or fails (SERVFAIL, REFUSED, timeout).
    static std::vector<std::string> query(const std::string& server, const std::string& name,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// What a server said of the records of one type at a name.
    struct Answer {
        std::vector<std::string> values;  ///< as `query`, `addresses` or `ipv6Addresses` gives them
        /// The name where the CNAME chain from the name asked ends does not
        /// exist (NXDOMAIN), which an empty `values` alone does not tell from
        /// a name without records of the type (NOERROR and no answer).
        bool noSuchName = false;
    };

    /// As `query`, and says whether the name exists at all.
    static Answer txtAnswer(const std::string& server, const std::string& name,
                            std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// A DNS response code's mnemonic (RFC 1035 §4.1.1, RFC 2136 §2.2):
    /// "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
    /// "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"; "RCODE" and
    /// the number for another.
    static std::string responseCodeName(int rcode);

    /// Where `name`'s CNAME chain ends, asked of `server` (as `query`, which
    /// follows it the same way): `name` itself (without the root's dot, in
    /// lower case) when it is no alias, or when it does not exist. Throws
    /// `DnsError` as `query`, and for a chain of more than 8 or a loop.
    static std::string aliasTarget(const std::string& server, const std::string& name,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// The IPv4 addresses of `name` (its A records) asked of `server` (as
    /// `query`). Empty when it has none; throws `DnsError` as `query`.
    static std::vector<std::string> addresses(const std::string& server, const std::string& name,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// The IPv6 addresses of `name` (its AAAA records, in RFC 5952 text)
    /// asked of `server` (as `query`). Empty when it has none; throws
    /// `DnsError` as `query`.
    static std::vector<std::string> ipv6Addresses(const std::string& server, const std::string& name,
                                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// As `addresses` and `ipv6Addresses`, and says whether the name exists at all.
    static Answer addressAnswer(const std::string& server, const std::string& name,
                                std::chrono::milliseconds timeout = std::chrono::seconds(5));
    static Answer ipv6AddressAnswer(const std::string& server, const std::string& name,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// The CAA records at `name` itself (RFC 8659 §4.1; no climbing: see
    /// `CaaPolicy::relevantRecords`), asked of `server` (as `query`). Empty
    /// when it has none; throws `DnsError` as `query` (with the server's
    /// `rcode()` when it answered with an error), and for a malformed record.
    static std::vector<CaaRecord> caaRecords(const std::string& server, const std::string& name,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// The authoritative servers of the zone holding `name`, as
    /// "IPv4:PORT" or "[IPv6]:PORT": walks up from `name` asking `resolver`
    /// (as `query`) for NS records until a zone answers, then for each
    /// server's A records, or its AAAA records when it has no A record (so
    /// a host without IPv6 still reaches every server that has IPv4).
    /// Empty when nothing is found. Throws `DnsError` when `resolver` fails.
    static std::vector<std::string> authoritativeServers(const std::string& resolver, const std::string& name,
                                                         std::uint16_t port = 53,
                                                         std::chrono::milliseconds timeout = std::chrono::seconds(5));
};

}  // namespace cxxacme
