#define BOOST_TEST_MODULE jose
#include <boost/test/unit_test.hpp>

#include <limits>
#include <sstream>

#include "../TestPrinting.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"
#include "cxxacme/FlattenedJws.h"
#include "cxxacme/detail/Json.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/Jwk.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/KeySigner.h"

using namespace cxxacme;

namespace {

// RFC 7515 Appendix A.2.1: the RSA key, printed as a JWK.
const std::string kRfc7515RsaJwk = R"({"kty":"RSA",
 "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
 "e":"AQAB",
 "d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
 "p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
 "q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
 "dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",
 "dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",
 "qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"})";
const std::string kRfc7515A2Protected = "eyJhbGciOiJSUzI1NiJ9";
const std::string kRfc7515Payload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const std::string kRfc7515A2Signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1d"
    "nZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzD"
    "wusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe7"
    "7Rw";

// RFC 7515 Appendix A.3.1: the P-256 key and the published signature.
const std::string kRfc7515EcJwk = R"({"kty":"EC","crv":"P-256",
 "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
 "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
 "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
const std::string kRfc7515A3Protected = "eyJhbGciOiJFUzI1NiJ9";
const std::string kRfc7515A3Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

std::string flattened(const std::string& prot, const std::string& payload, const std::string& sig) {
    return R"({"protected":")" + prot + R"(","payload":")" + payload + R"(","signature":")" + sig + R"("})";
}

std::string flip(std::string text, std::size_t at) {
    text[at] = text[at] == 'A' ? 'B' : 'A';
    return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rfc7638_thumbprint) {
    // RFC 7638 §3.1.
    const Jwk jwk = Jwk::parse(R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"})");
    BOOST_TEST(jwk.thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    BOOST_TEST(jwk.toJson().find(R"({"e":"AQAB","kty":"RSA","n":"0vx7)") == 0u);
}

BOOST_AUTO_TEST_CASE(rfc7515_a2_rs256_byte_for_byte) {
    const KeySigner signer(Jwk::privateKeyFromJson(kRfc7515RsaJwk));
    BOOST_TEST(toString(signer.algorithm()) == "RS256");
    const auto jws = FlattenedJws::signEncoded(signer, kRfc7515A2Protected, kRfc7515Payload);
    BOOST_TEST(jws.signatureB64() == kRfc7515A2Signature);
    BOOST_TEST(jws.verify(Jwk::parse(kRfc7515RsaJwk).publicKey()));
    // the public JWK the signer publishes is the one the RFC prints
    BOOST_TEST(signer.publicJwk() == Jwk::parse(kRfc7515RsaJwk));
}

// RFC 8037 appendix A: an Ed25519 private JWK (A.1), its thumbprint (A.3) and its
// signature of "Example of Ed25519 signing" (A.4), which Ed25519 makes the same every time
BOOST_AUTO_TEST_CASE(rfc8037_ed25519_private_jwk_signs_byte_for_byte) {
    const std::string privateJwk = R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",)"
                                   R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
    const KeySigner signer(Jwk::privateKeyFromJson(privateJwk));
    BOOST_TEST(toString(signer.algorithm()) == "EdDSA");
    BOOST_TEST(signer.publicJwk() == Jwk::parse(privateJwk));
    BOOST_TEST(signer.publicJwk().thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    const auto jws = FlattenedJws::signEncoded(signer, "eyJhbGciOiJFZERTQSJ9", "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc");
    BOOST_TEST(jws.signatureB64() == "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
    BOOST_TEST(jws.verify(Jwk::parse(privateJwk).publicKey()));
    // a d that is another key's, and one that is no Ed25519 key: refused, never signed with
    const auto refusedWith = [&privateJwk](std::size_t replaced, const std::string& d, const std::string& words) {
        std::string changed = privateJwk;
        changed.replace(changed.find("nWGx"), replaced, d);
        try {
            Jwk::privateKeyFromJson(changed);
            BOOST_ERROR("a private JWK with d " << d << "... was read");
        } catch (const JoseError& e) {
            BOOST_TEST(std::string(e.what()).find(words) != std::string::npos, e.what());
        }
    };
    refusedWith(4, "mWGx", "the private and public members do not match");  // another key's
    refusedWith(43, "AAAA", "not a valid Ed25519 private key");             // 3 bytes
}

BOOST_AUTO_TEST_CASE(rfc7515_a3_es256_verifies_and_any_changed_byte_fails) {
    const PublicKey key = Jwk::parse(kRfc7515EcJwk).publicKey();
    const std::string good = flattened(kRfc7515A3Protected, kRfc7515Payload, kRfc7515A3Signature);
    BOOST_TEST(FlattenedJws::parse(good).verify(key));
    for (std::size_t i = 0; i < kRfc7515Payload.size() - 1; i += 7)
        BOOST_TEST(!FlattenedJws::parse(flattened(kRfc7515A3Protected, flip(kRfc7515Payload, i), kRfc7515A3Signature))
                        .verify(key));
    for (std::size_t i = 0; i < kRfc7515A3Signature.size() - 1; i += 5)
        BOOST_TEST(!FlattenedJws::parse(flattened(kRfc7515A3Protected, kRfc7515Payload, flip(kRfc7515A3Signature, i)))
                        .verify(key));
    // A JWK's key is EC_KEY-backed and checked on itself; the same key as
    // OpenSSL's provider holds it takes the EVP path: both give one verdict.
    const PublicKey providerKey = Jwk::privateKeyFromJson(kRfc7515EcJwk).publicKey();
    BOOST_TEST(FlattenedJws::parse(good).verify(providerKey));
    for (std::size_t i = 0; i < kRfc7515A3Signature.size() - 1; i += 3) {
        const auto changed = FlattenedJws::parse(flattened(kRfc7515A3Protected, kRfc7515Payload, flip(kRfc7515A3Signature, i)));
        BOOST_TEST(changed.verify(key) == changed.verify(providerKey));
    }
    // the private key of A.3 belongs to the public key
    const KeySigner signer(Jwk::privateKeyFromJson(kRfc7515EcJwk));
    const auto ours = FlattenedJws::signEncoded(signer, kRfc7515A3Protected, kRfc7515Payload);
    BOOST_TEST(ours.verify(key));
    BOOST_TEST(Base64Url::decode(ours.signatureB64()).size() == 64u);
}

BOOST_AUTO_TEST_CASE(sign_and_verify_every_algorithm) {
    for (KeyType type : {KeyType::EcP256, KeyType::EcP384, KeyType::Rsa2048, KeyType::Ed25519}) {
        const PrivateKey privateKey = PrivateKey::generate(type);
        const KeySigner signer(privateKey);
        const auto jws = FlattenedJws::signAcmeRequest(signer, "https://ca.example/acme/new-order", "nonce-1",
                                                       "https://ca.example/acme/acct/1", R"({"identifiers":[]})");
        const auto parsed = FlattenedJws::parse(jws.toJson());
        const PublicKey key = signer.publicJwk().publicKey();
        BOOST_TEST(parsed.verify(key));
        // the signer's own key as OpenSSL's provider holds it: the EVP path, which EC signatures
        // (made on the key's EC_KEY) must satisfy as well
        BOOST_TEST(parsed.verify(privateKey.publicKey()));
        BOOST_TEST(parsed.algorithm() == std::string(toString(signer.algorithm())));
        BOOST_TEST(parsed.protectedHeader().getValue<std::string>("url") == "https://ca.example/acme/new-order");
        BOOST_TEST(parsed.protectedHeader().getValue<std::string>("nonce") == "nonce-1");
        BOOST_TEST(parsed.protectedHeader().getValue<std::string>("kid") == "https://ca.example/acme/acct/1");
        BOOST_TEST(!parsed.protectedHeader().has("jwk"));
        BOOST_TEST(parsed.payload() == R"({"identifiers":[]})");
        // another key of the same type does not verify it
        BOOST_TEST(!parsed.verify(PrivateKey::generate(type).publicKey()));
    }
}

BOOST_AUTO_TEST_CASE(jwk_header_for_new_account_and_post_as_get) {
    const KeySigner signer(PrivateKey::generate(KeyType::EcP256));
    const auto jws = FlattenedJws::signAcmeRequest(signer, "https://ca.example/new-acct", "n", "", "");
    const auto parsed = FlattenedJws::parse(jws.toJson());
    BOOST_TEST(!parsed.protectedHeader().has("kid"));
    const auto jwkObject = parsed.protectedHeader().getObject("jwk");
    BOOST_REQUIRE(jwkObject);
    BOOST_TEST(Jwk::fromJson(*jwkObject) == signer.publicJwk());
    BOOST_TEST(parsed.payloadB64() == "");
    BOOST_TEST(parsed.verify(Jwk::fromJson(*jwkObject).publicKey()));
}

BOOST_AUTO_TEST_CASE(alg_must_fit_the_key) {
    const KeySigner ec(PrivateKey::generate(KeyType::EcP256));
    const auto jws = FlattenedJws::signAcmeRequest(ec, "u", "n", "k", "{}");
    // the same signature presented under another alg
    for (const char* alg : {"RS256", "ES384", "none", "HS256", "EdDSA"}) {
        Poco::JSON::Object header;
        header.set("alg", std::string(alg));
        std::ostringstream out;
        header.stringify(out);
        const auto forged = FlattenedJws::parse(flattened(Base64Url::encode(out.str()), jws.payloadB64(), jws.signatureB64()));
        BOOST_TEST(!forged.verify(ec.publicJwk().publicKey()));
    }
    // an RSA key never verifies an ES256 JWS
    BOOST_TEST(!jws.verify(PrivateKey::generate(KeyType::Rsa2048).publicKey()));
}

BOOST_AUTO_TEST_CASE(external_account_binding_hs256) {
    const KeySigner account(PrivateKey::generate(KeyType::EcP256));
    const std::string macKey = Base64Url::decode("zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W");
    const auto eab = FlattenedJws::signExternalAccountBinding(macKey, "kid-1", "https://ca.example/new-acct",
                                                              account.publicJwk());
    const auto parsed = FlattenedJws::parse(eab.toJson());
    BOOST_TEST(parsed.algorithm() == "HS256");
    BOOST_TEST(parsed.verifyHmac(macKey));
    BOOST_TEST(!parsed.verifyHmac(macKey + "x"));
    BOOST_TEST(Jwk::parse(parsed.payload()) == account.publicJwk());
    BOOST_TEST(!parsed.verify(account.publicJwk().publicKey()));  // not a key signature
    BOOST_CHECK_THROW(parsed.verifyHmac(""), JoseError);
}

BOOST_AUTO_TEST_CASE(external_account_binding_hs384_and_hs512) {
    const std::string macKey = detail::randomBytes(48);
    const auto withAlg = [&](const std::string& alg, const EVP_MD* md) {
        const std::string header = Base64Url::encode(R"({"alg":")" + alg + R"(","kid":"k","url":"u"})");
        const std::string payload = Base64Url::encode("{}");
        return FlattenedJws::parse(flattened(header, payload, Base64Url::encode(detail::hmac(md, macKey, header + "." + payload))));
    };
    BOOST_TEST(withAlg("HS384", EVP_sha384()).verifyHmac(macKey));
    BOOST_TEST(withAlg("HS512", EVP_sha512()).verifyHmac(macKey));
    BOOST_TEST(!withAlg("HS512", EVP_sha512()).verifyHmac(macKey.substr(1)));
    BOOST_TEST(!withAlg("HS512", EVP_sha384()).verifyHmac(macKey));  // the alg names the digest
    BOOST_TEST(!withAlg("HS384", EVP_sha512()).verifyHmac(macKey));
    BOOST_TEST(!withAlg("ES256", EVP_sha256()).verifyHmac(macKey));  // not a MAC algorithm
    BOOST_TEST(isMacAlgorithm(JwsAlgorithm::HS512));
    BOOST_TEST(!isMacAlgorithm(JwsAlgorithm::EdDSA));
    BOOST_TEST(toString(*jwsAlgorithmFromString("HS384")) == "HS384");
}

BOOST_AUTO_TEST_CASE(malformed_jws_is_a_clear_error) {
    const KeySigner signer(PrivateKey::generate(KeyType::EcP256));
    const auto good = FlattenedJws::signAcmeRequest(signer, "u", "n", "k", "{}");
    const std::string &p = good.protectedB64(), &pl = good.payloadB64(), &s = good.signatureB64();
    const std::vector<std::string> bad{
        "",
        "{",
        "[]",
        "null",
        R"("string")",
        R"({"protected":")" + p + R"(","payload":")" + pl + R"("})",
        R"({"protected":")" + p + R"(","signature":")" + s + R"("})",
        R"({"protected":1,"payload":")" + pl + R"(","signature":")" + s + R"("})",
        R"({"protected":")" + p + R"(","payload":")" + pl + R"(","signature":")" + s + R"(","header":{"kid":"x"}})",
        R"({"signatures":[],"payload":")" + pl + R"("})",
        R"({"protected":")" + p + "=" + R"(","payload":")" + pl + R"(","signature":")" + s + R"("})",
        flattened(Base64Url::encode("not json"), pl, s),
        flattened(Base64Url::encode("[1]"), pl, s),
        flattened(Base64Url::encode(R"({"nonce":"x"})"), pl, s),
        flattened(Base64Url::encode(R"({"alg":5})"), pl, s),
        flattened(Base64Url::encode(R"({"alg":"ES256","crit":["b64"],"b64":false})"), pl, s),
        flattened(Base64Url::encode(R"({"alg":"ES256","crit":[]})"), pl, s),
        flattened(p, pl, ""),
        flattened(p, "%%%", s),
        flattened(p, pl, s) + "garbage",
        std::string(FlattenedJws::kDefaultMaxBytes + 1, ' '),
    };
    for (const auto& text : bad) BOOST_CHECK_THROW(FlattenedJws::parse(text), JoseError);
    BOOST_CHECK_NO_THROW(FlattenedJws::parse(flattened(p, pl, s)));
}

// A member named twice — in the JWS, in its protected header, or deeper — is
// refused (I-JSON; RFC 7515 §4 allows it), so that no two readers of one
// request see different values; the same members once each are fine.
BOOST_AUTO_TEST_CASE(duplicate_members_are_refused) {
    const KeySigner signer(PrivateKey::generate(KeyType::EcP256));
    const auto good = FlattenedJws::signAcmeRequest(signer, "u", "n", "k", "{}");
    const std::string &p = good.protectedB64(), &pl = good.payloadB64(), &s = good.signatureB64();
    const auto refused = [](const std::string& text, const std::string& member) {
        try {
            FlattenedJws::parse(text);
            BOOST_ERROR("accepted: " << text);
        } catch (const JoseError& e) {
            BOOST_TEST(std::string(e.what()).find("\"" + member + "\" appears twice") != std::string::npos, e.what());
        }
    };
    refused(R"({"protected":")" + p + R"(","payload":")" + pl + R"(","payload":"","signature":")" + s + R"("})", "payload");
    refused(flattened(Base64Url::encode(R"({"alg":"ES256","url":"https://a/","nonce":"n","url":"https://b/"})"), pl, s), "url");
    refused(flattened(Base64Url::encode(R"({"alg":"ES256","jwk":{"kty":"EC","x":"a","x":"b"}})"), pl, s), "x");
    // the same name in sibling or nested objects is no duplicate
    BOOST_CHECK_NO_THROW(detail::parseJsonObject(R"({"a":{"k":1},"b":{"k":2},"c":[{"k":3},{"k":4}],"k":5})", 1000, "test"));
    BOOST_CHECK_THROW(detail::parseJsonObject(R"({"c":[{"k":3,"k":4}]})", 1000, "test"), JoseError);
}

// toJsonText writes the members in the object's order, escapes what RFC 8259
// asks (and DEL), keeps well-formed UTF-8 and writes any other byte as U+FFFD:
// the text is always JSON that reads back to the same values.
BOOST_AUTO_TEST_CASE(json_text_is_exact_and_always_valid) {
    using Poco::JSON::Array;
    using Poco::JSON::Object;
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("z", std::string("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f"));
    o->set("a", std::string("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
    o->set("bad", std::string("\xff|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82|\xc3"));  // never UTF-8
    o->set("n", Poco::Dynamic::Var());
    o->set("t", true);
    o->set("f", false);
    o->set("i", -42);
    o->set("big", std::numeric_limits<long long>::min());
    o->set("ubig", std::numeric_limits<unsigned long long>::max());
    o->set("d", 1.5);
    o->set("inf", std::numeric_limits<double>::infinity());  // JSON has none
    Array::Ptr list = new Array;
    list->add(1);
    list->add(std::string("x"));
    list->add(Object::Ptr(new Object));
    list->add(Array::Ptr(new Array));
    o->set("list", list);
    Object inner;  // by value, sorted
    inner.set("y", 2);
    inner.set("x", 1);
    o->set("inner", inner);
    const std::string text = detail::toJsonText(*o);
    BOOST_TEST(text ==
               R"({"z":"q\"b\\s/\b\f\n\r\t\u0001\u001f\u007f","a":"é € 😀",)"
               R"("bad":"\ufffd|\ufffd\ufffd|\ufffd\ufffd\ufffd|\ufffd\ufffd\ufffd\ufffd|\ufffd\ufffd|\ufffd","n":null,"t":true,"f":false,)"
               R"("i":-42,"big":-9223372036854775808,"ubig":18446744073709551615,"d":1.5,"inf":null,"list":[1,"x",{},[]],"inner":{"x":1,"y":2}})");
    // it reads back: the same strings (the well-formed ones), numbers and structure
    const auto back = detail::parseJsonObject(text, 4096, "test");
    BOOST_TEST(back->getValue<std::string>("z") == o->getValue<std::string>("z"));
    BOOST_TEST(back->getValue<std::string>("a") == o->getValue<std::string>("a"));
    BOOST_TEST(back->getValue<long long>("big") == std::numeric_limits<long long>::min());
    BOOST_TEST(back->getArray("list")->size() == 4u);
    // an object that does not keep its order is written sorted, as POCO does
    Object sorted;
    sorted.set("b", 1);
    sorted.set("a", std::string("/"));
    std::ostringstream poco;
    sorted.stringify(poco);
    BOOST_TEST(detail::toJsonText(sorted) == poco.str());
    BOOST_TEST(detail::toJsonText(Object()) == "{}");
}

BOOST_AUTO_TEST_CASE(malformed_jwk_is_a_clear_error) {
    const std::vector<std::string> bad{
        R"({})",
        R"({"kty":"oct","k":"AAAA"})",
        R"({"kty":"RSA","e":"AQAB"})",
        R"({"kty":"RSA","n":"","e":"AQAB"})",
        R"({"kty":"RSA","n":"AAAA","e":"AQAB"})",
        R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"})",
        R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"AAAA"})",
        R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"})",
        R"({"kty":"EC","crv":"secp256k1","x":"AAAA","y":"AAAA"})",
        R"({"kty":"OKP","crv":"X25519","x":"AAAA"})",
        R"({"kty":"OKP","crv":"Ed25519","x":"AAAA"})",
        R"({"kty":1})",
    };
    for (const auto& text : bad) BOOST_CHECK_THROW(Jwk::parse(text), JoseError);
    // a private JWK whose d is not the public key's
    std::string mismatched = kRfc7515EcJwk;
    mismatched.replace(mismatched.find("jpsQ"), 4, "kpsQ");
    BOOST_CHECK_THROW(Jwk::privateKeyFromJson(mismatched), JoseError);
}

BOOST_AUTO_TEST_CASE(jwk_round_trips_for_every_key_type) {
    for (KeyType type : {KeyType::EcP256, KeyType::EcP384, KeyType::Rsa2048, KeyType::Ed25519}) {
        const PrivateKey key = PrivateKey::generate(type);
        const Jwk jwk = Jwk::fromPublicKey(key.publicKey());
        BOOST_TEST(Jwk::parse(jwk.toJson()) == jwk);
        BOOST_TEST(jwk.publicKey() == key.publicKey());
        BOOST_TEST(Base64Url::decode(jwk.thumbprint()).size() == 32u);
    }
}

BOOST_AUTO_TEST_CASE(key_authorization_and_derived_values) {
    const Jwk jwk = Jwk::parse(kRfc7515EcJwk);
    const std::string token = "DGyRejmCefe7v4NfDGDKfA";
    const std::string keyAuth = KeyAuthorization::compute(token, jwk);
    BOOST_TEST(keyAuth == token + "." + jwk.thumbprint());
    BOOST_TEST(Base64Url::decode(KeyAuthorization::dns01TxtValue(keyAuth)).size() == 32u);
    BOOST_TEST(KeyAuthorization::dns01TxtValue(keyAuth).size() == 43u);
    const std::string ext = KeyAuthorization::acmeIdentifierExtensionValue(keyAuth);
    BOOST_TEST(ext.size() == 34u);
    BOOST_TEST(ext[0] == '\x04');
    BOOST_TEST(ext[1] == '\x20');
    BOOST_CHECK_THROW(KeyAuthorization::compute("", jwk), JoseError);
    BOOST_CHECK_THROW(KeyAuthorization::compute("a.b", jwk), JoseError);
    BOOST_CHECK_THROW(KeyAuthorization::compute("../etc", jwk), JoseError);
    BOOST_CHECK_THROW(KeyAuthorization::compute(std::string(300, 'a'), jwk), JoseError);
}

BOOST_AUTO_TEST_CASE(dns_account_label_is_base32_of_the_account_url_digest) {
    // draft-ietf-acme-dns-account-label's own example account
    BOOST_TEST(KeyAuthorization::dnsAccountLabel("https://example.com/acme/acct/ExampleAccount") == "_ujmmovf2vn55tgye");
    // two more, from Python's base64.b32encode(hashlib.sha256(url).digest()[:10]).lower()
    BOOST_TEST(KeyAuthorization::dnsAccountLabel("https://127.0.0.1:14000/my-account/1") == "_iov3pdu2eqwqloyr");
    BOOST_TEST(KeyAuthorization::dnsAccountLabel("https://acme-staging-v02.example/acme/acct/123456789") == "_ydwtt3tyxf344x4v");
    // the URL is taken byte for byte: a trailing slash or another case is another account
    const std::string label = KeyAuthorization::dnsAccountLabel("https://example.com/acme/acct/ExampleAccount/");
    BOOST_TEST(label != "_ujmmovf2vn55tgye");
    BOOST_TEST(label.size() == 17u);
    BOOST_TEST(label.find_first_not_of("_abcdefghijklmnopqrstuvwxyz234567") == std::string::npos);
    BOOST_TEST(KeyAuthorization::dnsAccountLabel("https://example.com/acme/acct/exampleaccount") != "_ujmmovf2vn55tgye");
    BOOST_CHECK_THROW(KeyAuthorization::dnsAccountLabel(""), JoseError);
}
