#include "cxxacme/testing/TlsProbe.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme::testing {

struct TlsProbe::Native {
    Poco::Net::StreamSocket socket;
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{nullptr, SSL_CTX_free};
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl{nullptr, SSL_free};
};

TlsProbe::TlsProbe(TlsProbeOptions options) : options_(std::move(options)), native_(std::make_unique<Native>()) {
    const std::string where = options_.host + ":" + std::to_string(options_.port);
    const Poco::Timespan timeout(std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout).count());
    try {
        native_->socket.connect(Poco::Net::SocketAddress(options_.host, options_.port), timeout);
        native_->socket.setReceiveTimeout(timeout);
        native_->socket.setSendTimeout(timeout);
    } catch (const Poco::Exception& e) {
        throw NetworkError(where, e.displayText());
    }
    native_->ctx.reset(SSL_CTX_new(TLS_client_method()));
    if (!native_->ctx) throw CryptoError("SSL_CTX_new failed");
    SSL_CTX_set_verify(native_->ctx.get(), SSL_VERIFY_NONE, nullptr);  // checked in verifyError()
    if (options_.maxTlsVersion) {
        SSL_CTX_set_min_proto_version(native_->ctx.get(), 0);
        SSL_CTX_set_security_level(native_->ctx.get(), 0);
        SSL_CTX_set_max_proto_version(native_->ctx.get(), options_.maxTlsVersion);
    }
    X509_STORE* store = SSL_CTX_get_cert_store(native_->ctx.get());
    for (const auto& root : options_.trustedRoots) X509_STORE_add_cert(store, root.native());
    native_->ssl.reset(SSL_new(native_->ctx.get()));
    SSL* ssl = native_->ssl.get();
    SSL_set_fd(ssl, native_->socket.impl()->sockfd());
    if (!options_.serverName.empty()) {
        SSL_set_tlsext_host_name(ssl, options_.serverName.c_str());
        SSL_set1_host(ssl, options_.serverName.c_str());
    }
    if (!options_.alpn.empty()) {
        std::string wire;
        for (const auto& protocol : options_.alpn) wire += static_cast<char>(protocol.size()) + protocol;
        SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()), static_cast<unsigned>(wire.size()));
    }
    if (SSL_connect(ssl) == 1) {
        ok_ = true;
    } else {
        error_ = detail::takeOpenSslErrors("TLS handshake with " + where + " failed");
    }
}

TlsProbe::~TlsProbe() {
    if (ok_) SSL_shutdown(native_->ssl.get());
}

std::vector<Certificate> TlsProbe::peerChain() const {
    std::vector<Certificate> chain;
    if (!ok_) return chain;
    STACK_OF(X509)* stack = SSL_get_peer_cert_chain(native_->ssl.get());  // the leaf first, for a client
    for (int i = 0; stack && i < sk_X509_num(stack); ++i) {
        X509* cert = sk_X509_value(stack, i);
        X509_up_ref(cert);
        chain.push_back(Certificate::adopt(cert));
    }
    return chain;
}

std::string TlsProbe::alpn() const {
    const unsigned char* data = nullptr;
    unsigned len = 0;
    if (ok_) SSL_get0_alpn_selected(native_->ssl.get(), &data, &len);
    return std::string(reinterpret_cast<const char*>(data), len);
}

std::string TlsProbe::version() const { return ok_ ? SSL_get_version(native_->ssl.get()) : ""; }

std::string TlsProbe::verifyError() const {
    if (!ok_) return "no handshake: " + error_;
    const long result = SSL_get_verify_result(native_->ssl.get());
    return result == X509_V_OK ? "" : X509_verify_cert_error_string(result);
}

TlsProbe::HttpReply TlsProbe::get(const std::string& path) {
    if (!ok_) throw NetworkError(options_.host, "no TLS connection: " + error_);
    SSL* ssl = native_->ssl.get();
    const std::string host = options_.serverName.empty() ? options_.host : options_.serverName;
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: cxxacme-tls-probe\r\n\r\n";
    if (SSL_write(ssl, request.data(), static_cast<int>(request.size())) <= 0)
        throw NetworkError(host, detail::takeOpenSslErrors("sending the request failed"));
    std::string data;
    char buffer[16384];
    std::size_t headerEnd = std::string::npos;
    std::size_t contentLength = 0;
    for (;;) {
        if (headerEnd != std::string::npos && data.size() >= headerEnd + 4 + contentLength) break;
        const int n = SSL_read(ssl, buffer, sizeof buffer);
        if (n <= 0) {
            if (headerEnd != std::string::npos) break;
            throw NetworkError(host, "the connection closed before a reply");
        }
        data.append(buffer, static_cast<std::size_t>(n));
        if (data.size() > (16u << 20)) throw NetworkError(host, "reply over 16 MiB");
        if (headerEnd == std::string::npos && (headerEnd = data.find("\r\n\r\n")) != std::string::npos) {
            std::string headers = data.substr(0, headerEnd);
            for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (const auto at = headers.find("\r\ncontent-length:"); at != std::string::npos)
                contentLength = std::stoul(headers.substr(at + 17));
        }
    }
    HttpReply reply;
    if (data.size() < 12 || !data.starts_with("HTTP/1.")) throw NetworkError(host, "not an HTTP reply");
    reply.status = std::stoi(data.substr(9, 3));
    reply.body = data.substr(headerEnd + 4, contentLength);
    return reply;
}

}  // namespace cxxacme::testing
