#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace cxxacme {

/// TXT records of a name, asked of one DNS server (UDP, TCP when the answer
/// is truncated) or of the system's resolvers.
class DnsTxtLookup {
public:
    DnsTxtLookup() = delete;

    /// The TXT strings at `name` (each record's character-strings joined),
    /// asked of `server` ("IPv4:PORT", or "" for the system's resolvers).
    /// No such name or no TXT record: an empty list. Throws `DnsError` when
    /// the server cannot be asked or fails (SERVFAIL, REFUSED, timeout).
    static std::vector<std::string> query(const std::string& server, const std::string& name,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(5));
};

}  // namespace cxxacme
