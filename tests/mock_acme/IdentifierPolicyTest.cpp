#define BOOST_TEST_MODULE mock_acme_identifier_policy
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include "PublicSuffixList.h"
#include "ReservedAddressBlocks.h"
#include "cxxacme/Error.h"

using cxxacme::mock_acme::PublicSuffixList;
using cxxacme::mock_acme::ReservedAddressBlocks;

namespace {

// publicsuffix.org's format: comments, the two sections, a rule up to its first white space
const std::string kList = R"(// a comment before the sections
foreign.example
// ===BEGIN ICANN DOMAINS===

// com : a comment
com
co.uk
*.ck
!www.ck
公司.cn
cn
example.jp  a comment after white space
*.kawasaki.jp
!city.kawasaki.jp
// ===END ICANN DOMAINS===
// ===BEGIN PRIVATE DOMAINS===
blogspot.com
*.compute.example
// ===END PRIVATE DOMAINS===
)";

std::string errorOf(const std::string& text) {
    try {
        (void)PublicSuffixList::parse(text, "list.dat");
    } catch (const cxxacme::Error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_icann_suffix_is_the_longest_rule_an_exception_prevails) {
    const PublicSuffixList list = PublicSuffixList::parse(kList, "list.dat");
    BOOST_TEST(list.size() == 11u);  // both sections, not the rule before them
    const auto suffix = [&](const char* name) { return list.icannSuffix(name).value_or("(none)"); };
    BOOST_TEST(suffix("www.example.com") == "com");
    BOOST_TEST(suffix("com") == "com");
    BOOST_TEST(suffix("a.b.co.uk") == "co.uk");
    BOOST_TEST(suffix("co.uk") == "co.uk");
    BOOST_TEST(suffix("uk") == "(none)");  // no rule "uk" here, and no default "*" rule
    BOOST_TEST(suffix("a.b.ck") == "b.ck");  // "*.ck": any label before "ck"
    BOOST_TEST(suffix("b.ck") == "b.ck");
    BOOST_TEST(suffix("ck") == "(none)");
    BOOST_TEST(suffix("www.ck") == "ck");  // "!www.ck" prevails over "*.ck"
    BOOST_TEST(suffix("a.www.ck") == "ck");
    BOOST_TEST(suffix("shop.xn--55qx5d.cn") == "xn--55qx5d.cn");  // the U-label rule kept as its A-label
    BOOST_TEST(suffix("shop.cn") == "cn");
    BOOST_TEST(suffix("a.example.jp") == "example.jp");
    BOOST_TEST(suffix("a.b.kawasaki.jp") == "b.kawasaki.jp");
    BOOST_TEST(suffix("city.kawasaki.jp") == "kawasaki.jp");
    BOOST_TEST(suffix("x.blogspot.com") == "com");  // private rules are passed over
    BOOST_TEST(suffix("a.compute.example") == "(none)");
    BOOST_TEST(suffix("foreign.example") == "(none)");  // before the ICANN section
    BOOST_TEST(suffix("example.test") == "(none)");
    BOOST_TEST(suffix("internal") == "(none)");
}

// Boulder's rate limits count certificates per registered domain by the whole
// list (publicsuffix-go's Domain): the private section too, and the default
// rule "*" for a name no rule covers.
BOOST_AUTO_TEST_CASE(the_registered_domain_is_the_suffix_by_the_whole_list_and_one_label) {
    const PublicSuffixList list = PublicSuffixList::parse(kList, "list.dat");
    const auto domain = [&](const char* name) { return PublicSuffixList::registeredDomain(name, &list); };
    BOOST_TEST(domain("www.shop.example.com") == "example.com");
    BOOST_TEST(domain("example.com") == "example.com");
    BOOST_TEST(domain("com") == "com");  // a suffix is its own
    BOOST_TEST(domain("a.b.example.co.uk") == "example.co.uk");
    BOOST_TEST(domain("a.b.blogspot.com") == "b.blogspot.com");  // the private section counts here
    BOOST_TEST(domain("blogspot.com") == "blogspot.com");
    BOOST_TEST(domain("a.b.c.compute.example") == "b.c.compute.example");  // a private wildcard
    BOOST_TEST(domain("x.y.b.ck") == "y.b.ck");
    BOOST_TEST(domain("a.www.ck") == "www.ck");  // the exception: "ck" is the suffix
    BOOST_TEST(domain("a.city.kawasaki.jp") == "city.kawasaki.jp");
    BOOST_TEST(domain("shop.example.test") == "example.test");  // no rule: the default "*"
    BOOST_TEST(domain("x.foreign.example") == "foreign.example");  // rules outside the sections are none
    BOOST_TEST(domain("localhost") == "localhost");
    // with no list, the default rule alone
    BOOST_TEST(PublicSuffixList::registeredDomain("a.b.example.co.uk", nullptr) == "co.uk");
    BOOST_TEST(PublicSuffixList::registeredDomain("a.b.example.test", nullptr) == "example.test");
    BOOST_TEST(PublicSuffixList::registeredDomain("test", nullptr) == "test");
}

BOOST_AUTO_TEST_CASE(a_list_that_cannot_be_read_is_refused_with_file_and_line) {
    BOOST_TEST(errorOf("com\nnet\n").find("list.dat: no ICANN rules") != std::string::npos, errorOf("com\nnet\n"));
    const std::string bad = errorOf("// ===BEGIN ICANN DOMAINS===\ncom\na_b.com\n// ===END ICANN DOMAINS===\n");
    BOOST_TEST(bad.find("list.dat, line 3: ") != std::string::npos, bad);
    BOOST_TEST(bad.find("a_b.com") != std::string::npos, bad);
    const std::string path = errorOf("// ===BEGIN ICANN DOMAINS===\ncom\n../etc\n");
    BOOST_TEST(path.find("line 3") != std::string::npos, path);
    const std::string exception = errorOf("// ===BEGIN ICANN DOMAINS===\ncom\n!ck\n");
    BOOST_TEST(exception.find("line 3: an exception rule") != std::string::npos, exception);
    try {
        (void)PublicSuffixList::load("/nonexistent/public_suffix_list.dat");
        BOOST_FAIL("a missing file was read");
    } catch (const cxxacme::Error& e) {
        BOOST_TEST(std::string(e.what()).find("/nonexistent/public_suffix_list.dat") != std::string::npos, e.what());
    }
}

// Debian's package publicsuffix (installed by scripts/install-deps.sh --test).
BOOST_AUTO_TEST_CASE(debians_list_is_read_whole) {
    const PublicSuffixList list = PublicSuffixList::load("/usr/share/publicsuffix/public_suffix_list.dat");
    BOOST_TEST(list.size() > 5000u);
    BOOST_TEST(list.icannSuffix("www.example.com").value_or("") == "com");
    BOOST_TEST(list.icannSuffix("www.example.co.uk").value_or("") == "co.uk");
    BOOST_TEST(list.icannSuffix("city.kawasaki.jp").value_or("") == "kawasaki.jp");
    BOOST_TEST(list.icannSuffix("a.xn--p1ai").value_or("") == "xn--p1ai");  // .рф, written in U-labels there
    BOOST_TEST(list.icannSuffix("foo.blogspot.com").value_or("") == "com");
    BOOST_TEST(!list.icannSuffix("example.test"));
    BOOST_TEST(!list.icannSuffix("host.internal"));
    BOOST_TEST(!list.icannSuffix("router.lan"));
    BOOST_TEST(PublicSuffixList::registeredDomain("a.b.blogspot.com", &list) == "b.blogspot.com");
    BOOST_TEST(PublicSuffixList::registeredDomain("www.shop.example.co.uk", &list) == "example.co.uk");
}

BOOST_AUTO_TEST_CASE(reserved_blocks_are_named_the_most_specific_first) {
    const auto block = [](const char* ip) { return ReservedAddressBlocks::blockOf(ip).value_or("(none)"); };
    BOOST_TEST(block("10.0.0.5") == "[RFC1918]: Private-Use");
    BOOST_TEST(block("172.31.255.255") == "[RFC1918]: Private-Use");
    BOOST_TEST(block("172.32.0.0") == "(none)");  // just past 172.16.0.0/12
    BOOST_TEST(block("127.0.0.1") == "[RFC1122], Section 3.2.1.3: Loopback");
    BOOST_TEST(block("0.0.0.0") == "[RFC1122], Section 3.2.1.3: \"This host on this network\"");  // the /32 over the /8
    BOOST_TEST(block("0.1.2.3") == "[RFC791], Section 3.2: \"This network\"");
    BOOST_TEST(block("100.127.255.255") == "[RFC6598]: Shared Address Space");
    BOOST_TEST(block("100.128.0.0") == "(none)");
    BOOST_TEST(block("192.0.0.3") == "[RFC7335]: IPv4 Service Continuity Prefix");  // the /29 over the /24
    BOOST_TEST(block("192.0.0.9") == "[RFC7723]: Port Control Protocol Anycast");
    BOOST_TEST(block("192.0.0.77") == "[RFC6890], Section 2.1: IETF Protocol Assignments");
    BOOST_TEST(block("192.0.0.171") == "[RFC8880][RFC7050], Section 2.2: NAT64/DNS64 Discovery");
    BOOST_TEST(block("198.19.255.255") == "[RFC2544]: Benchmarking");
    BOOST_TEST(block("198.20.0.0") == "(none)");
    BOOST_TEST(block("224.0.0.1") == "[RFC3171]: Multicast Addresses");
    BOOST_TEST(block("239.255.255.250") == "[RFC3171]: Multicast Addresses");
    BOOST_TEST(block("255.255.255.255") == "[RFC8190] [RFC919], Section 7: Limited Broadcast");
    BOOST_TEST(block("8.8.8.8") == "(none)");
    BOOST_TEST(block("::1") == "[RFC4291]: Loopback Address");
    BOOST_TEST(block("::") == "[RFC4291]: Unspecified Address");
    BOOST_TEST(block("::ffff:8.8.8.8") == "[RFC4291]: IPv4-mapped Address");  // an IPv4 block holds no IPv6 address
    BOOST_TEST(block("2001:db8::1") == "[RFC3849]: Documentation");
    BOOST_TEST(block("2001:0:1::1") == "[RFC4380] [RFC8190]: TEREDO");  // the /32 over the /23
    BOOST_TEST(block("2001:5::1") == "[RFC2928]: IETF Protocol Assignments");
    BOOST_TEST(block("2001:1::1") == "[RFC7723]: Port Control Protocol Anycast");
    BOOST_TEST(block("fe80::1") == "[RFC4291]: Link-Local Unicast");
    BOOST_TEST(block("febf::1") == "[RFC4291]: Link-Local Unicast");  // fe80::/10 ends at febf
    BOOST_TEST(block("fec0::1") == "(none)");
    BOOST_TEST(block("fd12:3456::1") == "[RFC4193] [RFC8190]: Unique-Local");
    BOOST_TEST(block("ff02::1") == "[RFC4291]: Multicast Addresses");
    BOOST_TEST(block("2606:4700::1111") == "(none)");
    BOOST_TEST(block("example.com") == "(none)");
    BOOST_TEST(block("") == "(none)");
}
