#include "cxxacme/responders/TlsSni01Responder.h"

#include <chrono>

#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/PrivateKey.h"
#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme::responders {

std::string TlsSni01Responder::sniNameFor(const std::string& keyAuthorization) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string z;
    for (const unsigned char c : detail::sha256(keyAuthorization)) {
        z += kHex[c >> 4];
        z += kHex[c & 15];
    }
    return z.substr(0, 32) + "." + z.substr(32, 32) + ".acme.invalid";
}

void TlsSni01Responder::startResponding(const std::string&, const Challenge&, const std::string& keyAuthorization) {
    const std::string sni = sniNameFor(keyAuthorization);
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
    certificates_.erase(sniNameFor(keyAuthorization));
}

std::optional<PemBundle> TlsSni01Responder::challengeCertificate(const std::string& sniName) const {
    std::string lower = sniName;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::lock_guard lock(mutex_);
    const auto it = certificates_.find(lower);
    if (it == certificates_.end()) return std::nullopt;
    return it->second;
}

}  // namespace cxxacme::responders
