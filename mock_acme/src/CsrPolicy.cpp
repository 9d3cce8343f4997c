#include "CsrPolicy.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "cxxacme/AcmeProblem.h"
#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

namespace cxxacme::mock_acme {

namespace {

// What Boulder's and pebble's goodSignatureAlgorithms hold: RSA PKCS #1 v1.5
// and ECDSA, each with SHA-256, SHA-384 or SHA-512 (OpenSSL's names).
constexpr std::array<std::string_view, 6> kSignatureAlgorithms{
    "sha256WithRSAEncryption", "sha384WithRSAEncryption", "sha512WithRSAEncryption",
    "ecdsa-with-SHA256",       "ecdsa-with-SHA384",       "ecdsa-with-SHA512"};

AcmeProblem badCsr(const std::string& detail) { return AcmeProblem("badCSR", detail, 400); }

}  // namespace

void CsrPolicy::check(const CertificateSigningRequest& csr, const std::vector<Identifier>& names) const {
    const std::string algorithm = csr.signatureAlgorithm();
    if (std::find(kSignatureAlgorithms.begin(), kSignatureAlgorithms.end(), algorithm) == kSignatureAlgorithms.end())
        throw badCsr("the CSR is signed with " + InvalidNameError::printable(algorithm) +
                     "; this CA takes RSA (PKCS #1 v1.5) or ECDSA signatures with SHA-256, SHA-384 or SHA-512");
    if (rules_ == MockAcmeConfig::CsrRules::Pebble) return;  // pebble reads the DNS names and IP addresses alone
    for (const std::string& other : csr.otherAltNames()) {
        const bool email = other.starts_with("email:"), uri = other.starts_with("URI:");
        if (email || uri)  // Boulder passes over the other kinds, as Go's parser does
            throw badCsr("the CSR asks for " + std::string(email ? "an email address" : "a URI") + " (" +
                         InvalidNameError::printable(other) +
                         ") among its subjectAltNames; this CA issues for DNS names and IP addresses alone");
    }
    const std::string cn = csr.commonName();
    if (cn.empty()) return;
    if (ServerName::isIpAddress(cn))
        throw badCsr("the CSR's common name is an IP address (" + InvalidNameError::printable(cn) +
                     "); leave the common name out: an IP address goes among the subjectAltNames alone");
    if (!ServerName::isValid(cn) || std::find(names.begin(), names.end(), Identifier::dns(cn)) == names.end())
        throw badCsr("the CSR's common name (" + InvalidNameError::printable(cn) + ") is not among its names");
}

std::string CsrPolicy::commonName(const CertificateSigningRequest& csr,
                                  const std::vector<Identifier>& inRequestOrder) const {
    const auto firstShortName = [&](Identifier::Type type) {
        for (const auto& id : inRequestOrder)
            if (id.type == type && id.value.size() <= CertificateSigningRequest::kMaxCommonName) return id.value;
        return std::string();
    };
    if (rules_ == MockAcmeConfig::CsrRules::Pebble) {  // the CSR's first DNS name, else its first IP address
        std::string name = firstShortName(Identifier::Type::Dns);
        return name.empty() ? firstShortName(Identifier::Type::Ip) : name;
    }
    // Boulder's CNFromCSR: the CSR's own (checked above to be one of its DNS
    // names), none when it is too long; else its first DNS name that fits
    const std::string cn = csr.commonName();
    if (!cn.empty()) return cn.size() <= CertificateSigningRequest::kMaxCommonName ? ServerName::canonical(cn) : std::string();
    return firstShortName(Identifier::Type::Dns);
}

}  // namespace cxxacme::mock_acme
