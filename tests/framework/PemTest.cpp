#define BOOST_TEST_MODULE pem
#include <boost/test/unit_test.hpp>

#include "../TestPrinting.h"

#include "cxxacme/Error.h"
#include "cxxacme/PemBundle.h"
#include "cxxacme/PemObject.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

using namespace cxxacme;

namespace {
const testing::TestCertificateAuthority& ca() {
    static const testing::TestCertificateAuthority instance;
    return instance;
}
std::string errorOf(std::string_view text) {
    try {
        (void)PemBundle::parse(text);
    } catch (const PemError& e) {
        return e.what();
    }
    return "";
}
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

BOOST_AUTO_TEST_CASE(types_objects_by_label) {
    const PemBundle bundle = ca().issue("a.example");
    const std::string text = bundle.toPem() + PrivateKey::generate(KeyType::EcP256).publicKey().toPem() +
                             "-----BEGIN X509 CRL-----\nAAEC\n-----END X509 CRL-----\n";
    const auto objects = PemObject::parseAll(text);
    BOOST_REQUIRE(objects.size() == 5u);
    BOOST_TEST(objects[0].kind() == PemObject::Kind::PrivateKey);
    BOOST_TEST(objects[1].kind() == PemObject::Kind::Certificate);
    BOOST_TEST(objects[2].kind() == PemObject::Kind::Certificate);
    BOOST_TEST(objects[3].kind() == PemObject::Kind::PublicKey);
    BOOST_TEST(objects[4].kind() == PemObject::Kind::Other);
    BOOST_TEST(objects[4].label() == "X509 CRL");
    BOOST_TEST(objects[4].der() == std::string("\x00\x01\x02", 3));
}

BOOST_AUTO_TEST_CASE(writes_back_byte_for_byte) {
    const PemBundle bundle = ca().issue("a.example");
    // CRLF line ends, 76-column base64 and no final newline must all survive.
    std::string crlf;
    for (char c : bundle.toPem()) {
        if (c == '\n') crlf += "\r\n";
        else crlf += c;
    }
    for (const std::string& text : {bundle.toPem(), crlf, bundle.toPem().substr(0, bundle.toPem().size() - 1)}) {
        const auto objects = PemObject::parseAll(text);
        BOOST_TEST(PemObject::serialize(objects) == text);
        BOOST_TEST(PemBundle::parse(text).toPem() == text);
    }
}

BOOST_AUTO_TEST_CASE(text_outside_blocks_is_ignored) {
    const PemBundle bundle = ca().issue("a.example");
    const std::string text = "subject=CN = a.example\n" + bundle.toPem() + "trailing words\n";
    BOOST_TEST(PemBundle::parse(text).toPem() == bundle.toPem());
}

BOOST_AUTO_TEST_CASE(bundle_parts) {
    const PemBundle bundle = ca().issue("a.example,b.example");
    BOOST_TEST(!bundle.empty());
    BOOST_TEST(bundle.certificate().subjectAltNames().size() == 2u);
    BOOST_TEST(bundle.privateKey().matches(bundle.certificate().publicKey()));
    BOOST_REQUIRE(bundle.chain().size() == 1u);
    BOOST_TEST(bundle.chain()[0] == ca().intermediate());
    BOOST_TEST((bundle.notAfter() == bundle.certificate().notAfter()));
}

BOOST_AUTO_TEST_CASE(key_may_follow_the_certificates) {
    const PemBundle bundle = ca().issue("a.example");
    const auto& objects = bundle.objects();
    const std::string reordered = objects[1].text() + objects[2].text() + objects[0].text();
    const PemBundle parsed = PemBundle::parse(reordered);
    BOOST_TEST(parsed.certificate() == bundle.certificate());
    BOOST_TEST(parsed.chain().size() == 1u);
    BOOST_TEST(parsed.toPem() == reordered);
}

BOOST_AUTO_TEST_CASE(empty_text_is_the_empty_entry) {
    BOOST_TEST(PemBundle::parse("").empty());
    BOOST_TEST(PemBundle::parse("\n  \n").empty());
    BOOST_TEST(PemBundle().toPem() == "");
    BOOST_CHECK_THROW(PemBundle().certificate(), PemError);
    BOOST_CHECK_THROW(PemBundle().privateKey(), PemError);
}

BOOST_AUTO_TEST_CASE(bundle_rules_say_which_rule_is_broken) {
    const PemBundle a = ca().issue("a.example");
    const PemBundle b = ca().issue("b.example");
    const auto& ao = a.objects();
    const auto& bo = b.objects();
    BOOST_TEST(contains(errorOf(ao[1].text()), "no private key"));
    BOOST_TEST(contains(errorOf(ao[0].text()), "no certificate"));
    BOOST_TEST(contains(errorOf(ao[0].text() + bo[0].text() + ao[1].text()), "2 private keys"));
    BOOST_TEST(contains(errorOf(ao[0].text() + bo[1].text()), "is not for the entry's private key"));
    const std::string csr = "-----BEGIN X509 CRL-----\nAAEC\n-----END X509 CRL-----\n";
    BOOST_TEST(contains(errorOf(a.toPem() + csr), "does not belong in a certificate entry"));
}

BOOST_AUTO_TEST_CASE(truncated_and_garbled_pem_is_a_clear_error) {
    const std::string good = ca().issue("a.example").toPem();
    BOOST_TEST(contains(errorOf(good.substr(0, good.size() / 2)), "truncated"));
    BOOST_TEST(contains(errorOf(good.substr(0, good.size() - 10)), "truncated"));
    std::string garbled = good;
    garbled[good.find('\n') + 5] = '*';
    BOOST_TEST(contains(errorOf(garbled), "invalid character"));
    std::string flipped = good;
    const std::size_t cert = good.find("-----BEGIN CERTIFICATE-----") + 40;
    flipped[cert] = flipped[cert] == 'A' ? 'B' : 'A';
    flipped[cert + 1] = flipped[cert + 1] == 'A' ? 'B' : 'A';
    BOOST_TEST(contains(errorOf(flipped), "does not decode"));
    BOOST_TEST(contains(errorOf("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), "empty body"));
    BOOST_TEST(contains(errorOf("-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n"),
                        "does not match"));
    BOOST_TEST(contains(errorOf("-----BEGIN CERTIFICATE\nAAAA\n"), "malformed BEGIN"));
    BOOST_TEST(contains(errorOf("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n"
                                "-----END RSA PRIVATE KEY-----\n"),
                        "encrypted"));
}

BOOST_AUTO_TEST_CASE(oversized_input_is_refused_before_parsing) {
    const std::string huge(PemObject::kMaxInputBytes + 1, 'A');
    BOOST_TEST(contains(errorOf(huge), "over the limit"));
    std::string many;
    for (std::size_t i = 0; i <= PemObject::kMaxObjects; ++i) many += "-----BEGIN X-----\nAAAA\n-----END X-----\n";
    BOOST_CHECK_THROW(PemObject::parseAll(many), PemError);
}

BOOST_AUTO_TEST_CASE(binary_noise_never_crashes) {
    std::string noise;
    unsigned state = 12345;
    for (int round = 0; round < 300; ++round) {
        noise.clear();
        for (int i = 0; i < 200 + round; ++i) {
            state = state * 1103515245 + 12345;
            noise.push_back(static_cast<char>(state >> 16));
        }
        const std::string framed = "-----BEGIN CERTIFICATE-----\n" + noise + "\n-----END CERTIFICATE-----\n";
        BOOST_CHECK_THROW(PemBundle::parse(framed), PemError);
        try {
            (void)PemObject::parseAll(noise);
        } catch (const PemError&) {
        }
    }
}
