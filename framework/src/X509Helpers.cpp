// setPublicKey, publicKeyFromSpki and ecPrivateKeyFromDer use EC_KEY/RSA keys, which OpenSSL 3
// marks deprecated but keeps; see the header for why.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "cxxacme/detail/X509Helpers.h"

#include <arpa/inet.h>

#include <climits>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <ctime>

#include <openssl/core_names.h>

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/detail/DerReader.h"

namespace cxxacme::detail {

std::vector<Identifier> identifiersFrom(const GENERAL_NAMES* names) {
    std::vector<Identifier> out;
    if (names == nullptr) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) {
            const ASN1_IA5STRING* s = name->d.dNSName;
            const std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                   static_cast<std::size_t>(ASN1_STRING_length(s)));
            try {
                out.push_back(Identifier::dns(text));
            } catch (const InvalidNameError& e) {
                throw CertificateError(std::string("subjectAltName: ") + e.what());
            }
        } else if (name->type == GEN_IPADD) {
            const ASN1_OCTET_STRING* s = name->d.iPAddress;
            const int len = ASN1_STRING_length(s);
            char text[INET6_ADDRSTRLEN] = {};
            const int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
            if (family == 0 || inet_ntop(family, ASN1_STRING_get0_data(s), text, sizeof text) == nullptr)
                throw CertificateError("subjectAltName: an iPAddress of " + std::to_string(len) + " bytes");
            out.push_back(Identifier{Identifier::Type::Ip, text});
        }
    }
    return out;
}

GeneralNamesPtr generalNamesFrom(const std::vector<Identifier>& identifiers) {
    GeneralNamesPtr names(checked(sk_GENERAL_NAME_new_null(), "sk_GENERAL_NAME_new_null"));
    for (const auto& id : identifiers) {
        GeneralNamePtr name(checked(GENERAL_NAME_new(), "GENERAL_NAME_new"));
        if (id.type == Identifier::Type::Dns) {
            ASN1_IA5STRING* s = checked(ASN1_IA5STRING_new(), "ASN1_IA5STRING_new");
            if (ASN1_STRING_set(s, id.value.data(), static_cast<int>(id.value.size())) != 1) {
                ASN1_IA5STRING_free(s);
                throwOpenSslError("ASN1_STRING_set");
            }
            GENERAL_NAME_set0_value(name.get(), GEN_DNS, s);
        } else {
            const auto bytes = ServerName::addressBytes(id.value);
            if (bytes.empty()) throw InvalidNameError(id.value, "is not an IP address");
            ASN1_OCTET_STRING* s = checked(ASN1_OCTET_STRING_new(), "ASN1_OCTET_STRING_new");
            if (ASN1_OCTET_STRING_set(s, bytes.data(), static_cast<int>(bytes.size())) != 1) {
                ASN1_OCTET_STRING_free(s);
                throwOpenSslError("ASN1_OCTET_STRING_set");
            }
            GENERAL_NAME_set0_value(name.get(), GEN_IPADD, s);
        }
        if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0) throwOpenSslError("sk_GENERAL_NAME_push");
        (void)name.release();
    }
    return names;
}

TimePoint timeFrom(const ASN1_TIME* time) {
    std::tm tm{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) throw CertificateError("unreadable ASN.1 time");
    return timePointFromUnixSeconds(timegm(&tm));
}

void setTime(ASN1_TIME* target, TimePoint time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    if (ASN1_TIME_set(target, t) == nullptr) throwOpenSslError("ASN1_TIME_set");
}

std::string keyIdentifierOf(const X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    checkOne(X509_pubkey_digest(cert, EVP_sha1(), md, &length), "X509_pubkey_digest");
    return std::string(reinterpret_cast<const char*>(md), length);
}

std::string nameText(const X509_NAME* name) {
    BioPtr bio(checked(BIO_new(BIO_s_mem()), "BIO_new"));
    if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) throwOpenSslError("X509_NAME_print_ex");
    return bioContents(bio.get());
}

std::string commonNameOf(const X509_NAME* name) {
    const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index < 0) return {};
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) return {};
    std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    return out;
}

EvpPkeyPtr legacyView(EVP_PKEY* key) {
    const int type = EVP_PKEY_get_base_id(key);
    if (type != EVP_PKEY_EC && type != EVP_PKEY_RSA) return nullptr;
    EvpPkeyPtr view(EVP_PKEY_new());
    if (!view) return nullptr;
    switch (type) {
    case EVP_PKEY_EC: {
        EC_KEY* ec = EVP_PKEY_get1_EC_KEY(key);  // cached by OpenSSL after the first call
        if (ec == nullptr || EVP_PKEY_assign_EC_KEY(view.get(), ec) != 1) {
            EC_KEY_free(ec);
            ERR_clear_error();
            return nullptr;
        }
        return view;
    }
    case EVP_PKEY_RSA: {
        RSA* rsa = EVP_PKEY_get1_RSA(key);
        if (rsa == nullptr || EVP_PKEY_assign_RSA(view.get(), rsa) != 1) {
            RSA_free(rsa);
            ERR_clear_error();
            return nullptr;
        }
        return view;
    }
    default:
        return nullptr;
    }
}

void setPublicKey(X509* cert, EVP_PKEY* key) {
    const EvpPkeyPtr view = legacyView(key);
    checkOne(X509_set_pubkey(cert, view ? view.get() : key), "X509_set_pubkey");
}

void setPublicKey(X509_REQ* request, EVP_PKEY* key) {
    const EvpPkeyPtr view = legacyView(key);
    checkOne(X509_REQ_set_pubkey(request, view ? view.get() : key), "X509_REQ_set_pubkey");
}

namespace {

// DER contents of the object identifiers the fast path knows.
constexpr std::string_view kOidEcPublicKey{"\x2a\x86\x48\xce\x3d\x02\x01", 7};            // 1.2.840.10045.2.1
constexpr std::string_view kOidP256{"\x2a\x86\x48\xce\x3d\x03\x01\x07", 8};                // 1.2.840.10045.3.1.7
constexpr std::string_view kOidP384{"\x2b\x81\x04\x00\x22", 5};                              // 1.3.132.0.34
constexpr std::string_view kOidP521{"\x2b\x81\x04\x00\x23", 5};                              // 1.3.132.0.35
constexpr std::string_view kOidRsaEncryption{"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9};  // 1.2.840.113549.1.1.1
constexpr std::string_view kOidEd25519{"\x2b\x65\x70", 3};                                      // 1.3.101.112

// The NID of a named curve's OID (its DER contents), or NID_undef.
int namedCurve(std::string_view oid) {
    return oid == kOidP256   ? NID_X9_62_prime256v1
           : oid == kOidP384 ? NID_secp384r1
           : oid == kOidP521 ? NID_secp521r1
                             : NID_undef;
}

// The curve's group, made once: a key copies it (~1 µs) where a new group
// costs ~15 µs. EC_KEY_set_group only reads it, so threads may share it.
const EC_GROUP* sharedGroup(int nid) {
    static const struct Groups {
        std::unique_ptr<EC_GROUP, OpenSslDeleter<EC_GROUP_free>> p256{EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)};
        std::unique_ptr<EC_GROUP, OpenSslDeleter<EC_GROUP_free>> p384{EC_GROUP_new_by_curve_name(NID_secp384r1)};
        std::unique_ptr<EC_GROUP, OpenSslDeleter<EC_GROUP_free>> p521{EC_GROUP_new_by_curve_name(NID_secp521r1)};
    } groups;
    const EC_GROUP* group = nid == NID_X9_62_prime256v1 ? groups.p256.get()
                            : nid == NID_secp384r1      ? groups.p384.get()
                                                        : groups.p521.get();
    return checked(group, "EC_GROUP_new_by_curve_name");
}

using EcKeyPtr = std::unique_ptr<EC_KEY, OpenSslDeleter<EC_KEY_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, OpenSslDeleter<EC_POINT_free>>;

// A new EC_KEY on `group` (which it copies).
EcKeyPtr ecKeyOn(const EC_GROUP* group) {
    EcKeyPtr ec(checked(EC_KEY_new(), "EC_KEY_new"));
    checkOne(EC_KEY_set_group(ec.get(), group), "EC_KEY_set_group");
    return ec;
}

// The EC_KEY-backed EVP_PKEY that takes `ec` over.
EvpPkeyPtr keyOf(EcKeyPtr ec) {
    EvpPkeyPtr key(checked(EVP_PKEY_new(), "EVP_PKEY_new"));
    checkOne(EVP_PKEY_assign_EC_KEY(key.get(), ec.get()), "EVP_PKEY_assign_EC_KEY");
    (void)ec.release();  // the EVP_PKEY owns it now
    return key;
}

EvpPkeyPtr publicFromParams(const char* type, OSSL_PARAM_BLD* bld) {
    EvpPkeyPtr key = keyFromParams(type, EVP_PKEY_PUBLIC_KEY, bld);
    if (!key) throw CryptoError(takeOpenSslErrors("not a valid public key"));
    return key;
}

}  // namespace

// An EC public key as an EC_KEY-backed EVP_PKEY on a shared group: ~3 µs
// against ~27 µs for EVP_PKEY_fromdata (a new group each time), and
// setPublicKey then encodes it directly instead of making an EC_KEY view
// (~30 µs, another new group). verifyOnEcKey checks a CSR's signature on the
// EC_KEY itself; an EVP verification exports the key to the provider once.
// EC_KEY_oct2key decodes the point and checks that it lies on the curve.
EvpPkeyPtr ecPublicKey(int nid, std::string_view point) {
    EcKeyPtr ec = ecKeyOn(sharedGroup(nid));
    if (EC_KEY_oct2key(ec.get(), reinterpret_cast<const unsigned char*>(point.data()), point.size(), nullptr) != 1)
        throw CryptoError(takeOpenSslErrors("not a valid public key"));
    return keyOf(std::move(ec));
}

EvpPkeyPtr publicKeyFromSpki(std::string_view spki) {
    DerReader outer(spki, "SubjectPublicKeyInfo");
    const DerElement info = outer.next(DerReader::kSequence);
    outer.expectEnd();
    DerReader fields(info.contents, "SubjectPublicKeyInfo");
    DerReader algorithm(fields.next(DerReader::kSequence).contents, "SubjectPublicKeyInfo algorithm");
    const DerElement bits = fields.next(DerReader::kBitString);
    fields.expectEnd();
    if (bits.contents.empty() || bits.contents[0] != 0) return nullptr;  // unused bits: OpenSSL decides
    const std::string_view key = bits.contents.substr(1);
    const std::string_view oid = algorithm.next(DerReader::kObjectId).contents;

    if (oid == kOidEcPublicKey) {
        if (algorithm.atEnd() || algorithm.peekTag() != DerReader::kObjectId) return nullptr;  // explicit curve
        const std::string_view curve = algorithm.next().contents;
        algorithm.expectEnd();
        const unsigned form = key.empty() ? 0 : static_cast<unsigned char>(key[0]);
        if (form < 2 || form > 4) return nullptr;  // infinity, hybrid: OpenSSL decides
        const int nid = namedCurve(curve);
        if (nid == NID_undef) return nullptr;
        return ecPublicKey(nid, key);
    }
    if (oid == kOidRsaEncryption) {
        if (algorithm.atEnd() || algorithm.peekTag() != DerReader::kNull) return nullptr;
        if (!algorithm.next().contents.empty()) throw CertificateError("SubjectPublicKeyInfo: NULL with contents");
        algorithm.expectEnd();
        DerReader outerKey(key, "RSAPublicKey");
        DerReader numbers(outerKey.next(DerReader::kSequence).contents, "RSAPublicKey");
        outerKey.expectEnd();
        const auto n = nonNegativeInteger(numbers.next(DerReader::kInteger), "SubjectPublicKeyInfo");
        const auto e = nonNegativeInteger(numbers.next(DerReader::kInteger), "SubjectPublicKeyInfo");
        numbers.expectEnd();
        // RFC 8017 §3.1: both are positive integers (OpenSSL 3.0 would take a negative one)
        if (!n || !e || n->empty() || e->empty())
            throw CertificateError("RSAPublicKey: the modulus and the exponent must be positive");
        const BignumPtr nb = bignumFrom(*n), eb = bignumFrom(*e);
        ParamBldPtr bld(checked(OSSL_PARAM_BLD_new(), "OSSL_PARAM_BLD_new"));
        checkOne(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, nb.get()), "OSSL_PARAM_BLD_push_BN");
        checkOne(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, eb.get()), "OSSL_PARAM_BLD_push_BN");
        return publicFromParams("RSA", bld.get());
    }
    if (oid == kOidEd25519) {
        if (!algorithm.atEnd()) return nullptr;  // parameters must be absent (RFC 8410): OpenSSL refuses them
        EVP_PKEY* k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                  reinterpret_cast<const unsigned char*>(key.data()), key.size());
        if (k == nullptr) throw CryptoError(takeOpenSslErrors("not a valid Ed25519 public key"));
        return EvpPkeyPtr(k);
    }
    return nullptr;
}

namespace {

using SecretBignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_clear_free>>;

// The key with scalar `scalar` (big-endian, the curve's length) on `nid`'s
// shared group, its public point computed; `stored`, when given, must be it.
EvpPkeyPtr ecPrivateKey(int nid, std::string_view scalar, std::optional<std::string_view> stored) {
    const EC_GROUP* group = sharedGroup(nid);
    const auto length = static_cast<std::size_t>((EC_GROUP_get_degree(group) + 7) / 8);
    if (scalar.size() != length) return nullptr;  // RFC 5915 fixes the length: OpenSSL decides the rest
    SecretBignumPtr d(checked(BN_secure_new(), "BN_secure_new"));
    BN_set_flags(d.get(), BN_FLG_CONSTTIME);
    checked(BN_bin2bn(reinterpret_cast<const unsigned char*>(scalar.data()), static_cast<int>(scalar.size()), d.get()),
            "BN_bin2bn");
    if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group)) >= 0)
        throw CryptoError("not a valid EC private key: its scalar is out of range for its curve");
    EcKeyPtr ec = ecKeyOn(group);
    checkOne(EC_KEY_set_private_key(ec.get(), d.get()), "EC_KEY_set_private_key");
    if (stored && nid != NID_X9_62_prime256v1) {
        // d·G takes OpenSSL's generic code ~0.7 ms on P-384: the stored point is
        // taken as OpenSSL's own reader takes it, once it is on the curve
        if (EC_KEY_oct2key(ec.get(), reinterpret_cast<const unsigned char*>(stored->data()), stored->size(), nullptr) != 1) {
            ERR_clear_error();
            throw CryptoError("not a valid EC private key: its stored public key is not a point on its curve");
        }
    } else {
        EcPointPtr q(checked(EC_POINT_new(group), "EC_POINT_new"));
        checkOne(EC_POINT_mul(group, q.get(), d.get(), nullptr, nullptr, nullptr), "EC_POINT_mul");
        if (stored) {
            EcPointPtr p(checked(EC_POINT_new(group), "EC_POINT_new"));
            if (EC_POINT_oct2point(group, p.get(), reinterpret_cast<const unsigned char*>(stored->data()),
                                   stored->size(), nullptr) != 1 ||
                EC_POINT_cmp(group, p.get(), q.get(), nullptr) != 0) {
                ERR_clear_error();
                throw CryptoError("not a valid EC private key: its stored public key does not belong to its scalar");
            }
        }
        checkOne(EC_KEY_set_public_key(ec.get(), q.get()), "EC_KEY_set_public_key");
    }
    return keyOf(std::move(ec));
}

// An ECPrivateKey (RFC 5915), alone (SEC1: its [0] must name the curve) or
// inside PKCS#8 (`nid` from the AlgorithmIdentifier; a [0] must agree).
EvpPkeyPtr fromEcPrivateKey(std::string_view der, int nid) {
    DerReader outer(der, "ECPrivateKey");
    DerReader fields(outer.next(DerReader::kSequence).contents, "ECPrivateKey");
    outer.expectEnd();
    if (fields.next(DerReader::kInteger).contents != std::string_view("\1", 1)) return nullptr;
    const std::string_view scalar = fields.next(DerReader::kOctetString).contents;
    if (!fields.atEnd() && fields.peekTag() == DerReader::contextConstructed(0)) {
        DerReader parameters(fields.next().contents, "ECPrivateKey parameters");
        if (parameters.atEnd() || parameters.peekTag() != DerReader::kObjectId) return nullptr;  // explicit curve
        const int named = namedCurve(parameters.next().contents);
        parameters.expectEnd();
        if (named == NID_undef || (nid != NID_undef && named != nid)) return nullptr;
        nid = named;
    }
    std::optional<std::string_view> stored;
    if (!fields.atEnd() && fields.peekTag() == DerReader::contextConstructed(1)) {
        DerReader publicKey(fields.next().contents, "ECPrivateKey publicKey");
        const DerElement bits = publicKey.next(DerReader::kBitString);
        publicKey.expectEnd();
        if (bits.contents.empty() || bits.contents[0] != 0) return nullptr;
        stored = bits.contents.substr(1);
    }
    if (!fields.atEnd() || nid == NID_undef) return nullptr;
    return ecPrivateKey(nid, scalar, stored);
}

}  // namespace

EvpPkeyPtr ecPrivateKeyFromDer(std::string_view der) {
    try {
        DerReader outer(der, "private key");
        DerReader fields(outer.next(DerReader::kSequence).contents, "private key");
        outer.expectEnd();
        const std::string_view version = fields.next(DerReader::kInteger).contents;
        if (version == std::string_view("\1", 1)) return fromEcPrivateKey(der, NID_undef);  // SEC1
        if (version != std::string_view("\0", 1)) return nullptr;                              // not OpenSSL's forms
        DerReader algorithm(fields.next(DerReader::kSequence).contents, "PrivateKeyInfo algorithm");
        if (algorithm.next(DerReader::kObjectId).contents != kOidEcPublicKey) return nullptr;
        if (algorithm.atEnd() || algorithm.peekTag() != DerReader::kObjectId) return nullptr;  // explicit curve
        const int nid = namedCurve(algorithm.next().contents);
        algorithm.expectEnd();
        const DerElement inner = fields.next(DerReader::kOctetString);
        if (nid == NID_undef || !fields.atEnd()) return nullptr;  // another curve; attributes
        return fromEcPrivateKey(inner.contents, nid);
    } catch (const CertificateError&) {
        return nullptr;  // not DER as expected: OpenSSL's path says what it is
    }
}

std::pair<BignumPtr, BignumPtr> ecPublicCoordinates(EVP_PKEY* key) {
    if (EVP_PKEY_get0_provider(key) != nullptr) {  // a provider key
        BIGNUM* rawX = nullptr;
        BIGNUM* rawY = nullptr;
        checkOne(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &rawX), "reading key parameter qx");
        BignumPtr x(rawX);
        checkOne(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &rawY), "reading key parameter qy");
        return {std::move(x), BignumPtr(rawY)};
    }
    const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(key);  // an EC_KEY-backed key: its own, no copy
    const EC_POINT* point = ec ? EC_KEY_get0_public_key(ec) : nullptr;
    if (point == nullptr) throwOpenSslError("reading an EC public key");
    BignumPtr x(checked(BN_new(), "BN_new")), y(checked(BN_new(), "BN_new"));
    checkOne(EC_POINT_get_affine_coordinates(EC_KEY_get0_group(ec), point, x.get(), y.get(), nullptr),
             "EC_POINT_get_affine_coordinates");
    return {std::move(x), std::move(y)};
}

std::optional<bool> verifyOnEcKey(EVP_PKEY* key, const EVP_MD* md, std::string_view data, std::string_view signature) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get0_provider(key) != nullptr || md == nullptr)
        return std::nullopt;
    const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(key);
    if (ec == nullptr) return std::nullopt;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digestLength = 0;
    // ECDSA_verify takes only DER that it would write itself, as the EVP path does
    const bool ok = EVP_Digest(data.data(), data.size(), digest, &digestLength, fetchedDigest(md), nullptr) == 1 &&
                    ECDSA_verify(0, digest, static_cast<int>(digestLength),
                                 reinterpret_cast<const unsigned char*>(signature.data()), static_cast<int>(signature.size()),
                                 const_cast<EC_KEY*>(ec)) == 1;
    ERR_clear_error();
    return ok;
}

std::optional<std::string> signOnEcKey(EVP_PKEY* key, const EVP_MD* md, std::string_view data, std::size_t half) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || md == nullptr) return std::nullopt;
    const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(key);  // made once for a provider key, then kept with it
    if (ec == nullptr) {
        ERR_clear_error();
        return std::nullopt;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digestLength = 0;
    checkOne(EVP_Digest(data.data(), data.size(), digest, &digestLength, fetchedDigest(md), nullptr), "EVP_Digest");
    std::unique_ptr<ECDSA_SIG, OpenSslDeleter<ECDSA_SIG_free>> sig(
        ECDSA_do_sign(digest, static_cast<int>(digestLength), const_cast<EC_KEY*>(ec)));
    if (!sig) throw CryptoError(takeOpenSslErrors("ECDSA_do_sign"));
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    std::string raw(2 * half, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(r, out, static_cast<int>(half)) < 0 || BN_bn2binpad(s, out + half, static_cast<int>(half)) < 0)
        throw CryptoError("ECDSA signature wider than the curve");
    return raw;
}

}  // namespace cxxacme::detail
