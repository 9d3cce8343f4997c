#define BOOST_TEST_MODULE dns_wire_name
#include <boost/test/unit_test.hpp>

#include <string>

#include "cxxacme/Error.h"
#include "cxxacme/detail/DnsWireName.h"

using cxxacme::InvalidNameError;
using cxxacme::detail::dnsWireName;
using namespace std::string_literals;

// The one encoder of names for DNS messages (the RFC 2136 updates and their TSIG,
// mock-acme's DNS answers): lengths before labels, the root's empty label, lower case.
BOOST_AUTO_TEST_CASE(names_are_written_in_canonical_wire_form) {
    BOOST_TEST(dnsWireName("Example.TEST.") == "\x07" "example" "\x04" "test" "\x00"s);
    BOOST_TEST(dnsWireName("example.test") == dnsWireName("EXAMPLE.test."));
    BOOST_TEST(dnsWireName("_acme-challenge.x") == "\x0f" "_acme-challenge" "\x01" "x" "\x00"s);
    BOOST_TEST(dnsWireName("a") == "\x01" "a" "\x00"s);
    const std::string label63(63, 'a');
    BOOST_TEST(dnsWireName(label63 + ".test").size() == 1 + 63 + 1 + 4 + 1);
    // 253 characters, the longest name: 255 bytes on the wire
    const std::string longest = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
    BOOST_TEST(longest.size() == 253u);
    BOOST_TEST(dnsWireName(longest).size() == 255u);
}

BOOST_AUTO_TEST_CASE(names_the_wire_cannot_carry_are_refused) {
    const auto refusal = [](const std::string& name) -> std::string {
        try {
            dnsWireName(name);
        } catch (const InvalidNameError& e) {
            return e.what();
        }
        return "accepted";
    };
    BOOST_TEST(refusal("").find("empty") != std::string::npos);
    BOOST_TEST(refusal(".").find("empty") != std::string::npos);
    BOOST_TEST(refusal("a..b").find("empty label") != std::string::npos);
    BOOST_TEST(refusal(".a").find("empty label") != std::string::npos);
    BOOST_TEST(refusal("a.b..").find("empty label") != std::string::npos);
    BOOST_TEST(refusal(std::string(64, 'a') + ".test").find("longer than 63") != std::string::npos);
    const std::string label63(63, 'a');
    BOOST_TEST(refusal(label63 + "." + label63 + "." + label63 + "." + std::string(62, 'b')).find("255 bytes") !=
               std::string::npos);
}
