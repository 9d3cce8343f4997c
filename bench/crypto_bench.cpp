// Key generation, CSR creation, reading and writing a PEM key, JWS sign and verify: cxxacme's wrappers
// beside raw OpenSSL EVP doing the same primitive, in the same run.
//
//   build/bench/crypto_bench [--seconds-per-round 0.3] [--rounds 7]
//
// Each figure is the median of R rounds; wrapper and raw rounds alternate so
// that drift on a noisy machine hits both alike. "ratio" is wrapper/raw
// throughput (1.00 = no overhead).

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/FlattenedJws.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/PrivateKey.h"

using namespace cxxacme;
using Clock = std::chrono::steady_clock;

namespace {

double secondsPerRound = 0.3;
int rounds = 7;

// Operations per second over one round of at least `secondsPerRound`.
double measureRound(const std::function<void()>& op) {
    std::size_t n = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
        op();
        ++n;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < secondsPerRound);
    return static_cast<double>(n) / elapsed;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void compare(const std::string& what, const std::function<void()>& wrapper, const std::function<void()>& raw) {
    wrapper();
    raw();  // warm up
    std::vector<double> w, r;
    for (int i = 0; i < rounds; ++i) {
        w.push_back(measureRound(wrapper));
        r.push_back(measureRound(raw));
    }
    const double mw = median(w), mr = median(r);
    std::printf("%-34s %12.1f %12.1f %8.3f\n", what.c_str(), mw, mr, mw / mr);
    std::fflush(stdout);
}

EVP_PKEY* rawKeygen(KeyType type) {
    switch (type) {
    case KeyType::EcP256: return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    case KeyType::EcP384: return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    case KeyType::Rsa2048: return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
    case KeyType::Ed25519: return EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    default: std::abort();
    }
}

// The CSR cxxacme builds, written directly against OpenSSL.
void rawCsr(EVP_PKEY* key, const EVP_MD* md) {
    X509_REQ* req = X509_REQ_new();
    X509_REQ_set_version(req, 0);
    X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req), NID_commonName, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>("bench.example"), -1, -1, 0);
    GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
    GENERAL_NAME* name = GENERAL_NAME_new();
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    ASN1_STRING_set(s, "bench.example", -1);
    GENERAL_NAME_set0_value(name, GEN_DNS, s);
    sk_GENERAL_NAME_push(names, name);
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    X509V3_add1_i2d(&exts, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT);
    X509_REQ_add_extensions(req, exts);
    X509_REQ_set_pubkey(req, key);
    X509_REQ_sign(req, key, md);
    unsigned char* der = nullptr;
    i2d_X509_REQ(req, &der);
    OPENSSL_free(der);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    GENERAL_NAMES_free(names);
    X509_REQ_free(req);
}

std::string rawSign(EVP_PKEY* key, const EVP_MD* md, const std::string& input) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, md, nullptr, key);
    size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    return sig;
}

bool rawVerify(EVP_PKEY* key, const EVP_MD* md, const std::string& input, const std::string& sig) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key);
    const int rc = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                                    reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    return rc == 1;
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--seconds-per-round") secondsPerRound = std::atof(argv[i + 1]);
        else if (arg == "--rounds") rounds = std::atoi(argv[i + 1]);
    }
    std::printf("median of %d rounds of %.2f s each, operations per second\n", rounds, secondsPerRound);
    std::printf("%-34s %12s %12s %8s\n", "operation", "cxxacme", "raw EVP", "ratio");

    struct Alg {
        KeyType type;
        const char* name;
        const EVP_MD* md;
    };
    const Alg algs[] = {{KeyType::EcP256, "ES256/P-256", EVP_sha256()},
                        {KeyType::EcP384, "ES384/P-384", EVP_sha384()},
                        {KeyType::Rsa2048, "RS256/RSA-2048", EVP_sha256()},
                        {KeyType::Ed25519, "EdDSA/Ed25519", nullptr}};
    const std::string payload = R"({"identifiers":[{"type":"dns","value":"bench.example"}]})";

    for (const auto& alg : algs) {
        compare(std::string("keygen ") + alg.name, [&] { (void)PrivateKey::generate(alg.type); },
                [&] { EVP_PKEY_free(rawKeygen(alg.type)); });

        const PrivateKey key = PrivateKey::generate(alg.type);
        const std::vector<Identifier> ids{Identifier::dns("bench.example")};
        compare(std::string("csr ") + alg.name, [&] { (void)CertificateSigningRequest::create(key, ids).toDer(); },
                [&] { rawCsr(key.native(), alg.md); });

        // a store reads one key per entry; raw: OpenSSL's own PEM reader (its decoders)
        const std::string keyPem = key.toPem();
        compare(std::string("key from PEM ") + alg.name, [&] { (void)PrivateKey::fromPem(keyPem); }, [&] {
            BIO* bio = BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size()));
            EVP_PKEY_free(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
            BIO_free(bio);
        });

        // a store writes one key per entry, an issuer one per certificate; raw: OpenSSL's PEM writer on the
        // key itself (its encoders, for a generated key)
        compare(std::string("key to PEM ") + alg.name, [&] { (void)key.toPem(); }, [&] {
            BIO* bio = BIO_new(BIO_s_mem());
            PEM_write_bio_PrivateKey(bio, key.native(), nullptr, nullptr, 0, nullptr, nullptr);
            BIO_free(bio);
        });

        const KeySigner signer(key);
        const auto sample = FlattenedJws::signAcmeRequest(signer, "https://ca.example/new-order", "nonce",
                                                          "https://ca.example/acct/1", payload);
        const std::string input = sample.protectedB64() + "." + sample.payloadB64();
        compare(std::string("jws sign ") + alg.name, [&] { (void)signer.sign(input); },
                [&] { (void)rawSign(key.native(), alg.md, input); });

        const PublicKey pub = key.publicKey();
        const std::string rawSig = rawSign(key.native(), alg.md, input);
        compare(std::string("jws verify ") + alg.name, [&] {
            if (!sample.verify(pub)) std::abort();
        }, [&] {
            if (!rawVerify(pub.native(), alg.md, input, rawSig)) std::abort();
        });
        compare(std::string("acme request sign ") + alg.name, [&] {
            (void)FlattenedJws::signAcmeRequest(signer, "https://ca.example/new-order", "nonce",
                                                "https://ca.example/acct/1", payload).toJson();
        }, [&] { (void)rawSign(key.native(), alg.md, input); });
    }
    return 0;
}
