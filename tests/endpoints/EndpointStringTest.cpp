#define BOOST_TEST_MODULE endpoint strings
#include <boost/test/unit_test.hpp>

#include "cxxacme/endpoints/EndpointString.h"

using cxxacme::endpoints::EndpointSpec;
using cxxacme::endpoints::EndpointStringError;

BOOST_AUTO_TEST_CASE(le_and_lets_use_lets_encrypt) {
    const auto le = EndpointSpec::parse("le:/srv/certs:tcp:443");
    BOOST_TEST(le.scheme == "le");
    BOOST_TEST(le.certDir == "/srv/certs");
    BOOST_TEST(le.port == 443);
    BOOST_TEST(le.interface.empty());
    BOOST_TEST(le.directoryUrl == EndpointSpec::kLetsEncryptDirectory);
    const auto lets = EndpointSpec::parse("lets:certs:tcp:8443:interface=127.0.0.1");
    BOOST_TEST(lets.directoryUrl == EndpointSpec::kLetsEncryptStagingDirectory);
    BOOST_TEST(lets.interface == "127.0.0.1");
    BOOST_TEST(lets.port == 8443);
}

BOOST_AUTO_TEST_CASE(acme_takes_keywords_in_any_order_and_escapes) {
    const auto a = EndpointSpec::parse(
        "acme:/var/lib/c\\:d:tcp:0:ca-bundle=/etc/ca.pem:directory=https\\://127.0.0.1\\:14000/dir:interface=\\:\\:1:"
        "default-name=Example.TEST:tls-sni-01=on:encryption-key=/etc/k\\:ey:sqlite=/var/lib/c.sqlite");
    BOOST_TEST(a.certDir == "/var/lib/c:d");
    BOOST_TEST(a.port == 0);
    BOOST_TEST(a.directoryUrl == "https://127.0.0.1:14000/dir");
    BOOST_TEST(a.caBundle == "/etc/ca.pem");
    BOOST_TEST(a.interface == "::1");
    BOOST_TEST(a.defaultName == "example.test");
    BOOST_TEST(a.tlsSni01);
    BOOST_TEST(a.encryptionKey == "/etc/k:ey");
    BOOST_TEST(a.sqliteFile == "/var/lib/c.sqlite");
    // the string form parses back to the same thing
    const auto again = EndpointSpec::parse(a.toString());
    BOOST_TEST(again.toString() == a.toString());
    BOOST_TEST(again.certDir == a.certDir);
    BOOST_TEST(again.directoryUrl == a.directoryUrl);
    BOOST_TEST(again.sqliteFile == a.sqliteFile);
    const auto backslash = EndpointSpec::parse("le:C\\\\certs:tcp:1");
    BOOST_TEST(backslash.certDir == "C\\certs");
}

BOOST_AUTO_TEST_CASE(bad_strings_point_at_the_bad_part) {
    struct Case {
        const char* text;
        std::size_t offset;
        const char* says;
    };
    const Case cases[] = {
        {"", 0, "empty"},
        {"https:/x:tcp:443", 0, "unknown kind"},
        {"le", 2, "missing the certificate directory"},
        {"le::tcp:443", 3, "missing the certificate directory"},
        {"le:/x", 5, "missing \":tcp:PORT\""},
        {"le:/x:udp:443", 6, "expected \"tcp\""},
        {"le:/x:tcp", 9, "missing the port"},
        {"le:/x:tcp:", 10, "missing the port"},
        {"le:/x:tcp:44x", 10, "not a number"},
        {"le:/x:tcp:65536", 10, "not a number"},
        {"le:/x:tcp:-1", 10, "not a number"},
        {"le:/x:tcp:443:interface", 14, "KEY=VALUE"},
        {"le:/x:tcp:443:=1", 14, "KEY=VALUE"},
        {"le:/x:tcp:443:interface=", 24, "empty value"},
        {"le:/x:tcp:443:interface=example.com", 24, "IP address"},
        {"le:/x:tcp:443:colour=blue", 14, "unknown keyword"},
        {"le:/x:tcp:443:directory=https\\://a/dir", 14, "use acme:"},
        {"acme:/x:tcp:443", 15, "needs directory=URL"},
        {"acme:/x:tcp:443:directory=http\\://a/dir", 26, "https://"},
        {"acme:/x:tcp:443:directory=https\\://a:directory=https\\://b", 37, "given twice"},
        {"le:/x:tcp:443:tls-sni-01=yes", 25, "on or off"},
        {"le:/x:tcp:443:default-name=a..b", 27, "invalid name"},
        {"le:/x\\n:tcp:443", 5, "only \\: and \\\\"},
        {"le:/x:tcp:443\\", 13, "escapes nothing"},
        {"le:/x\x01:tcp:443", 5, "control characters"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.text) {
            try {
                EndpointSpec::parse(c.text);
                BOOST_FAIL("accepted");
            } catch (const EndpointStringError& e) {
                BOOST_TEST(e.offset() == c.offset);
                BOOST_TEST(std::string(e.what()).find(c.says) != std::string::npos, e.what());
                // the caret line points at the same offset
                const std::string what = e.what();
                const auto caret = what.rfind('\n');
                BOOST_TEST(what.size() - caret - 1 == c.offset + 3);
            }
        }
    }
}
