#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cxxacme/Certificate.h"
#include "cxxacme/PemObject.h"
#include "cxxacme/PrivateKey.h"
#include "cxxacme/Time.h"

namespace cxxacme {

/// A certificate store entry: txacme's ordered list of PEM objects.
///
/// A bundle is either *empty* — "no certificate yet: issue one" — or holds
/// exactly one private key, the certificate for that key (the first
/// certificate), then zero or more chain certificates. Nothing else may be
/// in it. Every way of building one checks these rules and throws
/// `PemError` saying which rule the input breaks. Immutable value; cheap to
/// copy (OpenSSL handles are shared).
class PemBundle {
public:
    /// The empty entry.
    PemBundle() = default;

    /// Parses PEM text. Text with no PEM block (e.g. an empty file) is the
    /// empty entry.
    static PemBundle parse(std::string_view text);
    static PemBundle fromObjects(std::vector<PemObject> objects);
    /// Key, then leaf, then chain.
    static PemBundle make(const PrivateKey& key, const Certificate& leaf, const std::vector<Certificate>& chain = {});

    bool empty() const noexcept { return objects_.empty(); }
    const std::vector<PemObject>& objects() const noexcept { return objects_; }

    /// The parts of a non-empty bundle; each throws `PemError` when empty.
    const PrivateKey& privateKey() const;
    const Certificate& certificate() const;
    std::vector<Certificate> chain() const;
    TimePoint notAfter() const { return certificate().notAfter(); }

    /// The objects' text, byte for byte as parsed.
    std::string toPem() const { return PemObject::serialize(objects_); }

    /// Same objects, byte for byte.
    bool operator==(const PemBundle& other) const { return toPem() == other.toPem(); }

private:
    explicit PemBundle(std::vector<PemObject> objects, std::size_t keyIndex, std::size_t leafIndex)
        : objects_(std::move(objects)), keyIndex_(keyIndex), leafIndex_(leafIndex) {}

    std::vector<PemObject> objects_;
    std::size_t keyIndex_ = 0;
    std::size_t leafIndex_ = 0;
};

}  // namespace cxxacme
