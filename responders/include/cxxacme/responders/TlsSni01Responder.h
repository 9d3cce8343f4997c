#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "cxxacme/ITLSSNI01Responder.h"

namespace cxxacme::responders {

/// Answers tls-sni-01 (draft-ietf-acme-acme-01 §7.3), for CAs that still
/// offer it: while a challenge is active, a handshake whose SNI is
/// `KeyAuthorization::tlsSni01Name` gets a self-signed certificate with that
/// name as its SAN.
///
/// It has no listener: a TLS endpoint asks `challengeCertificate(sni)` in
/// its handshakes, as it does the tls-alpn-01 responder. Opt-in: only give it
/// to an issuer when the user enabled tls-sni-01. Thread-safe.
class TlsSni01Responder final : public ITLSSNI01Responder {
public:
    std::string challengeType() const override { return "tls-sni-01"; }
    void startResponding(const std::string& serverName, const Challenge& challenge,
                         const std::string& keyAuthorization) override;
    void stopResponding(const std::string& serverName, const Challenge& challenge,
                        const std::string& keyAuthorization) override;
    std::optional<PemBundle> challengeCertificate(const std::string& sniName) const override;

private:
    mutable std::mutex mutex_;
    std::map<std::string, PemBundle> certificates_;  // by SNI name
};

}  // namespace cxxacme::responders
