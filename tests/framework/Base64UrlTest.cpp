#define BOOST_TEST_MODULE base64url
#include <boost/test/unit_test.hpp>

#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"

using cxxacme::Base64Url;
using cxxacme::JoseError;

BOOST_AUTO_TEST_CASE(rfc4648_vectors_without_padding) {
    // RFC 4648 §10, in the URL-safe alphabet and without padding.
    BOOST_TEST(Base64Url::encode("") == "");
    BOOST_TEST(Base64Url::encode("f") == "Zg");
    BOOST_TEST(Base64Url::encode("fo") == "Zm8");
    BOOST_TEST(Base64Url::encode("foo") == "Zm9v");
    BOOST_TEST(Base64Url::encode("foob") == "Zm9vYg");
    BOOST_TEST(Base64Url::encode("fooba") == "Zm9vYmE");
    BOOST_TEST(Base64Url::encode("foobar") == "Zm9vYmFy");
    BOOST_TEST(Base64Url::encode("\xfb\xff") == "-_8");
    BOOST_TEST(Base64Url::decode("Zm9vYmE") == "fooba");
    BOOST_TEST(Base64Url::decode("-_8") == "\xfb\xff");
}

BOOST_AUTO_TEST_CASE(round_trips_every_byte_value) {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    for (std::size_t len = 0; len <= all.size(); len += 17)
        BOOST_TEST(Base64Url::decode(Base64Url::encode(all.substr(0, len))) == all.substr(0, len));
}

BOOST_AUTO_TEST_CASE(strict_decoding) {
    BOOST_CHECK_THROW(Base64Url::decode("Zg=="), JoseError);       // padding
    BOOST_CHECK_THROW(Base64Url::decode("Zm9v+A"), JoseError);     // standard alphabet
    BOOST_CHECK_THROW(Base64Url::decode("Zm9v/A"), JoseError);
    BOOST_CHECK_THROW(Base64Url::decode("Zm 9v"), JoseError);      // white space
    BOOST_CHECK_THROW(Base64Url::decode("Z"), JoseError);          // impossible length
    BOOST_CHECK_THROW(Base64Url::decode("Zh"), JoseError);         // non-zero trailing bits
    BOOST_CHECK_THROW(Base64Url::decode(std::string("Zm\0v", 4)), JoseError);
}
