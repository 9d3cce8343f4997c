// libFuzzer target for the queries mock-acme's DNS server (ChallengeDnsServer,
// --dns-listen) reads from anyone who can reach its port: it must answer or
// drop, never crash or read beyond the message.
//
// The input is one query message, answered as over UDP (cut to 1232 bytes
// at most) and as over TCP, by a server holding TXT, A, AAAA, CAA and CNAME
// records (a chain, and a loop longer than the eight aliases it follows) and
// wildcards (one whose CNAME leads under another).
// The contract checked: no answer, or one that keeps the query's id, says
// it is an answer, and over UDP fits the limit. AddressSanitizer and
// UndefinedBehaviorSanitizer (the fuzz build's) catch the rest.
// Built with scripts/fuzz.sh (clang only); never run by the test suite.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "cxxacme/mock_acme/ChallengeDnsServer.h"

namespace {

cxxacme::mock_acme::ChallengeDnsServer& server() {
    static auto* dns = [] {
        auto* d = new cxxacme::mock_acme::ChallengeDnsServer("127.0.0.1", 0);
        d->addTxt("_acme-challenge.a.example.test", "value");
        d->addTxt("_acme-challenge.a.example.test", std::string(300, 'x'));
        d->addAddresses("a.example.test", {"192.0.2.1", "2001:db8::1"});
        d->addCaa("example.test", {cxxacme::CaaRecord{0, "issue", "mock-acme.invalid"}});
        d->setCname("b.example.test", "a.example.test");
        for (int i = 0; i < 10; ++i)  // a loop: l0 -> l1 -> ... -> l9 -> l0
            d->setCname("l" + std::to_string(i) + ".example.test", "l" + std::to_string((i + 1) % 10) + ".example.test");
        d->addTxt("*.w.example.test", "wild");
        d->addTxt("x.w.example.test", "own");
        d->setCname("*.c.example.test", "y.w.example.test");
        // The request history is filled first, with the longest name there is: each later
        // question is written over an old one in place, without allocating. Otherwise every
        // input until the ring is full (and each name longer than the one it replaces) would
        // leave an allocation behind, and libFuzzer runs LeakSanitizer over the whole heap
        // after every input that does: half of a 30 s run went on that.
        std::vector<unsigned char> longest{0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0};
        for (const std::size_t label : {63, 63, 63, 61}) {
            longest.push_back(static_cast<unsigned char>(label));
            longest.insert(longest.end(), label, 'a');
        }
        longest.insert(longest.end(), {0, 0, 1, 0, 1});  // the root, type A, class IN
        for (int i = 0; i < 10000; ++i) d->answer(longest, 0);
        return d;
    }();
    return *dns;
}

void check(const std::vector<unsigned char>& query, const std::vector<unsigned char>& answer, std::size_t limit) {
    if (answer.empty()) return;
    if (answer.size() < 12 || answer[0] != query[0] || answer[1] != query[1] || (answer[2] & 0x80) == 0) std::abort();
    if (limit != 0 && answer.size() > limit) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::vector<unsigned char> query(data, data + size);
    check(query, server().answer(query, 1232), 1232);
    check(query, server().answer(query, 0), 0);
    return 0;
}
