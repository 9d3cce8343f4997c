#include "cxxacme/endpoints/CertificateMap.h"

#include <openssl/ssl.h>

#include <algorithm>

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme::endpoints {

namespace {

const PemBundle& servable(const PemBundle& bundle, const std::string& name) {
    if (bundle.empty()) throw CertificateError("entry \"" + name + "\" has no certificate to serve");
    return bundle;
}

}  // namespace

struct CertificateMap::Entry::Native {
    detail::X509StackPtr chain{sk_X509_new_null()};
};

CertificateMap::Entry::Entry(std::string storeName, const PemBundle& bundle,
                             std::map<std::string, Certificate>& intermediates)
    : storeName_(std::move(storeName)),
      key_(servable(bundle, storeName_).privateKey()),
      leaf_(bundle.certificate()),
      native_(std::make_unique<Native>()) {
    if (!native_->chain) throw CryptoError("sk_X509_new_null failed");
    for (const Identifier& id : leaf_.subjectAltNames())
        if (id.type == Identifier::Type::Dns) serverNames_.push_back(id.value);
    notAfter_ = leaf_.notAfter();
    for (const Certificate& cert : bundle.chain()) {
        const Certificate& shared = intermediates.try_emplace(cert.toDer(), cert).first->second;
        if (sk_X509_push(native_->chain.get(), shared.native()) == 0) throw CryptoError("sk_X509_push failed");
        X509_up_ref(shared.native());
    }
}

CertificateMap::Entry::~Entry() = default;

bool CertificateMap::Entry::applyTo(SSL* ssl) const {
    return SSL_use_cert_and_key(ssl, leaf_.native(), key_.native(), native_->chain.get(), 1) == 1;
}

CertificateMap::CertificateMap() : snapshot_(std::make_shared<Snapshot>()) {}
CertificateMap::~CertificateMap() = default;

std::shared_ptr<const CertificateMap::Snapshot> CertificateMap::index(
    std::map<std::string, std::shared_ptr<const Entry>> byStoreName) {
    auto result = std::make_shared<Snapshot>();
    result->byServerName.reserve(byStoreName.size() * 2);
    for (const auto& [name, entry] : byStoreName) {
        for (const std::string& name : entry->serverNames()) {
            auto [it, inserted] = result->byServerName.try_emplace(name, entry);
            if (!inserted && it->second->notAfter() < entry->notAfter()) it->second = entry;
        }
    }
    result->byStoreName = std::move(byStoreName);
    return result;
}

void CertificateMap::replaceAll(const std::map<std::string, PemBundle>& entries) {
    std::lock_guard writer(writeMutex_);
    intermediates_.clear();  // forget chains no entry uses any more
    std::map<std::string, std::shared_ptr<const Entry>> byStoreName;
    for (const auto& [name, bundle] : entries)
        if (!bundle.empty()) byStoreName.emplace(name, std::make_shared<const Entry>(name, bundle, intermediates_));
    auto next = index(std::move(byStoreName));
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(next);
}

void CertificateMap::update(const std::string& storeName, const std::optional<PemBundle>& entry) {
    std::lock_guard writer(writeMutex_);
    std::shared_ptr<const Entry> prepared;
    if (entry && !entry->empty()) prepared = std::make_shared<const Entry>(storeName, *entry, intermediates_);
    auto byStoreName = snapshot()->byStoreName;
    if (prepared) byStoreName.insert_or_assign(storeName, std::move(prepared));
    else byStoreName.erase(storeName);
    auto next = index(std::move(byStoreName));
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(next);
}

std::shared_ptr<const CertificateMap::Snapshot> CertificateMap::snapshot() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
}

std::shared_ptr<const CertificateMap::Entry> CertificateMap::find(std::string_view serverName) const {
    if (serverName.empty() || serverName.size() > 253) return nullptr;
    if (serverName.back() == '.') serverName.remove_suffix(1);  // an absolute name is the same name
    const std::string name = ServerName::lowerAscii(serverName);
    const auto current = snapshot();
    if (const auto it = current->byServerName.find(name); it != current->byServerName.end()) return it->second;
    const auto dot = name.find('.');
    if (dot == std::string::npos || dot == 0) return nullptr;
    if (const auto it = current->byServerName.find("*" + name.substr(dot)); it != current->byServerName.end())
        return it->second;
    return nullptr;
}

std::shared_ptr<const CertificateMap::Entry> CertificateMap::findByStoreName(const std::string& storeName) const {
    const auto current = snapshot();
    const auto it = current->byStoreName.find(storeName);
    return it == current->byStoreName.end() ? nullptr : it->second;
}

std::size_t CertificateMap::size() const { return snapshot()->byStoreName.size(); }

std::vector<std::string> CertificateMap::serverNames() const {
    const auto current = snapshot();
    std::vector<std::string> names;
    for (const auto& [name, entry] : current->byServerName) names.push_back(name);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace cxxacme::endpoints
