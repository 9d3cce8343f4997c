#pragma once

#include <string>
#include <vector>

#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/mock_acme/MockAcmeConfig.h"

namespace cxxacme::mock_acme {

/// What mock-acme makes of a CSR beyond its key, its signature and its names
/// (MockAcmeConfig::csrRules): Boulder's rules or pebble's for the signature
/// algorithm, the other kinds of subjectAltName and the common name, and the
/// common name the leaf gets from it.
class CsrPolicy {
public:
    explicit CsrPolicy(MockAcmeConfig::CsrRules rules) : rules_(rules) {}

    /// Throws a `badCSR` AcmeProblem (400) for what the rules refuse. `names`
    /// are the CSR's identifiers (already found equal to the order's).
    void check(const CertificateSigningRequest& csr, const std::vector<Identifier>& names) const;

    /// The leaf's common name, for a profile that has one ("": none).
    /// `inRequestOrder` are the CSR's identifiers as it lists them.
    std::string commonName(const CertificateSigningRequest& csr, const std::vector<Identifier>& inRequestOrder) const;

private:
    MockAcmeConfig::CsrRules rules_;
};

}  // namespace cxxacme::mock_acme
