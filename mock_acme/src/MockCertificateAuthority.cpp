#include "cxxacme/mock_acme/MockCertificateAuthority.h"

#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/Error.h"

namespace cxxacme::mock_acme {

namespace {
constexpr auto kCaLifetime = std::chrono::hours(24 * 365 * 10);
const char* const kIntermediateName = "mock-acme intermediate";
}  // namespace

MockCertificateAuthority::MockCertificateAuthority(KeyType keyType, int alternateChains)
    : intermediateKey_(PrivateKey::generate(keyType)) {
    build(keyType, alternateChains);
}

MockCertificateAuthority::MockCertificateAuthority(const Certificate& root, const PrivateKey& rootKey, KeyType keyType,
                                                   int alternateChains)
    : intermediateKey_(PrivateKey::generate(keyType)) {
    roots_.push_back(root);
    rootKeys_.push_back(rootKey);
    build(keyType, alternateChains);
}

MockCertificateAuthority::MockCertificateAuthority(std::vector<Certificate> roots, std::vector<PrivateKey> rootKeys,
                                                   PrivateKey intermediateKey, std::vector<Certificate> intermediates)
    : roots_(std::move(roots)),
      rootKeys_(std::move(rootKeys)),
      intermediateKey_(std::move(intermediateKey)),
      intermediates_(std::move(intermediates)) {
    if (roots_.empty() || roots_.size() != rootKeys_.size() || roots_.size() != intermediates_.size())
        throw Error("mock-acme CA: roots, root keys and intermediates must pair up");
    for (std::size_t i = 0; i < roots_.size(); ++i)
        if (!rootKeys_[i].matches(roots_[i].publicKey()) || !intermediateKey_.matches(intermediates_[i].publicKey()))
            throw Error("mock-acme CA: a key does not belong to its certificate");
}

void MockCertificateAuthority::build(KeyType keyType, int alternateChains) {
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
    for (std::size_t i = 0; i < roots_.size(); ++i)
        intermediates_.push_back(CertificateBuilder()
                                     .commonName(kIntermediateName)
                                     .organization("cxxacme")
                                     .certificateAuthority(0)
                                     .validity(now - std::chrono::hours(24), now + kCaLifetime)
                                     .sign(intermediateKey_.publicKey(), roots_[i], rootKeys_[i]));
}

Certificate MockCertificateAuthority::issue(const PublicKey& subjectKey, const std::vector<Identifier>& identifiers,
                                            TimePoint notBefore, TimePoint notAfter) const {
    CertificateBuilder builder;
    for (const auto& id : identifiers)
        if (id.type == Identifier::Type::Dns && id.value.size() <= 64) {
            builder.commonName(id.value);
            break;
        }
    return builder
        .subjectAltNames(identifiers)
        .validity(notBefore, notAfter)
        .sign(subjectKey, intermediates_.at(0), intermediateKey_);
}

}  // namespace cxxacme::mock_acme
