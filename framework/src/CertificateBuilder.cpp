#include "cxxacme/CertificateBuilder.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/X509Helpers.h"

namespace cxxacme {

using namespace detail;

namespace {

X509ExtensionPtr confExtension(X509V3_CTX* ctx, int nid, const char* value) {
    X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value));
    if (!ext) throwOpenSslError(std::string("extension ") + OBJ_nid2sn(nid));
    return ext;
}

void addConfExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
    checkOne(X509_add_ext(cert, confExtension(ctx, nid, value).get(), -1), "X509_add_ext");
}

// A leaf's basic constraints, key usage (EC, RSA) and extended key usage:
// the same for every leaf, so parsed from their text once, and copied into
// each certificate (which is what X509_add_ext does).
struct LeafExtensions {
    X509ExtensionPtr basicConstraints, keyUsageSigning, keyUsageRsa, extendedKeyUsage, extendedKeyUsageServer;

    static const LeafExtensions& get() {
        static const LeafExtensions instance = [] {
            X509V3_CTX ctx;
            X509V3_set_ctx_nodb(&ctx);
            X509V3_set_ctx(&ctx, nullptr, nullptr, nullptr, nullptr, 0);
            return LeafExtensions{confExtension(&ctx, NID_basic_constraints, "critical,CA:FALSE"),
                                  confExtension(&ctx, NID_key_usage, "critical,digitalSignature"),
                                  confExtension(&ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment"),
                                  confExtension(&ctx, NID_ext_key_usage, "serverAuth,clientAuth"),
                                  confExtension(&ctx, NID_ext_key_usage, "serverAuth")};
        }();
        return instance;
    }
};

void addKeyIdentifier(X509* cert, int nid, const std::string& id) {
    Asn1OctetStringPtr value(checked(ASN1_OCTET_STRING_new(), "ASN1_OCTET_STRING_new"));
    checkOne(ASN1_OCTET_STRING_set(value.get(), reinterpret_cast<const unsigned char*>(id.data()), static_cast<int>(id.size())),
             "ASN1_OCTET_STRING_set");
    if (nid == NID_subject_key_identifier) {
        checkOne(X509_add1_ext_i2d(cert, nid, value.get(), 0, X509V3_ADD_DEFAULT), "X509_add1_ext_i2d");
        return;
    }
    std::unique_ptr<AUTHORITY_KEYID, decltype(&AUTHORITY_KEYID_free)> akid(checked(AUTHORITY_KEYID_new(), "AUTHORITY_KEYID_new"),
                                                                            &AUTHORITY_KEYID_free);
    akid->keyid = value.release();
    checkOne(X509_add1_ext_i2d(cert, nid, akid.get(), 0, X509V3_ADD_DEFAULT), "X509_add1_ext_i2d");
}

// authorityInfoAccess with one accessDescription: id-ad-ocsp, the URI.
void addOcspResponder(X509* cert, const std::string& url) {
    std::unique_ptr<AUTHORITY_INFO_ACCESS, decltype(&AUTHORITY_INFO_ACCESS_free)> aia(
        checked(AUTHORITY_INFO_ACCESS_new(), "AUTHORITY_INFO_ACCESS_new"), &AUTHORITY_INFO_ACCESS_free);
    std::unique_ptr<ACCESS_DESCRIPTION, decltype(&ACCESS_DESCRIPTION_free)> ocsp(
        checked(ACCESS_DESCRIPTION_new(), "ACCESS_DESCRIPTION_new"), &ACCESS_DESCRIPTION_free);
    ASN1_OBJECT_free(ocsp->method);
    ocsp->method = checked(OBJ_nid2obj(NID_ad_OCSP), "OBJ_nid2obj");
    std::unique_ptr<ASN1_IA5STRING, decltype(&ASN1_IA5STRING_free)> uri(checked(ASN1_IA5STRING_new(), "ASN1_IA5STRING_new"),
                                                                        &ASN1_IA5STRING_free);
    checkOne(ASN1_STRING_set(uri.get(), url.data(), static_cast<int>(url.size())), "ASN1_STRING_set");
    GENERAL_NAME_set0_value(ocsp->location, GEN_URI, uri.release());
    if (sk_ACCESS_DESCRIPTION_push(aia.get(), ocsp.get()) <= 0) throwOpenSslError("sk_ACCESS_DESCRIPTION_push");
    (void)ocsp.release();  // the stack owns it now
    checkOne(X509_add1_ext_i2d(cert, NID_info_access, aia.get(), 0, X509V3_ADD_DEFAULT), "X509_add1_ext_i2d");
}

// cRLDistributionPoints with one DistributionPoint: fullName = the URI.
void addCrlDistributionPoint(X509* cert, const std::string& url) {
    std::unique_ptr<CRL_DIST_POINTS, decltype(&CRL_DIST_POINTS_free)> points(
        checked(sk_DIST_POINT_new_null(), "sk_DIST_POINT_new_null"), &CRL_DIST_POINTS_free);
    std::unique_ptr<DIST_POINT, decltype(&DIST_POINT_free)> point(checked(DIST_POINT_new(), "DIST_POINT_new"),
                                                                  &DIST_POINT_free);
    point->distpoint = checked(DIST_POINT_NAME_new(), "DIST_POINT_NAME_new");
    point->distpoint->type = 0;  // fullName
    point->distpoint->name.fullname = checked(GENERAL_NAMES_new(), "GENERAL_NAMES_new");
    GeneralNamePtr name(checked(GENERAL_NAME_new(), "GENERAL_NAME_new"));
    std::unique_ptr<ASN1_IA5STRING, decltype(&ASN1_IA5STRING_free)> uri(checked(ASN1_IA5STRING_new(), "ASN1_IA5STRING_new"),
                                                                        &ASN1_IA5STRING_free);
    checkOne(ASN1_STRING_set(uri.get(), url.data(), static_cast<int>(url.size())), "ASN1_STRING_set");
    GENERAL_NAME_set0_value(name.get(), GEN_URI, uri.release());
    if (sk_GENERAL_NAME_push(point->distpoint->name.fullname, name.get()) <= 0) throwOpenSslError("sk_GENERAL_NAME_push");
    (void)name.release();  // the stack owns it now
    if (sk_DIST_POINT_push(points.get(), point.get()) <= 0) throwOpenSslError("sk_DIST_POINT_push");
    (void)point.release();
    checkOne(X509_add1_ext_i2d(cert, NID_crl_distribution_points, points.get(), 0, X509V3_ADD_DEFAULT), "X509_add1_ext_i2d");
}

// The issuer's subject key identifier as its extension says, or "".
std::string subjectKeyIdOf(const X509* issuer) {
    int critical = 0;
    Asn1OctetStringPtr id(static_cast<ASN1_OCTET_STRING*>(
        X509_get_ext_d2i(issuer, NID_subject_key_identifier, &critical, nullptr)));
    ERR_clear_error();
    if (!id) return {};
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(id.get())),
                       static_cast<std::size_t>(ASN1_STRING_length(id.get())));
}

}  // namespace

CertificateBuilder& CertificateBuilder::subjectKeyIdentifier(bool add) {
    subjectKeyIdentifier_ = add;
    return *this;
}

CertificateBuilder& CertificateBuilder::clientAuth(bool allow) {
    clientAuth_ = allow;
    return *this;
}

CertificateBuilder& CertificateBuilder::keyEncipherment(bool allow) {
    keyEncipherment_ = allow;
    return *this;
}

CertificateBuilder& CertificateBuilder::commonName(std::string cn) {
    commonName_ = std::move(cn);
    return *this;
}
CertificateBuilder& CertificateBuilder::organization(std::string org) {
    organization_ = std::move(org);
    return *this;
}
CertificateBuilder& CertificateBuilder::subjectAltNames(std::vector<Identifier> names) {
    altNames_ = std::move(names);
    return *this;
}
CertificateBuilder& CertificateBuilder::validity(TimePoint notBefore, TimePoint notAfter) {
    if (notAfter < notBefore) throw CertificateError("validity ends before it starts");
    notBefore_ = notBefore;
    notAfter_ = notAfter;
    return *this;
}
CertificateBuilder& CertificateBuilder::serial(std::string bytes) {
    if (bytes.empty() || bytes.size() > 20) throw CertificateError("a serial has 1 to 20 bytes");
    serial_ = std::move(bytes);
    return *this;
}
CertificateBuilder& CertificateBuilder::certificateAuthority(std::optional<int> pathLength) {
    isCa_ = true;
    pathLength_ = pathLength;
    return *this;
}
CertificateBuilder& CertificateBuilder::ocspResponder(std::string url) {
    ocspResponder_ = std::move(url);
    return *this;
}
CertificateBuilder& CertificateBuilder::crlDistributionPoint(std::string url) {
    crlDistributionPoint_ = std::move(url);
    return *this;
}

CertificateBuilder& CertificateBuilder::extension(std::string oid, bool critical, std::string derValue) {
    extensions_.push_back(Certificate::Extension{std::move(oid), critical, std::move(derValue)});
    return *this;
}

Certificate CertificateBuilder::selfSign(const PrivateKey& key) const { return build(key.native(), nullptr, key); }

Certificate CertificateBuilder::sign(const PublicKey& subjectKey, const Certificate& issuer,
                                     const PrivateKey& issuerKey) const {
    if (!issuerKey.matches(issuer.publicKey())) throw CertificateError("the signing key is not the issuer's key");
    return build(subjectKey.native(), &issuer, issuerKey);
}

Certificate CertificateBuilder::build(EVP_PKEY* subjectKey, const Certificate* issuer,
                                      const PrivateKey& signingKey) const {
    X509Ptr cert(checked(X509_new(), "X509_new"));
    checkOne(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");

    std::string serial = serial_;
    if (serial.empty()) {
        serial.resize(16);
        checkOne(RAND_bytes(reinterpret_cast<unsigned char*>(serial.data()), 16), "RAND_bytes");
        serial[0] = static_cast<char>((static_cast<unsigned char>(serial[0]) & 0x7f) | 0x01);
    }
    BignumPtr bn(checked(BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()),
                                   static_cast<int>(serial.size()), nullptr),
                         "BN_bin2bn"));
    Asn1IntegerPtr serialInt(checked(BN_to_ASN1_INTEGER(bn.get(), nullptr), "BN_to_ASN1_INTEGER"));
    checkOne(X509_set_serialNumber(cert.get(), serialInt.get()), "X509_set_serialNumber");

    const TimePoint now = std::chrono::system_clock::now();
    setTime(X509_getm_notBefore(cert.get()), notBefore_.value_or(now - std::chrono::hours(1)));
    setTime(X509_getm_notAfter(cert.get()), notAfter_.value_or(now + std::chrono::hours(24 * 90)));

    X509_NAME* subject = X509_get_subject_name(cert.get());
    if (!organization_.empty())
        checkOne(X509_NAME_add_entry_by_NID(subject, NID_organizationName, MBSTRING_UTF8,
                                            reinterpret_cast<const unsigned char*>(organization_.c_str()), -1, -1, 0),
                 "X509_NAME_add_entry_by_NID");
    if (!commonName_.empty())
        checkOne(X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                            reinterpret_cast<const unsigned char*>(commonName_.c_str()), -1, -1, 0),
                 "X509_NAME_add_entry_by_NID");
    checkOne(X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer->native()) : subject),
             "X509_set_issuer_name");
    setPublicKey(cert.get(), subjectKey);

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer->native() : cert.get(), cert.get(), nullptr, nullptr, 0);
    if (!issuer) checkOne(X509V3_set_issuer_pkey(&ctx, signingKey.native()), "X509V3_set_issuer_pkey");

    if (isCa_) {
        const std::string bc =
            "critical,CA:TRUE" + (pathLength_ ? ",pathlen:" + std::to_string(*pathLength_) : std::string());
        addConfExtension(cert.get(), &ctx, NID_basic_constraints, bc.c_str());
        addConfExtension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    } else {
        const LeafExtensions& leaf = LeafExtensions::get();
        const bool rsa = EVP_PKEY_get_base_id(subjectKey) == EVP_PKEY_RSA;
        checkOne(X509_add_ext(cert.get(), leaf.basicConstraints.get(), -1), "X509_add_ext");
        checkOne(X509_add_ext(cert.get(), rsa && keyEncipherment_ ? leaf.keyUsageRsa.get() : leaf.keyUsageSigning.get(), -1),
                 "X509_add_ext");
        checkOne(X509_add_ext(cert.get(), clientAuth_ ? leaf.extendedKeyUsage.get() : leaf.extendedKeyUsageServer.get(), -1),
                 "X509_add_ext");
    }
    // What "hash" and "keyid:always" give, made directly (their text goes
    // through OpenSSL's config parser on every certificate otherwise).
    const bool withKeyId = isCa_ || subjectKeyIdentifier_;
    const std::string keyId = withKeyId || !issuer ? keyIdentifierOf(cert.get()) : std::string();
    if (withKeyId) addKeyIdentifier(cert.get(), NID_subject_key_identifier, keyId);
    const std::string issuerKeyId = issuer ? subjectKeyIdOf(issuer->native()) : keyId;
    if (issuerKeyId.empty())  // an issuer without one: OpenSSL works it out (or says why it cannot)
        addConfExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
    else
        addKeyIdentifier(cert.get(), NID_authority_key_identifier, issuerKeyId);

    if (!altNames_.empty()) {
        auto names = generalNamesFrom(altNames_);
        // RFC 5280 §4.2.1.6: critical when the subject is empty.
        const int critical = commonName_.empty() && organization_.empty() ? 1 : 0;
        checkOne(X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), critical, X509V3_ADD_DEFAULT),
                 "X509_add1_ext_i2d");
    }
    if (!ocspResponder_.empty()) addOcspResponder(cert.get(), ocspResponder_);
    if (!crlDistributionPoint_.empty()) addCrlDistributionPoint(cert.get(), crlDistributionPoint_);
    for (const auto& e : extensions_) {
        Asn1ObjectPtr object(OBJ_txt2obj(e.oid.c_str(), 1));
        if (!object) throwOpenSslError("invalid OID \"" + e.oid + "\"");
        Asn1OctetStringPtr value(checked(ASN1_OCTET_STRING_new(), "ASN1_OCTET_STRING_new"));
        checkOne(ASN1_OCTET_STRING_set(value.get(), reinterpret_cast<const unsigned char*>(e.value.data()),
                                       static_cast<int>(e.value.size())),
                 "ASN1_OCTET_STRING_set");
        X509ExtensionPtr ext(checked(
            X509_EXTENSION_create_by_OBJ(nullptr, object.get(), e.critical ? 1 : 0, value.get()),
            "X509_EXTENSION_create_by_OBJ"));
        checkOne(X509_add_ext(cert.get(), ext.get(), -1), "X509_add_ext");
    }

    if (X509_sign(cert.get(), signingKey.native(), signatureDigestFor(signingKey.native())) <= 0)
        throwOpenSslError("X509_sign");
    return Certificate::adopt(cert.release());
}

}  // namespace cxxacme
