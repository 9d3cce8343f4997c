#define BOOST_TEST_MODULE x509
#include <boost/test/unit_test.hpp>

#include "../TestPrinting.h"

#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

using namespace cxxacme;
using namespace std::chrono;

namespace {
const testing::TestCertificateAuthority& ca() {
    static const testing::TestCertificateAuthority instance;
    return instance;
}
}  // namespace

BOOST_AUTO_TEST_CASE(csr_for_dns_wildcard_and_ip_identifiers) {
    for (KeyType type : {KeyType::EcP256, KeyType::EcP384, KeyType::Rsa2048, KeyType::Ed25519}) {
        const PrivateKey key = PrivateKey::generate(type);
        const std::vector<Identifier> ids{Identifier::dns("example.com"), Identifier::dns("*.example.com"),
                                          Identifier::ip("192.0.2.1"), Identifier::ip("2001:db8::1")};
        const auto csr = CertificateSigningRequest::create(key, ids);
        BOOST_TEST(csr.verifySignature());
        BOOST_TEST(csr.commonName() == "example.com");
        BOOST_TEST((csr.identifiers() == ids));
        BOOST_TEST(csr.publicKey() == key.publicKey());

        const auto fromDer = CertificateSigningRequest::fromDer(csr.toDer());
        BOOST_TEST(fromDer.verifySignature());
        BOOST_TEST((fromDer.identifiers() == ids));
        BOOST_TEST(CertificateSigningRequest::fromPem(csr.toPem()).toDer() == csr.toDer());
    }
}

BOOST_AUTO_TEST_CASE(csr_without_dns_name_has_no_cn) {
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    const auto csr = CertificateSigningRequest::create(key, {Identifier::ip("127.0.0.1")});
    BOOST_TEST(csr.commonName() == "");
    const std::string longName = std::string(60, 'a') + ".example";  // 68 > 64: too long for a CN
    const auto csr2 = CertificateSigningRequest::create(key, {Identifier::dns(longName)});
    BOOST_TEST(csr2.commonName() == "");
    BOOST_TEST(csr2.identifiers().at(0).value == longName);
    BOOST_CHECK_THROW(CertificateSigningRequest::create(key, {}), CertificateError);
}

BOOST_AUTO_TEST_CASE(csr_with_a_changed_byte_fails_its_signature_check) {
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    std::string der = CertificateSigningRequest::create(key, {Identifier::dns("example.com")}).toDer();
    const std::size_t at = der.find("example.com");
    BOOST_REQUIRE(at != std::string::npos);
    der[at] = 'f';  // "fxample.com"
    const auto tampered = CertificateSigningRequest::fromDer(der);
    BOOST_TEST(!tampered.verifySignature());
}

BOOST_AUTO_TEST_CASE(malformed_csr_input) {
    BOOST_CHECK_THROW(CertificateSigningRequest::fromDer(""), CertificateError);
    BOOST_CHECK_THROW(CertificateSigningRequest::fromDer("\x30\x82\x01"), CertificateError);
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    const std::string der = CertificateSigningRequest::create(key, {Identifier::dns("example.com")}).toDer();
    BOOST_CHECK_THROW(CertificateSigningRequest::fromDer(der + "x"), CertificateError);
    BOOST_CHECK_THROW(CertificateSigningRequest::fromDer(der.substr(0, der.size() - 3)), CertificateError);
    BOOST_CHECK_THROW(CertificateSigningRequest::fromPem("not pem"), CertificateError);
}

BOOST_AUTO_TEST_CASE(certificate_fields) {
    const auto notBefore = sys_days{year{2026} / March / 1};
    const auto notAfter = sys_days{year{2026} / May / 30} + hours(12);
    const PemBundle bundle = ca().issue("www.example.com,example.com,10.1.2.3", notBefore, notAfter);
    const Certificate& cert = bundle.certificate();
    BOOST_TEST((cert.notBefore() == notBefore));
    BOOST_TEST((cert.notAfter() == notAfter));
    const auto sans = cert.subjectAltNames();
    BOOST_REQUIRE(sans.size() == 3u);
    BOOST_TEST(sans[0].value == "www.example.com");
    BOOST_TEST((sans[2].type == Identifier::Type::Ip));
    BOOST_TEST(cert.issuer() == "CN=cxxacme test intermediate");
    BOOST_TEST(cert.serialHex().size() >= 30u);
    BOOST_TEST(cert.serialHex().find_first_not_of("0123456789ABCDEF") == std::string::npos);
    BOOST_TEST(cert.publicKey() == bundle.privateKey().publicKey());
    BOOST_TEST(!cert.isCa());
    BOOST_TEST(ca().intermediate().isCa());
    BOOST_TEST(cert.authorityKeyId().has_value());
    BOOST_TEST(Certificate::fromDer(cert.toDer()) == cert);
    BOOST_TEST(Certificate::fromPem(cert.toPem()) == cert);
}

BOOST_AUTO_TEST_CASE(serials_are_unique_and_positive) {
    std::set<std::string> serials;
    for (int i = 0; i < 20; ++i) {
        const auto cert = ca().issue("s.example").certificate();
        BOOST_TEST(serials.insert(cert.serialHex()).second);
        BOOST_TEST((static_cast<unsigned char>(cert.serialBytes()[0]) & 0x80) == 0);
    }
}

BOOST_AUTO_TEST_CASE(chain_verifies_against_its_root_only) {
    const PemBundle bundle = ca().issue("a.example");
    BOOST_CHECK_NO_THROW(bundle.certificate().verifyChain(bundle.chain(), {ca().root()}));
    // missing intermediate
    BOOST_CHECK_THROW(bundle.certificate().verifyChain({}, {ca().root()}), CertificateError);
    // another root
    const testing::TestCertificateAuthority other;
    BOOST_CHECK_THROW(bundle.certificate().verifyChain(bundle.chain(), {other.root()}), CertificateError);
    // checked at a time after expiry
    try {
        bundle.certificate().verifyChain(bundle.chain(), {ca().root()}, system_clock::now() + hours(24 * 400));
        BOOST_FAIL("expired chain verified");
    } catch (const CertificateError& e) {
        BOOST_TEST(std::string(e.what()).find("expired") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(tls_alpn_challenge_certificate) {
    // RFC 8737 §3: self-signed, exactly one SAN, critical acmeIdentifier.
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    const Jwk account = Jwk::fromPublicKey(PrivateKey::generate(KeyType::EcP256).publicKey());
    const std::string keyAuth = KeyAuthorization::compute("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", account);
    const Certificate cert = CertificateBuilder()
                                 .subjectAltNames({Identifier::dns("example.com")})
                                 .extension(KeyAuthorization::kAcmeIdentifierOid, true,
                                            KeyAuthorization::acmeIdentifierExtensionValue(keyAuth))
                                 .selfSign(key);
    const auto ext = cert.extension(KeyAuthorization::kAcmeIdentifierOid);
    BOOST_REQUIRE(ext.has_value());
    BOOST_TEST(ext->critical);
    BOOST_TEST(ext->value.size() == 34u);
    BOOST_TEST(ext->value.substr(2) == KeyAuthorization::tlsAlpn01Digest(keyAuth));
    BOOST_TEST(cert.subjectAltNames().size() == 1u);
    BOOST_TEST(!cert.extension("1.2.3.4").has_value());
    BOOST_TEST(cert.issuer() == cert.subject());
    BOOST_TEST(cert.publicKey() == key.publicKey());
}

BOOST_AUTO_TEST_CASE(builder_refuses_a_key_that_is_not_the_issuers) {
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    BOOST_CHECK_THROW(CertificateBuilder().commonName("x").sign(key.publicKey(), ca().root(), key), CertificateError);
    BOOST_CHECK_THROW(CertificateBuilder().validity(system_clock::now(), system_clock::now() - hours(1)),
                      CertificateError);
}

BOOST_AUTO_TEST_CASE(malformed_certificates) {
    BOOST_CHECK_THROW(Certificate::fromDer(""), CertificateError);
    BOOST_CHECK_THROW(Certificate::fromDer("\x30\x00"), CertificateError);
    const std::string der = ca().root().toDer();
    BOOST_CHECK_THROW(Certificate::fromDer(der.substr(0, der.size() - 1)), CertificateError);
    BOOST_CHECK_THROW(Certificate::fromDer(der + std::string(1, '\0')), CertificateError);
    BOOST_CHECK_THROW(Certificate::chainFromPem(""), CertificateError);
    const std::string pem = ca().root().toPem() + ca().intermediate().toPem();
    BOOST_TEST(Certificate::chainFromPem(pem).size() == 2u);
}
