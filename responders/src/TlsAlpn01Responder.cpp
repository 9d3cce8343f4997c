#include "cxxacme/responders/TlsAlpn01Responder.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cstring>

#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/Error.h"
#include "cxxacme/IChallengeBoard.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/WorkerPool.h"
#include "cxxacme/detail/ExclusiveListen.h"

namespace cxxacme::responders {

namespace {

constexpr unsigned char kAcmeTls[] = "acme-tls/1";
constexpr unsigned kAcmeTlsLength = sizeof kAcmeTls - 1;

int selectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
               void*) {
    for (unsigned i = 0; i < inlen;) {
        const unsigned len = in[i];
        if (i + 1 + len > inlen) break;
        if (len == kAcmeTlsLength && std::memcmp(in + i + 1, kAcmeTls, len) == 0) {
            *out = in + i + 1;
            *outlen = static_cast<unsigned char>(len);
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + len;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // only acme-tls/1 is served here
}

int selectCertificate(SSL* ssl, int* alert, void* arg) {
    const auto* responder = static_cast<const TlsAlpn01Responder*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    const auto found = name ? responder->challengeCertificate(name) : std::nullopt;
    if (!found) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (SSL_use_certificate(ssl, found->certificate.native()) != 1 || SSL_use_PrivateKey(ssl, found->key.native()) != 1) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.responder.tls-alpn-01"); }

constexpr int kHandshakeTimeoutSeconds = 5;

std::string sniNameFor(const std::string& serverName) {
    return ServerName::isIpAddress(serverName) ? ServerName::reverseDnsName(serverName) : serverName;
}

constexpr const char* kType = "tls-alpn-01";

/// RFC 8737 §3: the name alone as SAN, the critical acmeIdentifier extension.
ChallengeCertificate makeChallengeCertificate(const std::string& name, const std::string& keyAuthorization) {
    const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    const auto now = std::chrono::system_clock::now();
    const Certificate cert = CertificateBuilder()
                                 .subjectAltNames({Identifier::fromName(name)})
                                 .validity(now - std::chrono::hours(1), now + std::chrono::hours(24 * 7))
                                 .extension(KeyAuthorization::kAcmeIdentifierOid, true,
                                            KeyAuthorization::acmeIdentifierExtensionValue(keyAuthorization))
                                 .selfSign(key);
    return {key, cert};
}

}  // namespace

struct TlsAlpn01Responder::Listener {
    Poco::Net::ServerSocket socket;
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{nullptr, SSL_CTX_free};
    std::atomic<bool> stopping{false};
    // Handshakes run here, not on the accepting thread: a client that
    // connects and says nothing holds one worker until its timeout, not
    // every validation behind it. Declared before the thread, so that the
    // accepting thread stops first.
    std::unique_ptr<WorkerPool> handshakes;
    std::thread thread;

    void run() {
        while (!stopping) {
            try {
                if (!socket.poll(Poco::Timespan(0, 200000), Poco::Net::Socket::SELECT_READ)) continue;
                auto connection = std::make_shared<Poco::Net::StreamSocket>(socket.acceptConnection());
                handshakes->post([this, connection] { answer(*connection); });
            } catch (const Poco::Exception& e) {
                logger().debug("accept failed: " + e.displayText());
            }
        }
    }

    void answer(Poco::Net::StreamSocket& connection) {
        try {
            connection.setReceiveTimeout(Poco::Timespan(kHandshakeTimeoutSeconds, 0));
            connection.setSendTimeout(Poco::Timespan(kHandshakeTimeoutSeconds, 0));
            std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
            if (!ssl) return;
            SSL_set_fd(ssl.get(), connection.impl()->sockfd());
            if (SSL_accept(ssl.get()) == 1) SSL_shutdown(ssl.get());
        } catch (const Poco::Exception& e) {
            logger().debug("connection failed: " + e.displayText());
        }
    }
};

TlsAlpn01Responder::TlsAlpn01Responder() = default;

TlsAlpn01Responder::~TlsAlpn01Responder() { stop(); }

void TlsAlpn01Responder::startResponding(const std::string& serverName, const Challenge&,
                                         const std::string& keyAuthorization) {
    // One key for a name however it is spelt: the handshake's SNI is looked
    // up lower-cased, and stopResponding may spell the name differently.
    const std::string name = ServerName::canonical(serverName);
    // the name the CA's handshake gives: an IP address's reverse-DNS name (RFC 8738 §6)
    const std::string sni = sniNameFor(name);
    ChallengeCertificate made = makeChallengeCertificate(name, keyAuthorization);
    {
        std::lock_guard lock(mutex_);
        certificates_.insert_or_assign(sni, std::move(made));
    }
    if (board_) board_->postChallenge(kType, sni, keyAuthorization);
}

void TlsAlpn01Responder::stopResponding(const std::string& serverName, const Challenge&, const std::string&) {
    const std::string name = ServerName::canonical(serverName);
    const std::string sni = sniNameFor(name);
    {
        std::lock_guard lock(mutex_);
        certificates_.erase(sni);
        watchers_.erase(sni);
    }
    if (board_) board_->removeChallenge(kType, sni);
}

bool TlsAlpn01Responder::watchValidation(const std::string& serverName, const Challenge&, std::function<void()> seen) {
    const std::string sni = sniNameFor(ServerName::canonical(serverName));
    std::lock_guard lock(mutex_);
    if (certificates_.count(sni) == 0) return false;
    watchers_.insert_or_assign(sni, std::move(seen));
    return true;
}

std::optional<ChallengeCertificate> TlsAlpn01Responder::challengeCertificate(const std::string& sniName) const {
    const std::string sni = ServerName::lowerAscii(sniName);
    {
        std::lock_guard lock(mutex_);  // held while telling: no call after stopResponding returns
        const auto it = certificates_.find(sni);
        if (it != certificates_.end()) {
            if (const auto watcher = watchers_.find(sni); watcher != watchers_.end()) watcher->second();
            return it->second;
        }
    }
    if (!board_) return std::nullopt;
    // the certificate names the address a reverse-DNS name stands for (RFC 8738 §6)
    std::string name = sni;
    if (sni.ends_with(".arpa")) {
        auto address = ServerName::addressOfReverseDnsName(sni);
        if (!address) return std::nullopt;
        name = std::move(*address);
    }
    // another server of the fleet may be answering this name
    std::optional<std::string> answer;
    try {
        answer = board_->challengeAnswer(kType, sni);
    } catch (const InvalidNameError&) {
        return std::nullopt;  // no name a challenge could be posted under
    } catch (const Error& e) {
        logger().warning("cannot read the challenge board: " + std::string(e.what()));
        return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    if (!answer) {
        shared_.erase(sni);
        return std::nullopt;
    }
    auto kept = shared_.find(sni);
    if (kept == shared_.end() || kept->second.first != *answer) {
        try {
            kept = shared_.insert_or_assign(sni, std::make_pair(*answer, makeChallengeCertificate(name, *answer))).first;
        } catch (const Error& e) {
            logger().warning("cannot answer " + sni + " from the challenge board: " + e.what());
            return std::nullopt;
        }
    }
    return kept->second.second;
}

std::uint16_t TlsAlpn01Responder::listen(const std::string& host, std::uint16_t port) {
    stop();
    auto listener = std::make_unique<Listener>();
    detail::listenExclusively(listener->socket, Poco::Net::SocketAddress(host, port), 64);
    listener->ctx.reset(SSL_CTX_new(TLS_server_method()));
    if (!listener->ctx) throw CryptoError("SSL_CTX_new failed");
    SSL_CTX_set_min_proto_version(listener->ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_tlsext_servername_callback(listener->ctx.get(), selectCertificate);
    SSL_CTX_set_tlsext_servername_arg(listener->ctx.get(), this);
    SSL_CTX_set_alpn_select_cb(listener->ctx.get(), selectAlpn, nullptr);
    const std::uint16_t bound = listener->socket.address().port();
    listener->handshakes = std::make_unique<WorkerPool>(kHandshakeWorkers, "cxxacme.responder.tls-alpn-01");
    listener->thread = std::thread([l = listener.get()] { l->run(); });
    std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
    return bound;
}

void TlsAlpn01Responder::stop() {
    std::unique_ptr<Listener> listener;
    {
        std::lock_guard lock(mutex_);
        listener = std::move(listener_);
    }
    if (!listener) return;
    listener->stopping = true;
    if (listener->thread.joinable()) listener->thread.join();
    listener->handshakes.reset();  // lets running handshakes end (each within its timeout); drops queued ones
}

}  // namespace cxxacme::responders
