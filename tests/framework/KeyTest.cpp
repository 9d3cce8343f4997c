#define BOOST_TEST_MODULE keys
#include <boost/test/unit_test.hpp>

#include "../TestPrinting.h"

#include <boost/test/data/test_case.hpp>

#include <openssl/pem.h>

#include "cxxacme/Error.h"
#include "cxxacme/PrivateKey.h"

using namespace cxxacme;
namespace bdata = boost::unit_test::data;

namespace {
const KeyType kAllTypes[] = {KeyType::EcP256, KeyType::EcP384, KeyType::Rsa2048,
                             KeyType::Rsa3072, KeyType::Rsa4096, KeyType::Ed25519};
}

BOOST_DATA_TEST_CASE(generate_write_read_compare, bdata::make(kAllTypes), type) {
    const PrivateKey key = PrivateKey::generate(type);
    BOOST_TEST(key.type().has_value());
    BOOST_TEST(toString(*key.type()) == toString(type));

    const std::string pem = key.toPem();
    BOOST_TEST(pem.find("-----BEGIN PRIVATE KEY-----") == 0u);  // PKCS#8
    const PrivateKey again = PrivateKey::fromPem(pem);
    BOOST_TEST(again.publicKey() == key.publicKey());
    BOOST_TEST(again.matches(key.publicKey()));
    BOOST_TEST(PrivateKey::fromDer(key.toDer()).publicKey() == key.publicKey());

    const PublicKey pub = PublicKey::fromPem(key.publicKey().toPem());
    BOOST_TEST(pub == key.publicKey());
    BOOST_TEST(PublicKey::fromDer(pub.toDer()) == pub);

    const PrivateKey other = PrivateKey::generate(type);
    BOOST_TEST(!(other.publicKey() == key.publicKey()));
    BOOST_TEST(!other.matches(key.publicKey()));
}

BOOST_AUTO_TEST_CASE(key_properties) {
    const PrivateKey ec = PrivateKey::generate(KeyType::EcP384);
    BOOST_TEST(ec.publicKey().algorithm() == "EC");
    BOOST_TEST(ec.publicKey().curve() == "P-384");
    BOOST_TEST(ec.publicKey().bits() == 384);
    const PrivateKey rsa = PrivateKey::generate(KeyType::Rsa2048);
    BOOST_TEST(rsa.publicKey().algorithm() == "RSA");
    BOOST_TEST(rsa.publicKey().curve() == "");
    BOOST_TEST(rsa.publicKey().bits() == 2048);
    // keys of different types never compare equal
    BOOST_TEST(!(ec.publicKey() == rsa.publicKey()));
}

BOOST_AUTO_TEST_CASE(reads_traditional_forms) {
    // PKCS#1 (RSA PRIVATE KEY) and SEC1 (EC PRIVATE KEY), as older tools write them.
    for (KeyType type : {KeyType::EcP256, KeyType::Rsa2048}) {
        const PrivateKey key = PrivateKey::generate(type);
        BIO* bio = BIO_new(BIO_s_mem());
        BOOST_REQUIRE(PEM_write_bio_PrivateKey_traditional(bio, key.native(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
        char* data = nullptr;
        const long len = BIO_get_mem_data(bio, &data);
        const std::string pem(data, static_cast<std::size_t>(len));
        BIO_free(bio);
        BOOST_TEST(pem.find(type == KeyType::EcP256 ? "-----BEGIN EC PRIVATE KEY-----" : "-----BEGIN RSA PRIVATE KEY-----") == 0u);
        const PrivateKey read = PrivateKey::fromPem(pem);
        BOOST_TEST(read.publicKey() == key.publicKey());
        BOOST_TEST(read.type() == type);
    }
}

BOOST_AUTO_TEST_CASE(key_type_names) {
    BOOST_TEST(toString(keyTypeFromString("rsa3072")) == "rsa3072");
    BOOST_TEST(keyTypeFromString("ec384") == KeyType::EcP384);
    try {
        keyTypeFromString("dsa");
        BOOST_FAIL("accepted dsa");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()).find("ec256") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(bad_key_input_is_a_clear_error) {
    BOOST_CHECK_THROW(PrivateKey::fromPem(""), CryptoError);
    BOOST_CHECK_THROW(PrivateKey::fromPem("garbage"), CryptoError);
    const std::string pem = PrivateKey::generate(KeyType::EcP256).toPem();
    BOOST_CHECK_THROW(PrivateKey::fromPem(pem.substr(0, pem.size() / 2)), CryptoError);
    BOOST_CHECK_THROW(PrivateKey::fromDer("\x30\x03\x02\x01"), CryptoError);
    BOOST_CHECK_THROW(PublicKey::fromDer(std::string(1000, 'x')), CryptoError);
    // an encrypted key is refused, never prompted for
    const char* encrypted =
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
        "MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhkYpWd3Rl2BQICCAAw\n"
        "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEFj2+ZkAvq1ZPAHzFqnQ3AcEgZAx\n"
        "-----END ENCRYPTED PRIVATE KEY-----\n";
    try {
        PrivateKey::fromPem(encrypted);
        BOOST_FAIL("accepted an encrypted key");
    } catch (const CryptoError& e) {
        BOOST_TEST(std::string(e.what()).find("encrypted") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(error_messages_carry_no_key_material) {
    const std::string pem = PrivateKey::generate(KeyType::EcP256).toPem();
    std::string broken = pem;
    broken[40] = broken[40] == 'A' ? 'B' : 'A';  // corrupt the DER, keep the PEM frame
    try {
        PrivateKey::fromPem(broken);
    } catch (const CryptoError& e) {
        const std::string message = e.what();
        BOOST_TEST(message.find(pem.substr(28, 20)) == std::string::npos);
        return;
    }
    // a one-character change can still decode to some key; that is not a leak either
}
