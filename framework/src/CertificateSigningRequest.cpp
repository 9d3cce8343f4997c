#include "cxxacme/CertificateSigningRequest.h"

#include <climits>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/X509Helpers.h"

namespace cxxacme {

using namespace detail;

namespace {
constexpr std::size_t kMaxCommonName = 64;  // RFC 5280 ub-common-name
}

CertificateSigningRequest CertificateSigningRequest::create(const PrivateKey& key,
                                                            const std::vector<Identifier>& identifiers) {
    if (identifiers.empty()) throw CertificateError("a CSR needs at least one identifier");
    X509ReqPtr req(checked(X509_REQ_new(), "X509_REQ_new"));
    checkOne(X509_REQ_set_version(req.get(), 0), "X509_REQ_set_version");

    X509_NAME* subject = X509_REQ_get_subject_name(req.get());
    for (const auto& id : identifiers) {
        if (id.type == Identifier::Type::Dns && id.value.size() <= kMaxCommonName) {
            checkOne(X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                                reinterpret_cast<const unsigned char*>(id.value.c_str()), -1, -1, 0),
                     "X509_NAME_add_entry_by_NID");
            break;
        }
    }

    auto names = generalNamesFrom(identifiers);
    ExtensionStackPtr extensions(checked(sk_X509_EXTENSION_new_null(), "sk_X509_EXTENSION_new_null"));
    STACK_OF(X509_EXTENSION)* raw = extensions.get();
    checkOne(X509V3_add1_i2d(&raw, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT), "X509V3_add1_i2d");
    checkOne(X509_REQ_add_extensions(req.get(), extensions.get()), "X509_REQ_add_extensions");
    detail::setPublicKey(req.get(), key.native());
    if (X509_REQ_sign(req.get(), key.native(), signatureDigestFor(key.native())) <= 0)
        throwOpenSslError("X509_REQ_sign");
    return CertificateSigningRequest(std::shared_ptr<X509_REQ>(req.release(), X509_REQ_free));
}

CertificateSigningRequest CertificateSigningRequest::fromPem(std::string_view pem) {
    auto bio = memoryBio(pem);
    X509_REQ* req = PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr);
    if (req == nullptr) throw CertificateError(takeOpenSslErrors("not a PEM certificate request"));
    return CertificateSigningRequest(std::shared_ptr<X509_REQ>(req, X509_REQ_free));
}

CertificateSigningRequest CertificateSigningRequest::fromDer(std::string_view der) {
    if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX))
        throw CertificateError("not a DER certificate request: empty or too large");
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509_REQ* req = d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size()));
    if (req == nullptr) throw CertificateError(takeOpenSslErrors("not a DER certificate request"));
    if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
        X509_REQ_free(req);
        throw CertificateError("trailing bytes after the DER certificate request");
    }
    return CertificateSigningRequest(std::shared_ptr<X509_REQ>(req, X509_REQ_free));
}

std::string CertificateSigningRequest::toPem() const {
    return pemOf(PEM_write_bio_X509_REQ, req_.get(), "PEM_write_bio_X509_REQ");
}

std::string CertificateSigningRequest::toDer() const { return derOf(i2d_X509_REQ, req_.get(), "i2d_X509_REQ"); }

std::vector<Identifier> CertificateSigningRequest::identifiers() const {
    ExtensionStackPtr extensions(X509_REQ_get_extensions(req_.get()));
    ERR_clear_error();
    if (!extensions) return {};
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509V3_get_d2i(extensions.get(), NID_subject_alt_name, nullptr, nullptr)));
    return identifiersFrom(names.get());
}

std::string CertificateSigningRequest::commonName() const {
    return commonNameOf(X509_REQ_get_subject_name(req_.get()));
}

PublicKey CertificateSigningRequest::publicKey() const {
    EVP_PKEY* key = X509_REQ_get_pubkey(req_.get());
    if (key == nullptr) throw CertificateError(takeOpenSslErrors("certificate request public key"));
    return PublicKey::adopt(key);
}

bool CertificateSigningRequest::verifySignature() const {
    EVP_PKEY* key = X509_REQ_get0_pubkey(req_.get());
    const bool ok = key != nullptr && X509_REQ_verify(req_.get(), key) == 1;
    ERR_clear_error();
    return ok;
}

}  // namespace cxxacme
