#pragma once

// A bare ACME requester for mock-acme's protocol tests: it signs what it is
// told to sign and can break any part of a request on purpose. It is not an
// ACME client (cxxacme's client is tested against mock-acme and pebble).

#include <openssl/ssl.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "cxxacme/Base64Url.h"
#include "cxxacme/Certificate.h"
#include "cxxacme/FlattenedJws.h"
#include "cxxacme/detail/Json.h"

namespace cxxacme::test {

struct Reply {
    int status = 0;
    std::string body;
    std::multimap<std::string, std::string> headers;

    std::string header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    /// URLs of the Link headers with this rel.
    std::vector<std::string> links(const std::string& rel) const {
        std::vector<std::string> out;
        const auto [b, e] = headers.equal_range("Link");
        for (auto it = b; it != e; ++it)
            if (it->second.find("rel=\"" + rel + "\"") != std::string::npos)
                out.push_back(it->second.substr(1, it->second.find('>') - 1));
        return out;
    }
    Poco::JSON::Object::Ptr json() const { return detail::parseJsonObject(body, 1 << 22, "reply"); }
    std::string str(const std::string& member) const { return json()->getValue<std::string>(member); }
    /// The short ACME error type of a problem reply ("badNonce"), or "".
    std::string problem() const {
        if (header("Content-Type") != "application/problem+json") return "";
        const std::string type = json()->getValue<std::string>("type");
        const std::string prefix = "urn:ietf:params:acme:error:";
        return type.starts_with(prefix) ? type.substr(prefix.size()) : type;
    }
};

/// How to break a signed request.
struct Tamper {
    std::string nonce;            ///< use this nonce instead of a fresh one
    std::string headerUrl;        ///< put this url in the protected header
    std::string contentType = "application/jose+json";
    bool bothKidAndJwk = false;
    bool flipSignature = false;
    /// How the body is framed: by Content-Length, as every ACME client frames it, or chunked,
    /// or with neither (no Content-Length field at all)
    enum class Framing { Length, Chunked, None };
    Framing framing = Framing::Length;
    std::string replayNonceField;  ///< sent as an HTTP `Replay-Nonce` field when not empty
};

class AcmeTestSession {
public:
    AcmeTestSession(const std::string& directoryUrl, const std::string& caPem) : directoryUrl_(directoryUrl) {
        Poco::Net::Context::Params params;
        params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
        params.loadDefaultCAs = false;
        context_ = new Poco::Net::Context(Poco::Net::Context::CLIENT_USE, params);
        const Certificate ca = Certificate::fromPem(caPem);
        X509_STORE_add_cert(SSL_CTX_get_cert_store(context_->sslContext()), ca.native());
        directory_ = get(directoryUrl).json();
    }

    std::string dir(const std::string& name) const { return directory_->getValue<std::string>(name); }

    /// Sent with every request from now on, as a browser sends `Origin` with a script's.
    std::vector<std::pair<std::string, std::string>> extraHeaders;

    Reply request(const std::string& method, const std::string& url, const std::string& body = "",
                  const std::string& contentType = "", Tamper::Framing framing = Tamper::Framing::Length,
                  const std::vector<std::pair<std::string, std::string>>& fields = {}) {
        const Poco::URI uri(url);
        std::unique_ptr<Poco::Net::HTTPClientSession> session;
        if (uri.getScheme() == "https")
            session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context_);
        else
            session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
        session->setTimeout(Poco::Timespan(30, 0));
        Poco::Net::HTTPRequest req(method, uri.getPathEtc(), Poco::Net::HTTPMessage::HTTP_1_1);
        if (!contentType.empty()) req.setContentType(contentType);
        for (const auto& [name, value] : extraHeaders) req.set(name, value);
        for (const auto& [name, value] : fields) req.set(name, value);
        if (method == "POST" && framing == Tamper::Framing::Length)
            req.setContentLength(static_cast<std::streamsize>(body.size()));
        if (framing == Tamper::Framing::Chunked) req.setChunkedTransferEncoding(true);
        session->sendRequest(req) << body;
        Poco::Net::HTTPResponse resp;
        std::istream& in = session->receiveResponse(resp);
        Reply reply;
        reply.status = resp.getStatus();
        if (method != "HEAD") Poco::StreamCopier::copyToString(in, reply.body);
        for (const auto& [name, value] : resp) reply.headers.emplace(name, value);
        return reply;
    }

    Reply get(const std::string& url) { return request("GET", url); }

    std::string nonce() {
        const Reply r = request("HEAD", dir("newNonce"));
        return r.header("Replay-Nonce");
    }

    /// A signed POST; `kid` empty means a `jwk` header.
    Reply post(const std::string& url, const ISigner& signer, const std::string& kid, const std::string& payload,
               const Tamper& tamper = {}) {
        Poco::JSON::Object header;
        header.set("nonce", tamper.nonce.empty() ? nonce() : tamper.nonce);
        header.set("url", tamper.headerUrl.empty() ? url : tamper.headerUrl);
        if (kid.empty() || tamper.bothKidAndJwk) header.set("jwk", signer.publicJwk().toObject());
        if (!kid.empty()) header.set("kid", kid);
        FlattenedJws jws = FlattenedJws::sign(signer, header, payload);
        std::string body = jws.toJson();
        if (tamper.flipSignature) {
            std::string sig = Base64Url::decode(jws.signatureB64());
            sig[sig.size() / 2] ^= 1;
            body = R"({"protected":")" + jws.protectedB64() + R"(","payload":")" + jws.payloadB64() +
                   R"(","signature":")" + Base64Url::encode(sig) + R"("})";
        }
        std::vector<std::pair<std::string, std::string>> fields;
        if (!tamper.replayNonceField.empty()) fields.emplace_back("Replay-Nonce", tamper.replayNonceField);
        return request("POST", url, body, tamper.contentType, tamper.framing, fields);
    }

    /// newAccount; returns the account URL (kid).
    std::string newAccount(const ISigner& signer, const std::string& payload = R"({"termsOfServiceAgreed":true})") {
        const Reply r = post(dir("newAccount"), signer, "", payload);
        return r.header("Location");
    }

private:
    std::string directoryUrl_;
    Poco::Net::Context::Ptr context_;
    Poco::JSON::Object::Ptr directory_;
};

}  // namespace cxxacme::test
