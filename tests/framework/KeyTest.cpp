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

// OpenSSL's PKCS#8 PEM of `key` as OpenSSL writes it for the key itself.
std::string opensslPem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    BOOST_REQUIRE(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    return pem;
}
}

BOOST_DATA_TEST_CASE(generate_write_read_compare, bdata::make(kAllTypes), type) {
    const PrivateKey key = PrivateKey::generate(type);
    BOOST_TEST(key.type().has_value());
    BOOST_TEST(toString(*key.type()) == toString(type));

    const std::string pem = key.toPem();
    BOOST_TEST(pem.find("-----BEGIN PRIVATE KEY-----") == 0u);  // PKCS#8
    // written through the key's EC_KEY or RSA (not OpenSSL's encoders): the same bytes as they write
    BOOST_TEST(pem == opensslPem(key.native()));
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

namespace {

// One DER element (lengths up to 65535).
std::string der(unsigned char tag, const std::string& contents) {
    std::string out(1, static_cast<char>(tag));
    const std::size_t n = contents.size();
    if (n < 0x80) {
        out += static_cast<char>(n);
    } else if (n < 0x100) {
        out += "\x81";
        out += static_cast<char>(n);
    } else {
        out += "\x82";
        out += static_cast<char>(n >> 8);
        out += static_cast<char>(n & 0xff);
    }
    return out + contents;
}

std::string unhex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

const std::string kOidEcPublicKey = unhex("2a8648ce3d0201");
const std::string kOidP256 = unhex("2a8648ce3d030107");
const std::string kOidP384 = unhex("2b81040022");
// P-256's generator, uncompressed, and its order n
const std::string kP256G = unhex(
    "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
const std::string kP256Order = unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

// An ECPrivateKey (RFC 5915), with [0] parameters and [1] public key when given.
std::string ecPrivateKey(const std::string& scalar, const std::string& curveOid, const std::string& publicPoint) {
    std::string fields = der(0x02, "\x01") + der(0x04, scalar);
    if (!curveOid.empty()) fields += der(0xa0, der(0x06, curveOid));
    if (!publicPoint.empty()) fields += der(0xa1, der(0x03, std::string(1, '\0') + publicPoint));
    return der(0x30, fields);
}

// A PKCS#8 PrivateKeyInfo around `inner`, with optional attributes.
std::string pkcs8(const std::string& curveOid, const std::string& inner, const std::string& attributes = "") {
    return der(0x30, der(0x02, std::string(1, '\0')) + der(0x30, der(0x06, kOidEcPublicKey) + der(0x06, curveOid)) +
                         der(0x04, inner) + attributes);
}

// What OpenSSL's own reader makes of `bytes`: null when it refuses them.
EVP_PKEY* readByOpenSsl(const std::string& bytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    return d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(bytes.size()));
}

// The DER inside a PEM text's first block.
std::string pemContents(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    BOOST_REQUIRE(PEM_read_bio(bio, &name, &header, &data, &len) == 1);
    std::string out(reinterpret_cast<const char*>(data), static_cast<std::size_t>(len));
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    BIO_free(bio);
    return out;
}

bool signsForTheSameKey(const PrivateKey& signer, const PrivateKey& original) {
    const std::string data = "what a CA is asked to sign";
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, signer.native());
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(data.data()), data.size());
    sig.resize(len);
    EVP_MD_CTX_reset(ctx);
    EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, original.publicKey().native());
    const bool ok = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

}  // namespace

// OpenSSL 3.0 spends ~450 µs of decoder lookups on every private key it
// reads; EC keys in the forms it writes are read by cxxacme itself (as
// EC_KEY-backed keys, which is how the test tells the two paths apart).
BOOST_AUTO_TEST_CASE(ec_keys_in_openssls_own_forms_are_read_without_its_decoders) {
    EVP_PKEY* p521 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
    BOOST_REQUIRE(p521 != nullptr);
    for (const PrivateKey& key :
         {PrivateKey::generate(KeyType::EcP256), PrivateKey::generate(KeyType::EcP384), PrivateKey::adopt(p521)}) {
        const std::string pkcs8Pem = key.toPem();
        BIO* bio = BIO_new(BIO_s_mem());
        BOOST_REQUIRE(PEM_write_bio_PrivateKey_traditional(bio, key.native(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
        char* data = nullptr;
        const long length = BIO_get_mem_data(bio, &data);  // before `data` is read: argument order is unspecified
        const std::string sec1Pem(data, static_cast<std::size_t>(length));
        BIO_free(bio);
        for (const PrivateKey& read : {PrivateKey::fromPem(pkcs8Pem), PrivateKey::fromDer(pemContents(pkcs8Pem)),
                                       PrivateKey::fromPem(sec1Pem), PrivateKey::fromDer(key.toDer())}) {
            BOOST_TEST(EVP_PKEY_get0_provider(read.native()) == nullptr);  // the fast path's key
            BOOST_TEST(read.type() == key.type());
            BOOST_TEST(read.publicKey() == key.publicKey());
            BOOST_TEST(read.toPem() == pkcs8Pem);  // the same scalar, curve and public point
            BOOST_TEST(signsForTheSameKey(read, key));
        }
    }
}

BOOST_AUTO_TEST_CASE(ec_private_key_numbers_are_checked) {
    std::string one(32, '\0');
    one.back() = 1;
    // the public key may be left out: it is computed (d = 1: the generator), as OpenSSL does
    const std::string bare = pkcs8(kOidP256, ecPrivateKey(one, "", ""));
    const PrivateKey fromBare = PrivateKey::fromDer(bare);
    BOOST_TEST(EVP_PKEY_get0_provider(fromBare.native()) == nullptr);
    EVP_PKEY* theirs = readByOpenSsl(bare);
    BOOST_REQUIRE(theirs != nullptr);
    BOOST_TEST(EVP_PKEY_eq(fromBare.native(), theirs) == 1);
    EVP_PKEY_free(theirs);
    BOOST_TEST(PrivateKey::fromDer(pkcs8(kOidP256, ecPrivateKey(one, kOidP256, kP256G))).publicKey() ==
               fromBare.publicKey());

    const auto refused = [](const std::string& bytes, const std::string& why) {
        try {
            PrivateKey::fromDer(bytes);
            BOOST_ERROR("accepted a key whose " + why);
        } catch (const CryptoError& e) {
            BOOST_TEST(std::string(e.what()).find(why) != std::string::npos, e.what());
        }
    };
    refused(pkcs8(kOidP256, ecPrivateKey(std::string(32, '\0'), "", "")), "scalar is out of range");
    refused(pkcs8(kOidP256, ecPrivateKey(kP256Order, "", "")), "scalar is out of range");
    refused(pkcs8(kOidP256, ecPrivateKey(std::string(32, '\xff'), "", "")), "scalar is out of range");
    std::string two = one;
    two.back() = 2;
    refused(pkcs8(kOidP256, ecPrivateKey(two, "", kP256G)), "stored public key does not belong to its scalar");
    refused(ecPrivateKey(two, kOidP256, kP256G), "stored public key does not belong to its scalar");  // SEC1
    std::string offCurve = kP256G;
    offCurve.back() ^= 1;
    refused(pkcs8(kOidP256, ecPrivateKey(one, "", offCurve)), "stored public key does not belong to its scalar");
    // P-384 takes a stored point as OpenSSL does, but only one on the curve
    std::string p384 = PrivateKey::generate(KeyType::EcP384).toDer();  // SEC1, the point last
    p384.back() ^= 1;
    refused(p384, "stored public key is not a point on its curve");
}

// What the fast path does not read goes to OpenSSL, which decides as it did before.
BOOST_AUTO_TEST_CASE(other_private_key_forms_are_left_to_openssl) {
    std::string one(32, '\0');
    one.back() = 1;
    const std::string cases[] = {
        pkcs8(kOidP256, ecPrivateKey(one.substr(1), "", "")),                    // a scalar one byte short
        pkcs8(kOidP256, ecPrivateKey(one, kOidP384, "")),                        // [0] naming another curve
        pkcs8(kOidP256, ecPrivateKey(one, "", ""), der(0xa0, der(0x30, ""))),    // attributes
        ecPrivateKey(one, "", ""),                                               // SEC1 without its curve
        pkcs8(kOidP256, ecPrivateKey(one, "", "")) + "x",                        // trailing bytes
        pkcs8(kOidP256, std::string("\x30\x03\x02\x01\x01", 5)),                 // ECPrivateKey cut short
    };
    for (const std::string& bytes : cases) {
        EVP_PKEY* theirs = readByOpenSsl(bytes);
        if (theirs == nullptr) {
            BOOST_CHECK_THROW(PrivateKey::fromDer(bytes), CryptoError);
            continue;
        }
        const PrivateKey ours = PrivateKey::fromDer(bytes);
        BOOST_TEST(EVP_PKEY_get0_provider(ours.native()) != nullptr);  // OpenSSL's own key
        BOOST_TEST(EVP_PKEY_eq(ours.native(), theirs) == 1);
        EVP_PKEY_free(theirs);
    }
}
