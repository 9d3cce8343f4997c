#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <Poco/Net/Context.h>
#include <Poco/Net/SecureServerSocket.h>

#include "cxxacme/ICertificateStore.h"
#include "cxxacme/ITLSSNI01Responder.h"
#include "cxxacme/detail/PocoSslScope.h"
#include "cxxacme/endpoints/CertificateMap.h"
#include "cxxacme/responders/TlsAlpn01Responder.h"

namespace cxxacme::endpoints {

struct SniEndpointOptions {
    std::string interface;        ///< address to listen on; empty: every address
    std::uint16_t port = 0;       ///< 0: a free port
    int backlog = 128;
    /// The store entry whose certificate clients without SNI get; empty:
    /// their handshakes fail (as in txacme).
    std::string defaultName;
    /// Answers `acme-tls/1` handshakes (RFC 8737) on this port; optional.
    responders::TlsAlpn01Responder* tlsAlpn01 = nullptr;
    /// Answers tls-sni-01 handshakes on this port; optional, opt-in.
    ITLSSNI01Responder* tlsSni01 = nullptr;
    /// Called on the handshake's thread with an SNI name (lower case) that
    /// no certificate covers, before the default certificate is considered;
    /// true when the store has one for it now, in its own entry or in one of
    /// several names (on-demand issuance: `OnDemandIssuance::obtain`); the
    /// endpoint then re-reads those entries without waiting for the store's
    /// notice. May block; the handshake waits. Optional.
    std::function<bool(const std::string& serverName)> onUnknownName;
};

/// A TLS listener (POCO NetSSL) that picks the certificate for each
/// handshake by SNI from a `CertificateMap` fed by a store: exact name
/// first, then the wildcard. TLS 1.2 and 1.3 only, forward-secret AEAD
/// ciphers, no renegotiation or compression; ALPN `http/1.1` for normal
/// traffic and `acme-tls/1` for tls-alpn-01 validation.
///
/// The map is loaded from the store at construction, re-read for one entry
/// with `refresh(name)`, and kept fresh on its own when the store offers
/// `IChangeNotifier`. Hand `socket()` to a POCO `HTTPServer` or `TCPServer`;
/// handshakes run on their threads.
class SniEndpoint {
public:
    SniEndpoint(ICertificateStore& store, SniEndpointOptions options);
    ~SniEndpoint();
    SniEndpoint(const SniEndpoint&) = delete;
    SniEndpoint& operator=(const SniEndpoint&) = delete;

    /// The listening socket (bound at construction).
    Poco::Net::SecureServerSocket& socket() { return socket_; }
    std::uint16_t port() const;
    Poco::Net::Context::Ptr context() const { return context_; }

    /// Re-reads every entry of the store.
    void refresh();
    /// Re-reads one entry (canonical name), e.g. after an issuance.
    void refresh(const std::string& storeName);

    const CertificateMap& certificates() const { return certificates_; }

    /// How a handshake was answered; for tests and logs.
    struct Counters {
        std::uint64_t served = 0;        ///< a site certificate was chosen
        std::uint64_t challenges = 0;    ///< a tls-alpn-01 or tls-sni-01 certificate
        std::uint64_t defaulted = 0;     ///< no SNI, default certificate
        std::uint64_t refused = 0;       ///< no certificate: handshake failed
    };
    Counters counters() const;

private:
    struct Handshake;
    static int onClientHello(SSL* ssl, int* alert, void* arg);
    static int onAlpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                      unsigned int inlen, void* arg);
    int chooseCertificate(SSL* ssl, int* alert);
    /// Re-reads the entries that name `name`: its own and those of several names.
    void refreshEntriesNaming(const std::string& name);

    detail::PocoSslScope ssl_;
    ICertificateStore& store_;
    SniEndpointOptions options_;
    CertificateMap certificates_;
    Poco::Net::Context::Ptr context_;
    Poco::Net::SecureServerSocket socket_;
    std::shared_ptr<void> storeSubscription_;
    struct Stats;
    std::unique_ptr<Stats> stats_;
};

}  // namespace cxxacme::endpoints
