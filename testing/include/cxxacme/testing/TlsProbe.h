#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cxxacme/Certificate.h"

namespace cxxacme::testing {

struct TlsProbeOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string serverName;                 ///< SNI and the name verified; empty: no SNI
    std::vector<std::string> alpn;          ///< protocols offered; empty: no ALPN
    std::vector<Certificate> trustedRoots;  ///< what `verifyError` checks against
    int maxTlsVersion = 0;                  ///< e.g. TLS1_1_VERSION to test refusal; 0: any
    std::chrono::milliseconds timeout{10000};
};

/// One TLS client connection, as a browser or `openssl s_client` makes it:
/// for tests, demos and checks. Connects and handshakes in the constructor;
/// a failed handshake is reported by `ok()`/`error()`, not thrown (a TCP
/// connection failure throws `NetworkError`).
class TlsProbe {
public:
    struct HttpReply {
        int status = 0;
        std::string body;
    };

    explicit TlsProbe(TlsProbeOptions options);
    ~TlsProbe();
    TlsProbe(const TlsProbe&) = delete;
    TlsProbe& operator=(const TlsProbe&) = delete;

    bool ok() const noexcept { return ok_; }
    const std::string& error() const noexcept { return error_; }

    /// The served leaf, then the chain the server sent with it.
    std::vector<Certificate> peerChain() const;
    std::string alpn() const;     ///< negotiated protocol, or empty
    std::string version() const;  ///< "TLSv1.3", …
    /// Empty when the served chain verifies against `trustedRoots` for
    /// `serverName` at the current time; the reason otherwise.
    std::string verifyError() const;

    /// Sends `GET path HTTP/1.1` on this connection (kept alive) and reads
    /// the reply (Content-Length bodies). Throws `NetworkError`.
    HttpReply get(const std::string& path);

private:
    struct Native;
    TlsProbeOptions options_;
    std::unique_ptr<Native> native_;
    bool ok_ = false;
    std::string error_;
};

}  // namespace cxxacme::testing
