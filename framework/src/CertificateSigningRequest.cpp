#include "cxxacme/CertificateSigningRequest.h"

#include <climits>
#include <mutex>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/DerReader.h"
#include "cxxacme/detail/X509Helpers.h"

namespace cxxacme {

using namespace detail;

namespace {

struct AlgorithmDeleter {
    void operator()(X509_ALGOR* a) const noexcept { X509_ALGOR_free(a); }
};
struct AttributeDeleter {
    void operator()(X509_ATTRIBUTE* a) const noexcept { X509_ATTRIBUTE_free(a); }
};

template <typename T, T* (*D2i)(T**, const unsigned char**, long)>
T* d2iWhole(std::string_view der, const char* what) {
    ERR_clear_error();  // as Certificate::fromPem: this failure's errors alone in its message
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    T* out = D2i(nullptr, &p, static_cast<long>(der.size()));
    if (out == nullptr) throw CertificateError(takeOpenSslErrors(std::string("certificate request: unreadable ") + what));
    return out;
}

}  // namespace

// RFC 2986 §4: CertificationRequest ::= SEQUENCE { certificationRequestInfo,
// signatureAlgorithm, signature BIT STRING }, the info being SEQUENCE {
// version 0, subject Name, subjectPKInfo, attributes [0] }. The layers are
// read here; the parts without a key (name, algorithm, attributes) by
// OpenSSL's own d2i functions.
struct CertificateSigningRequest::Parts {
    std::string der;
    int version = 0;
    std::size_t infoOffset = 0, infoSize = 0;  // certificationRequestInfo, what the signature covers
    std::unique_ptr<X509_ALGOR, AlgorithmDeleter> signatureAlgorithm;
    std::string signature;
    X509NamePtr subject;
    std::optional<PublicKey> key;
    ExtensionStackPtr extensions;  // of the extensionRequest attribute; null when there is none

    mutable std::mutex nativeLock;
    mutable X509ReqPtr native;

    std::string_view info() const { return std::string_view(der).substr(infoOffset, infoSize); }
};

std::shared_ptr<CertificateSigningRequest::Parts> CertificateSigningRequest::parse(std::string der) {
    if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX))
        throw CertificateError("not a DER certificate request: empty or too large");
    auto parts = std::make_shared<Parts>();
    parts->der = std::move(der);
    const std::string_view all(parts->der);
    const std::string what = "not a DER certificate request";

    DerReader outer(all, what);
    DerReader request(outer.next(DerReader::kSequence).contents, what);
    outer.expectEnd();
    const DerElement info = request.next(DerReader::kSequence);
    parts->infoOffset = static_cast<std::size_t>(info.whole.data() - all.data());
    parts->infoSize = info.whole.size();
    const DerElement algorithm = request.next(DerReader::kSequence);
    const DerElement signature = request.next(DerReader::kBitString);
    request.expectEnd();
    if (signature.contents.empty() || signature.contents[0] != 0)
        throw CertificateError(what + ": the signature has unused bits");
    parts->signature.assign(signature.contents.substr(1));
    parts->signatureAlgorithm.reset(d2iWhole<X509_ALGOR, d2i_X509_ALGOR>(algorithm.whole, "signature algorithm"));

    DerReader fields(info.contents, what);
    // 0; or 1 or 2, which Let's Encrypt takes and old clients wrote (a one-byte DER integer)
    const std::string_view version = fields.next(DerReader::kInteger).contents;
    if (version.size() != 1 || static_cast<unsigned char>(version[0]) > 2)
        throw CertificateError(what + ": version is not 0 (v1), nor the 1 or 2 that clients have written");
    parts->version = static_cast<unsigned char>(version[0]);
    parts->subject.reset(d2iWhole<X509_NAME, d2i_X509_NAME>(fields.next(DerReader::kSequence).whole, "subject"));
    const DerElement spki = fields.next(DerReader::kSequence);
    try {
        parts->key = PublicKey::fromDer(spki.whole);
    } catch (const CryptoError& e) {
        throw CertificateError(std::string("certificate request: unreadable public key: ") + e.what());
    }
    if (!fields.atEnd()) {
        DerReader attributes(fields.next(DerReader::contextConstructed(0)).contents, what);
        while (!attributes.atEnd()) {
            std::unique_ptr<X509_ATTRIBUTE, AttributeDeleter> attribute(
                d2iWhole<X509_ATTRIBUTE, d2i_X509_ATTRIBUTE>(attributes.next(DerReader::kSequence).whole, "attribute"));
            const int nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(attribute.get()));
            if (nid != NID_ext_req && nid != NID_ms_ext_req) continue;
            // two extension requests would let two readers see two sets of names
            if (parts->extensions) throw CertificateError(what + ": more than one extensionRequest attribute");
            const ASN1_TYPE* value = X509_ATTRIBUTE_count(attribute.get()) == 1
                                         ? X509_ATTRIBUTE_get0_type(attribute.get(), 0)
                                         : nullptr;
            if (value == nullptr || value->type != V_ASN1_SEQUENCE)
                throw CertificateError(what + ": extensionRequest is not one Extensions sequence");
            const ASN1_STRING* seq = value->value.sequence;
            parts->extensions.reset(d2iWhole<STACK_OF(X509_EXTENSION), d2i_X509_EXTENSIONS>(
                std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(seq)),
                                 static_cast<std::size_t>(ASN1_STRING_length(seq))),
                "extensionRequest"));
        }
    }
    fields.expectEnd();
    return parts;
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
    auto parts = parse(derOf(i2d_X509_REQ, req.get(), "i2d_X509_REQ"));
    parts->native = std::move(req);
    return CertificateSigningRequest(std::move(parts));
}

CertificateSigningRequest CertificateSigningRequest::fromPem(std::string_view pem) {
    ERR_clear_error();  // as Certificate::fromPem
    auto bio = memoryBio(pem);
    X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    if (!req) throw CertificateError(takeOpenSslErrors("not a PEM certificate request"));
    auto parts = parse(derOf(i2d_X509_REQ, req.get(), "i2d_X509_REQ"));
    parts->native = std::move(req);
    return CertificateSigningRequest(std::move(parts));
}

CertificateSigningRequest CertificateSigningRequest::fromDer(std::string_view der) {
    return CertificateSigningRequest(parse(std::string(der)));
}

X509_REQ* CertificateSigningRequest::native() const {
    const std::lock_guard lock(parts_->nativeLock);
    if (!parts_->native) {
        const auto* p = reinterpret_cast<const unsigned char*>(parts_->der.data());
        parts_->native.reset(d2i_X509_REQ(nullptr, &p, static_cast<long>(parts_->der.size())));
        if (!parts_->native) throw CertificateError(takeOpenSslErrors("certificate request: OpenSSL cannot read it"));
    }
    return parts_->native.get();
}

std::string CertificateSigningRequest::toPem() const {
    return pemOf(PEM_write_bio_X509_REQ, native(), "PEM_write_bio_X509_REQ");
}

std::string CertificateSigningRequest::toDer() const { return parts_->der; }

std::vector<Identifier> CertificateSigningRequest::identifiers() const {
    if (!parts_->extensions) return {};
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509V3_get_d2i(parts_->extensions.get(), NID_subject_alt_name, nullptr, nullptr)));
    ERR_clear_error();
    return identifiersFrom(names.get());
}

std::vector<std::string> CertificateSigningRequest::otherAltNames() const {
    if (!parts_->extensions) return {};
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509V3_get_d2i(parts_->extensions.get(), NID_subject_alt_name, nullptr, nullptr)));
    ERR_clear_error();
    std::vector<std::string> out;
    const auto text = [](const ASN1_STRING* s) {
        return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
    };
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
        switch (name->type) {
            case GEN_DNS:
            case GEN_IPADD: break;
            case GEN_EMAIL: out.push_back("email:" + text(name->d.rfc822Name)); break;
            case GEN_URI: out.push_back("URI:" + text(name->d.uniformResourceIdentifier)); break;
            case GEN_OTHERNAME: out.emplace_back("otherName"); break;
            case GEN_X400: out.emplace_back("x400Address"); break;
            case GEN_DIRNAME: out.emplace_back("directoryName"); break;
            case GEN_EDIPARTY: out.emplace_back("ediPartyName"); break;
            default: out.emplace_back("registeredID"); break;
        }
    }
    return out;
}

std::vector<int> CertificateSigningRequest::tlsFeatures() const {
    if (!parts_->extensions) return {};
    const STACK_OF(X509_EXTENSION)* extensions = parts_->extensions.get();
    const int at = X509v3_get_ext_by_NID(extensions, NID_tlsfeature, -1);
    if (at < 0) return {};
    if (X509v3_get_ext_by_NID(extensions, NID_tlsfeature, at) >= 0)
        throw CertificateError("certificate request: more than one TLS feature extension");
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509v3_get_ext(extensions, at));
    // RFC 7633 §4: Features ::= SEQUENCE OF INTEGER, each a TLS extension's number
    const std::string what = "certificate request: unreadable TLS feature extension";
    DerReader value(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                                     static_cast<std::size_t>(ASN1_STRING_length(data))),
                    what);
    DerReader items(value.next(DerReader::kSequence).contents, what);
    value.expectEnd();
    std::vector<int> out;
    while (!items.atEnd()) {
        const DerElement integer = items.next(DerReader::kInteger);
        std::optional<std::string_view> magnitude;
        try {
            magnitude = nonNegativeInteger(integer, what);
        } catch (const CertificateError&) {  // not in its shortest form: no number at all
        }
        if (!magnitude || magnitude->size() > 2)  // 0..65535
            throw CertificateError("certificate request: a TLS feature that is not a TLS extension number (0..65535)");
        int number = 0;
        for (const char c : *magnitude) number = number * 256 + static_cast<unsigned char>(c);
        out.push_back(number);
    }
    return out;
}

std::string CertificateSigningRequest::commonName() const { return commonNameOf(parts_->subject.get()); }

int CertificateSigningRequest::version() const { return parts_->version; }

std::string CertificateSigningRequest::signatureAlgorithm() const {
    char name[128] = {};
    const int length = OBJ_obj2txt(name, sizeof name, parts_->signatureAlgorithm->algorithm, 0);
    if (length <= 0 || static_cast<std::size_t>(length) >= sizeof name) return "an unreadable algorithm";
    return name;
}

PublicKey CertificateSigningRequest::publicKey() const { return *parts_->key; }

bool CertificateSigningRequest::verifySignature() const {
    EVP_PKEY* key = parts_->key->native();
    int digestNid = NID_undef, keyNid = NID_undef;
    const int algorithmNid = OBJ_obj2nid(parts_->signatureAlgorithm->algorithm);
    // The common algorithms (ECDSA, RSA PKCS#1 v1.5, Ed25519) directly; any
    // other (RSA-PSS, ...) the way OpenSSL verifies a request it has read.
    if (!OBJ_find_sigid_algs(algorithmNid, &digestNid, &keyNid) || keyNid != EVP_PKEY_get_base_id(key) ||
        algorithmNid == NID_rsassaPss) {
        try {
            const bool ok = X509_REQ_verify(native(), key) == 1;
            ERR_clear_error();
            return ok;
        } catch (const CertificateError&) {
            return false;  // OpenSSL cannot read it: not a signature it can check
        }
    }
    const EVP_MD* md = digestNid == NID_undef ? nullptr : EVP_get_digestbynid(digestNid);
    if (digestNid != NID_undef && md == nullptr) return false;
    const std::string_view info = parts_->info();
    if (const auto ok = detail::verifyOnEcKey(key, md, info, parts_->signature)) return *ok;
    EvpMdCtxPtr ctx(checked(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
    const bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
                    EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(parts_->signature.data()),
                                     parts_->signature.size(), reinterpret_cast<const unsigned char*>(info.data()),
                                     info.size()) == 1;
    ERR_clear_error();
    return ok;
}

}  // namespace cxxacme
