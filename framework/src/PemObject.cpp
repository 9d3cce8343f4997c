#include "cxxacme/PemObject.h"

#include <openssl/evp.h>

#include <climits>

#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/Error.h"

namespace cxxacme {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kEnd = "-----END ";
constexpr std::string_view kDashes = "-----";

std::string describe(std::size_t index, const std::string& label) {
    return "PEM object " + std::to_string(index) + " (" + label + ")";
}

// RFC 7468's strict base64: whitespace between the characters, "=" only as
// the last one or two, nothing after them.
std::string decodeBase64(std::string_view body, const std::string& where) {
    std::string packed;
    packed.reserve(body.size());
    for (char c : body) {
        if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                        c == '/' || c == '=';
        if (!ok) throw PemError(where + ": invalid character in base64 body");
        packed.push_back(c);
    }
    const std::size_t padding = packed.ends_with("==") ? 2 : packed.ends_with("=") ? 1 : 0;
    if (packed.size() % 4 != 0 || packed.find('=') < packed.size() - padding)
        throw PemError(where + ": malformed base64 body");
    if (packed.size() > static_cast<std::size_t>(INT_MAX)) throw PemError(where + ": base64 body too large");
    std::string out(packed.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(packed.data()), static_cast<int>(packed.size()));
    if (n < 0) throw PemError(where + ": malformed base64 body");
    out.resize(static_cast<std::size_t>(n) - padding);  // EVP_DecodeBlock counts the padding as zero bytes
    return out;
}

bool isLabelChar(char c) { return c >= 0x21 && c <= 0x7e && c != '-'; }

}  // namespace

std::vector<PemObject> PemObject::parseAll(std::string_view text) { return parseBlocks(text, true); }

std::vector<PemObject> PemObject::parseBlocks(std::string_view text, bool decode) {
    if (text.size() > kMaxInputBytes)
        throw PemError("PEM input of " + std::to_string(text.size()) + " bytes is over the limit of " +
                       std::to_string(kMaxInputBytes));
    std::vector<PemObject> objects;
    std::size_t pos = 0;
    while (true) {
        const std::size_t begin = text.find(kBegin, pos);
        if (begin == std::string_view::npos) break;
        if (begin != 0 && text[begin - 1] != '\n') {  // "-----BEGIN" must start a line
            pos = begin + kBegin.size();
            continue;
        }
        const std::size_t index = objects.size() + 1;
        if (index > kMaxObjects) throw PemError("more than " + std::to_string(kMaxObjects) + " PEM objects");

        const std::size_t labelStart = begin + kBegin.size();
        const std::size_t labelEnd = text.find(kDashes, labelStart);
        const std::size_t lineEnd = text.find('\n', labelStart);
        if (labelEnd == std::string_view::npos || (lineEnd != std::string_view::npos && labelEnd > lineEnd))
            throw PemError("PEM object " + std::to_string(index) + ": malformed BEGIN line");
        PemObject object;
        object.label_ = std::string(text.substr(labelStart, labelEnd - labelStart));
        for (char c : object.label_)
            if (!isLabelChar(c) && c != ' ') throw PemError("PEM object " + std::to_string(index) + ": malformed label");
        const std::string where = describe(index, object.label_);

        const std::size_t bodyStart = labelEnd + kDashes.size();
        const std::size_t end = text.find(kEnd, bodyStart);
        const std::size_t otherBegin = text.find(kBegin, bodyStart);
        if (end == std::string_view::npos || (otherBegin != std::string_view::npos && otherBegin < end))
            throw PemError(where + ": no END line (truncated?)");
        const std::size_t endLabelStart = end + kEnd.size();
        const std::size_t endDashes = text.find(kDashes, endLabelStart);
        const std::size_t endEol = text.find('\n', endLabelStart);
        if (endDashes == std::string_view::npos || (endEol != std::string_view::npos && endDashes > endEol))
            throw PemError(where + ": incomplete END line (truncated?)");
        if (text.substr(endLabelStart, endDashes - endLabelStart) != object.label_)
            throw PemError(where + ": the END line does not match the BEGIN line");
        const std::string endLine = std::string(kEnd) + object.label_ + std::string(kDashes);
        std::size_t after = end + endLine.size();
        if (after < text.size() && text[after] == '\r') ++after;
        if (after < text.size() && text[after] == '\n') ++after;
        object.text_ = std::string(text.substr(begin, after - begin));

        const std::string_view body = text.substr(bodyStart, end - bodyStart);
        if (body.find(':') != std::string_view::npos) {
            if (object.label_.find("PRIVATE KEY") != std::string::npos)
                throw PemError(where + ": encrypted private keys (Proc-Type headers) are not supported");
            throw PemError(where + ": PEM headers are not supported");
        }
        object.der_ = decodeBase64(body, where);
        if (object.der_.empty()) throw PemError(where + ": empty body");

        const std::string& label = object.label_;
        if (!decode) {
            objects.push_back(std::move(object));
            pos = after;
            continue;
        }
        try {
            if (label == "PRIVATE KEY" || label == "RSA PRIVATE KEY" || label == "EC PRIVATE KEY") {
                object.kind_ = Kind::PrivateKey;
                object.key_ = PrivateKey::fromDer(object.der_);
            } else if (label == "CERTIFICATE") {
                object.kind_ = Kind::Certificate;
                object.cert_ = Certificate::fromDer(object.der_);
            } else if (label == "CERTIFICATE REQUEST" || label == "NEW CERTIFICATE REQUEST") {
                object.kind_ = Kind::CertificateRequest;
                (void)CertificateSigningRequest::fromDer(object.der_);
            } else if (label == "PUBLIC KEY") {
                object.kind_ = Kind::PublicKey;
                (void)PublicKey::fromDer(object.der_);
            }
        } catch (const Error& e) {
            throw PemError(where + ": does not decode: " + e.what());
        }
        objects.push_back(std::move(object));
        pos = after;
    }
    return objects;
}

// Text made here from an object already decoded: split into blocks, not decoded again.
PemObject PemObject::fromPrivateKey(const PrivateKey& key) {
    auto objects = parseBlocks(key.toPem(), false);
    PemObject object = std::move(objects.at(0));
    object.kind_ = Kind::PrivateKey;
    object.key_ = key;
    return object;
}

PemObject PemObject::fromCertificate(const Certificate& cert) {
    auto objects = parseBlocks(cert.toPem(), false);
    PemObject object = std::move(objects.at(0));
    object.kind_ = Kind::Certificate;
    object.cert_ = cert;
    return object;
}

std::string PemObject::serialize(const std::vector<PemObject>& objects) {
    std::string out;
    for (const auto& object : objects) out += object.text_;
    return out;
}

const PrivateKey& PemObject::privateKey() const {
    if (!key_) throw PemError("PEM object (" + label_ + ") is not a private key");
    return *key_;
}

const Certificate& PemObject::certificate() const {
    if (!cert_) throw PemError("PEM object (" + label_ + ") is not a certificate");
    return *cert_;
}

}  // namespace cxxacme
