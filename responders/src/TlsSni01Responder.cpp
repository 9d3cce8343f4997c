#include "cxxacme/responders/TlsSni01Responder.h"

#include <chrono>

#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/PrivateKey.h"

namespace cxxacme::responders {

void TlsSni01Responder::startResponding(const std::string&, const Challenge&, const std::string& keyAuthorization) {
    const std::string sni = KeyAuthorization::tlsSni01Name(keyAuthorization);
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    const auto now = std::chrono::system_clock::now();
    const Certificate cert = CertificateBuilder()
                                 .subjectAltNames({Identifier::dns(sni)})
                                 .validity(now - std::chrono::hours(1), now + std::chrono::hours(24 * 7))
                                 .selfSign(key);
    std::lock_guard lock(mutex_);
    certificates_.insert_or_assign(sni, PemBundle::make(key, cert));
}

void TlsSni01Responder::stopResponding(const std::string&, const Challenge&, const std::string& keyAuthorization) {
    std::lock_guard lock(mutex_);
    certificates_.erase(KeyAuthorization::tlsSni01Name(keyAuthorization));
}

std::optional<PemBundle> TlsSni01Responder::challengeCertificate(const std::string& sniName) const {
    std::lock_guard lock(mutex_);
    const auto it = certificates_.find(ServerName::lowerAscii(sniName));
    if (it == certificates_.end()) return std::nullopt;
    return it->second;
}

}  // namespace cxxacme::responders
