#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxxacme/Certificate.h"
#include "cxxacme/PrivateKey.h"

namespace cxxacme {

/// One PEM block (RFC 7468): its label, its DER and its exact text.
///
/// Parsing types the block by its label and checks the DER: private keys in
/// PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) and PKCS#8
/// (`PRIVATE KEY`) form, certificates, certificate requests and public keys
/// are decoded with OpenSSL, and a block that does not decode is an error.
/// Any other label is kept as `Kind::Other`, unchecked. The text of each
/// block is kept byte for byte, so that writing the objects back gives the
/// input again (text outside the blocks is not kept).
class PemObject {
public:
    enum class Kind { PrivateKey, Certificate, CertificateRequest, PublicKey, Other };

    static constexpr std::size_t kMaxInputBytes = std::size_t{1024} * 1024;  ///< far above any real chain
    static constexpr std::size_t kMaxObjects = 64;

    /// Every block of `text`, in order. Text with no block gives an empty
    /// list. Throws `PemError` naming the block and what is wrong with it.
    static std::vector<PemObject> parseAll(std::string_view text);

    /// A `PRIVATE KEY` (PKCS#8) block.
    static PemObject fromPrivateKey(const PrivateKey& key);
    /// A `CERTIFICATE` block.
    static PemObject fromCertificate(const Certificate& cert);

    /// The concatenated text of `objects`.
    static std::string serialize(const std::vector<PemObject>& objects);

    Kind kind() const noexcept { return kind_; }
    /// The label between `BEGIN ` and `-----`, e.g. "EC PRIVATE KEY".
    const std::string& label() const noexcept { return label_; }
    const std::string& der() const noexcept { return der_; }
    /// The block as it was read, from `-----BEGIN` through the end of the
    /// `-----END …-----` line, including its line break if there was one.
    const std::string& text() const noexcept { return text_; }

    /// The key of a `Kind::PrivateKey` block; throws `PemError` otherwise.
    const PrivateKey& privateKey() const;
    /// The certificate of a `Kind::Certificate` block; throws `PemError` otherwise.
    const Certificate& certificate() const;

private:
    PemObject() = default;
    /// parseAll, with `decode` false for text this class made itself.
    static std::vector<PemObject> parseBlocks(std::string_view text, bool decode);

    Kind kind_ = Kind::Other;
    std::string label_;
    std::string der_;
    std::string text_;
    std::optional<PrivateKey> key_;
    std::optional<Certificate> cert_;
};

}  // namespace cxxacme
