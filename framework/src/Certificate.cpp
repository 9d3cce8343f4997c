#include "cxxacme/Certificate.h"

#include <array>
#include <climits>
#include <mutex>
#include <optional>
#include <utility>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/X509Helpers.h"

namespace cxxacme {

using namespace detail;

Certificate Certificate::adopt(X509* cert) {
    if (cert == nullptr) throw CertificateError("Certificate::adopt: null certificate");
    return Certificate(std::shared_ptr<X509>(cert, X509_free));
}

namespace {

// OpenSSL 3.0 decodes the public key of every certificate it parses through
// its provider decoders, which it sets up anew each time: about 100 µs here,
// as much as two ES256 verifications. A CA's certificate is parsed again and
// again (every chain one issuer sends, every stored bundle of a fleet), so
// the last few CA certificates parsed are kept and given out again for the
// same DER. Certificates are immutable values that already share their
// handle between copies; this shares it between parses of the same bytes.
class CaCertificateCache {
public:
    std::shared_ptr<X509> find(std::string_view der) {
        std::lock_guard lock(mutex_);
        for (const auto& [bytes, cert] : slots_)
            if (cert && bytes == der) return cert;
        return nullptr;
    }

    void keep(std::string_view der, std::shared_ptr<X509> cert) {
        std::lock_guard lock(mutex_);
        slots_[next_] = {std::string(der), std::move(cert)};
        next_ = (next_ + 1) % slots_.size();
    }

private:
    std::mutex mutex_;
    std::array<std::pair<std::string, std::shared_ptr<X509>>, 16> slots_;
    std::size_t next_ = 0;
};

CaCertificateCache& caCertificates() {
    static CaCertificateCache* const cache = new CaCertificateCache;  // never destroyed: parses may run at exit
    return *cache;
}

// The next CERTIFICATE block's DER, as PEM_read_bio_X509 finds it (other
// blocks passed over); nullopt at the end or at a block that does not
// decode, OpenSSL's errors left queued.
std::optional<std::string> nextCertificateDer(BIO* bio) {
    char* name = nullptr;
    unsigned char* data = nullptr;
    long length = 0;
    if (PEM_bytes_read_bio(&data, &length, &name, PEM_STRING_X509, bio, nullptr, nullptr) != 1) return std::nullopt;
    std::string der(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length));
    OPENSSL_free(name);
    OPENSSL_free(data);
    return der;
}

}  // namespace

Certificate Certificate::fromPem(std::string_view pem) {
    // The readers start on an empty error queue: it is per thread and outlives the call
    // that filled it, and an error some other code left there would end up in this
    // failure's message.
    ERR_clear_error();
    auto bio = memoryBio(pem);
    const auto der = nextCertificateDer(bio.get());
    if (!der) throw CertificateError(takeOpenSslErrors("not a PEM certificate"));
    try {
        return fromDer(*der);
    } catch (const CertificateError& e) {
        throw CertificateError(std::string("not a PEM certificate: ") + e.what());
    }
}

std::vector<Certificate> Certificate::chainFromPem(std::string_view pem) {
    ERR_clear_error();  // see fromPem
    auto bio = memoryBio(pem);
    std::vector<Certificate> chain;
    while (const auto der = nextCertificateDer(bio.get())) {
        try {
            chain.push_back(fromDer(*der));
        } catch (const CertificateError& e) {
            throw CertificateError("malformed certificate " + std::to_string(chain.size() + 1) + " in chain: " + e.what());
        }
    }
    const unsigned long err = ERR_peek_last_error();
    if (ERR_GET_REASON(err) == PEM_R_NO_START_LINE && !chain.empty()) ERR_clear_error();
    if (chain.empty()) throw CertificateError(takeOpenSslErrors("no PEM certificate found"));
    if (ERR_peek_error() != 0) throw CertificateError(takeOpenSslErrors("malformed certificate in chain"));
    // OpenSSL stops quietly at a block whose END line it never finds: a chain cut short
    // would read as a shorter chain. Every certificate block must have been read.
    constexpr std::string_view kBlock = "-----BEGIN CERTIFICATE-----";
    std::size_t blocks = 0;
    for (std::size_t at = pem.find(kBlock); at != std::string_view::npos; at = pem.find(kBlock, at + 1))
        if (at == 0 || pem[at - 1] == '\n') ++blocks;
    if (blocks > chain.size())
        throw CertificateError("certificate " + std::to_string(chain.size() + 1) + " of " + std::to_string(blocks) +
                               " in the chain is truncated or malformed");
    return chain;
}

Certificate Certificate::fromDer(std::string_view der) {
    if (der.size() > static_cast<std::size_t>(LONG_MAX)) throw CertificateError("certificate too large");
    if (auto cached = caCertificates().find(der)) return Certificate(std::move(cached));
    ERR_clear_error();  // see fromPem
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (cert == nullptr) throw CertificateError(takeOpenSslErrors("not a DER certificate"));
    if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
        X509_free(cert);
        throw CertificateError("trailing bytes after the DER certificate");
    }
    Certificate parsed = adopt(cert);
    if (X509_check_ca(cert) > 0) caCertificates().keep(der, parsed.cert_);
    ERR_clear_error();  // X509_check_ca may leave notes on extensions it could not read
    return parsed;
}

std::string Certificate::toPem() const { return pemText("CERTIFICATE", toDer()); }

std::string Certificate::toDer() const { return derOf(i2d_X509, cert_.get(), "i2d_X509"); }

TimePoint Certificate::notBefore() const { return timeFrom(X509_get0_notBefore(cert_.get())); }
TimePoint Certificate::notAfter() const { return timeFrom(X509_get0_notAfter(cert_.get())); }

std::vector<Identifier> Certificate::subjectAltNames() const {
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert_.get(), NID_subject_alt_name, nullptr, nullptr)));
    return identifiersFrom(names.get());
}

std::string Certificate::serialHex() const {
    BignumPtr bn(checked(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr), "serial"));
    char* hex = checked(BN_bn2hex(bn.get()), "BN_bn2hex");
    std::string out(hex);
    OPENSSL_free(hex);
    return out;
}

std::string Certificate::serialBytes() const {
    BignumPtr bn(checked(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr), "serial"));
    std::string out(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
    BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
    // DER INTEGER encoding keeps a leading zero byte for a positive number
    // whose high bit is set; ARI (RFC 9773 §4.1) uses those DER bytes.
    if (!out.empty() && (static_cast<unsigned char>(out[0]) & 0x80)) out.insert(out.begin(), '\0');
    return out;
}

std::string Certificate::subject() const { return nameText(X509_get_subject_name(cert_.get())); }
std::string Certificate::issuer() const { return nameText(X509_get_issuer_name(cert_.get())); }
std::string Certificate::commonName() const { return commonNameOf(X509_get_subject_name(cert_.get())); }

PublicKey Certificate::publicKey() const {
    EVP_PKEY* key = X509_get_pubkey(cert_.get());
    if (key == nullptr) throw CertificateError(takeOpenSslErrors("certificate public key"));
    return PublicKey::adopt(key);
}

std::optional<std::string> Certificate::authorityKeyId() const {
    // The extension alone: X509_get0_authority_key_id would first work out
    // (and cache) every extension and a SHA-1 of the whole certificate.
    int critical = 0;
    std::unique_ptr<AUTHORITY_KEYID, decltype(&AUTHORITY_KEYID_free)> akid(
        static_cast<AUTHORITY_KEYID*>(X509_get_ext_d2i(cert_.get(), NID_authority_key_identifier, &critical, nullptr)),
        &AUTHORITY_KEYID_free);
    ERR_clear_error();  // absent or unreadable: not this call's failure to report later
    if (!akid || akid->keyid == nullptr) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(akid->keyid)),
                       static_cast<std::size_t>(ASN1_STRING_length(akid->keyid)));
}

bool Certificate::isCa() const { return X509_check_ca(cert_.get()) > 0; }

std::optional<Certificate::Extension> Certificate::extension(std::string_view oid) const {
    Asn1ObjectPtr object(OBJ_txt2obj(std::string(oid).c_str(), 1));
    if (!object) throw CertificateError(takeOpenSslErrors("invalid OID \"" + std::string(oid) + "\""));
    const int index = X509_get_ext_by_OBJ(cert_.get(), object.get(), -1);
    if (index < 0) return std::nullopt;
    X509_EXTENSION* ext = X509_get_ext(cert_.get(), index);
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
    return Extension{std::string(oid), X509_EXTENSION_get_critical(ext) == 1,
                     std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                                 static_cast<std::size_t>(ASN1_STRING_length(data)))};
}

void Certificate::verifyChain(const std::vector<Certificate>& intermediates, const std::vector<Certificate>& roots,
                              std::optional<TimePoint> at) const {
    if (roots.empty()) throw CertificateError("no trusted root given");
    X509StorePtr store(checked(X509_STORE_new(), "X509_STORE_new"));
    for (const auto& root : roots) checkOne(X509_STORE_add_cert(store.get(), root.native()), "X509_STORE_add_cert");
    X509StackPtr untrusted(checked(sk_X509_new_null(), "sk_X509_new_null"));
    for (const auto& cert : intermediates) {
        if (X509_up_ref(cert.native()) != 1) throwOpenSslError("X509_up_ref");
        if (sk_X509_push(untrusted.get(), cert.native()) <= 0) {
            X509_free(cert.native());
            throwOpenSslError("sk_X509_push");
        }
    }
    X509StoreCtxPtr ctx(checked(X509_STORE_CTX_new(), "X509_STORE_CTX_new"));
    checkOne(X509_STORE_CTX_init(ctx.get(), store.get(), cert_.get(), untrusted.get()), "X509_STORE_CTX_init");
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    if (at) X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(*at));
    if (X509_verify_cert(ctx.get()) != 1) {
        const int err = X509_STORE_CTX_get_error(ctx.get());
        ERR_clear_error();
        throw CertificateError(std::string("certificate chain does not verify: ") +
                               X509_verify_cert_error_string(err));
    }
}

bool Certificate::isIssuedBy(const Certificate& issuer) const {
    if (X509_check_issued(issuer.native(), cert_.get()) != X509_V_OK) return false;
    EVP_PKEY* key = X509_get0_pubkey(issuer.native());
    const bool verified = key && X509_verify(cert_.get(), key) == 1;
    ERR_clear_error();
    return verified;
}

bool Certificate::operator==(const Certificate& other) const {
    return X509_cmp(cert_.get(), other.cert_.get()) == 0;
}

}  // namespace cxxacme
