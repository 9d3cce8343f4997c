#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cxxacme/Certificate.h"
#include "cxxacme/IResponder.h"
#include "cxxacme/PrivateKey.h"

namespace cxxacme {
class IChallengeBoard;
}

namespace cxxacme::responders {

/// A self-signed challenge certificate and its key.
struct ChallengeCertificate {
    PrivateKey key;
    Certificate certificate;
};

/// Answers tls-alpn-01 (RFC 8737): while a challenge is active, a TLS
/// handshake with SNI = the name and ALPN `acme-tls/1` gets a self-signed
/// certificate whose only SAN is the name and whose critical
/// `acmeIdentifier` extension holds SHA-256 of the key authorization.
///
/// A TLS endpoint consults `challengeCertificate(sni)` when a client offers
/// `acme-tls/1` (the lookup hook; it is fast and never blocks on I/O); or
/// the responder listens on its own with `listen()`. Thread-safe.
class TlsAlpn01Responder final : public IResponder {
public:
    TlsAlpn01Responder();
    ~TlsAlpn01Responder() override;

    std::string challengeType() const override { return "tls-alpn-01"; }
    void startResponding(const std::string& serverName, const Challenge& challenge,
                         const std::string& keyAuthorization) override;
    void stopResponding(const std::string& serverName, const Challenge& challenge,
                        const std::string& keyAuthorization) override;

    /// `seen` is called when a handshake asks for the challenge's
    /// certificate (`challengeCertificate`: the CA's validation request).
    bool watchValidation(const std::string& serverName, const Challenge& challenge,
                         std::function<void()> seen) override;

    /// The certificate for a handshake with this SNI name (for an IP
    /// identifier, its reverse-DNS name), if a challenge is active. Each
    /// call is taken for the CA's validation handshake and tells the
    /// challenge's watcher.
    std::optional<ChallengeCertificate> challengeCertificate(const std::string& sniName) const;

    /// Shares answers with the other servers of a fleet through `board`
    /// (which must outlive the responder): `startResponding` posts each
    /// answer under the name the CA's handshake gives (an IP identifier's
    /// reverse-DNS name) and `stopResponding` takes it down, and a
    /// handshake for a name with no challenge here is answered from the
    /// board (its certificate made once per answer, for the address a
    /// reverse-DNS name stands for, then kept while the board holds it). An
    /// unknown `acme-tls/1` name then costs one lookup in the store.
    /// Call before the first challenge.
    void share(IChallengeBoard& board) { board_ = &board; }

    /// Handshakes `listen` runs at once; more wait their turn.
    static constexpr std::size_t kHandshakeWorkers = 16;

    /// Serves `acme-tls/1` handshakes on `host:port` (0: a free port): a
    /// thread accepts, `kHandshakeWorkers` threads answer (each handshake
    /// within 5 s), so a few silent connections do not hold up a CA's
    /// validation; other handshakes are refused. Returns the port.
    std::uint16_t listen(const std::string& host, std::uint16_t port);
    void stop();

private:
    struct Listener;

    mutable std::mutex mutex_;
    std::map<std::string, ChallengeCertificate> certificates_;  // by SNI name
    std::map<std::string, std::function<void()>> watchers_;    // by SNI name; called under mutex_
    IChallengeBoard* board_ = nullptr;
    /// Certificates made for another server's answers on the board: SNI name -> (key authorization, certificate).
    mutable std::map<std::string, std::pair<std::string, ChallengeCertificate>> shared_;
    std::unique_ptr<Listener> listener_;
};

}  // namespace cxxacme::responders
