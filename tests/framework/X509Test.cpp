#define BOOST_TEST_MODULE x509
#include <boost/test/unit_test.hpp>

#include "../TestPrinting.h"
#include "../support/CsrWithExtensions.h"

#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/RevocationListBuilder.h"
#include "cxxacme/RevocationReason.h"
#include "cxxacme/detail/DerReader.h"
#include "cxxacme/detail/X509Helpers.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

#include <functional>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

using namespace cxxacme;
using namespace std::chrono;

namespace {
const testing::TestCertificateAuthority& ca() {
    static const testing::TestCertificateAuthority instance;
    return instance;
}

// The certificate's first extensions are, to the byte and in this order, what
// OpenSSL makes of their text form (in `ctx`).
void checkExtensionsAsOpenSslMakesThem(const Certificate& cert, X509V3_CTX* ctx,
                                       const std::vector<std::pair<int, const char*>>& expected) {
    const auto derOf = [](X509_EXTENSION* e) {
        const ASN1_OCTET_STRING* d = X509_EXTENSION_get_data(e);
        return std::to_string(X509_EXTENSION_get_critical(e)) + ":" +
               std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(d)), static_cast<std::size_t>(ASN1_STRING_length(d)));
    };
    BOOST_REQUIRE(X509_get_ext_count(cert.native()) >= static_cast<int>(expected.size()));
    for (std::size_t i = 0; i < expected.size(); ++i) {
        detail::X509ExtensionPtr want(X509V3_EXT_nconf_nid(nullptr, ctx, expected[i].first, expected[i].second));
        BOOST_REQUIRE(want);
        X509_EXTENSION* got = X509_get_ext(cert.native(), static_cast<int>(i));
        BOOST_TEST(OBJ_obj2nid(X509_EXTENSION_get_object(got)) == expected[i].first);
        BOOST_TEST(derOf(got) == derOf(want.get()), expected[i].second);
    }
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

// RFC 7633's TLS feature extension, "OCSP Must-Staple" when it asks for
// status_request (5): read as the numbers it holds, and refused when it is
// not a SEQUENCE OF INTEGER of TLS extension numbers or appears twice.
BOOST_AUTO_TEST_CASE(csr_tls_features) {
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    const std::vector<Identifier> ids{Identifier::dns("example.com")};
    const auto read = [&](const std::vector<test::ExtraExtension>& extra) {
        return CertificateSigningRequest::fromDer(test::csrWithExtensions(key, ids, extra));
    };
    BOOST_TEST(CertificateSigningRequest::create(key, ids).tlsFeatures().empty());
    BOOST_TEST(read({}).tlsFeatures().empty());
    const auto mustStaple = read({test::tlsFeatureExtension({5})});
    BOOST_TEST((mustStaple.tlsFeatures() == std::vector<int>{5}));
    BOOST_TEST((mustStaple.identifiers() == ids));  // beside the names, which still read
    BOOST_TEST(mustStaple.verifySignature());
    BOOST_TEST((read({test::tlsFeatureExtension({5, 17})}).tlsFeatures() == std::vector<int>{5, 17}));
    BOOST_TEST(read({test::tlsFeatureExtension({})}).tlsFeatures().empty());
    // the DER OpenSSL makes of "status_request" is the one read here
    detail::X509ExtensionPtr openssl(X509V3_EXT_conf_nid(nullptr, nullptr, NID_tlsfeature, "status_request"));
    BOOST_REQUIRE(openssl);
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(openssl.get());
    BOOST_TEST(test::tlsFeatureExtension({5}).der ==
               std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)), static_cast<std::size_t>(ASN1_STRING_length(data))));

    const auto refused = [&](const std::vector<test::ExtraExtension>& extra, const std::string& why) {
        BOOST_TEST_CONTEXT(why) {
            const auto csr = read(extra);
            try {
                (void)csr.tlsFeatures();
                BOOST_ERROR("accepted");
            } catch (const CertificateError& e) {
                BOOST_TEST(std::string(e.what()).find(why) != std::string::npos, e.what());
            }
        }
    };
    refused({test::tlsFeatureExtension({5}), test::tlsFeatureExtension({5})}, "more than one TLS feature extension");
    refused({{"1.3.6.1.5.5.7.1.24", false, std::string("\x04\x01\x05", 3)}}, "unreadable TLS feature extension");
    refused({{"1.3.6.1.5.5.7.1.24", false, std::string("\x30\x03\x02\x01\x05\x00", 6)}}, "unreadable TLS feature extension");
    refused({{"1.3.6.1.5.5.7.1.24", false, std::string("\x30\x03\x02\x01\xfb", 5)}}, "not a TLS extension number");
    refused({{"1.3.6.1.5.5.7.1.24", false, std::string("\x30\x05\x02\x03\x01\x00\x00", 7)}}, "not a TLS extension number");
    refused({{"1.3.6.1.5.5.7.1.24", false, std::string("\x30\x04\x02\x02\x00\x05", 6)}}, "not a TLS extension number");
    // the largest there is, in its shortest form
    BOOST_TEST((read({{"1.3.6.1.5.5.7.1.24", false, std::string("\x30\x05\x02\x03\x00\xff\xff", 7)}}).tlsFeatures() ==
                std::vector<int>{65535}));
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

namespace {

// What OpenSSL's own reader makes of `der`: null when it refuses it.
detail::X509ReqPtr opensslReads(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    detail::X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
    ERR_clear_error();
    if (req && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) return nullptr;
    return req;
}

std::string derOfRequest(X509_REQ* req) { return detail::derOf(i2d_X509_REQ, req, "i2d_X509_REQ"); }

}  // namespace

// fromDer takes requests apart itself (OpenSSL 3.0's reader costs a decoder
// chain per key): whatever it accepts, OpenSSL accepts too, with the same key
// and the same verdict on the signature -- over every one-byte change and
// every truncation of requests of each key type.
BOOST_AUTO_TEST_CASE(csr_reader_agrees_with_openssl_on_every_byte_change) {
    for (KeyType type : {KeyType::EcP256, KeyType::EcP384, KeyType::Rsa2048, KeyType::Ed25519}) {
        const PrivateKey key = PrivateKey::generate(type);
        const std::string der =
            CertificateSigningRequest::create(key, {Identifier::dns("a.example"), Identifier::ip("192.0.2.7")}).toDer();
        BOOST_TEST(PublicKey::fromDer(key.publicKey().toDer()) == key.publicKey());
        int accepted = 0, refused = 0;
        const auto check = [&](const std::string& input) {
            std::optional<CertificateSigningRequest> ours;
            try {
                ours = CertificateSigningRequest::fromDer(input);
            } catch (const CertificateError&) {
                ++refused;
                return;
            }
            ++accepted;
            const auto theirs = opensslReads(input);
            BOOST_REQUIRE_MESSAGE(theirs, "accepted what OpenSSL refuses, " << toString(type));
            EVP_PKEY* theirKey = X509_REQ_get0_pubkey(theirs.get());
            BOOST_REQUIRE(theirKey != nullptr);
            BOOST_TEST(EVP_PKEY_eq(ours->publicKey().native(), theirKey) == 1);
            BOOST_TEST(ours->verifySignature() == (X509_REQ_verify(theirs.get(), theirKey) == 1));
            ERR_clear_error();
        };
        for (std::size_t i = 0; i < der.size(); ++i) {
            for (unsigned char flip : {0x01, 0x80, 0xff}) {
                std::string changed = der;
                changed[i] = static_cast<char>(changed[i] ^ flip);
                check(changed);
            }
            check(der.substr(0, i));
        }
        BOOST_TEST(accepted > 0);
        BOOST_TEST(refused > 0);
    }
}

BOOST_AUTO_TEST_CASE(csr_reader_is_strict_der) {
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    const auto csr = CertificateSigningRequest::create(key, {Identifier::dns("strict.example")});
    const std::string der = csr.toDer();
    const std::string contents(detail::DerReader(der, "test").next().contents);
    BOOST_REQUIRE(contents.size() < 0x10000);
    const std::string longerLength = std::string("\x30\x83") + '\0' + static_cast<char>(contents.size() >> 8) +
                                     static_cast<char>(contents.size() & 0xff);
    BOOST_TEST(CertificateSigningRequest::fromDer(der).toDer() == der);
    // the outer length in a longer form than needed; indefinite (BER)
    BOOST_CHECK_THROW(CertificateSigningRequest::fromDer(longerLength + contents), CertificateError);
    BOOST_CHECK_THROW(CertificateSigningRequest::fromDer("\x30\x80" + contents + std::string(2, '\0')),
                      CertificateError);

    BOOST_TEST(CertificateSigningRequest::fromDer(der).version() == 0);
    // versions 1 and 2 (not PKCS#10's) are read, as Let's Encrypt reads them: clients sent
    // 2 for years (ruby-acme-client 2.0.9, in Debian 12, still does); 3, or a negative
    // number, is refused
    for (long v : {1L, 2L}) {
        detail::X509ReqPtr other(X509_REQ_dup(csr.native()));
        BOOST_REQUIRE(X509_REQ_set_version(other.get(), v) == 1);
        BOOST_REQUIRE(X509_REQ_sign(other.get(), key.native(), EVP_sha256()) > 0);
        const auto read = CertificateSigningRequest::fromDer(derOfRequest(other.get()));
        BOOST_TEST(read.version() == v);
        BOOST_TEST(read.verifySignature());
        BOOST_TEST(read.identifiers() == csr.identifiers());
    }
    // the version is the first field of the request info: INTEGER (02 01 00) after two headers
    const std::size_t versionAt = der.find(std::string("\x02\x01\x00", 3));
    BOOST_REQUIRE(versionAt != std::string::npos);
    for (char bad : {'\x03', '\x7f', '\x80', '\xff'}) {
        std::string changed = der;
        changed[versionAt + 2] = bad;
        BOOST_CHECK_THROW(CertificateSigningRequest::fromDer(changed), CertificateError);
    }

    // two extensionRequest attributes: which names would count? refused.
    // OpenSSL will not make such a request; it is put together here.
    const auto tlv = [](unsigned char tag, const std::string& contents) {
        std::string out(1, static_cast<char>(tag));
        const std::size_t n = contents.size();
        if (n < 0x80) out += static_cast<char>(n);
        else if (n < 0x100) out += std::string("\x81") + static_cast<char>(n);
        else out += std::string("\x82") + static_cast<char>(n >> 8) + static_cast<char>(n & 0xff);
        return out + contents;
    };
    detail::DerReader outer(der, "test");
    detail::DerReader request(outer.next(detail::DerReader::kSequence).contents, "test");
    detail::DerReader info(request.next(detail::DerReader::kSequence).contents, "test");
    const std::string version(info.next().whole), subject(info.next().whole), spki(info.next().whole);
    const std::string attribute(detail::DerReader(info.next(0xa0).contents, "test").next().whole);
    const std::string twiceInfo = tlv(0x30, version + subject + spki + tlv(0xa0, attribute + attribute));
    detail::EvpMdCtxPtr signing(EVP_MD_CTX_new());
    std::size_t sigLen = 0;
    BOOST_REQUIRE(EVP_DigestSignInit(signing.get(), nullptr, EVP_sha256(), nullptr, key.native()) == 1);
    BOOST_REQUIRE(EVP_DigestSign(signing.get(), nullptr, &sigLen,
                                 reinterpret_cast<const unsigned char*>(twiceInfo.data()), twiceInfo.size()) == 1);
    std::string sig(sigLen, '\0');
    BOOST_REQUIRE(EVP_DigestSign(signing.get(), reinterpret_cast<unsigned char*>(sig.data()), &sigLen,
                                 reinterpret_cast<const unsigned char*>(twiceInfo.data()), twiceInfo.size()) == 1);
    sig.resize(sigLen);
    const std::string algorithm(request.next(detail::DerReader::kSequence).whole);
    const std::string twice = tlv(0x30, twiceInfo + algorithm + tlv(0x03, std::string(1, '\0') + sig));
    const auto read = opensslReads(twice);
    BOOST_REQUIRE(read);  // OpenSSL reads it and checks its signature
    BOOST_TEST(X509_REQ_verify(read.get(), X509_REQ_get0_pubkey(read.get())) == 1);
    BOOST_CHECK_THROW(CertificateSigningRequest::fromDer(twice), CertificateError);
}

// RFC 8017 §3.1: an RSA modulus is a positive integer. OpenSSL 3.0 takes a
// negative one; cxxacme refuses it, in a public key and in a CSR.
BOOST_AUTO_TEST_CASE(rsa_key_with_a_negative_modulus_is_refused) {
    const PrivateKey key = PrivateKey::generate(KeyType::Rsa2048);
    const auto negate = [](std::string der) {
        const auto at = der.find(std::string("\x02\x82\x01\x01\x00", 5));  // INTEGER, 257 bytes, leading 0x00
        BOOST_REQUIRE(at != std::string::npos);
        der[at + 4] = '\x80';  // now negative, still minimal DER
        return der;
    };
    const std::string spki = negate(key.publicKey().toDer());
    const auto* p = reinterpret_cast<const unsigned char*>(spki.data());
    detail::EvpPkeyPtr theirs(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
    BOOST_TEST(theirs != nullptr);  // OpenSSL takes it
    ERR_clear_error();
    BOOST_CHECK_EXCEPTION(PublicKey::fromDer(spki), CryptoError,
                          [](const CryptoError& e) { return std::string(e.what()).find("must be positive") != std::string::npos; });
    const std::string csr = negate(CertificateSigningRequest::create(key, {Identifier::dns("n.example")}).toDer());
    BOOST_TEST(opensslReads(csr) != nullptr);
    ERR_clear_error();
    BOOST_CHECK_THROW(CertificateSigningRequest::fromDer(csr), CertificateError);
}

// RSA-PSS is not among the signatures fromDer checks directly: OpenSSL's
// request verification decides, and a changed byte still fails.
// What a CSR is signed with, by OpenSSL's names, and the subjectAltNames
// that are neither DNS names nor IP addresses, in order, with their values.
BOOST_AUTO_TEST_CASE(csr_signature_algorithm_and_other_alt_names) {
    const PrivateKey rsa = PrivateKey::generate(KeyType::Rsa2048), ec = PrivateKey::generate(KeyType::EcP256);
    const std::vector<Identifier> ids{Identifier::dns("a.example")};
    BOOST_TEST(CertificateSigningRequest::create(ec, ids).signatureAlgorithm() == "ecdsa-with-SHA256");
    BOOST_TEST(CertificateSigningRequest::create(rsa, ids).signatureAlgorithm() == "sha256WithRSAEncryption");
    BOOST_TEST(CertificateSigningRequest::create(PrivateKey::generate(KeyType::Ed25519), ids).signatureAlgorithm() == "ED25519");
    const auto made = [](const PrivateKey& key, const std::string& names, const EVP_MD* digest) {
        return CertificateSigningRequest::fromDer(test::handMadeCsr(key, "", names, digest));
    };
    BOOST_TEST(made(rsa, "DNS:a.example", EVP_sha1()).signatureAlgorithm() == "sha1WithRSAEncryption");
    BOOST_TEST(made(rsa, "DNS:a.example", nullptr).signatureAlgorithm() == "rsassaPss");
    BOOST_TEST(made(ec, "DNS:a.example", EVP_sha384()).signatureAlgorithm() == "ecdsa-with-SHA384");

    BOOST_TEST(CertificateSigningRequest::create(ec, ids).otherAltNames().empty());
    const auto mixed = made(ec, "DNS:a.example,email:hostmaster@a.example,IP:192.0.2.1,URI:https://a.example/x,RID:1.2.3.4,"
                                "otherName:1.2.3.4;UTF8:text", EVP_sha256());
    BOOST_TEST((mixed.otherAltNames() ==
                std::vector<std::string>{"email:hostmaster@a.example", "URI:https://a.example/x", "registeredID", "otherName"}));
    BOOST_TEST(mixed.identifiers().size() == 2u);  // the DNS name and the IP address
}

BOOST_AUTO_TEST_CASE(csr_signed_with_rsa_pss_verifies) {
    const PrivateKey key = PrivateKey::generate(KeyType::Rsa2048);
    const auto plain = CertificateSigningRequest::create(key, {Identifier::dns("pss.example")});
    detail::X509ReqPtr req(X509_REQ_dup(plain.native()));
    detail::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    BOOST_REQUIRE(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.native()) == 1);
    BOOST_REQUIRE(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
    BOOST_REQUIRE(X509_REQ_sign_ctx(req.get(), ctx.get()) > 0);
    std::string der = derOfRequest(req.get());
    const auto pss = CertificateSigningRequest::fromDer(der);
    BOOST_TEST(pss.verifySignature());
    BOOST_TEST(pss.publicKey() == key.publicKey());
    der[der.find("pss.example")] = 'q';
    BOOST_TEST(!CertificateSigningRequest::fromDer(der).verifySignature());
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

BOOST_AUTO_TEST_CASE(certificate_pem_is_what_openssl_writes) {
    // Certificate::toPem writes the PEM itself (no BIO); its text must be
    // OpenSSL's to the byte, for DER lengths that do and do not fill the
    // last 64-character line
    std::vector<Certificate> certs{ca().root(), ca().intermediate()};
    std::string names;
    for (int i = 0; i < 12; ++i) {
        names += (i ? "," : "") + std::string(1, static_cast<char>('a' + i)) + ".example";
        certs.push_back(ca().issue(names).certificate());
    }
    std::set<std::size_t> lastLine;
    for (const auto& cert : certs) {
        const std::string ours = cert.toPem();
        BOOST_TEST(ours == detail::pemOf(PEM_write_bio_X509, cert.native(), "PEM_write_bio_X509"));
        lastLine.insert(cert.toDer().size() % 48);  // 48 DER bytes per full line
    }
    BOOST_TEST(lastLine.size() > 3u);  // the lengths above did cover several line endings
}

BOOST_AUTO_TEST_CASE(extensions_are_what_openssl_makes_of_their_text) {
    // CertificateBuilder makes a leaf's extensions directly (the constant
    // ones once, the key identifiers from the keys); each must be, to the
    // byte and in the same place, what OpenSSL's own text form gives.
    const PrivateKey rootKey = PrivateKey::generate(KeyType::EcP256);
    const Certificate root = CertificateBuilder().commonName("r").certificateAuthority(0).selfSign(rootKey);
    for (const KeyType type : {KeyType::EcP256, KeyType::Rsa2048}) {
        const PrivateKey key = PrivateKey::generate(type);
        for (const bool selfSigned : {false, true}) {
            const Certificate cert = selfSigned ? CertificateBuilder().commonName("s").subjectAltNames({Identifier::dns("s.example")}).selfSign(key)
                                                : CertificateBuilder().commonName("l").subjectAltNames({Identifier::dns("l.example")}).sign(key.publicKey(), root, rootKey);
            X509V3_CTX ctx;
            X509V3_set_ctx_nodb(&ctx);
            X509V3_set_ctx(&ctx, selfSigned ? cert.native() : root.native(), cert.native(), nullptr, nullptr, 0);
            if (selfSigned) X509V3_set_issuer_pkey(&ctx, key.native());
            BOOST_REQUIRE(X509_get_ext_count(cert.native()) == 6);  // and the SANs, last
            checkExtensionsAsOpenSslMakesThem(cert, &ctx, {
                {NID_basic_constraints, "critical,CA:FALSE"},
                {NID_key_usage, type == KeyType::Rsa2048 ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"},
                {NID_ext_key_usage, "serverAuth,clientAuth"},
                {NID_subject_key_identifier, "hash"},
                {NID_authority_key_identifier, "keyid:always"},
            });
        }
    }
    // the key identifier the client and mock-acme read back (ARI's certificate id)
    const Certificate leaf = CertificateBuilder().commonName("l").sign(PrivateKey::generate(KeyType::EcP256).publicKey(), root, rootKey);
    const ASN1_OCTET_STRING* openssl = X509_get0_authority_key_id(leaf.native());
    BOOST_REQUIRE(openssl != nullptr);
    BOOST_TEST(leaf.authorityKeyId().value_or("") ==
               std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(openssl)), static_cast<std::size_t>(ASN1_STRING_length(openssl))));
    BOOST_TEST(root.authorityKeyId().value_or("root") == leaf.authorityKeyId().value_or("leaf"));  // the root names itself
    detail::X509Ptr bare(X509_dup(leaf.native()));
    X509_EXTENSION_free(X509_delete_ext(bare.get(), X509_get_ext_by_NID(bare.get(), NID_authority_key_identifier, -1)));
    BOOST_TEST(!Certificate::adopt(bare.release()).authorityKeyId().has_value());
    BOOST_TEST(ERR_peek_error() == 0ul);
}

BOOST_AUTO_TEST_CASE(a_lean_leaf_leaves_out_key_id_client_auth_and_key_encipherment) {
    // Let's Encrypt's tlsserver profile: no subject key identifier, serverAuth
    // alone, digitalSignature alone even for RSA; each extension still what
    // OpenSSL's text form gives, and a CA certificate keeps its key identifier.
    const PrivateKey rootKey = PrivateKey::generate(KeyType::EcP256);
    const Certificate root = CertificateBuilder().commonName("r").certificateAuthority(0).subjectKeyIdentifier(false).selfSign(rootKey);
    BOOST_TEST(X509_get0_subject_key_id(root.native()) != nullptr);
    for (const KeyType type : {KeyType::EcP256, KeyType::Rsa2048}) {
        const PrivateKey key = PrivateKey::generate(type);
        const Certificate lean = CertificateBuilder()
                                     .subjectAltNames({Identifier::dns("l.example")})
                                     .subjectKeyIdentifier(false)
                                     .clientAuth(false)
                                     .keyEncipherment(false)
                                     .sign(key.publicKey(), root, rootKey);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, root.native(), lean.native(), nullptr, nullptr, 0);
        BOOST_REQUIRE(X509_get_ext_count(lean.native()) == 5);
        checkExtensionsAsOpenSslMakesThem(lean, &ctx, {
            {NID_basic_constraints, "critical,CA:FALSE"},
            {NID_key_usage, "critical,digitalSignature"},
            {NID_ext_key_usage, "serverAuth"},
            {NID_authority_key_identifier, "keyid:always"},
            {NID_subject_alt_name, "critical,DNS:l.example"},  // critical: the subject is empty
        });
        BOOST_TEST(X509_NAME_entry_count(X509_get_subject_name(lean.native())) == 0);
        BOOST_TEST(X509_get0_subject_key_id(lean.native()) == nullptr);
        BOOST_TEST((X509_get_extended_key_usage(lean.native()) & XKU_SSL_CLIENT) == 0u);
        BOOST_TEST((X509_get_extended_key_usage(lean.native()) & XKU_SSL_SERVER) != 0u);
        // the default keeps all three (keyEncipherment for RSA only)
        const Certificate full = CertificateBuilder().subjectAltNames({Identifier::dns("f.example")}).sign(key.publicKey(), root, rootKey);
        BOOST_TEST(X509_get0_subject_key_id(full.native()) != nullptr);
        BOOST_TEST((X509_get_extended_key_usage(full.native()) & XKU_SSL_CLIENT) != 0u);
        BOOST_TEST(((X509_get_key_usage(full.native()) & KU_KEY_ENCIPHERMENT) != 0u) == (type == KeyType::Rsa2048));
        BOOST_TEST((X509_get_key_usage(lean.native()) & KU_KEY_ENCIPHERMENT) == 0u);
        // and both verify under the root
        detail::X509StorePtr store(X509_STORE_new());
        BOOST_REQUIRE(store && X509_STORE_add_cert(store.get(), root.native()) == 1);
        for (const Certificate* c : {&lean, &full}) {
            std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> vctx(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
            BOOST_REQUIRE(vctx && X509_STORE_CTX_init(vctx.get(), store.get(), c->native(), nullptr) == 1);
            X509_STORE_CTX_set_purpose(vctx.get(), X509_PURPOSE_SSL_SERVER);
            BOOST_TEST(X509_verify_cert(vctx.get()) == 1, X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx.get())));
        }
    }
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

// What AcmeIssuer checks a CA's chain with: each certificate issued by the next, trusting nothing.
BOOST_AUTO_TEST_CASE(is_issued_by_follows_names_key_identifiers_and_signatures) {
    const PemBundle bundle = ca().issue("issued.example");
    const Certificate& leaf = bundle.certificate();
    BOOST_TEST(leaf.isIssuedBy(ca().intermediate()));
    BOOST_TEST(ca().intermediate().isIssuedBy(ca().root()));
    BOOST_TEST(ca().root().isIssuedBy(ca().root()));  // self-signed
    BOOST_TEST(!leaf.isIssuedBy(ca().root()));         // a link skipped
    BOOST_TEST(!ca().root().isIssuedBy(ca().intermediate()));
    BOOST_TEST(!leaf.isIssuedBy(leaf));
    const testing::TestCertificateAuthority other;  // another CA's intermediate
    BOOST_TEST(!leaf.isIssuedBy(other.intermediate()));
    // the leaf's signature changed: its names and key identifiers still fit, its signature does not
    std::string der = leaf.toDer();
    der[der.size() - 3] = static_cast<char>(der[der.size() - 3] ^ 0x01);
    const Certificate altered = Certificate::fromDer(der);
    BOOST_TEST(!altered.isIssuedBy(ca().intermediate()));
    BOOST_TEST(ERR_peek_error() == 0u);  // nothing left on OpenSSL's error queue
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

// An X.509 v2 CRL as OpenSSL reads it back: signed by the issuer (EC and
// RSA), its issuer's name and key identifier, its number, its entries in
// serial order with their dates and reasons (none for unspecified).
BOOST_AUTO_TEST_CASE(revocation_reasons_by_code_and_name) {
    // RFC 5280 §5.3.1: 0 to 10, 7 unused
    for (int code = -2; code <= 12; ++code) BOOST_TEST(RevocationReason::isCode(code) == (code >= 0 && code <= 10 && code != 7), code);
    BOOST_TEST(!RevocationReason::isCode(4294967297LL));  // 1 in an int's low half
    BOOST_TEST(RevocationReason::name(RevocationReason::kUnspecified) == "unspecified");
    BOOST_TEST(RevocationReason::name(1) == "keyCompromise");
    BOOST_TEST(RevocationReason::name(4) == "superseded");
    BOOST_TEST(RevocationReason::name(10) == "aACompromise");
    BOOST_CHECK_THROW(RevocationReason::name(7), Error);
    for (int code = 0; code <= 10; ++code)
        if (code != 7) {
            BOOST_TEST(RevocationReason::parse(std::to_string(code)) == code);
            BOOST_TEST(RevocationReason::parse(RevocationReason::name(code)) == code);
        }
    BOOST_TEST(RevocationReason::parse("KEYCOMPROMISE") == 1);
    BOOST_TEST(RevocationReason::parse("cessationofoperation") == RevocationReason::kCessationOfOperation);
    for (const std::string bad : {"7", "11", "-1", "", " 1", "1 ", "1x", "0x1", "key compromise", "keyCompromised",
                                  "99999999999999999999"})
        BOOST_CHECK_EXCEPTION(RevocationReason::parse(bad), Error, [&](const Error& e) {
            BOOST_TEST_INFO("'" << bad << "': " << e.what());
            return std::string(e.what()).find("revocation reason") != std::string::npos;
        });
}

BOOST_AUTO_TEST_CASE(revocation_lists) {
    for (const KeyType type : {KeyType::EcP256, KeyType::Rsa2048}) {
        const PrivateKey key = PrivateKey::generate(type);
        const Certificate issuer = CertificateBuilder().commonName("crl issuer").certificateAuthority().selfSign(key);
        const auto t0 = system_clock::from_time_t(1'800'000'000);
        const std::string der = RevocationListBuilder()
                                    .validity(t0, t0 + hours(24))
                                    .number(0x1234567890ULL)
                                    .revoked("0AF3", t0 - hours(1), 1)
                                    .revoked("0a01", t0 - hours(2))
                                    .revoked("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", t0, 10)
                                    .sign(issuer, key);
        const auto* p = reinterpret_cast<const unsigned char*>(der.data());
        std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())),
                                                                &X509_CRL_free);
        BOOST_REQUIRE(crl);
        BOOST_TEST(X509_CRL_get_version(crl.get()) == 1);  // v2
        BOOST_TEST(X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer.native())) == 1);
        BOOST_TEST(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer.native())) == 0);
        BOOST_TEST((detail::timeFrom(X509_CRL_get0_lastUpdate(crl.get())) == t0));
        BOOST_TEST((detail::timeFrom(X509_CRL_get0_nextUpdate(crl.get())) == t0 + hours(24)));
        std::unique_ptr<ASN1_INTEGER, decltype(&ASN1_INTEGER_free)> number(
            static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, nullptr, nullptr)), &ASN1_INTEGER_free);
        std::uint64_t n = 0;
        BOOST_REQUIRE(number);
        BOOST_TEST(ASN1_INTEGER_get_uint64(&n, number.get()) == 1);
        BOOST_TEST(n == 0x1234567890ULL);
        std::unique_ptr<AUTHORITY_KEYID, decltype(&AUTHORITY_KEYID_free)> akid(
            static_cast<AUTHORITY_KEYID*>(X509_CRL_get_ext_d2i(crl.get(), NID_authority_key_identifier, nullptr, nullptr)),
            &AUTHORITY_KEYID_free);
        BOOST_REQUIRE(akid);
        BOOST_TEST(ASN1_OCTET_STRING_cmp(akid->keyid, X509_get0_subject_key_id(issuer.native())) == 0);
        STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl.get());
        BOOST_REQUIRE(sk_X509_REVOKED_num(entries) == 3);
        const std::vector<std::pair<std::string, int>> expected{
            {"0A01", -1}, {"0AF3", 1}, {"7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 10}};  // sorted; -1: no reasonCode
        for (int i = 0; i < 3; ++i) {
            const X509_REVOKED* entry = sk_X509_REVOKED_value(entries, i);
            detail::BignumPtr serial(ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(entry), nullptr));
            char* hex = BN_bn2hex(serial.get());
            BOOST_TEST(std::string(hex) == expected[static_cast<std::size_t>(i)].first);
            OPENSSL_free(hex);
            std::unique_ptr<ASN1_ENUMERATED, decltype(&ASN1_ENUMERATED_free)> reason(
                static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr)),
                &ASN1_ENUMERATED_free);
            BOOST_TEST((reason ? static_cast<int>(ASN1_ENUMERATED_get(reason.get())) : -1) == expected[static_cast<std::size_t>(i)].second);
        }
        BOOST_TEST((detail::timeFrom(X509_REVOKED_get0_revocationDate(sk_X509_REVOKED_value(entries, 0))) == t0 - hours(2)));
    }

    // refused, each at once and by what is wrong
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    const Certificate issuer = CertificateBuilder().commonName("crl issuer").certificateAuthority().selfSign(key);
    const auto now = system_clock::now();
    for (const std::string& bad : std::vector<std::string>{"", "xyz", "12 34", "-01", std::string(41, 'A')})
        BOOST_CHECK_THROW(RevocationListBuilder().revoked(bad, now), CertificateError);
    for (const int reason : {-1, 7, 11}) BOOST_CHECK_THROW(RevocationListBuilder().revoked("01", now, reason), CertificateError);
    BOOST_CHECK_THROW(RevocationListBuilder().validity(now, now - hours(1)), CertificateError);
    BOOST_CHECK_THROW(RevocationListBuilder().sign(issuer, key), CertificateError);  // no validity
    BOOST_CHECK_THROW(RevocationListBuilder().validity(now, now + hours(1)).sign(issuer, PrivateKey::generate(KeyType::EcP256)),
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
    // a chain cut short, or with a broken last block, is not read as a shorter chain
    // (OpenSSL stops quietly where it finds no END line)
    const std::string second = ca().intermediate().toPem();
    for (const std::string& cut : {ca().root().toPem() + second.substr(0, second.size() / 2),
                                   ca().root().toPem() + second.substr(0, second.size() - 30),
                                   ca().root().toPem() + second.substr(0, second.size() - 40) + "=J" +
                                       second.substr(second.size() - 26),
                                   // found by fuzz/acme_response_fuzzer: "=" opening a line, a blank line, no END line
                                   ca().root().toPem() + R"(-----BEGIN CERTIFICATE-----
MIIBnDCCAUKgAwIBAgIUWHmhtV77iYBoAT3csunv0hhop5UwCgYIKoZIzj0EAwIw
=DESMBAGA1UEAwM1oXDTI3MDEwMjE4

SM49BAMCA0gAMEUCIQC5ymYLjfOC1NxHGcSaarR0rpSQyjU/GeQnTENT1KzplAIg
NroDE/EnXUir5y4pQvPQeKyVK5WPb9mcnZcpXHG9tD0=J-----END CERTIFICATE-----)"}) {
        BOOST_TEST_CONTEXT(cut.size()) { BOOST_CHECK_THROW(Certificate::chainFromPem(cut), CertificateError); }
    }
}

// A CA certificate comes again and again (every chain from one issuer, every
// stored bundle of a fleet): parsed once, its handle is shared by later parses
// of the same bytes, which give the same value. A leaf is parsed each time.
BOOST_AUTO_TEST_CASE(ca_certificates_parsed_again_share_one_handle_and_leaves_do_not) {
    const PemBundle bundle = ca().issue("shared.example");
    const std::string pem = bundle.certificate().toPem() + ca().intermediate().toPem() + ca().root().toPem();
    const auto first = Certificate::chainFromPem(pem);
    const auto second = Certificate::chainFromPem(pem);
    BOOST_REQUIRE(first.size() == 3u);
    BOOST_REQUIRE(second.size() == 3u);
    BOOST_TEST(first[0].native() != second[0].native());  // the leaf: parsed anew
    BOOST_TEST(first[1].native() == second[1].native());
    BOOST_TEST(first[2].native() == second[2].native());
    const Certificate byDer = Certificate::fromDer(ca().intermediate().toDer());
    BOOST_TEST(byDer.native() == first[1].native());
    BOOST_TEST(Certificate::fromPem(ca().root().toPem()).native() == first[2].native());
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(first[i] == second[i]);
        BOOST_TEST(first[i].toDer() == second[i].toDer());
        BOOST_TEST(first[i].subject() == second[i].subject());
    }
    BOOST_CHECK_NO_THROW(second[0].verifyChain({second[1]}, {second[2]}));
    // the same bytes with one changed are another certificate, parsed (and refused) on their own
    std::string changed = ca().intermediate().toDer();
    changed[changed.size() - 5] ^= 0x01;
    const Certificate altered = Certificate::fromDer(changed);
    BOOST_TEST(altered.native() != first[1].native());
    BOOST_CHECK_THROW(second[0].verifyChain({altered}, {second[2]}), CertificateError);
    // many other CA certificates parsed in between: the cache is bounded, the values still right
    for (int i = 0; i < 40; ++i) (void)Certificate::fromDer(testing::TestCertificateAuthority().root().toDer());
    const auto third = Certificate::chainFromPem(pem);
    BOOST_TEST(third[1] == first[1]);
    BOOST_TEST(third[1].toDer() == ca().intermediate().toDer());
}

BOOST_AUTO_TEST_CASE(a_block_that_is_not_a_certificate_names_its_place_in_the_chain) {
    // base64 that decodes, but to something other than a certificate
    const std::string bad = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
    try {
        Certificate::chainFromPem(ca().intermediate().toPem() + bad);
        BOOST_FAIL("a chain with a block that is not a certificate was read");
    } catch (const CertificateError& e) {
        BOOST_TEST(std::string(e.what()).find("malformed certificate 2 in chain") != std::string::npos, e.what());
    }
    BOOST_CHECK_THROW(Certificate::fromPem(bad), CertificateError);
    // other blocks are passed over, as OpenSSL's reader does
    const std::string withKey = PrivateKey::generate(KeyType::EcP256).toPem() + ca().intermediate().toPem();
    BOOST_TEST(Certificate::chainFromPem(withKey).size() == 1u);
}

// OpenSSL's error queue is per thread and outlives the call that filled it: what
// another library (POCO's TLS set-up did) or the embedding program left there must
// not turn up in the message of a later failure, nor make a good read fail.
BOOST_AUTO_TEST_CASE(an_error_left_queued_by_someone_else_is_not_reported) {
    const auto leftOver = [] {
        ERR_raise(ERR_LIB_SSL, SSL_R_DH_KEY_TOO_SMALL);  // what POCO's TLS set-up left
        BOOST_REQUIRE(ERR_peek_error() != 0);
    };
    const auto refused = [](const std::function<void()>& read) -> std::string {
        try {
            read();
        } catch (const CertificateError& e) {
            return e.what();
        }
        return "accepted";
    };
    const std::string pem = ca().root().toPem() + ca().intermediate().toPem();
    leftOver();
    BOOST_TEST(Certificate::chainFromPem(pem).size() == 2u);
    leftOver();
    BOOST_TEST(Certificate::fromPem(pem).toDer() == ca().root().toDer());
    const std::vector<std::function<void()>> reads = {
        [] { Certificate::fromPem("junk"); },
        [] { Certificate::fromDer("\x30\x03\x02\x01\x01"); },
        [&] { Certificate::chainFromPem(pem.substr(0, pem.size() / 2 + 40)); },
        [] { CertificateSigningRequest::fromPem("junk"); },
        [] { CertificateSigningRequest::fromDer("\x30\x03\x02\x01\x01"); },
    };
    for (std::size_t i = 0; i < reads.size(); ++i) {
        leftOver();
        const std::string message = refused(reads[i]);
        BOOST_TEST_CONTEXT("read " << i) {
            BOOST_TEST(message != "accepted");
            BOOST_TEST(message.find("0A00018A") == std::string::npos, message);  // its code, whether or not libssl's strings are loaded
        }
    }
    ERR_clear_error();
}

BOOST_AUTO_TEST_CASE(validity_past_what_a_time_point_holds) {
    // RFC 5280 §4.1.2.5: 99991231235959Z is "no well-defined expiration". A
    // TimePoint ends in 2262; such a certificate used to read as expired in 1783.
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    X509* x = X509_new();
    BOOST_REQUIRE(x != nullptr);
    const Certificate cert = Certificate::adopt(x);  // owns it from here
    BOOST_REQUIRE(X509_set_version(x, 2) == 1);
    BOOST_REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(x), 7) == 1);
    X509_NAME* name = X509_get_subject_name(x);
    BOOST_REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                             reinterpret_cast<const unsigned char*>("forever"), -1, -1, 0) == 1);
    BOOST_REQUIRE(X509_set_issuer_name(x, name) == 1);
    BOOST_REQUIRE(ASN1_TIME_set_string(X509_getm_notBefore(x), "20260101000000Z") == 1);
    BOOST_REQUIRE(ASN1_TIME_set_string(X509_getm_notAfter(x), "99991231235959Z") == 1);
    BOOST_REQUIRE(X509_set_pubkey(x, key.native()) == 1);
    BOOST_REQUIRE(X509_sign(x, key.native(), EVP_sha256()) > 0);
    const Certificate read = Certificate::fromPem(cert.toPem());
    BOOST_TEST((read.notBefore() == sys_days{year{2026} / January / 1}));
    BOOST_TEST((read.notAfter() == timePointFromUnixSeconds(kLatestUnixSeconds)));
    BOOST_TEST((read.notAfter() > read.notBefore()));
    // what the renewal schedule computes from it stays in range
    BOOST_TEST((read.notAfter() - (read.notAfter() - read.notBefore()) / 3 > read.notBefore()));
}
