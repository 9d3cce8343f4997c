#include "cxxacme/testing/TestCertificateAuthority.h"

#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/ServerName.h"

namespace cxxacme::testing {

namespace {
constexpr auto kHour = std::chrono::hours(1);
constexpr auto kDay = std::chrono::hours(24);
}  // namespace

TestCertificateAuthority::TestCertificateAuthority()
    : rootKey_(PrivateKey::generate(KeyType::EcP256)),
      root_(CertificateBuilder()
                .commonName("cxxacme test root")
                .certificateAuthority()
                .validity(std::chrono::system_clock::now() - kDay, std::chrono::system_clock::now() + 3650 * kDay)
                .selfSign(rootKey_)),
      intermediateKey_(PrivateKey::generate(KeyType::EcP256)),
      intermediate_(CertificateBuilder()
                        .commonName("cxxacme test intermediate")
                        .certificateAuthority(0)
                        .validity(std::chrono::system_clock::now() - kDay,
                                  std::chrono::system_clock::now() + 3650 * kDay)
                        .sign(intermediateKey_.publicKey(), root_, rootKey_)) {}

PemBundle TestCertificateAuthority::issue(const std::string& names, TimePoint notBefore, TimePoint notAfter,
                                          KeyType type) const {
    std::vector<Identifier> ids;
    for (const auto& name : ServerName::splitKey(names)) ids.push_back(Identifier::fromName(name));
    const PrivateKey key = PrivateKey::generate(type);
    const Certificate leaf = CertificateBuilder()
                                 .subjectAltNames(ids)
                                 .validity(notBefore, notAfter)
                                 .sign(key.publicKey(), intermediate_, intermediateKey_);
    return PemBundle::make(key, leaf, {intermediate_});
}

PemBundle TestCertificateAuthority::issue(const std::string& names) const {
    const auto now = std::chrono::system_clock::now();
    return issue(names, now - kHour, now + 90 * kDay);
}

}  // namespace cxxacme::testing
