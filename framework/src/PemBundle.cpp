#include "cxxacme/PemBundle.h"

#include "cxxacme/Error.h"

namespace cxxacme {

PemBundle PemBundle::parse(std::string_view text) { return fromObjects(PemObject::parseAll(text)); }

PemBundle PemBundle::fromObjects(std::vector<PemObject> objects) {
    if (objects.empty()) return PemBundle();
    std::size_t keys = 0;
    std::size_t keyIndex = 0;
    std::size_t leafIndex = objects.size();
    for (std::size_t i = 0; i < objects.size(); ++i) {
        const auto& object = objects[i];
        switch (object.kind()) {
        case PemObject::Kind::PrivateKey:
            keyIndex = i;
            ++keys;
            break;
        case PemObject::Kind::Certificate:
            if (leafIndex == objects.size()) leafIndex = i;
            break;
        default:
            throw PemError("PEM object " + std::to_string(i + 1) + " (" + object.label() +
                           ") does not belong in a certificate entry: only one private key and certificates may");
        }
    }
    if (keys == 0) throw PemError("the certificate entry has no private key");
    if (keys > 1) throw PemError("the certificate entry has " + std::to_string(keys) + " private keys; exactly one is allowed");
    if (leafIndex == objects.size()) throw PemError("the certificate entry has a private key but no certificate");
    if (!objects[keyIndex].privateKey().matches(objects[leafIndex].certificate().publicKey()))
        throw PemError("the first certificate (\"" + objects[leafIndex].certificate().subject() +
                       "\") is not for the entry's private key");
    return PemBundle(std::move(objects), keyIndex, leafIndex);
}

PemBundle PemBundle::make(const PrivateKey& key, const Certificate& leaf, const std::vector<Certificate>& chain) {
    std::vector<PemObject> objects;
    objects.push_back(PemObject::fromPrivateKey(key));
    objects.push_back(PemObject::fromCertificate(leaf));
    for (const auto& cert : chain) objects.push_back(PemObject::fromCertificate(cert));
    return fromObjects(std::move(objects));
}

const PrivateKey& PemBundle::privateKey() const {
    if (empty()) throw PemError("the certificate entry is empty");
    return objects_[keyIndex_].privateKey();
}

const Certificate& PemBundle::certificate() const {
    if (empty()) throw PemError("the certificate entry is empty");
    return objects_[leafIndex_].certificate();
}

std::vector<Certificate> PemBundle::chain() const {
    if (empty()) throw PemError("the certificate entry is empty");
    std::vector<Certificate> out;
    for (std::size_t i = leafIndex_ + 1; i < objects_.size(); ++i)
        if (objects_[i].kind() == PemObject::Kind::Certificate) out.push_back(objects_[i].certificate());
    return out;
}

}  // namespace cxxacme
