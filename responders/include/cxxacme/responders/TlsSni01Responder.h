#pragma once

#include <functional>
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
    /// Each `challengeCertificate` lookup, a handshake asking for the
    /// challenge's name, tells the challenge's watcher.
    bool watchValidation(const std::string& serverName, const Challenge& challenge,
                         std::function<void()> seen) override;
    std::optional<PemBundle> challengeCertificate(const std::string& sniName) const override;

private:
    mutable std::mutex mutex_;
    std::map<std::string, PemBundle> certificates_;           // by SNI name
    std::map<std::string, std::string> names_;                // the SNI name of a challenge, by token
    std::map<std::string, std::function<void()>> watchers_;   // by SNI name; called under mutex_
};

}  // namespace cxxacme::responders
