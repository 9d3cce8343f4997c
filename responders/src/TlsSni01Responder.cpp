#include "cxxacme/responders/TlsSni01Responder.h"

#include <chrono>

#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/PrivateKey.h"

namespace cxxacme::responders {

void TlsSni01Responder::startResponding(const std::string&, const Challenge& challenge, const std::string& keyAuthorization) {
    const std::string sni = KeyAuthorization::tlsSni01Name(keyAuthorization);
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    const auto now = std::chrono::system_clock::now();
    const Certificate cert = CertificateBuilder()
                                 .subjectAltNames({Identifier::dns(sni)})
                                 .validity(now - std::chrono::hours(1), now + std::chrono::hours(24 * 7))
                                 .selfSign(key);
    std::lock_guard lock(mutex_);
    certificates_.insert_or_assign(sni, PemBundle::make(key, cert));
    names_.insert_or_assign(challenge.token, sni);
}

void TlsSni01Responder::stopResponding(const std::string&, const Challenge& challenge, const std::string& keyAuthorization) {
    const std::string sni = KeyAuthorization::tlsSni01Name(keyAuthorization);
    std::lock_guard lock(mutex_);
    certificates_.erase(sni);
    watchers_.erase(sni);
    names_.erase(challenge.token);
}

bool TlsSni01Responder::watchValidation(const std::string&, const Challenge& challenge, std::function<void()> seen) {
    std::lock_guard lock(mutex_);
    const auto name = names_.find(challenge.token);
    if (name == names_.end() || certificates_.count(name->second) == 0) return false;
    watchers_.insert_or_assign(name->second, std::move(seen));
    return true;
}

std::optional<PemBundle> TlsSni01Responder::challengeCertificate(const std::string& sniName) const {
    const std::string sni = ServerName::lowerAscii(sniName);
    std::lock_guard lock(mutex_);  // held while telling: no call after stopResponding returns
    const auto it = certificates_.find(sni);
    if (it == certificates_.end()) return std::nullopt;
    if (const auto watcher = watchers_.find(sni); watcher != watchers_.end()) watcher->second();
    return it->second;
}

}  // namespace cxxacme::responders
