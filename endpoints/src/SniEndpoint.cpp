#include "cxxacme/endpoints/SniEndpoint.h"

#include <openssl/ssl.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

#include <Poco/Logger.h>
#include <Poco/Net/SocketAddress.h>

#include "cxxacme/Error.h"
#include "cxxacme/IChangeNotifier.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/detail/ExclusiveListen.h"
#include "cxxacme/detail/StoreKeysNaming.h"

namespace cxxacme::endpoints {

namespace {

constexpr std::string_view kHttp11 = "http/1.1";
// Mozilla's "intermediate" TLS 1.2 suites: forward secret, AEAD only.
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.endpoint.sni"); }

int exDataIndex() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

/// The host_name of an RFC 6066 server_name extension; false when malformed.
bool parseServerName(const unsigned char* data, std::size_t length, std::string& name) {
    if (length < 2) return false;
    const std::size_t listLength = (std::size_t{data[0]} << 8) | data[1];
    if (listLength + 2 != length) return false;
    for (std::size_t i = 2; i < length;) {
        if (i + 3 > length) return false;
        const unsigned type = data[i];
        const std::size_t nameLength = (std::size_t{data[i + 1]} << 8) | data[i + 2];
        i += 3;
        if (i + nameLength > length) return false;
        if (type == 0) {  // host_name
            if (nameLength == 0 || nameLength > 255) return false;
            for (std::size_t j = 0; j < nameLength; ++j) {
                const unsigned char c = data[i + j];
                if (c <= 0x20 || c >= 0x7f) return false;
            }
            name.assign(reinterpret_cast<const char*>(data + i), nameLength);
            return true;
        }
        i += nameLength;
    }
    return true;  // no host_name in the list
}

/// `protocol` in an RFC 7301 list of length-prefixed names, or null (also
/// for a malformed list).
const unsigned char* findProtocol(const unsigned char* list, std::size_t length, std::string_view protocol) {
    for (std::size_t i = 0; i < length;) {
        const std::size_t len = list[i];
        if (i + 1 + len > length) return nullptr;
        if (len == protocol.size() && std::memcmp(list + i + 1, protocol.data(), len) == 0) return list + i + 1;
        i += 1 + len;
    }
    return nullptr;
}

/// Whether the ALPN extension (the list with its 2-byte length) offers `protocol`.
bool offersProtocol(const unsigned char* data, std::size_t length, std::string_view protocol) {
    if (length < 2 || ((std::size_t{data[0]} << 8) | data[1]) + 2 != length) return false;
    return findProtocol(data + 2, length - 2, protocol) != nullptr;
}

/// Selects `protocol` from the list the ALPN callback gets.
bool selectProtocol(const unsigned char* in, unsigned inlen, std::string_view protocol, const unsigned char** out,
                    unsigned char* outlen) {
    const unsigned char* found = findProtocol(in, inlen, protocol);
    if (!found) return false;
    *out = found;
    *outlen = static_cast<unsigned char>(protocol.size());
    return true;
}

// what a connection's ClientHello asked for, kept on it for the ALPN callback: the address of one of these
const char kSiteTag = 0;
const char kAcmeTlsTag = 0;
void* const kSite = const_cast<char*>(&kSiteTag);
void* const kAcmeTls = const_cast<char*>(&kAcmeTlsTag);

Poco::Net::Context::Ptr makeServerContext() {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    params.cipherList = kCipherList;
    params.ecdhCurve = "X25519:P-256:P-384";
    params.dhUse2048Bits = true;  // POCO's 1024-bit default is refused by OpenSSL 3, leaving an error queued
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    SSL_CTX* ctx = context->sslContext();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    return context;
}

}  // namespace

struct SniEndpoint::Stats {
    std::atomic<std::uint64_t> served{0}, challenges{0}, defaulted{0}, refused{0};
};

SniEndpoint::SniEndpoint(ICertificateStore& store, SniEndpointOptions options)
    : store_(store),
      options_(std::move(options)),
      context_(makeServerContext()),
      socket_(context_),
      stats_(std::make_unique<Stats>()) {
    SSL_CTX* ctx = context_->sslContext();
    SSL_CTX_set_client_hello_cb(ctx, &SniEndpoint::onClientHello, this);
    SSL_CTX_set_alpn_select_cb(ctx, &SniEndpoint::onAlpn, this);
    exDataIndex();

    refresh();
    if (auto* notifier = dynamic_cast<IChangeNotifier*>(&store_))
        storeSubscription_ = notifier->onChange([this](const std::string& name) { refresh(name); });

    const Poco::Net::SocketAddress address = options_.interface.empty()
                                                 ? Poco::Net::SocketAddress(options_.port)
                                                 : Poco::Net::SocketAddress(options_.interface, options_.port);
    detail::listenExclusively(socket_, address, options_.backlog);
}

SniEndpoint::~SniEndpoint() {
    storeSubscription_.reset();
    SSL_CTX_set_client_hello_cb(context_->sslContext(), nullptr, nullptr);
    SSL_CTX_set_alpn_select_cb(context_->sslContext(), nullptr, nullptr);
}

std::uint16_t SniEndpoint::port() const { return socket_.address().port(); }

void SniEndpoint::refresh() {
    certificates_.replaceAll(store_.asMap());
    logger().information("serving " + std::to_string(certificates_.size()) + " certificates");
}

void SniEndpoint::refresh(const std::string& storeName) {
    try {
        certificates_.update(storeName, store_.get(storeName));
        logger().information("reloaded " + storeName);
    } catch (const Error& e) {
        logger().warning("keeping the served certificate for " + storeName + ": " + e.what());
    }
}

void SniEndpoint::refreshEntriesNaming(const std::string& name) {
    std::vector<std::string> keys;
    try {
        keys = detail::storeKeysNaming(store_, name);
    } catch (const Error& e) {
        logger().warning("cannot look up the entries of " + name + ": " + e.what());
        return;
    }
    for (const auto& key : keys) refresh(key);
}

SniEndpoint::Counters SniEndpoint::counters() const {
    return {stats_->served.load(), stats_->challenges.load(), stats_->defaulted.load(), stats_->refused.load()};
}

int SniEndpoint::onClientHello(SSL* ssl, int* alert, void* arg) {
    return static_cast<SniEndpoint*>(arg)->chooseCertificate(ssl, alert);
}

int SniEndpoint::chooseCertificate(SSL* ssl, int* alert) {
    const unsigned char* data = nullptr;
    std::size_t length = 0;
    std::string sni;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &data, &length) == 1 &&
        !parseServerName(data, length, sni)) {
        *alert = SSL_AD_DECODE_ERROR;
        ++stats_->refused;
        return SSL_CLIENT_HELLO_ERROR;
    }
    bool acmeTls = false;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data, &length) == 1)
        acmeTls = offersProtocol(data, length, KeyAuthorization::kAcmeTlsAlpnProtocol);

    // tls-alpn-01: a validator offers acme-tls/1 (and nothing else we speak)
    if (acmeTls) {
        if (options_.tlsAlpn01 && !sni.empty()) {
            if (const auto challenge = options_.tlsAlpn01->challengeCertificate(sni)) {
                if (SSL_use_certificate(ssl, challenge->certificate.native()) == 1 &&
                    SSL_use_PrivateKey(ssl, challenge->key.native()) == 1) {
                    SSL_set_ex_data(ssl, exDataIndex(), kAcmeTls);
                    ++stats_->challenges;
                    return SSL_CLIENT_HELLO_SUCCESS;
                }
                *alert = SSL_AD_INTERNAL_ERROR;
                ++stats_->refused;
                return SSL_CLIENT_HELLO_ERROR;
            }
        }
        logger().debug("acme-tls/1 handshake for \"" + InvalidNameError::printable(sni) + "\" without an active challenge");
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        ++stats_->refused;
        return SSL_CLIENT_HELLO_ERROR;
    }
    // tls-sni-01, when enabled
    if (options_.tlsSni01 && sni.size() > 13 && sni.ends_with(".acme.invalid")) {
        if (const auto challenge = options_.tlsSni01->challengeCertificate(sni)) {
            if (SSL_use_certificate(ssl, challenge->certificate().native()) == 1 &&
                SSL_use_PrivateKey(ssl, challenge->privateKey().native()) == 1) {
                SSL_set_ex_data(ssl, exDataIndex(), kSite);
                ++stats_->challenges;
                return SSL_CLIENT_HELLO_SUCCESS;
            }
        }
    }
    std::shared_ptr<const CertificateMap::Entry> entry;
    bool defaulted = false;
    if (!sni.empty()) entry = certificates_.find(sni);
    if (!entry && !sni.empty() && options_.onUnknownName) {
        const std::string name = ServerName::lowerAscii(sni);
        if (options_.onUnknownName(name)) {
            entry = certificates_.find(name);
            if (!entry) {  // stored, and the store's notice not here yet: its entry, or one of several names
                refreshEntriesNaming(name);
                entry = certificates_.find(name);
            }
        }
    }
    if (!entry && !options_.defaultName.empty()) {
        entry = certificates_.findByStoreName(options_.defaultName);
        defaulted = entry != nullptr;
    }
    if (!entry) {
        *alert = sni.empty() ? SSL_AD_HANDSHAKE_FAILURE : SSL_AD_UNRECOGNIZED_NAME;
        ++stats_->refused;
        return SSL_CLIENT_HELLO_ERROR;
    }
    if (!entry->applyTo(ssl)) {
        logger().error("cannot use the certificate of " + entry->storeName());
        *alert = SSL_AD_INTERNAL_ERROR;
        ++stats_->refused;
        return SSL_CLIENT_HELLO_ERROR;
    }
    SSL_set_ex_data(ssl, exDataIndex(), kSite);
    ++(defaulted ? stats_->defaulted : stats_->served);
    return SSL_CLIENT_HELLO_SUCCESS;
}

int SniEndpoint::onAlpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                        unsigned int inlen, void*) {
    if (SSL_get_ex_data(ssl, exDataIndex()) == kAcmeTls)
        return selectProtocol(in, inlen, KeyAuthorization::kAcmeTlsAlpnProtocol, out, outlen) ? SSL_TLSEXT_ERR_OK
                                                                                             : SSL_TLSEXT_ERR_ALERT_FATAL;
    return selectProtocol(in, inlen, kHttp11, out, outlen) ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

}  // namespace cxxacme::endpoints
