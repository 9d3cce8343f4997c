// libFuzzer target for the DNS answers the framework reads (DnsTxtLookup:
// dns-01 checks, mock-acme's dns-01, dns-account-01, dns-persist-01, CAA and
// names resolved through DNS): a hostile or broken DNS server must get a
// clear error out of it, never a crash.
//
// The first input byte picks the record type asked for (A, NS, TXT, AAAA,
// CAA); the rest is the answer message, read as an answer for
// "a.example.test" (the question section is not checked, as the exchange
// has matched the message's ID already).
// The contract checked: detail::readDnsAnswer returns or throws a
// cxxacme::DnsError; any other exception aborts. What it returns holds
// together: an alias only when nothing of the type was found, CNAMEs counted
// up to 8. AddressSanitizer and UndefinedBehaviorSanitizer (the fuzz
// build's) catch the rest.
// Built with scripts/fuzz.sh (clang only); never run by the test suite.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cxxacme/Error.h"
#include "cxxacme/detail/DnsAnswer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static constexpr int kTypes[] = {1, 2, 16, 28, 257};
    const int type = kTypes[data[0] % 5];
    const std::vector<unsigned char> message(data + 1, data + size);
    int aliases = 0;
    try {
        const auto answer = cxxacme::detail::readDnsAnswer(message, "a.example.test", "a.example.test", type, aliases, "fuzz");
        if (!answer.alias.empty() && !answer.values.empty()) std::abort();  // an alias to follow only when nothing was found
        if (aliases > 8 || aliases < 0) std::abort();
        if (answer.owner.empty()) std::abort();  // the chain ends somewhere, at the name itself at least
    } catch (const cxxacme::DnsError&) {
    }
    return 0;
}
