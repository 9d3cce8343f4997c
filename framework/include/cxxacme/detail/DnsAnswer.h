#pragma once

#include <string>
#include <vector>

namespace cxxacme::detail {

/// What one DNS answer message says of `name` for records of `type` (1 A,
/// 2 NS, 16 TXT, 28 AAAA, 257 CAA), as `DnsTxtLookup` reads it: the CNAME
/// chain from `name` is followed within the answer section, and the records
/// of `type` where it ends are decoded (TXT as the joined strings, NS as
/// the name, A and AAAA as the address's text, CAA as its RDATA's bytes);
/// records of other owners are passed over.
struct DnsAnswer {
    std::vector<std::string> values;
    /// Where the chain leaves this answer at a name without such records: the
    /// name to ask for next ("" when there is none, or when `name` is no alias).
    std::string alias;
    /// Where the chain ends in this answer, in lower case without the root's dot.
    std::string owner;
};

/// Reads `message`. `aliases` counts the CNAMEs gone through (across the
/// answers of one lookup); past 8 (a loop ends there too) it throws
/// `DnsError`, as it does for a message or record that does not read.
/// `asked` (the name the lookup began with) and `server` name the error.
DnsAnswer readDnsAnswer(const std::vector<unsigned char>& message, const std::string& asked, const std::string& name, int type,
                        int& aliases, const std::string& server);

}  // namespace cxxacme::detail
