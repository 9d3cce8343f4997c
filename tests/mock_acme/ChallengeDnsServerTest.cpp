#define BOOST_TEST_MODULE mock_acme_challenge_dns
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "../TestPrinting.h"
#include "../support/KnotServer.h"
#include "cxxacme/AcmeIssuer.h"
#include "cxxacme/DnsTxtLookup.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/mock_acme/ChallengeDnsServer.h"
#include "cxxacme/responders/Dns01Responder.h"
#include "cxxacme/testing/MockAcmeFixture.h"

using namespace cxxacme;
using cxxacme::mock_acme::ChallengeDnsServer;
using Bytes = std::vector<unsigned char>;
using Strings = std::vector<std::string>;

namespace {

// A query for `name` (labels as given) of `type`, id 0x1234, RD set; with an OPT record
// offering `edns` bytes when not 0.
Bytes query(const std::string& name, unsigned type, unsigned edns = 0) {
    Bytes q{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, static_cast<unsigned char>(edns ? 1 : 0)};
    std::size_t start = 0;
    while (start < name.size()) {
        const std::size_t end = std::min(name.find('.', start), name.size());
        q.push_back(static_cast<unsigned char>(end - start));
        q.insert(q.end(), name.begin() + static_cast<std::ptrdiff_t>(start), name.begin() + static_cast<std::ptrdiff_t>(end));
        start = end + 1;
    }
    q.push_back(0);
    q.insert(q.end(), {static_cast<unsigned char>(type >> 8), static_cast<unsigned char>(type), 0, 1});
    if (edns) q.insert(q.end(), {0, 0, 41, static_cast<unsigned char>(edns >> 8), static_cast<unsigned char>(edns), 0, 0, 0, 0, 0, 0});
    return q;
}

int rcode(const Bytes& a) { return a.at(3) & 0x0f; }
unsigned count(const Bytes& a, std::size_t at) { return static_cast<unsigned>(a.at(at) << 8 | a.at(at + 1)); }
bool truncated(const Bytes& a) { return (a.at(2) & 0x02) != 0; }

// What a command prints on its standard output.
std::string output(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    BOOST_REQUIRE(pipe);
    std::string out;
    std::array<char, 4096> buf{};
    while (const std::size_t n = fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(records_are_answered_as_a_resolver_reads_them) {
    ChallengeDnsServer dns;
    const std::string at = dns.address();
    const std::string longValue(600, 'v');  // three strings on the wire, one value read back
    dns.addTxt("_acme-challenge.Example.TEST.", "one");
    dns.addTxt("_acme-challenge.example.test", longValue);
    dns.addAddresses("host.example.test", {"192.0.2.7", "2001:db8::7"});
    dns.addCaa("example.test", {CaaRecord{0, "issue", "mock-acme.invalid"}, CaaRecord{128, "tbs", "x"}});
    dns.setCname("_acme-challenge.alias.example.test", "hop.example.test");
    dns.setCname("hop.example.test", "_acme-challenge.example.test");

    BOOST_TEST(DnsTxtLookup::query(at, "_ACME-challenge.example.test") == (Strings{"one", longValue}));
    BOOST_TEST(DnsTxtLookup::query(at, "_acme-challenge.alias.example.test") == (Strings{"one", longValue}));  // two hops
    BOOST_TEST(DnsTxtLookup::aliasTarget(at, "_acme-challenge.alias.example.test") == "_acme-challenge.example.test");
    BOOST_TEST(DnsTxtLookup::addresses(at, "host.example.test") == (Strings{"192.0.2.7"}));
    BOOST_TEST(DnsTxtLookup::ipv6Addresses(at, "host.example.test") == (Strings{"2001:db8::7"}));
    BOOST_TEST(DnsTxtLookup::addresses(at, "anything.else.test") == (Strings{"127.0.0.1"}));  // the default
    BOOST_TEST(DnsTxtLookup::ipv6Addresses(at, "anything.else.test").empty());
    BOOST_TEST((DnsTxtLookup::caaRecords(at, "example.test") ==
                std::vector<CaaRecord>{CaaRecord{0, "issue", "mock-acme.invalid"}, CaaRecord{128, "tbs", "x"}}));

    dns.removeTxt("_acme-challenge.example.test", "one");
    BOOST_TEST(DnsTxtLookup::query(at, "_acme-challenge.example.test") == (Strings{longValue}));
    dns.setDefaultIpv4("");
    dns.setDefaultIpv6("::1");
    BOOST_TEST(DnsTxtLookup::addresses(at, "anything.else.test").empty());
    BOOST_TEST(DnsTxtLookup::ipv6Addresses(at, "anything.else.test") == (Strings{"::1"}));

    // NXDOMAIN for a name with nothing at or below it; NODATA (NOERROR, no answer) for a name
    // with other records or with records below it; both with the default SOA
    const Bytes nx = dns.answer(query("nothing.example.test", 16), 512);
    BOOST_TEST(rcode(nx) == 3);
    BOOST_TEST(count(nx, 6) == 0u);
    BOOST_TEST(count(nx, 8) == 1u);
    BOOST_TEST((nx.at(2) & 0x04) != 0);  // authoritative
    BOOST_TEST(rcode(dns.answer(query("host.example.test", 16), 512)) == 0);
    BOOST_TEST(rcode(dns.answer(query("alias.example.test", 16), 512)) == 0);  // _acme-challenge.alias is below
    dns.clearTxt("_acme-challenge.example.test");
    BOOST_TEST(DnsTxtLookup::query(at, "_acme-challenge.example.test").empty());
    dns.setServfail("example.test", true);
    try {
        DnsTxtLookup::caaRecords(at, "example.test");
        BOOST_FAIL("SERVFAIL was not an error");
    } catch (const DnsError& e) {
        BOOST_TEST(e.rcode() == 2);
    }
    dns.setServfail("example.test", false);
    BOOST_TEST(DnsTxtLookup::caaRecords(at, "example.test").size() == 2u);

    // on IPv6 too, UDP and TCP on one port; not on what is no address
    ChallengeDnsServer v6("::1");
    BOOST_TEST(v6.address() == "[::1]:" + std::to_string(v6.port()));
    v6.addTxt("six.example.test", "over IPv6");
    BOOST_TEST(DnsTxtLookup::query(v6.address(), "six.example.test") == (Strings{"over IPv6"}));
    BOOST_CHECK_THROW(ChallengeDnsServer("localhost"), Error);

    BOOST_CHECK_THROW(dns.addTxt("bad name.test", "v"), InvalidNameError);
    BOOST_CHECK_THROW(dns.addTxt("a..test", "v"), InvalidNameError);
    BOOST_CHECK_THROW(dns.addAddresses("x.test", {"300.1.1.1"}), InvalidNameError);
    BOOST_CHECK_THROW(dns.setDefaultIpv4("::1"), InvalidNameError);
}

// Over UDP an answer is at most 512 bytes, or what the query's OPT record offers
// (up to 1232); a longer one comes truncated, and DnsTxtLookup asks again over TCP.
BOOST_AUTO_TEST_CASE(a_long_answer_is_truncated_over_udp_and_whole_over_tcp) {
    ChallengeDnsServer dns;
    Strings values;
    for (int i = 0; i < 20; ++i) {
        values.push_back(std::string(100, static_cast<char>('a' + i)));
        dns.addTxt("_acme-challenge.many.example.test", values.back());
    }
    const Bytes plain = dns.answer(query("_acme-challenge.many.example.test", 16), 1232);
    BOOST_TEST(truncated(plain));
    BOOST_TEST(count(plain, 6) == 0u);
    BOOST_TEST(plain.size() <= 512u);
    const Bytes edns = dns.answer(query("_acme-challenge.many.example.test", 16, 4096), 1232);
    BOOST_TEST(truncated(edns));  // 20 x 100 bytes exceed 1232 too
    BOOST_TEST(count(edns, 10) == 1u);  // the OPT record answers the query's
    const Bytes whole = dns.answer(query("_acme-challenge.many.example.test", 16), 0);  // TCP
    BOOST_TEST(!truncated(whole));
    BOOST_TEST(count(whole, 6) == 20u);
    BOOST_TEST(DnsTxtLookup::query(dns.address(), "_acme-challenge.many.example.test") == values);
    // five fit in 1232 with EDNS but not in 512 without
    ChallengeDnsServer few;
    for (int i = 0; i < 5; ++i) few.addTxt("f.example.test", std::string(100, 'x'));
    BOOST_TEST(truncated(few.answer(query("f.example.test", 16), 1232)));
    BOOST_TEST(!truncated(few.answer(query("f.example.test", 16, 1232), 1232)));
}

// OpenBSD acme-client's habit: what cannot be read is refused, and nothing breaks.
BOOST_AUTO_TEST_CASE(queries_that_do_not_read_are_refused_and_the_server_goes_on) {
    ChallengeDnsServer dns;
    dns.addTxt("t.example.test", "still here");
    const Bytes good = query("t.example.test", 16);
    BOOST_TEST(dns.answer(Bytes(good.begin(), good.begin() + 11), 512).empty());  // no header: nothing to answer
    Bytes response = good;
    response[2] |= 0x80;
    BOOST_TEST(dns.answer(response, 512).empty());  // an answer is not answered
    Bytes two = good;
    two[5] = 2;
    BOOST_TEST(rcode(dns.answer(two, 512)) == 1);  // FORMERR
    BOOST_TEST(rcode(dns.answer(Bytes(good.begin(), good.end() - 2), 512)) == 1);  // cut inside the question
    Bytes longLabel = good;
    longLabel[12] = 60;  // runs past the end
    BOOST_TEST(rcode(dns.answer(longLabel, 512)) == 1);
    Bytes pointer = good;
    pointer[12] = 0xc0;  // compression has no place in the question
    BOOST_TEST(rcode(dns.answer(pointer, 512)) == 1);
    Bytes trailing = good;
    trailing.push_back(0);
    BOOST_TEST(rcode(dns.answer(trailing, 512)) == 1);
    Bytes badOpt = query("t.example.test", 16, 1232);
    badOpt[good.size()] = 1;  // an OPT record must be the root's
    BOOST_TEST(rcode(dns.answer(badOpt, 512)) == 1);
    Bytes status = good;
    status[2] = static_cast<unsigned char>(2 << 3);  // opcode STATUS
    BOOST_TEST(rcode(dns.answer(status, 512)) == 4);  // NOTIMP
    // types it holds none of: NODATA for a name with records, NXDOMAIN for one without, a SOA each
    BOOST_TEST(rcode(dns.answer(query("t.example.test", 255), 512)) == 4);  // ANY: NOTIMP, not a NODATA that denies its TXT
    for (const unsigned type : {2u, 6u, 15u}) {  // NS, SOA, MX
        BOOST_TEST_CONTEXT(type) {
            const Bytes nodata = dns.answer(query("t.example.test", type), 512);
            BOOST_TEST(rcode(nodata) == 0);
            BOOST_TEST(count(nodata, 6) == 0u);
            BOOST_TEST(count(nodata, 8) == 1u);
            const Bytes nx = dns.answer(query("none.example.test", type), 512);
            BOOST_TEST(rcode(nx) == 3);
            BOOST_TEST(count(nx, 8) == 1u);
        }
    }
    BOOST_TEST(rcode(dns.answer(query("t\\x.example.test", 16), 512)) == 3);  // no record can have that name
    // a name of 256 bytes in wire form, one more than a name may have (RFC 1035 §3.1), is FORMERR
    // (an answer would have to give it as an owner: the default address, a wildcard's record);
    // 255 is answered
    dns.addTxt("*.w.example.test", "wild");
    const std::string labels = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + ".";
    const std::string longest = labels + std::string(46, 'd') + ".w.example.test";  // 255 bytes as labels and the root
    const std::string tooLong = labels + std::string(47, 'd') + ".w.example.test";
    BOOST_REQUIRE(longest.size() + 2 == 255u);
    for (const unsigned type : {1u, 16u}) {
        BOOST_TEST_CONTEXT(type) {
            BOOST_TEST(rcode(dns.answer(query(longest, type), 512)) == 0);
            BOOST_TEST(count(dns.answer(query(longest, type), 0), 6) == 1u);
            BOOST_TEST(rcode(dns.answer(query(tooLong, type), 512)) == 1);
        }
    }
    const Bytes ok = dns.answer(good, 512);
    BOOST_TEST(rcode(ok) == 0);
    BOOST_TEST((ok.at(0) == 0x12 && ok.at(1) == 0x34 && (ok.at(2) & 0x01) != 0));  // its id, RD as asked

    // the same garbage over the wire, UDP and TCP: the server still answers after it
    const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(dns.port());
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (const Bytes& junk : {Bytes{1, 2, 3}, two, longLabel, pointer, Bytes(3000, 0xff), query(tooLong, 1)})
        (void)::sendto(udp, junk.data(), junk.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    ::close(udp);
    const int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(::connect(tcp, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    const unsigned char junk[] = {0x00, 0x05, 1, 2, 3, 4, 5, 0xff, 0xff};  // a message that does not read, then a length with nothing
    BOOST_TEST(::write(tcp, junk, sizeof junk) == static_cast<ssize_t>(sizeof junk));
    ::close(tcp);
    BOOST_TEST(DnsTxtLookup::query(dns.address(), "t.example.test") == (Strings{"still here"}));
}

// Debian's kdig, a real resolver's client, over UDP and TCP.
BOOST_AUTO_TEST_CASE(kdig_reads_it) {
    ChallengeDnsServer dns;
    dns.addTxt("_acme-challenge.kdig.example.test", "read by kdig");
    dns.setCname("www.kdig.example.test", "kdig.example.test");
    dns.addAddresses("kdig.example.test", {"192.0.2.9"});
    const std::string base = "kdig @127.0.0.1 -p " + std::to_string(dns.port()) + " +short +time=5 ";
    BOOST_TEST(output(base + "TXT _acme-challenge.kdig.example.test") == "\"read by kdig\"\n");
    BOOST_TEST(output(base + "+tcp TXT _acme-challenge.kdig.example.test") == "\"read by kdig\"\n");
    BOOST_TEST(output(base + "A www.kdig.example.test") == "kdig.example.test.\n192.0.2.9\n");
    const std::string nx = output("kdig @127.0.0.1 -p " + std::to_string(dns.port()) + " +time=5 TXT no.example.test");
    BOOST_TEST(nx.find("status: NXDOMAIN") != std::string::npos, nx);
    BOOST_TEST(nx.find("Flags: qr aa rd;") != std::string::npos, nx);
}

namespace {

// What kdig reads from the server at `port` for `type` at `name`: the status, the answer's
// records (no TTL, no class), and "(SOA)" for an SOA in the authority section (whose
// contents are each server's own).
std::string kdigReads(std::uint16_t port, const std::string& type, const std::string& name) {
    const std::string got = output("kdig @127.0.0.1 -p " + std::to_string(port) +
                                   " +noall +header +answer +authority +nottl +noclass +time=5 -t " + type + " -q '" + name + "'");
    std::string out;
    std::size_t at = 0;
    while (at < got.size()) {
        const std::size_t end = std::min(got.find('\n', at), got.size());
        const std::string line = got.substr(at, end - at);
        at = end + 1;
        if (const auto status = line.find("status: "); status != std::string::npos)
            out += line.substr(status + 8, line.find(';', status) - status - 8) + "\n";
        else if (line.find("\tSOA\t") != std::string::npos)
            out += "(SOA)\n";
        else if (!line.empty() && line[0] != ';')
            out += line + "\n";
    }
    return out;
}

}  // namespace

// Wildcards (RFC 4592) answer as Knot DNS answers from the same records: a name that does
// not exist takes the records of the wildcard at its closest encloser, under its own name,
// however many labels down; a name that exists (an empty non-terminal too) does not, nor a
// name under one without a wildcard of its own; a wildcard's CNAME is followed; a chain that
// ends at no name is NXDOMAIN with the chain (RFC 6604); every negative answer has an SOA.
BOOST_AUTO_TEST_CASE(wildcards_answer_as_knot_answers) {
    test::KnotServer knot("*.wild A 192.0.2.1\n*.wild TXT \"wild\"\n*.wild CAA 0 issue \"ca.example.test\"\n"
                          "sub.wild TXT \"sub\"\nrec.ent.wild TXT \"rec\"\n*.alias CNAME target\ntarget A 192.0.2.2\n"
                          "*.dangling CNAME nowhere\nhop CNAME x.wild\n");
    ChallengeDnsServer dns;
    dns.setDefaultIpv4("");  // as a zone file: no address that no record gives
    dns.addAddresses("ns.example.test", {"127.0.0.1", "::1"});
    dns.addAddresses("*.wild.example.test", {"192.0.2.1"});
    dns.addTxt("*.WILD.example.test.", "wild");
    dns.addCaa("*.wild.example.test", {CaaRecord{0, "issue", "ca.example.test"}});
    dns.addTxt("sub.wild.example.test", "sub");
    dns.addTxt("rec.ent.wild.example.test", "rec");
    dns.setCname("*.alias.example.test", "target.example.test");
    dns.addAddresses("target.example.test", {"192.0.2.2"});
    dns.setCname("*.dangling.example.test", "nowhere.example.test");
    dns.setCname("hop.example.test", "x.wild.example.test");

    for (const std::string name : {"foo.wild", "a.b.wild", "*.wild", "wild", "sub.wild", "x.sub.wild", "ent.wild", "y.ent.wild",
                                   "rec.ent.wild", "q.alias", "deep.q.alias", "q.dangling", "hop", "target", "nothing",
                                   "a.*.wild", "ns"}) {
        for (const std::string type : {"A", "AAAA", "TXT", "CAA", "CNAME"}) {
            const std::string fqdn = name + ".example.test";
            const std::string expected = kdigReads(knot.port, type, fqdn);
            BOOST_TEST_CONTEXT(type << " " << fqdn) {
                BOOST_TEST((expected.starts_with("NOERROR\n") || expected.starts_with("NXDOMAIN\n")));  // knot answered
                BOOST_TEST(kdigReads(dns.port(), type, fqdn) == expected);
            }
        }
    }
    // what these cover, as knot answered
    BOOST_TEST(kdigReads(knot.port, "A", "a.b.wild.example.test") == "NOERROR\na.b.wild.example.test.\tA\t192.0.2.1\n");
    BOOST_TEST(kdigReads(knot.port, "A", "x.sub.wild.example.test") == "NXDOMAIN\n(SOA)\n");
    BOOST_TEST(kdigReads(knot.port, "A", "q.dangling.example.test") ==
               "NXDOMAIN\nq.dangling.example.test.\tCNAME\tnowhere.example.test.\n(SOA)\n");

    // through DnsTxtLookup, as mock-acme's validation reads them
    const std::string at = dns.address();
    BOOST_TEST(DnsTxtLookup::addresses(at, "shop.wild.example.test") == (Strings{"192.0.2.1"}));
    BOOST_TEST(DnsTxtLookup::query(at, "_acme-challenge.shop.wild.example.test") == (Strings{"wild"}));
    BOOST_TEST(DnsTxtLookup::addresses(at, "q.alias.example.test") == (Strings{"192.0.2.2"}));
    BOOST_TEST(DnsTxtLookup::aliasTarget(at, "q.dangling.example.test") == "nowhere.example.test");
    const auto none = DnsTxtLookup::addressAnswer(at, "q.dangling.example.test");
    BOOST_TEST(none.values.empty());
    BOOST_TEST(none.noSuchName);

    // a wildcard without A records leaves the default address to its names; SERVFAIL at a
    // wildcard is SERVFAIL for them; a wildcard's records go when it is cleared
    dns.setDefaultIpv4("192.0.2.99");
    dns.addTxt("*.t.example.test", "only text");
    BOOST_TEST(DnsTxtLookup::addresses(at, "x.t.example.test") == (Strings{"192.0.2.99"}));
    dns.setServfail("*.t.example.test", true);
    BOOST_CHECK_THROW(DnsTxtLookup::query(at, "x.t.example.test"), DnsError);
    dns.setServfail("*.t.example.test", false);
    dns.clearTxt("*.t.example.test");
    BOOST_TEST(rcode(dns.answer(query("x.t.example.test", 16), 512)) == 3);

    // a wildcard only as the first label, alone
    BOOST_CHECK_THROW(dns.addTxt("a.*.example.test", "v"), InvalidNameError);
    BOOST_CHECK_THROW(dns.addTxt("*x.example.test", "v"), InvalidNameError);
    BOOST_CHECK_THROW(dns.addTxt("*", "v"), InvalidNameError);
    BOOST_CHECK_THROW(dns.addTxt("*.", "v"), InvalidNameError);
}

// The history keeps the last 10,000 questions, oldest first, across the ring's wrap;
// forgetting a name keeps the others in order, and new questions go on after them.
BOOST_AUTO_TEST_CASE(the_history_keeps_the_last_ten_thousand_questions) {
    using Question = ChallengeDnsServer::Question;
    ChallengeDnsServer dns;
    for (unsigned i = 0; i < 10005; ++i) dns.answer(query(i % 2 ? "odd.example.test" : "even.example.test", 1 + i % 3), 512);
    const auto even = dns.requestHistory("even.example.test");
    const auto odd = dns.requestHistory("odd.example.test");
    BOOST_TEST(even.size() + odd.size() == 10000u);
    // questions 5..10004 are kept: even ones 6, 8, ..., 10004 (types 1 + i % 3, in order)
    BOOST_REQUIRE(even.size() == 5000u);
    BOOST_TEST(even.front().type == 1 + 6 % 3);
    BOOST_TEST(even.back().type == 1 + 10004 % 3);
    for (std::size_t j = 0; j < even.size(); ++j) BOOST_TEST_REQUIRE(even[j].type == 1 + (6 + 2 * j) % 3);
    dns.clearRequestHistory("odd.example.test");
    BOOST_TEST(dns.requestHistory("odd.example.test").empty());
    BOOST_TEST((dns.requestHistory("even.example.test") == even));
    dns.answer(query("odd.example.test", 16), 512);
    dns.answer(query("even.example.test", 257), 512);
    BOOST_TEST((dns.requestHistory("odd.example.test") == std::vector<Question>{{"odd.example.test", 16, 1}}));
    const auto after = dns.requestHistory("even.example.test");
    BOOST_REQUIRE(after.size() == 5001u);
    BOOST_TEST((after.back() == Question{"even.example.test", 257, 1}));
    BOOST_TEST(after.front().type == even.front().type);
}

// pebble-challtestsrv's management requests, as scripts written for it send them.
BOOST_AUTO_TEST_CASE(management_takes_pebble_challtestsrvs_requests) {
    ChallengeDnsServer dns;
    const auto post = [&](const std::string& path, const std::string& body) {
        mock_acme::HttpRequest r;
        r.method = "POST";
        r.path = path;
        r.contentType = "application/json";
        r.body = body;
        const auto answer = dns.manage(r);
        BOOST_REQUIRE(answer);
        return answer->status;
    };
    const std::string at = dns.address();
    BOOST_TEST(post("/set-txt", R"({"host":"_acme-challenge.m.example.test.","value":"v1"})") == 200);
    BOOST_TEST(post("/set-txt", R"({"host":"_acme-challenge.m.example.test.","value":"v2"})") == 200);
    BOOST_TEST(DnsTxtLookup::query(at, "_acme-challenge.m.example.test") == (Strings{"v1", "v2"}));
    BOOST_TEST(post("/clear-txt", R"({"host":"_acme-challenge.m.example.test."})") == 200);
    BOOST_TEST(DnsTxtLookup::query(at, "_acme-challenge.m.example.test").empty());
    BOOST_TEST(post("/add-a", R"({"host":"m.example.test","addresses":["192.0.2.1","192.0.2.2"]})") == 200);
    BOOST_TEST(DnsTxtLookup::addresses(at, "m.example.test") == (Strings{"192.0.2.1", "192.0.2.2"}));
    BOOST_TEST(post("/clear-a", R"({"host":"m.example.test"})") == 200);
    BOOST_TEST(DnsTxtLookup::addresses(at, "m.example.test") == (Strings{"127.0.0.1"}));
    BOOST_TEST(post("/add-aaaa", R"({"host":"m.example.test","addresses":["2001:db8::1"]})") == 200);
    BOOST_TEST(DnsTxtLookup::ipv6Addresses(at, "m.example.test") == (Strings{"2001:db8::1"}));
    BOOST_TEST(post("/clear-aaaa", R"({"host":"m.example.test"})") == 200);
    BOOST_TEST(post("/add-caa", R"({"host":"m.example.test","policies":[{"tag":"issue","value":";"}]})") == 200);
    BOOST_TEST((DnsTxtLookup::caaRecords(at, "m.example.test") == std::vector<CaaRecord>{CaaRecord{0, "issue", ";"}}));
    BOOST_TEST(post("/clear-caa", R"({"host":"m.example.test"})") == 200);
    BOOST_TEST(DnsTxtLookup::caaRecords(at, "m.example.test").empty());
    BOOST_TEST(post("/set-cname", R"({"host":"c.example.test","target":"m.example.test."})") == 200);
    BOOST_TEST(DnsTxtLookup::aliasTarget(at, "c.example.test") == "m.example.test");
    BOOST_TEST(post("/clear-cname", R"({"host":"c.example.test"})") == 200);
    BOOST_TEST(DnsTxtLookup::aliasTarget(at, "c.example.test") == "c.example.test");
    BOOST_TEST(post("/set-servfail", R"({"host":"m.example.test"})") == 200);
    BOOST_CHECK_THROW(DnsTxtLookup::query(at, "m.example.test"), DnsError);
    BOOST_TEST(post("/clear-servfail", R"({"host":"m.example.test"})") == 200);
    BOOST_TEST(post("/set-default-ipv4", R"({"ip":"192.0.2.99"})") == 200);
    BOOST_TEST(DnsTxtLookup::addresses(at, "any.example.test") == (Strings{"192.0.2.99"}));
    BOOST_TEST(post("/set-default-ipv6", R"({"ip":"::1"})") == 200);
    BOOST_TEST(DnsTxtLookup::ipv6Addresses(at, "any.example.test") == (Strings{"::1"}));
    // a wildcard host, which challtestsrv takes for a name like any other
    BOOST_TEST(post("/add-a", R"({"host":"*.apps.example.test","addresses":["192.0.2.5"]})") == 200);
    BOOST_TEST(DnsTxtLookup::addresses(at, "shop.apps.example.test") == (Strings{"192.0.2.5"}));
    BOOST_TEST(post("/clear-a", R"({"host":"*.apps.example.test"})") == 200);
    BOOST_TEST(DnsTxtLookup::addresses(at, "shop.apps.example.test") == (Strings{"192.0.2.99"}));
    BOOST_TEST(post("/set-txt", R"({"host":"a.*.example.test","value":"v"})") == 400);

    // refused with the reason, nothing changed
    BOOST_TEST(post("/set-txt", R"({"host":"x.example.test"})") == 400);
    BOOST_TEST(post("/set-txt", "not json") == 400);
    BOOST_TEST(post("/set-txt", R"({"host":"bad host","value":"v"})") == 400);
    BOOST_TEST(post("/add-a", R"({"host":"x.example.test","addresses":["2001:db8::1"]})") == 400);  // not IPv4
    BOOST_TEST(post("/add-a", R"({"host":"x.example.test","addresses":"192.0.2.1"})") == 400);
    BOOST_TEST(post("/add-caa", R"({"host":"x.example.test","policies":[{"tag":"issue"}]})") == 400);
    BOOST_TEST(post("/set-default-ipv4", R"({"ip":"nowhere"})") == 400);
    BOOST_TEST(DnsTxtLookup::query(at, "x.example.test").empty());

    // the request history, as challtestsrv gives it: by name, any case, oldest first
    const auto history = [&](const std::string& host) {
        mock_acme::HttpRequest r;
        r.method = "POST";
        r.path = "/dns-request-history";
        r.body = R"({"host":")" + host + R"("})";
        const auto answer = dns.manage(r);
        BOOST_REQUIRE(answer);
        BOOST_TEST(answer->status == 200);
        BOOST_TEST(answer->contentType == "application/json");
        return answer->body;
    };
    dns.clearRequestHistory("m.example.test");
    DnsTxtLookup::query(at, "M.Example.Test");
    DnsTxtLookup::caaRecords(at, "m.example.test");
    BOOST_TEST(history("m.example.test.") == R"([{"Question":{"Name":"m.example.test.","Qclass":1,"Qtype":16}},)"
                                              R"({"Question":{"Name":"m.example.test.","Qclass":1,"Qtype":257}}])");
    BOOST_TEST(history("never.example.test") == "[]");
    BOOST_TEST(post("/clear-request-history", R"({"host":"M.example.test","type":"dns"})") == 200);
    BOOST_TEST(history("m.example.test") == "[]");
    BOOST_TEST(post("/clear-request-history", R"({"host":"m.example.test","type":"http"})") == 400);  // not kept here
    BOOST_TEST(post("/clear-request-history", R"({"host":"m.example.test"})") == 400);
    BOOST_TEST(post("/dns-request-history", R"({})") == 400);

    mock_acme::HttpRequest get;
    get.method = "GET";
    get.path = "/set-txt";
    BOOST_TEST(dns.manage(get)->status == 405);
    get.path = "/roots/0";
    BOOST_TEST(!dns.manage(get).has_value());  // not its own
}

// mock-acme in this process asking `dns`, and a client whose Dns01Responder publishes
// there through it as its IDnsProvider.
struct Dns01World {
    Dns01World(ChallengeDnsServer& dns, mock_acme::MockAcmeConfig config)
        : acme(asking(dns, std::move(config))), responder(dns, fastPolling()),
          client(acme.clientOptions(), std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock) {}
    static mock_acme::MockAcmeConfig asking(const ChallengeDnsServer& dns, mock_acme::MockAcmeConfig config) {
        config.dnsServer = dns.address();
        return config;
    }
    static responders::Dns01ResponderOptions fastPolling() {
        responders::Dns01ResponderOptions options;
        options.pollInterval = std::chrono::milliseconds(50);
        return options;
    }
    PemBundle issue(const std::string& names) { return AcmeIssuer(client, {&responder}).issue(names); }

    testing::MockAcmeFixture acme;
    responders::Dns01Responder responder;
    SystemClock clock;
    AcmeClient client;
};

// dns-01 with nothing else running; a wildcard and its base.
BOOST_AUTO_TEST_CASE(a_dns01_issuance_with_nothing_else_running) {
    ChallengeDnsServer dns;
    Dns01World w(dns, testing::MockAcmeFixture::defaultConfig());
    const PemBundle bundle = w.issue("in.example.test,*.in.example.test");
    BOOST_CHECK_NO_THROW(bundle.certificate().verifyChain(bundle.chain(), {w.acme.issuingRoot()}));
    BOOST_TEST(DnsTxtLookup::query(dns.address(), "_acme-challenge.in.example.test").empty());  // cleaned up
}

// What a CA asks, read from the history: mock-acme with checkCaa asks the TXT record of
// dns-01, and the CAA records of the name and each parent until it finds a set (RFC 8659
// §3), and no further; `test` is never asked, since example.test holds the set.
BOOST_AUTO_TEST_CASE(the_history_shows_what_the_ca_asked) {
    using Question = ChallengeDnsServer::Question;
    ChallengeDnsServer dns;
    dns.addCaa("example.test", {CaaRecord{0, "issue", "cxxacme.mock"}});
    auto config = testing::MockAcmeFixture::defaultConfig();
    config.checkCaa = true;
    Dns01World(dns, config).issue("deep.in.example.test");

    const auto asked = [&](const std::string& name, std::uint16_t type) {
        const auto h = dns.requestHistory(name);
        return std::count(h.begin(), h.end(), Question{name, type, 1});
    };
    BOOST_TEST(asked("_acme-challenge.deep.in.example.test", 16) >= 1);  // by the responder and by the CA
    BOOST_TEST(asked("deep.in.example.test", 257) >= 1);
    BOOST_TEST(asked("in.example.test", 257) >= 1);
    BOOST_TEST(asked("example.test", 257) >= 1);
    BOOST_TEST(dns.requestHistory("test").empty());
}
