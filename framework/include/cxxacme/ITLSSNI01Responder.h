#pragma once

#include <optional>
#include <string>

#include "cxxacme/IResponder.h"
#include "cxxacme/PemBundle.h"

namespace cxxacme {

/// The seed's tls-sni-01 responder interface, kept for compatibility with
/// txacme and with old CAs. tls-sni-01 was withdrawn from ACME; tls-alpn-01
/// (RFC 8737) replaces it and is what endpoints use by default. This
/// responder is opt-in.
///
/// `challengeType()` returns "tls-sni-01". While a challenge is being
/// answered, the TLS endpoint asks `challengeCertificate` for the SNI name
/// of each handshake and serves the self-signed certificate it returns.
class ITLSSNI01Responder : public IResponder {
public:
    /// The challenge certificate (key and self-signed certificate) for a
    /// handshake with SNI `sniName` (a `….acme.invalid` name), or nothing
    /// when no challenge with that name is being answered. Must be fast and
    /// must not block: it runs inside TLS handshakes.
    virtual std::optional<PemBundle> challengeCertificate(const std::string& sniName) const = 0;
};

}  // namespace cxxacme
