#pragma once

// Test support: a CSR (DER) for `identifiers` signed by `key` whose
// extensionRequest holds, after the subjectAltName, extensions given as a
// dotted OID, a criticality and their DER value — what no cxxacme API makes:
// OCSP Must-Staple, two of one extension, values that are not what their
// OID says. And `handMadeCsr`: a subject, names and a signature of any kind.

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "cxxacme/Identifier.h"
#include "cxxacme/PrivateKey.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/detail/X509Helpers.h"

namespace cxxacme::test {

struct ExtraExtension {
    std::string oid;
    bool critical;
    std::string der;
};

/// RFC 7633's TLS feature extension asking for `features` (each below 128).
inline ExtraExtension tlsFeatureExtension(const std::vector<int>& features) {
    std::string body;
    for (const int f : features) body += std::string{'\x02', '\x01', static_cast<char>(f)};
    return {"1.3.6.1.5.5.7.1.24", false, std::string{'\x30', static_cast<char>(body.size())} + body};
}

inline std::string csrWithExtensions(const PrivateKey& key, const std::vector<Identifier>& identifiers,
                                     const std::vector<ExtraExtension>& extra) {
    detail::X509ReqPtr req(X509_REQ_new());
    BOOST_REQUIRE(req);
    auto names = detail::generalNamesFrom(identifiers);
    detail::ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
    STACK_OF(X509_EXTENSION)* raw = extensions.get();
    BOOST_REQUIRE(X509V3_add1_i2d(&raw, NID_subject_alt_name, names.get(), 0, X509V3_ADD_APPEND) == 1);
    for (const auto& e : extra) {
        detail::Asn1ObjectPtr oid(OBJ_txt2obj(e.oid.c_str(), 1));
        detail::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
        BOOST_REQUIRE((oid && value));
        BOOST_REQUIRE(ASN1_OCTET_STRING_set(value.get(), reinterpret_cast<const unsigned char*>(e.der.data()),
                                            static_cast<int>(e.der.size())) == 1);
        detail::X509ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), e.critical ? 1 : 0, value.get()));
        BOOST_REQUIRE(ext);
        BOOST_REQUIRE(sk_X509_EXTENSION_push(extensions.get(), ext.get()) > 0);
        static_cast<void>(ext.release());  // the stack owns it now
    }
    BOOST_REQUIRE(X509_REQ_add_extensions(req.get(), extensions.get()) == 1);
    BOOST_REQUIRE(X509_REQ_set_pubkey(req.get(), key.native()) == 1);
    BOOST_REQUIRE(X509_REQ_sign(req.get(), key.native(), EVP_sha256()) > 0);  // RSA or EC keys
    return detail::derOf(i2d_X509_REQ, req.get(), "i2d_X509_REQ");
}

// A CSR no cxxacme API makes: subject CN `cn` (none when empty; written as
// it is, over 64 characters too), the subjectAltNames `altNames` in
// OpenSSL's syntax ("DNS:a.test,email:x@a.test"), signed with `digest`, or
// with RSA-PSS and SHA-256 when it is null.
inline std::string handMadeCsr(const PrivateKey& key, const std::string& cn, const std::string& altNames, const EVP_MD* digest) {
    detail::X509ReqPtr req(X509_REQ_new());
    BOOST_REQUIRE(req);
    if (!cn.empty())
        BOOST_REQUIRE(X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, V_ASN1_UTF8STRING,
                                                 reinterpret_cast<const unsigned char*>(cn.data()), static_cast<int>(cn.size()),
                                                 -1, 0) == 1);
    detail::ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
    X509_EXTENSION* san = X509V3_EXT_nconf_nid(nullptr, nullptr, NID_subject_alt_name, altNames.c_str());
    BOOST_REQUIRE(san != nullptr);
    BOOST_REQUIRE(sk_X509_EXTENSION_push(extensions.get(), san) > 0);
    BOOST_REQUIRE(X509_REQ_add_extensions(req.get(), extensions.get()) == 1);
    BOOST_REQUIRE(X509_REQ_set_pubkey(req.get(), key.native()) == 1);
    if (digest != nullptr) {
        BOOST_REQUIRE(X509_REQ_sign(req.get(), key.native(), digest) > 0);
    } else {
        detail::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
        EVP_PKEY_CTX* pctx = nullptr;
        BOOST_REQUIRE(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.native()) == 1);
        BOOST_REQUIRE(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
        BOOST_REQUIRE(X509_REQ_sign_ctx(req.get(), ctx.get()) > 0);
    }
    return detail::derOf(i2d_X509_REQ, req.get(), "i2d_X509_REQ");
}

}  // namespace cxxacme::test
