#include "cxxacme/mock_acme/MockCertificateAuthority.h"

#include <algorithm>

#include <openssl/x509v3.h>

#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/Error.h"
#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme::mock_acme {

namespace {

constexpr auto kCaLifetime = std::chrono::hours(24 * 365 * 10);
constexpr int kMaxIntermediates = 4;

// "mock-acme intermediate" for the issuing one (as before there were
// several), "mock-acme intermediate 2" … above it.
std::string intermediateName(std::size_t level) {
    return level == 0 ? "mock-acme intermediate" : "mock-acme intermediate " + std::to_string(level + 1);
}

}  // namespace

MockCertificateAuthority::MockCertificateAuthority(KeyType keyType, int alternateChains, int intermediates) {
    build(keyType, alternateChains, intermediates);
    makeChainPems();
}

MockCertificateAuthority::MockCertificateAuthority(const Certificate& root, const PrivateKey& rootKey, KeyType keyType,
                                                   int alternateChains, int intermediates) {
    if (!rootKey.matches(root.publicKey())) throw Error("mock-acme CA: the root key does not belong to the root certificate");
    roots_.push_back(root);
    rootKeys_.push_back(rootKey);
    build(keyType, alternateChains, intermediates);
    makeChainPems();
    checkGivenRoot();
}

void MockCertificateAuthority::checkGivenRoot() const {
    // A root from outside may be no CA, out of its validity, constrained to a shorter path, or
    // not self-signed: a leaf issued under it now is checked as a TLS client checks one, so that
    // mock-acme refuses to start rather than issue what no client accepts.
    const auto now = std::chrono::system_clock::now();
    const PrivateKey probeKey = PrivateKey::generate(KeyType::EcP256);
    const Certificate probe = issue(probeKey.publicKey(), {Identifier::dns("probe.mock-acme.invalid")},
                                    now - std::chrono::minutes(1), now + std::chrono::hours(1));
    try {
        probe.verifyChain(chains_.front(), {roots_.front()}, now);
    } catch (const CertificateError& e) {
        throw Error(std::string("mock-acme CA: a certificate issued under the given root does not verify against it (") +
                    e.what() + "); the root must be a self-signed CA certificate, valid now, that allows " +
                    std::to_string(chains_.front().size()) + " intermediate" + (chains_.front().size() == 1 ? "" : "s") +
                    " below it");
    }
}

MockCertificateAuthority::MockCertificateAuthority(std::vector<Certificate> roots, std::vector<PrivateKey> rootKeys,
                                                   std::vector<PrivateKey> intermediateKeys,
                                                   std::vector<std::vector<Certificate>> chains)
    : roots_(std::move(roots)),
      rootKeys_(std::move(rootKeys)),
      intermediateKeys_(std::move(intermediateKeys)),
      chains_(std::move(chains)) {
    if (roots_.empty() || roots_.size() != rootKeys_.size() || roots_.size() != chains_.size() ||
        intermediateKeys_.empty() || intermediateKeys_.size() > kMaxIntermediates)
        throw Error("mock-acme CA: roots, root keys and chains must pair up, with 1 to 4 intermediates");
    for (std::size_t r = 0; r < roots_.size(); ++r) {
        if (!rootKeys_[r].matches(roots_[r].publicKey()) || chains_[r].size() != intermediateKeys_.size())
            throw Error("mock-acme CA: a root key does not belong to its root, or a chain has the wrong length");
        for (std::size_t j = 0; j < chains_[r].size(); ++j)
            if (!intermediateKeys_[j].matches(chains_[r][j].publicKey()))
                throw Error("mock-acme CA: an intermediate key does not belong to its certificate");
    }
    makeChainPems();
}

void MockCertificateAuthority::makeChainPems() {
    chainPems_.clear();
    for (const auto& line : chains_) {
        std::string pem;
        for (const auto& c : line) pem += c.toPem();
        chainPems_.push_back(std::move(pem));
    }
}

void MockCertificateAuthority::build(KeyType keyType, int alternateChains, int intermediates) {
    if (alternateChains < 0 || intermediates < 1 || intermediates > kMaxIntermediates)
        throw Error("mock-acme CA: 1 to 4 intermediates and no negative number of alternate chains");
    const auto now = std::chrono::system_clock::now();
    const std::size_t total = 1 + static_cast<std::size_t>(alternateChains);
    while (roots_.size() < total) {
        const PrivateKey key = PrivateKey::generate(keyType);
        const std::string name = "mock-acme root " + std::to_string(roots_.size());
        roots_.push_back(CertificateBuilder()
                             .commonName(name)
                             .organization("cxxacme")
                             .certificateAuthority()
                             .validity(now - std::chrono::hours(24), now + kCaLifetime)
                             .selfSign(key));
        rootKeys_.push_back(key);
    }
    const auto levels = static_cast<std::size_t>(intermediates);
    // they end with a given root, if it ends first (one that has ended is refused after)
    const TimePoint intermediateEnd =
        std::max(std::min<TimePoint>(now + kCaLifetime, roots_.front().notAfter()), now + std::chrono::hours(1));
    for (std::size_t j = 0; j < levels; ++j) intermediateKeys_.push_back(PrivateKey::generate(keyType));
    // Intermediate j is signed by intermediate j+1, the topmost by the root;
    // the certificates below the top are the same in every chain.
    const auto intermediateUnder = [&](std::size_t level, const Certificate& issuer, const PrivateKey& issuerKey) {
        return CertificateBuilder()
            .commonName(intermediateName(level))
            .organization("cxxacme")
            .certificateAuthority(static_cast<int>(level))
            .validity(now - std::chrono::hours(24), intermediateEnd)
            .sign(intermediateKeys_[level].publicKey(), issuer, issuerKey);
    };
    for (std::size_t r = 0; r < roots_.size(); ++r) {
        std::vector<Certificate> line(levels, roots_[r]);
        line[levels - 1] = intermediateUnder(levels - 1, roots_[r], rootKeys_[r]);
        for (std::size_t j = levels - 1; j-- > 0;)
            line[j] = r == 0 ? intermediateUnder(j, line[j + 1], intermediateKeys_[j + 1]) : chains_[0][j];
        chains_.push_back(std::move(line));
    }
}

Certificate MockCertificateAuthority::issue(const PublicKey& subjectKey, const std::vector<Identifier>& identifiers,
                                            TimePoint notBefore, TimePoint notAfter,
                                            const std::string& ocspResponder,
                                            const std::string& crlDistributionPoint, const LeafContents& contents,
                                            const std::string& commonName) const {
    CertificateBuilder builder;
    builder.ocspResponder(ocspResponder);
    builder.crlDistributionPoint(crlDistributionPoint);
    builder.subjectKeyIdentifier(contents.subjectKeyId).clientAuth(contents.clientAuth).keyEncipherment(contents.keyEncipherment);
    // RFC 7633 §4: Features ::= SEQUENCE OF INTEGER, here { 5 } (status_request)
    if (contents.mustStaple) builder.extension("1.3.6.1.5.5.7.1.24", false, std::string("\x30\x03\x02\x01\x05", 5));
    if (contents.commonName && !commonName.empty()) builder.commonName(commonName);
    return builder
        .subjectAltNames(identifiers)
        .validity(notBefore, notAfter)
        .sign(subjectKey, chains_.at(0).front(), intermediateKeys_.front());
}

std::string MockCertificateAuthority::issuingKeyId() const {
    const ASN1_OCTET_STRING* id = X509_get0_subject_key_id(chains_.at(0).front().native());
    if (id == nullptr) throw Error("mock-acme CA: the issuing intermediate has no subject key identifier");
    return detail::hexEncode(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(id)),
                                              static_cast<std::size_t>(ASN1_STRING_length(id))));
}

}  // namespace cxxacme::mock_acme
