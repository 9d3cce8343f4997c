#define BOOST_TEST_MODULE server_name
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "cxxacme/AddressBlock.h"
#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

using cxxacme::InvalidNameError;
using cxxacme::ServerName;

namespace {
// The message of the InvalidNameError that `name` raises, or "" when none.
std::string rejection(const std::string& name) {
    try {
        (void)ServerName::canonical(name);
    } catch (const InvalidNameError& e) {
        return e.what();
    }
    return "";
}
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
std::string repeat(const std::string& text, int times) {
    std::string out;
    while (times-- > 0) out += text;
    return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(accepts_ldh_names_and_lowercases) {
    BOOST_TEST(ServerName::canonical("example.com") == "example.com");
    BOOST_TEST(ServerName::canonical("WWW.Example.COM") == "www.example.com");
    BOOST_TEST(ServerName::canonical("a-b.c0.example") == "a-b.c0.example");
    BOOST_TEST(ServerName::canonical("localhost") == "localhost");
    BOOST_TEST(ServerName::canonical("xn--caf-dma.example") == "xn--caf-dma.example");
    BOOST_TEST(ServerName::canonical(std::string(63, 'a') + ".example") == std::string(63, 'a') + ".example");
}

BOOST_AUTO_TEST_CASE(accepts_one_leading_wildcard) {
    BOOST_TEST(ServerName::canonical("*.Example.com") == "*.example.com");
    BOOST_TEST(ServerName::isWildcard("*.example.com"));
    BOOST_TEST(contains(rejection("*.*.example.com"), "only appear once"));
    BOOST_TEST(contains(rejection("www.*.example.com"), "only appear once"));
    BOOST_TEST(contains(rejection("a*.example.com"), "only appear once"));
    BOOST_TEST(contains(rejection("*"), "only appear once"));
    BOOST_TEST(contains(rejection("*."), "needs a name"));
}

BOOST_AUTO_TEST_CASE(accepts_ip_addresses_in_canonical_form) {
    BOOST_TEST(ServerName::canonical("127.0.0.1") == "127.0.0.1");
    BOOST_TEST(ServerName::canonical("::1") == "::1");
    BOOST_TEST(ServerName::canonical("2001:DB8:0:0:0:0:0:1") == "2001:db8::1");
    BOOST_TEST(ServerName::isIpAddress("10.0.0.1"));
    BOOST_TEST(!ServerName::isIpAddress("example.com"));
    BOOST_TEST(contains(rejection("1.2.3.999"), "all digits"));
    BOOST_TEST(contains(rejection("fe80::1%eth0"), "IPv6"));
}

BOOST_AUTO_TEST_CASE(rejects_path_tricks_with_clear_messages) {
    BOOST_TEST(contains(rejection(""), "is empty"));
    BOOST_TEST(contains(rejection("."), "not a server name"));
    BOOST_TEST(contains(rejection(".."), "not a server name"));
    BOOST_TEST(contains(rejection("../x"), "path separator"));
    BOOST_TEST(contains(rejection("a/b"), "path separator"));
    BOOST_TEST(contains(rejection("a\\b"), "path separator"));
    BOOST_TEST(contains(rejection("a/../../../foo"), "path separator"));
    BOOST_TEST(contains(rejection("a..b"), "empty label"));
    BOOST_TEST(contains(rejection(".a.b"), "empty label"));
    BOOST_TEST(contains(rejection("example.com."), "trailing dot"));
    BOOST_TEST(contains(rejection(std::string("a\0b.example", 11)), "NUL"));
    BOOST_TEST(contains(rejection("a\nb.example"), "control character"));
}

BOOST_AUTO_TEST_CASE(rejects_bad_labels_and_lengths) {
    BOOST_TEST(contains(rejection("-a.example"), "hyphen"));
    BOOST_TEST(contains(rejection("a-.example"), "hyphen"));
    BOOST_TEST(contains(rejection("under_score.example"), "letters, digits and hyphen"));
    BOOST_TEST(contains(rejection("sp ace.example"), "letters, digits and hyphen"));
    BOOST_TEST(contains(rejection(std::string(64, 'a') + ".example"), "longer than 63"));
    BOOST_TEST(contains(rejection(std::string(300, 'a')), "longer than 253"));
    std::string longName;
    for (int i = 0; i < 4; ++i) longName += std::string(62, 'a') + ".";
    longName += "example";  // 4*63 + 7 = 259 characters of valid labels
    BOOST_TEST(contains(rejection(longName), "longer than 253"));
    BOOST_TEST(contains(rejection("xn--.example"), "A-label"));
}

// An A-label must be one by IDNA2008 (RFC 5891 §5.4): Punycode (RFC 3492) of a U-label
// that IDNA2008 allows, encoding back to itself; Let's Encrypt refuses the others.
BOOST_AUTO_TEST_CASE(a_labels_must_be_idna2008_a_labels) {
    for (const char* good : {"xn--bcher-kva.example", "XN--BCHER-KVA.example", "xn--caf-dma.example", "xn--fiqs8s.example",
                             "xn--mnchen-3ya.example", "xn--tda.example", "www.xn--caf-dma.example",
                             "xn--zca.example",                  // "ß", which IDNA2008 keeps (PVALID)
                             "xn--mgbcd4a2b0d2b.example"})       // right to left, Arabic
        BOOST_TEST(ServerName::isValid(good), good);
    BOOST_TEST(ServerName::canonical("XN--BCHER-KVA.example") == "xn--bcher-kva.example");
    const std::vector<std::pair<const char*, const char*>> bad{
        {"xn--zz.example", "invalid punycode"},             // ends inside a number
        {"xn--a-b.example", "invalid punycode"},            // likewise
        {"xn--abc-.example", "invalid punycode"},           // "abc": nothing beyond ASCII
        {"xn--99999999999.example", "overflow"},            // overflows
        {"xn--x-qc4g.example", "invalid punycode"},         // a surrogate (U+D800)
        {"xn--abc.example", "disallowed"},                  // C1 controls
        {"xn--bcher-kva9.example", "invalid punycode"},     // one digit too many
        // Boulder's own case: Punycode of a string that is not in NFC
        {"xn--109-3veba6djs1bfxlfmx6c9g.xn--f1awi.xn--p1ai", "NFC"},
        {"xn--ls8h.example", "disallowed"},                 // an emoji: DISALLOWED by RFC 5892
        {"xn--a-ecp.example", "disallowed"},                // "a⒈": a compatibility character
        {"xn--ab-m1t.example", "context-j"},                // a ZERO WIDTH JOINER after a Latin letter
    };
    for (const auto& [name, reason] : bad) {
        const std::string message = rejection(name);
        BOOST_TEST(contains(message, "is not one by IDNA2008"), name << ": " << message);
        BOOST_TEST(contains(message, reason), name << ": " << message);
    }
}

// A name with U-labels is turned into its A-labels: UTS #46's mapping, then IDNA2008.
// For people to read: A-labels shown as U-labels, in each name of a key; anything
// else as it is, an A-label that does not decode too.
BOOST_AUTO_TEST_CASE(names_for_display_show_u_labels) {
    BOOST_TEST(ServerName::forDisplay("xn--bcher-kva.example") == "bücher.example");
    BOOST_TEST(ServerName::forDisplay("*.xn--caf-dma.example") == "*.café.example");
    BOOST_TEST(ServerName::forDisplay("a.example,xn--bcher-kva.example,192.0.2.1") == "a.example,bücher.example,192.0.2.1");
    BOOST_TEST(ServerName::forDisplay("shop.xn--p1ai") == "shop.рф");
    BOOST_TEST(ServerName::forDisplay("www.example.test") == "www.example.test");
    BOOST_TEST(ServerName::forDisplay("2001:db8::1") == "2001:db8::1");
    BOOST_TEST(ServerName::forDisplay("xn--zz.example") == "xn--zz.example");  // no Punycode: as it is
    BOOST_TEST(ServerName::forDisplay("") == "");
    // the round trip: what is shown is the same name
    BOOST_TEST(ServerName::canonical(ServerName::forDisplay("xn--bcher-kva.example")) == "xn--bcher-kva.example");
}

BOOST_AUTO_TEST_CASE(u_labels_become_a_labels) {
    BOOST_TEST(ServerName::canonical("b\xc3\xbc" "cher.example") == "xn--bcher-kva.example");         // bücher
    BOOST_TEST(ServerName::canonical("B\xc3\x9c" "CHER.Example") == "xn--bcher-kva.example");      // BÜCHER, case mapped
    BOOST_TEST(ServerName::canonical("*.caf\xc3\xa9.example") == "*.xn--caf-dma.example");         // a wildcard kept
    BOOST_TEST(ServerName::canonical("cafe\xcc\x81.example") == "xn--caf-dma.example");            // e + U+0301, composed (NFC)
    BOOST_TEST(ServerName::canonical("\xef\xbd\x81\xef\xbd\x82.example") == "ab.example");      // full-width "ａｂ"
    BOOST_TEST(ServerName::canonical("b\xc3\xbc" "cher\xe3\x80\x82" "example") == "xn--bcher-kva.example");  // "。" as the dot
    BOOST_TEST(ServerName::canonicalKey("b\xc3\xbc" "cher.example, www.example") == "xn--bcher-kva.example,www.example");
    // the same name in both forms is one name
    BOOST_TEST(contains([] {
        try {
            (void)ServerName::canonicalKey("b\xc3\xbc" "cher.example,xn--bcher-kva.example");
        } catch (const InvalidNameError& e) {
            return std::string(e.what());
        }
        return std::string();
    }(), "twice"));
}

BOOST_AUTO_TEST_CASE(ascii_is_every_byte_below_0x80) {
    BOOST_TEST(ServerName::isAscii(""));
    BOOST_TEST(ServerName::isAscii(std::string("a\x7f\0b", 4)));
    BOOST_TEST(!ServerName::isAscii("b\xc3\xbc" "cher"));
    BOOST_TEST(!ServerName::isAscii("\x80"));
}

BOOST_AUTO_TEST_CASE(bad_u_labels_are_refused_with_the_reason) {
    const std::vector<std::pair<std::string, std::string>> bad{
        {"b\xff" "cher.example", "not valid UTF-8"},
        {"\xf0\x9f\x92\xa9.example", "disallowed"},                  // an emoji
        {"a\xe2\x80\x8d" "b.\xc3\xbc.example", "context-j"},         // a ZERO WIDTH JOINER
        {"\xe2\x84\x80.example", "path separator"},                    // "℀", which UTS #46 maps to "a/c"
        {"under_score.b\xc3\xbc" "cher.example", "letters, digits and hyphen"},
        {"b\xc3\xbc" "cher.example.", "trailing dot"},
        {"-a.b\xc3\xbc" "cher.example", "hyphen"},
        {repeat("\xc3\xbc", 70) + ".example", "too large"},                                  // 70 × "ü": a label over 63
        {"../b\xc3\xbc" "cher", "path separator"},
        {std::string(1025, '\xc3'), "longer than 253"},
    };
    for (const auto& [name, reason] : bad) {
        const std::string message = rejection(name);
        BOOST_TEST(contains(message, reason), InvalidNameError::printable(name) << ": " << message);
        // a message shows the raw bytes escaped, never raw
        BOOST_TEST(std::none_of(message.begin(), message.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }),
                   message);
    }
}

BOOST_AUTO_TEST_CASE(store_keys_are_trimmed_lowercased_and_keep_order) {
    BOOST_TEST(ServerName::canonicalKey(" B.example , a.example\t") == "b.example,a.example");
    BOOST_TEST(ServerName::canonicalKey("one.example") == "one.example");
    const auto names = ServerName::splitKey("x.example, *.y.example,127.0.0.1");
    BOOST_TEST(names.size() == 3u);
    BOOST_TEST(names[1] == "*.y.example");
    BOOST_TEST(ServerName::joinKey({"A.example", "b.example"}) == "a.example,b.example");
}

BOOST_AUTO_TEST_CASE(store_keys_reject_empty_parts_and_duplicates) {
    BOOST_CHECK_THROW(ServerName::canonicalKey(""), InvalidNameError);
    BOOST_CHECK_THROW(ServerName::canonicalKey(" , "), InvalidNameError);
    BOOST_CHECK_THROW(ServerName::canonicalKey("a.example,"), InvalidNameError);
    BOOST_CHECK_THROW(ServerName::canonicalKey("a.example,,b.example"), InvalidNameError);
    BOOST_CHECK_THROW(ServerName::canonicalKey("a.example,A.EXAMPLE"), InvalidNameError);
    BOOST_CHECK_THROW(ServerName::canonicalKey("a.example,../b"), InvalidNameError);
    BOOST_CHECK_THROW(ServerName::joinKey({}), InvalidNameError);
    std::string many;
    for (int i = 0; i <= 100; ++i) many += (i ? "," : "") + std::string("h") + std::to_string(i) + ".example";
    BOOST_CHECK_THROW(ServerName::canonicalKey(many), InvalidNameError);
    BOOST_TEST(!ServerName::isValid("a,b"));
}

BOOST_AUTO_TEST_CASE(error_keeps_the_raw_name) {
    try {
        (void)ServerName::canonical("bad/name");
        BOOST_FAIL("no exception");
    } catch (const InvalidNameError& e) {
        BOOST_TEST(e.name() == "bad/name");
    }
}

BOOST_AUTO_TEST_CASE(reverse_dns_names_for_ip_identifiers) {
    BOOST_TEST(ServerName::reverseDnsName("192.0.2.1") == "1.2.0.192.in-addr.arpa");
    BOOST_TEST(ServerName::reverseDnsName("2001:db8::1") ==
               "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    BOOST_CHECK_THROW(ServerName::reverseDnsName("example.com"), InvalidNameError);
}

// And back, for a server that answers a handshake for an address it did not order:
// only the spelling reverseDnsName gives, every label of it.
BOOST_AUTO_TEST_CASE(reverse_dns_names_read_back_as_their_addresses) {
    for (const std::string ip : {"192.0.2.1", "0.0.0.0", "255.255.255.255", "10.0.0.10", "2001:db8::1", "::1", "::",
                                 "fe80::abcd:12:ff00:1", "::ffff:192.0.2.1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
        BOOST_TEST_CONTEXT(ip) {
            const auto back = ServerName::addressOfReverseDnsName(ServerName::reverseDnsName(ip));
            BOOST_REQUIRE(back.has_value());
            BOOST_TEST(*back == ServerName::canonical(ip));
        }
    }
    const std::string v6 = ServerName::reverseDnsName("2001:db8::1");
    for (const std::string& name : std::vector<std::string>{
             "example.com", "in-addr.arpa", ".in-addr.arpa", "2.0.192.in-addr.arpa", "1.1.2.0.192.in-addr.arpa",
          "01.2.0.192.in-addr.arpa", "256.2.0.192.in-addr.arpa", "1..0.192.in-addr.arpa", "-1.2.0.192.in-addr.arpa",
          "1.2.0.192.IN-ADDR.ARPA", "1.2.0.192.in-addr.arpa.", "1.2.0.1925.in-addr.arpa", "x.2.0.192.in-addr.arpa",
          "1.2.0.192.ip6.arpa", "ip6.arpa", v6.substr(2), "0." + v6, "1.1" + v6.substr(1), "A" + v6.substr(1),
          "g" + v6.substr(1), "10" + v6.substr(1), v6.substr(0, 1) + "-" + v6.substr(2)}) {
        BOOST_TEST(!ServerName::addressOfReverseDnsName(name).has_value(), name);
    }
}

// The one address parser: network-order bytes, 4 or 16 of them, nothing for anything else
// (the forms inet_pton refuses among them: no shorthand IPv4, no zone, no brackets).
BOOST_AUTO_TEST_CASE(address_bytes_are_four_or_sixteen_or_none) {
    using Bytes = std::vector<unsigned char>;
    BOOST_TEST(ServerName::addressBytes("192.0.2.1") == (Bytes{192, 0, 2, 1}), boost::test_tools::per_element());
    Bytes v6(16, 0);
    v6[0] = 0x20, v6[1] = 0x01, v6[2] = 0x0d, v6[3] = 0xb8, v6[15] = 1;
    BOOST_TEST(ServerName::addressBytes("2001:DB8::1") == v6, boost::test_tools::per_element());
    BOOST_TEST(ServerName::addressBytes("::ffff:192.0.2.1").size() == 16u);
    for (const char* no : {"", "example.com", "192.0.2", "192.0.2.256", "1.2.3.4.5", "[::1]", "fe80::1%lo", "::1 ", "0x7f.0.0.1"})
        BOOST_TEST(ServerName::addressBytes(no).empty(), no);
    BOOST_TEST(ServerName::addressBytes(std::string_view("127.0.0.1\0garbage", 17)).empty());
    BOOST_TEST(ServerName::addressBytes(std::string(200, '1')).empty());
}

BOOST_AUTO_TEST_CASE(a_name_is_at_or_under_a_domain_label_wise) {
    BOOST_TEST(ServerName::isAtOrUnder("example.com", "example.com"));
    BOOST_TEST(ServerName::isAtOrUnder("www.shop.example.com", "example.com"));
    BOOST_TEST(!ServerName::isAtOrUnder("notexample.com", "example.com"));
    BOOST_TEST(!ServerName::isAtOrUnder("example.com", "www.example.com"));
    BOOST_TEST(!ServerName::isAtOrUnder("example.com.au", "example.com"));
    BOOST_TEST(!ServerName::isAtOrUnder(".com", ""));
}

// NO_PROXY's blocks and Let's Encrypt's address blocks: an address alone is its own /32 or /128.
BOOST_AUTO_TEST_CASE(address_blocks_hold_the_addresses_of_their_prefix) {
    const auto block = [](const char* text) { return cxxacme::AddressBlock::parse(text); };
    BOOST_REQUIRE(block("192.0.2.0/24"));
    BOOST_TEST(block("192.0.2.0/24")->contains("192.0.2.255"));
    BOOST_TEST(!block("192.0.2.0/24")->contains("192.0.3.0"));
    BOOST_TEST(!block("192.0.2.0/24")->contains("::ffff:192.0.2.1"));  // another family
    BOOST_TEST(!block("192.0.2.0/24")->contains("example.com"));
    BOOST_TEST(block("192.0.2.7")->prefixBits() == 32u);
    BOOST_TEST(block("192.0.2.7")->contains("192.0.2.7"));
    BOOST_TEST(!block("192.0.2.7")->contains("192.0.2.8"));
    BOOST_TEST(block("2001:db8::/64")->contains("2001:db8::ffff:1"));
    BOOST_TEST(!block("2001:db8::/64")->contains("2001:db8:0:1::1"));
    BOOST_TEST(block("0.0.0.0/0")->contains("203.0.113.9"));
    for (const char* no : {"", "/24", "192.0.2.0/", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/-1", "192.0.2.0/+8",
                           "192.0.2.0/8x", "192.0.2.0/0008", "example.com/24", "192.0.2.0/24/8"})
        BOOST_TEST(!block(no), no);
}
