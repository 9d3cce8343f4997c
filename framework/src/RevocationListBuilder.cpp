#include "cxxacme/RevocationListBuilder.h"

#include <openssl/x509v3.h>

#include "cxxacme/Error.h"
#include "cxxacme/RevocationReason.h"
#include "cxxacme/detail/X509Helpers.h"

namespace cxxacme {

using namespace detail;

namespace {

using X509CrlPtr = std::unique_ptr<X509_CRL, OpenSslDeleter<X509_CRL_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, OpenSslDeleter<X509_REVOKED_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OpenSslDeleter<ASN1_TIME_free>>;
using Asn1EnumeratedPtr = std::unique_ptr<ASN1_ENUMERATED, OpenSslDeleter<ASN1_ENUMERATED_free>>;
using AuthorityKeyIdPtr = std::unique_ptr<AUTHORITY_KEYID, OpenSslDeleter<AUTHORITY_KEYID_free>>;

Asn1TimePtr timeOf(TimePoint t) {
    Asn1TimePtr time(checked(ASN1_TIME_new(), "ASN1_TIME_new"));
    setTime(time.get(), t);
    return time;
}

Asn1IntegerPtr serialOf(const std::string& hex) {
    BIGNUM* raw = nullptr;
    if (hex.empty() || hex.size() > 40 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos ||
        BN_hex2bn(&raw, hex.c_str()) != static_cast<int>(hex.size())) {
        BN_free(raw);
        throw CertificateError("a revoked serial must be 1 to 20 bytes of hex, not \"" + InvalidNameError::printable(hex) + "\"");
    }
    BignumPtr bn(raw);
    return Asn1IntegerPtr(checked(BN_to_ASN1_INTEGER(bn.get(), nullptr), "BN_to_ASN1_INTEGER"));
}

}  // namespace

RevocationListBuilder& RevocationListBuilder::validity(TimePoint thisUpdate, TimePoint nextUpdate) {
    if (nextUpdate < thisUpdate) throw CertificateError("a revocation list's nextUpdate comes before its thisUpdate");
    thisUpdate_ = thisUpdate;
    nextUpdate_ = nextUpdate;
    return *this;
}

RevocationListBuilder& RevocationListBuilder::number(std::uint64_t n) {
    number_ = n;
    return *this;
}

RevocationListBuilder& RevocationListBuilder::revoked(const std::string& serialHex, TimePoint when, int reason) {
    if (!RevocationReason::isCode(reason))
        throw CertificateError("revocation reason " + std::to_string(reason) + " is not an RFC 5280 CRLReason");
    serialOf(serialHex);  // refused here, not when signing
    entries_.push_back(Entry{serialHex, when, reason});
    return *this;
}

std::string RevocationListBuilder::sign(const Certificate& issuer, const PrivateKey& issuerKey) const {
    if (!thisUpdate_ || !nextUpdate_) throw CertificateError("a revocation list needs thisUpdate and nextUpdate");
    if (!issuerKey.matches(issuer.publicKey())) throw CertificateError("the signing key is not the issuer's key");
    X509CrlPtr crl(checked(X509_CRL_new(), "X509_CRL_new"));
    checkOne(X509_CRL_set_version(crl.get(), 1), "X509_CRL_set_version");  // v2
    checkOne(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.native())), "X509_CRL_set_issuer_name");
    checkOne(X509_CRL_set1_lastUpdate(crl.get(), timeOf(*thisUpdate_).get()), "X509_CRL_set1_lastUpdate");
    checkOne(X509_CRL_set1_nextUpdate(crl.get(), timeOf(*nextUpdate_).get()), "X509_CRL_set1_nextUpdate");

    for (const auto& e : entries_) {
        X509RevokedPtr entry(checked(X509_REVOKED_new(), "X509_REVOKED_new"));
        checkOne(X509_REVOKED_set_serialNumber(entry.get(), serialOf(e.serialHex).get()), "X509_REVOKED_set_serialNumber");
        checkOne(X509_REVOKED_set_revocationDate(entry.get(), timeOf(e.when).get()), "X509_REVOKED_set_revocationDate");
        if (e.reason != 0) {
            Asn1EnumeratedPtr code(checked(ASN1_ENUMERATED_new(), "ASN1_ENUMERATED_new"));
            checkOne(ASN1_ENUMERATED_set(code.get(), e.reason), "ASN1_ENUMERATED_set");
            checkOne(X509_REVOKED_add1_ext_i2d(entry.get(), NID_crl_reason, code.get(), 0, X509V3_ADD_DEFAULT),
                     "X509_REVOKED_add1_ext_i2d");
        }
        checkOne(X509_CRL_add0_revoked(crl.get(), entry.get()), "X509_CRL_add0_revoked");
        (void)entry.release();  // the list owns it now
    }
    checkOne(X509_CRL_sort(crl.get()), "X509_CRL_sort");

    Asn1IntegerPtr number(checked(ASN1_INTEGER_new(), "ASN1_INTEGER_new"));
    checkOne(ASN1_INTEGER_set_uint64(number.get(), number_), "ASN1_INTEGER_set_uint64");
    checkOne(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, X509V3_ADD_DEFAULT), "X509_CRL_add1_ext_i2d");
    // the issuer's key identifier (RFC 5280 §5.2.1), as its certificates carry it
    AuthorityKeyIdPtr akid(checked(AUTHORITY_KEYID_new(), "AUTHORITY_KEYID_new"));
    if (const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(issuer.native())) {
        akid->keyid = checked(ASN1_OCTET_STRING_dup(skid), "ASN1_OCTET_STRING_dup");
    } else {
        const std::string id = keyIdentifierOf(issuer.native());
        akid->keyid = checked(ASN1_OCTET_STRING_new(), "ASN1_OCTET_STRING_new");
        checkOne(ASN1_OCTET_STRING_set(akid->keyid, reinterpret_cast<const unsigned char*>(id.data()), static_cast<int>(id.size())),
                 "ASN1_OCTET_STRING_set");
    }
    checkOne(X509_CRL_add1_ext_i2d(crl.get(), NID_authority_key_identifier, akid.get(), 0, X509V3_ADD_DEFAULT),
             "X509_CRL_add1_ext_i2d");

    if (X509_CRL_sign(crl.get(), issuerKey.native(), signatureDigestFor(issuerKey.native())) <= 0)
        throwOpenSslError("X509_CRL_sign");
    return derOf(i2d_X509_CRL, crl.get(), "i2d_X509_CRL");
}

}  // namespace cxxacme
