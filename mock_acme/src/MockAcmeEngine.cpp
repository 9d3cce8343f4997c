#include "cxxacme/mock_acme/MockAcmeEngine.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_set>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "cxxacme/AcmeResources.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/Base64Url.h"
#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/Jwk.h"
#include "cxxacme/Error.h"
#include "cxxacme/FlattenedJws.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/RevocationListBuilder.h"
#include "cxxacme/RevocationReason.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/detail/Json.h"
#include "cxxacme/detail/OpenSsl.h"
#include "CaaCheck.h"
#include "CsrPolicy.h"
#include "RandomPool.h"
#include "EngineState.h"
#include "PublicSuffixList.h"
#include "ReservedAddressBlocks.h"
#include "SnapshotFile.h"
#include "WeakRsaKey.h"

namespace cxxacme::mock_acme {

using namespace state;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// Serial numbers as map keys: upper-case hex without leading zeros, however
// they were written (BN_bn2hex pads to whole bytes; pebble's clients do not).
std::string serialKey(std::string hex) {
    std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const auto first = hex.find_first_not_of('0');
    return first == std::string::npos ? "0" : hex.substr(first);
}

std::string newId() { return Base64Url::encode(pooledRandomBytes(12)); }

// MockAcmeConfig::randomDirectoryEntry: a member's name as Boulder makes it (8 random bytes in
// base64url), and its value, the page Boulder names
std::string newRandomDirectoryKey() { return Base64Url::encode(pooledRandomBytes(8)); }
constexpr const char* kRandomDirectoryEntryPage = "https://community.letsencrypt.org/t/adding-random-entries-to-the-directory/33417";

// Where the issuing CA's CRL is, as pebble lays it out: BASE/crl/KEYID.crl
// ("" with CRLs off). Without a base URL, the listener's own address; a
// wildcard one (0.0.0.0, ::) is named by its loopback address, which a
// client can connect to anywhere.
std::string crlUrlOf(const MockAcmeConfig& config, const MockCertificateAuthority& ca) {
    if (!config.crl) return {};
    std::string base = config.crlBaseUrl;
    if (base.empty()) {
        const std::string host = config.crlHost == "0.0.0.0" ? "127.0.0.1" : config.crlHost == "::" ? "::1" : config.crlHost;
        base = "http://" + MockAcmeConfig::joinHostPort(host, config.crlPort) + "/";
    }
    if (!base.ends_with('/')) base += '/';
    return base + "crl/" + ca.issuingKeyId() + ".crl";
}

// How long after its revocation a certificate shows on the CRL: its serial
// (the low 60 bits of it, in hex here) modulo crlMaxDelay + 1, in seconds
// -- spread as pebble's random delays are, but known in advance.
Duration crlDelayOf(const std::string& serialHex, Duration maxDelay) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(maxDelay).count();
    if (seconds <= 0) return Duration::zero();
    const std::string low = serialHex.size() > 15 ? serialHex.substr(serialHex.size() - 15) : serialHex;
    return std::chrono::seconds(static_cast<long long>(std::stoull(low, nullptr, 16) % static_cast<unsigned long long>(seconds + 1)));
}

Object::Ptr obj() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

std::string text(const Object::Ptr& o) { return detail::toJsonText(*o); }

Object::Ptr identifierJson(const Identifier& id) {
    auto o = obj();
    o->set("type", id.typeName());
    o->set("value", id.value);
    return o;
}

AcmeProblem malformed(const std::string& detail) { return AcmeProblem("malformed", detail, 400); }

// RFC 9110 §15.5.6: 405, with the methods the resource does answer.
HttpResponse methodNotAllowed(std::string_view allow) {
    HttpResponse r = HttpResponse::fromProblem(AcmeProblem("malformed", "method not allowed", 405));
    r.addHeader("Allow", std::string(allow));
    return r;
}

// An RFC 9773 §4.1 certID, base64url(AKI) "." base64url(serial) without padding, in the form
// certificates are filed under (ariIdOf): the serial as DER writes it, with one 0x00 before a
// first byte whose high bit is set and none otherwise. A serial with a zero too many or too few
// names the same certificate, as Boulder reads the serial by its value. Anything else is 400
// malformed, as at Boulder, naming `what` holds it.
std::string canonicalCertId(const std::string& certId, const std::string& what) {
    const std::size_t dot = certId.find('.');
    if (dot == 0 || dot == std::string::npos || dot + 1 == certId.size() || certId.find('.', dot + 1) != std::string::npos)
        throw malformed(what + " is not base64url(AKI).base64url(serial) (RFC 9773 §4.1)");
    std::string serial;
    try {
        (void)Base64Url::decode(std::string_view(certId).substr(0, dot));
    } catch (const JoseError&) {
        throw malformed(what + ": its Authority Key Identifier is not base64url without padding");
    }
    try {
        serial = Base64Url::decode(std::string_view(certId).substr(dot + 1));
    } catch (const JoseError&) {
        throw malformed(what + ": its serial number is not base64url without padding");
    }
    const std::size_t first = serial.find_first_not_of('\0');
    serial.erase(0, first == std::string::npos ? serial.size() : first);
    if (serial.empty() || (static_cast<unsigned char>(serial[0]) & 0x80)) serial.insert(serial.begin(), '\0');
    return certId.substr(0, dot + 1) + Base64Url::encode(serial);
}

// Whether a Content-Type names application/jose+json (RFC 8555 §6.2), as RFC 9110 §8.3.1 reads
// a media type: type and subtype in any case, parameters after a ';' (whitespace before it).
bool isJoseJson(const std::string& contentType) {
    return Poco::icompare(Poco::trimRight(contentType.substr(0, contentType.find(';'))), "application/jose+json") == 0;
}

// What Let's Encrypt's front end asks of a POST's HTTP fields before it reads the JWS, in its
// order and words (Boulder's validPOSTRequest; pebble's verifyPOST asks the same): a body whose
// length is given (not chunked, not left out), the JWS media type (RFC 8555 §6.2, with §6.2's
// 415 where Boulder now answers 400), no nonce outside the JWS. Nothing is read or spent first.
void checkPostFields(const HttpRequest& request) {
    if (!request.contentLengthGiven) throw malformed("missing Content-Length header");
    if (!isJoseJson(request.contentType))
        throw AcmeProblem("malformed", "Content-Type must be application/jose+json", 415);
    if (request.replayNonceField)
        throw malformed("HTTP requests should NOT contain Replay-Nonce header. Use JWS nonce field");
}

// A management request's JSON object body (at most `limit` bytes); anything else is malformed.
Object::Ptr managementBody(const HttpRequest& request, std::size_t limit, const std::string& what) {
    try {
        return detail::parseJsonObject(request.body, limit, what);
    } catch (const JoseError& e) {
        throw malformed(e.what());
    }
}

// RFC 8555 §6.2: a refused JWS algorithm is badSignatureAlgorithm, whose
// document MUST list the algorithms the server takes.
AcmeProblem badSignatureAlgorithm(const std::string& detail) {
    Array::Ptr algs = new Array;
    for (const char* a : {"RS256", "ES256", "ES384", "EdDSA"}) algs->add(std::string(a));
    return AcmeProblem("badSignatureAlgorithm", detail, 400).withExtra("algorithms", algs);
}

// What a verified POST carries.
struct Post {
    FlattenedJws jws;
    std::string payload;
    Account* account = nullptr;    // with kid
    std::optional<Jwk> jwk;        // with jwk
};

// The expensive half of a POST's checks — JSON parsing and the signature —
// done before the engine's lock is taken, so that requests verify in
// parallel. Exchange::verify makes every check again in RFC order and only
// reuses these results (the signature's only when it was checked against the
// very key it finds under the lock); anything missing here is done there.
struct Preverified {
    std::optional<FlattenedJws> jws;
    std::optional<Jwk> jwk;
    std::optional<PublicKey> key;
    bool signatureValid = false;
};

// The value of `o` (engaged), leaving it empty: a pre-verified part is used once.
template <typename T>
T take(std::optional<T>& o) {
    T value = std::move(*o);
    o.reset();
    return value;
}

// What finalize hands from the locked part to the unlocked part and back.
struct FinalizeJob {
    std::string orderId;
    std::string accountId;
    std::string csrDer;
    std::vector<Identifier> identifiers;
    PublicKey accountKey;
    Duration lifetime{};
    LeafContents contents{};  // the profile's
    TimePoint now{};
    std::optional<TimePoint> notBefore, notAfter;  // requested in the order
    std::string ocspResponder;                     // MockAcmeConfig::ocspResponderUrl
    MockAcmeConfig::MustStaple mustStaple{};       // MockAcmeConfig::mustStaple
    MockAcmeConfig::CsrRules csrRules{};           // MockAcmeConfig::csrRules
    std::string crlDistributionPoint;              // MockAcmeEngine::crlUrl()
    // with MockAcmeConfig::checkCaa: each DNS name of the order (without "*.") and how it was validated
    std::vector<std::pair<std::string, CaaPolicy::Issuance>> caaChecks;
};

// A validation to run outside the lock, and what its CAA check needs.
struct ValidationJob {
    ValidationRequest request;
    std::string challengeId;
    std::optional<CaaPolicy::Issuance> caa;  // with MockAcmeConfig::checkCaa, for a DNS name
};

}  // namespace

namespace {

// The request logic. Holds the engine's lock for its whole life, except
// where validation and issuance are handed to workers.
class Exchange {
public:
    Exchange(const MockAcmeConfig& config, const std::string& baseUrl, TimePoint now, EngineState& state,
             const MockCertificateAuthority& ca, const PublicSuffixList* suffixes, Preverified* pre = nullptr)
        : config_(config), base_(baseUrl), now_(now), s_(state), ca_(ca), suffixes_(suffixes), pre_(pre) {}

    std::string url(const std::string& path) const { return base_ + path; }
    std::string accountUrl(const std::string& accountId) const { return url("/my-account/" + accountId); }

    // What the CAA check of an authorization's name needs (MockAcmeConfig::checkCaa; DNS names only).
    std::optional<CaaPolicy::Issuance> caaIssuance(const Authorization& authz, const std::string& accountId,
                                                   const std::string& method) const {
        if (!config_.checkCaa || authz.identifier.type != Identifier::Type::Dns) return std::nullopt;
        return CaaPolicy::Issuance{authz.wildcard, accountUrl(accountId), method};
    }

    // ---- directory and nonces
    HttpResponse directory() {
        auto dir = obj();
        dir->set("newNonce", url("/nonce-plz"));
        dir->set("newAccount", url("/sign-me-up"));
        dir->set("newOrder", url("/order-plz"));
        dir->set("revokeCert", url("/revoke-cert"));
        dir->set("keyChange", url("/rollover-account-key"));
        dir->set("renewalInfo", url("/renewal-info"));
        if (config_.preAuthorization) dir->set("newAuthz", url("/new-authz"));
        if (config_.randomDirectoryEntry) dir->set(newRandomDirectoryKey(), kRandomDirectoryEntryPage);
        auto meta = obj();
        if (!currentTerms().empty()) meta->set("termsOfService", termsUrl());
        meta->set("website", url("/"));
        Array::Ptr caa = new Array;
        for (const auto& name : config_.caaIdentities) caa->add(name);
        meta->set("caaIdentities", caa);
        meta->set("externalAccountRequired", config_.externalAccountRequired);
        if (config_.subdomainAuth) meta->set("subdomainAuthAllowed", true);  // RFC 9444 §4.4
        auto profiles = obj();
        for (const auto& [name, p] : config_.profiles) profiles->set(name, p.description);
        meta->set("profiles", profiles);
        dir->set("meta", meta);
        return json(200, dir);
    }

    // ---- the POST pipeline: RFC 8555 §6.2, §6.3, §6.5
    Post verify(const HttpRequest& request, const std::string& path, bool jwkAllowed, bool kidAllowed) {
        FlattenedJws jws = [&] {
            if (pre_ && pre_->jws) return take(pre_->jws);
            try {
                return FlattenedJws::parse(request.body, config_.maxBodyBytes);
            } catch (const JoseError& e) {
                throw malformed(e.what());
            }
        }();
        const auto& header = jws.protectedHeader();
        const std::string alg = jws.algorithm();
        const auto parsedAlg = jwsAlgorithmFromString(alg);
        if (!parsedAlg || isMacAlgorithm(*parsedAlg))
            throw badSignatureAlgorithm("JWS algorithm \"" + InvalidNameError::printable(alg) + "\" is not accepted");
        std::optional<std::string> nonce, jwsUrl, kid;
        try {
            nonce = detail::optionalString(header, "nonce", "JWS header");
            jwsUrl = detail::optionalString(header, "url", "JWS header");
            kid = detail::optionalString(header, "kid", "JWS header");
        } catch (const JoseError& e) {
            throw malformed(e.what());
        }
        if (!nonce || nonce->empty()) throw AcmeProblem("badNonce", "JWS has no nonce", 400);
        if (!s_.consumeNonce(*nonce)) throw AcmeProblem("badNonce", "JWS has an invalid or used nonce", 400);
        if (s_.roll(config_.nonceRejectPercent)) throw AcmeProblem("badNonce", "nonce rejected (injected fault)", 400);
        if (!jwsUrl) throw malformed("JWS header has no \"url\"");
        if (*jwsUrl != url(path))
            throw AcmeProblem("unauthorized", "JWS url \"" + InvalidNameError::printable(*jwsUrl) + "\" is not the request URL", 403);
        const bool hasJwk = header.has("jwk");
        if (hasJwk == kid.has_value()) throw malformed("JWS header must have exactly one of \"jwk\" and \"kid\"");

        Post post{std::move(jws), {}, nullptr, std::nullopt};
        PublicKey key = [&]() -> PublicKey {
            if (hasJwk) {
                if (!jwkAllowed) throw malformed("this request must be signed with \"kid\", not \"jwk\"");
                auto jwkObject = header.getObject("jwk");
                if (!jwkObject) throw malformed("JWS \"jwk\" is not an object");
                try {
                    post.jwk = pre_ && pre_->jwk ? take(pre_->jwk) : Jwk::fromJson(*jwkObject);
                } catch (const JoseError& e) {
                    throw AcmeProblem("badPublicKey", e.what(), 400);
                }
                return post.jwk->publicKey();
            }
            if (!kidAllowed) throw malformed("this request must be signed with \"jwk\", not \"kid\"");
            const std::string prefix = url("/my-account/");
            auto it = kid->starts_with(prefix) ? s_.accounts.find(kid->substr(prefix.size())) : s_.accounts.end();
            if (it == s_.accounts.end()) throw AcmeProblem("accountDoesNotExist", "no account with this kid", 400);
            if (it->second.status != "valid")
                throw AcmeProblem("unauthorized", "the account is " + it->second.status, 401);
            post.account = &it->second;
            return it->second.key.publicKey();
        }();
        checkKeyPolicy(key, hasJwk);  // an account's key was checked in full when it became the account's
        const bool checkedBefore = pre_ && pre_->key && pre_->key->native() == key.native();
        if (!(checkedBefore ? pre_->signatureValid : post.jws.verify(key))) throw malformed("JWS verification error");
        try {
            post.payload = post.jws.payload();
        } catch (const JoseError& e) {
            throw malformed(e.what());
        }
        return post;
    }

    // `fresh`: a key the server has not checked before (a JWS "jwk"), whose
    // RSA modulus is checked too (weakRsaKeyReason, about 40 µs).
    static void checkKeyPolicy(const PublicKey& key, bool fresh) {
        const std::string alg = key.algorithm();
        if (alg == "RSA" && (key.bits() < 2048 || key.bits() > 8192))
            throw AcmeProblem("badPublicKey", "RSA keys must have 2048 to 8192 bits", 400);
        if (alg == "EC" && key.curve() != "P-256" && key.curve() != "P-384")
            throw AcmeProblem("badPublicKey", "EC keys must be on P-256 or P-384", 400);
        if (fresh)
            if (const auto weak = weakRsaKeyReason(key)) throw AcmeProblem("badPublicKey", *weak, 400);
    }

    Object::Ptr payloadObject(const Post& post) {
        if (post.payload.empty()) throw malformed("this request needs a JSON payload (it is not POST-as-GET)");
        try {
            return detail::parseJsonObject(post.payload, config_.maxBodyBytes, "payload");
        } catch (const JoseError& e) {
            throw malformed(e.what());
        }
    }

    static void requirePostAsGet(const Post& post) {
        if (!post.payload.empty()) throw malformed("POST-as-GET needs an empty payload");
    }

    // A POST-as-GET signed by an account (its kid), to a resource that needs no
    // more: the directory, newNonce.
    void postAsGetByAccount(const HttpRequest& request) { requirePostAsGet(verify(request, request.path, false, true)); }

    // ---- accounts: §7.3
    HttpResponse newAccount(const HttpRequest& request) {
        Post post = verify(request, "/sign-me-up", true, false);
        auto payload = payloadObject(post);
        const Jwk& jwk = *post.jwk;
        const std::string thumbprint = jwk.thumbprint();
        if (auto found = s_.accountByThumbprint.find(thumbprint); found != s_.accountByThumbprint.end()) {
            Account& existing = s_.accounts.at(found->second);
            // RFC 8555 §7.3.6: a deactivated account's requests get unauthorized,
            // this one too (as pebble answers it), not the account
            if (existing.status != "valid")
                throw AcmeProblem("unauthorized", "the account with this key is " + existing.status, 401);
            HttpResponse r = json(200, accountJson(existing));
            r.addHeader("Location", accountUrl(existing.id));
            return r;
        }
        if (detail::isTrue(*payload, "onlyReturnExisting"))
            throw AcmeProblem("accountDoesNotExist", "no account for this key", 400);
        Account account{.id = newId(), .key = jwk, .thumbprint = thumbprint};
        account.contact = contacts(*payload);
        account.termsAgreed = detail::isTrue(*payload, "termsOfServiceAgreed");
        if (payload->has("externalAccountBinding")) {
            account.eabKeyId = checkExternalAccountBinding(*payload, jwk);
        } else if (config_.externalAccountRequired) {
            throw AcmeProblem("externalAccountRequired", "this server requires external account binding", 400);
        }
        if (const std::string& terms = currentTerms(); !terms.empty()) {
            if (!account.termsAgreed)  // as for changed terms: where to read them
                throw termsProblem("a new account must agree to the terms of service (\"termsOfServiceAgreed\": true)", termsUrl());
            account.agreedTerms = terms;
        }
        if (config_.registrationLimit > 0 || config_.registrationRangeLimit > 0) {
            // as Let's Encrypt's limits on new registrations per IP address and per IPv6 /48, checked once
            // nothing else refuses, and counted once neither does
            forgetStaleLimits();
            const auto limit = static_cast<std::size_t>(config_.registrationLimit);
            if (const auto made = s_.registrationsByAddress.find(request.clientAddress);
                limit > 0 && made != s_.registrationsByAddress.end() && made->second.within(now_, config_.registrationWindow) >= limit)
                throw rateLimited("too many new registrations (" + std::to_string(limit) + ") from this IP address",
                                  config_.registrationWindow, made->second.secondsUntilFewer(now_, config_.registrationWindow),
                                  "new-registrations-per-ip-address");
            const auto rangeLimit = static_cast<std::size_t>(config_.registrationRangeLimit);
            const std::optional<std::string> range = rangeLimit > 0 ? ipv6Range48(request.clientAddress) : std::nullopt;
            if (const auto made = range ? s_.registrationsByRange.find(*range) : s_.registrationsByRange.end();
                made != s_.registrationsByRange.end() && made->second.within(now_, config_.registrationRangeWindow) >= rangeLimit)
                throw rateLimited("too many new registrations (" + std::to_string(rangeLimit) + ") from this /48 subnet of IPv6 addresses",
                                  config_.registrationRangeWindow,
                                  made->second.secondsUntilFewer(now_, config_.registrationRangeWindow), "new-registrations-per-ipv6-range");
            if (limit > 0) s_.countRegistration(request.clientAddress, now_, limit);
            if (range) s_.countRegistrationRange(*range, now_, rangeLimit);
        }
        const std::string id = account.id;
        s_.accountByThumbprint[thumbprint] = id;
        s_.accounts.emplace(id, std::move(account));
        HttpResponse r = json(201, accountJson(s_.accounts.at(id)));
        r.addHeader("Location", accountUrl(id));
        return r;
    }

    std::string checkExternalAccountBinding(const Object& payload, const Jwk& accountKey) {
        auto eabObject = payload.getObject("externalAccountBinding");
        if (!eabObject) throw malformed("externalAccountBinding is not a JWS object");
        FlattenedJws eab = [&] {
            try {
                return FlattenedJws::fromObject(*eabObject);
            } catch (const JoseError& e) {
                throw malformed(std::string("externalAccountBinding: ") + e.what());
            }
        }();
        // RFC 8555 §7.3.4 asks for a MAC algorithm; HS256 is what CAs hand out,
        // HS384 and HS512 are what some clients (and pebble) accept as well.
        if (const auto alg = jwsAlgorithmFromString(eab.algorithm()); !alg || !isMacAlgorithm(*alg)) {
            Array::Ptr algs = new Array;
            for (const char* a : {"HS256", "HS384", "HS512"}) algs->add(std::string(a));
            throw AcmeProblem("badSignatureAlgorithm", "externalAccountBinding must use HS256, HS384 or HS512", 400)
                .withExtra("algorithms", algs);
        }
        std::string kid;
        try {
            kid = detail::requireString(eab.protectedHeader(), "kid", "externalAccountBinding");
            if (detail::requireString(eab.protectedHeader(), "url", "externalAccountBinding") != url("/sign-me-up"))
                throw malformed("externalAccountBinding url is not the newAccount URL");
            if (eab.protectedHeader().has("nonce")) throw malformed("externalAccountBinding must not have a nonce");
        } catch (const JoseError& e) {
            throw malformed(e.what());
        }
        const auto key = config_.eabKeys.find(kid);
        if (key == config_.eabKeys.end()) throw AcmeProblem("unauthorized", "unknown external account key id", 403);
        std::string mac;
        try {
            mac = Base64Url::decode(key->second);
        } catch (const JoseError&) {
            throw AcmeProblem("serverInternal", "the configured EAB key is not base64url", 500);
        }
        if (!eab.verifyHmac(mac)) throw AcmeProblem("unauthorized", "externalAccountBinding signature is invalid", 403);
        try {
            if (!(Jwk::parse(eab.payload()) == accountKey))
                throw AcmeProblem("unauthorized", "externalAccountBinding binds another key", 403);
        } catch (const JoseError& e) {
            throw malformed(std::string("externalAccountBinding payload: ") + e.what());
        }
        if (config_.eabSingleUse)
            for (const auto& [id, a] : s_.accounts)
                if (a.eabKeyId == kid)
                    throw AcmeProblem("unauthorized", "this external account key is already bound to an account", 403);
        return kid;
    }

    std::vector<std::string> contacts(const Object& payload) {
        std::vector<std::string> out;
        if (!payload.has("contact")) return out;
        auto array = payload.getArray("contact");
        if (!array) throw malformed("contact must be an array of strings");
        for (std::size_t i = 0; i < array->size(); ++i) {
            const auto v = array->get(static_cast<unsigned>(i));
            if (!v.isString()) throw malformed("contact must be an array of strings");
            const std::string c = v.convert<std::string>();
            if (!c.starts_with("mailto:")) throw AcmeProblem("unsupportedContact", "only mailto: contacts are supported", 400);
            const std::string address = c.substr(7);
            const auto at = address.find('@');
            if (at == std::string::npos || at == 0 || address.find_first_of(",?&% <>\"") != std::string::npos ||
                !ServerName::isValid(address.substr(at + 1)))
                throw AcmeProblem("invalidContact", "\"" + InvalidNameError::printable(c) + "\" is not a valid email contact", 400);
            out.push_back(c);
        }
        return out;
    }

    Object::Ptr accountJson(const Account& a) {
        auto o = obj();
        o->set("status", a.status);
        Array::Ptr contact = new Array;
        for (const auto& c : a.contact) contact->add(c);
        o->set("contact", contact);
        o->set("termsOfServiceAgreed", agreedToCurrentTerms(a));
        o->set("orders", url("/my-account/" + a.id + "/orders"));
        o->set("key", a.key.toObject());
        return o;
    }

    // The terms of service now: as changed through the management interface, or as configured.
    const std::string& currentTerms() const { return s_.termsOfService ? *s_.termsOfService : config_.termsOfService; }
    // Where a client and a person read them: mock-acme's own page under the URL the client used.
    std::string termsUrl() const {
        const std::string& terms = currentTerms();
        return MockAcmeConfig::isOwnTermsPath(terms) ? url(terms) : terms;
    }
    bool agreedToCurrentTerms(const Account& a) const {
        const std::string& terms = currentTerms();
        return terms.empty() ? a.termsAgreed : a.agreedTerms == terms;
    }

    // RFC 8555 §7.3.3: once the terms of service have changed, what leads to a new certificate
    // (newOrder, newAuthz, starting a challenge, finalize) waits until a person agrees to them
    // at the `instance` page; reading, downloading, revoking and deactivating do not.
    void requireCurrentTerms(const Account& a) {
        if (agreedToCurrentTerms(a)) return;
        const std::string page = url("/terms-agreement/" + a.id);
        throw termsProblem("the terms of service have changed to " + termsUrl() + "; a person must agree to them at " + page, page);
    }

    // RFC 8555 §7.3.3's answer: 403 userActionRequired, the terms in force in a Link header
    // (rel="terms-of-service"), and `instance`, where a person goes.
    AcmeProblem termsProblem(const std::string& detail, const std::string& instance) {
        problemHeaders_.emplace_back("Link", "<" + termsUrl() + ">;rel=\"terms-of-service\"");
        return AcmeProblem("userActionRequired", detail, 403).withExtra("instance", instance);
    }

    // The `instance` page of requireCurrentTerms, for a person rather than a client: GET shows
    // the terms' URL and a button, POST (the button; no JWS) agrees for the account.
    HttpResponse termsAgreement(const HttpRequest& request, const std::string& id) {
        const auto found = s_.accounts.find(id);
        if (found == s_.accounts.end()) throw AcmeProblem("malformed", "no such account", 404);
        Account& a = found->second;
        if (a.status != "valid") throw AcmeProblem("unauthorized", "the account is " + a.status, 403);
        const std::string terms = termsUrl();
        HttpResponse r;
        r.contentType = "text/html; charset=utf-8";
        r.addHeader("Cache-Control", "no-store");
        if (request.method == "POST") {
            a.agreedTerms = currentTerms();
            a.termsAgreed = true;
            r.body = "<!doctype html><title>Agreed</title><p>Account " + id + " agrees to the terms of service at <a href=\"" +
                     terms + "\">" + terms + "</a>.</p>\n";
            return r;
        }
        if (request.method != "GET" && request.method != "HEAD") {
            r.status = 405;
            r.addHeader("Allow", "GET, HEAD, POST");
            return r;
        }
        r.body = "<!doctype html><title>Terms of service</title><p>The terms of service are at <a href=\"" + terms + "\">" +
                 terms + "</a>.</p>" +
                 (agreedToCurrentTerms(a) ? std::string("<p>Account " + id + " agrees to them.</p>")
                                          : "<form method=\"post\"><button>Account " + id + " agrees</button></form>") +
                 "\n";
        return r;
    }

    // A page only to read (GET, HEAD); 405 naming them for another method.
    static std::optional<HttpResponse> readOnly(const HttpRequest& request) {
        if (request.method == "GET" || request.method == "HEAD") return std::nullopt;
        return methodNotAllowed("GET, HEAD");
    }

    // The website the directory's `meta` names: what this server is, and where to go on (as
    // Boulder's index page).
    HttpResponse website(const HttpRequest& request) {
        if (auto refused = readOnly(request)) return *refused;
        HttpResponse r;
        r.contentType = "text/html; charset=utf-8";
        const std::string dir = url("/dir");
        r.body = "<!doctype html><title>mock-acme</title><h1>mock-acme</h1><p>An ACME certificate authority (RFC 8555) for "
                 "tests, from cxxacme. What it issues is for tests: nothing trusts its roots unless told to.</p>"
                 "<p>ACME directory: <a href=\"" + dir + "\">" + dir + "</a></p>";
        if (!currentTerms().empty()) {
            const std::string terms = termsUrl();
            r.body += "<p>Terms of service: <a href=\"" + terms + "\">" + terms + "</a></p>";
        }
        r.body += "\n";
        return r;
    }

    // mock-acme's own terms of service (MockAcmeConfig::isOwnTermsPath), each version.
    HttpResponse ownTerms(const HttpRequest& request) {
        if (auto refused = readOnly(request)) return *refused;
        constexpr std::size_t kPrefix = MockAcmeConfig::kOwnTermsPath.size();
        const std::string version = request.path.size() > kPrefix ? request.path.substr(kPrefix + 1) : "";
        HttpResponse r;
        r.contentType = "text/plain; charset=utf-8";
        r.body = "mock-acme: terms of service" + (version.empty() ? std::string() : ", version " + version) +
                 "\n\nmock-acme is a certificate authority for tests. What it issues is for tests: nothing trusts its "
                 "roots unless told to, and it promises nothing about them. An account that agrees to these terms "
                 "(\"termsOfServiceAgreed\": true) takes them as they are.\n";
        return r;
    }

    // Management: {"url": URL or "", "requireAgreement": true (default) or false}. With
    // requireAgreement false the accounts that agreed to the terms before agree to these too.
    HttpResponse setTermsOfService(const HttpRequest& request) {
        const Object::Ptr payload = managementBody(request, 8192, "set-terms-of-service");
        const auto refuse = [] {
            return malformed(
                "set-terms-of-service needs {\"url\": \"https://...\" or \"\", \"requireAgreement\": true or false}");
        };
        if (!payload->has("url") || !payload->get("url").isString()) throw refuse();
        const std::string terms = payload->getValue<std::string>("url");
        if (!MockAcmeConfig::isTermsOfService(terms))
            throw malformed("set-terms-of-service: \"url\" is not an http(s) URL of printable ASCII without quotes or angle "
                            "brackets, nor /terms-of-service[/VERSION]");
        bool require = true;
        if (payload->has("requireAgreement")) {
            if (!payload->get("requireAgreement").isBoolean()) throw refuse();
            require = payload->getValue<bool>("requireAgreement");
        }
        changeTerms(terms, require);
        auto o = obj();
        o->set("termsOfService", terms);
        o->set("requireAgreement", require);
        return json(200, o);
    }

    // `terms` checked (MockAcmeConfig::isTermsOfService).
    void changeTerms(const std::string& terms, bool requireAgreement) {
        if (!requireAgreement)
            for (auto& [id, a] : s_.accounts)
                if (agreedToCurrentTerms(a)) a.agreedTerms = terms;
        s_.termsOfService = terms;
    }

    HttpResponse account(const HttpRequest& request, const std::string& id) {
        Post post = verify(request, "/my-account/" + id, false, true);
        if (post.account->id != id) throw AcmeProblem("unauthorized", "kid does not match the account URL", 403);
        if (!post.payload.empty()) {
            auto payload = payloadObject(post);
            // RFC 8555 §7.3.2: a status other than "deactivated" is not applied; the account's own
            // (as a client that sends back the object it read) is passed over, any other refused, as in
            // pebble. Everything is checked before anything changes.
            const auto status = payload->has("status") && payload->get("status").isString()
                                    ? std::optional(payload->getValue<std::string>("status"))
                                    : std::nullopt;
            if (payload->has("status") && status != "deactivated" && status != post.account->status)
                throw malformed("an account's status can only be changed to \"deactivated\"");
            if (payload->has("contact")) post.account->contact = contacts(*payload);
            if (status == "deactivated") {
                post.account->status = "deactivated";
                for (auto& [aid, authz] : s_.authorizations)
                    if (authz.accountId == id && (authz.status == "pending" || authz.status == "valid"))
                        authz.status = "deactivated";
            }
        }
        HttpResponse r = json(200, accountJson(*post.account));
        r.addHeader("Location", accountUrl(id));
        return r;
    }

    // §7.1.2.1: every order but the invalid ones, oldest first, a page at a
    // time; "?cursor=N" starts at the N-th.
    HttpResponse accountOrders(const HttpRequest& request, const std::string& id) {
        const std::string path = "/my-account/" + id + "/orders";
        Post post = verify(request, request.query.empty() ? path : path + "?" + request.query, false, true);
        if (post.account->id != id) throw AcmeProblem("unauthorized", "kid does not match the account URL", 403);
        requirePostAsGet(post);
        std::size_t cursor = 0;
        if (!request.query.empty()) {
            const std::string digits = request.query.starts_with("cursor=") ? request.query.substr(7) : "";
            if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
                throw malformed("the orders list takes ?cursor=N and nothing else");
            cursor = std::stoul(digits);
        }
        std::vector<std::string> listed;
        for (const auto& orderId : post.account->orderIds) {
            const auto order = s_.orders.find(orderId);
            if (order == s_.orders.end()) continue;
            refresh(order->second);
            if (order->second.status != "invalid") listed.push_back(orderId);
        }
        if (cursor > listed.size()) throw malformed("the cursor is past the end of the orders list");
        const std::size_t end = std::min(listed.size(), cursor + static_cast<std::size_t>(config_.ordersPerPage));
        Array::Ptr list = new Array;
        for (std::size_t i = cursor; i < end; ++i) list->add(url("/my-order/" + listed[i]));
        auto o = obj();
        o->set("orders", list);
        HttpResponse r = json(200, o);
        if (end < listed.size()) r.addHeader("Link", "<" + url(path + "?cursor=" + std::to_string(end)) + ">;rel=\"next\"");
        return r;
    }

    // §7.3.5
    HttpResponse keyChange(const HttpRequest& request) {
        Post outer = verify(request, "/rollover-account-key", false, true);
        auto innerObject = payloadObject(outer);
        FlattenedJws inner = [&] {
            try {
                return FlattenedJws::fromObject(*innerObject);
            } catch (const JoseError& e) {
                throw malformed(std::string("inner JWS: ") + e.what());
            }
        }();
        const auto& h = inner.protectedHeader();
        if (!h.has("jwk") || h.has("kid")) throw malformed("inner JWS must have \"jwk\" and no \"kid\"");
        if (h.has("nonce")) throw malformed("inner JWS must not have a nonce");
        Jwk newKey = [&] {
            try {
                return Jwk::fromJson(*h.getObject("jwk"));
            } catch (const JoseError& e) {
                throw AcmeProblem("badPublicKey", e.what(), 400);
            } catch (const Poco::Exception&) {
                throw malformed("inner JWS \"jwk\" is not an object");
            }
        }();
        const auto innerAlg = jwsAlgorithmFromString(inner.algorithm());
        if (!innerAlg || isMacAlgorithm(*innerAlg))
            throw badSignatureAlgorithm("inner JWS algorithm \"" + InvalidNameError::printable(inner.algorithm()) +
                                        "\" is not accepted");
        checkKeyPolicy(newKey.publicKey(), true);
        if (!inner.verify(newKey.publicKey())) throw malformed("inner JWS verification error");
        try {
            if (detail::requireString(h, "url", "inner JWS") != url("/rollover-account-key"))
                throw malformed("inner JWS url differs from the outer one");
            auto payload = detail::parseJsonObject(inner.payload(), config_.maxBodyBytes, "inner payload");
            if (detail::requireString(*payload, "account", "inner payload") != accountUrl(outer.account->id))
                throw malformed("inner payload names another account");
            auto oldKey = payload->getObject("oldKey");
            if (!oldKey || !(Jwk::fromJson(*oldKey) == outer.account->key))
                throw malformed("inner payload's oldKey is not the account's key");
        } catch (const JoseError& e) {
            throw malformed(e.what());
        }
        const std::string thumbprint = newKey.thumbprint();
        if (auto other = s_.accountByThumbprint.find(thumbprint); other != s_.accountByThumbprint.end()) {
            // §7.3.5: 409 with the URL of the account that has the key
            problemHeaders_.emplace_back("Location", accountUrl(other->second));
            throw AcmeProblem("malformed", "the new key is already in use by an account", 409);
        }
        s_.accountByThumbprint.erase(outer.account->thumbprint);
        outer.account->key = newKey;
        outer.account->thumbprint = thumbprint;
        s_.accountByThumbprint[thumbprint] = outer.account->id;
        return json(200, accountJson(*outer.account));
    }

    // One identifier object of newOrder or newAuthz: the identifier, or nothing with the
    // reason added to `rejected` (a name that is not valid or canonical). A type other
    // than dns and ip throws unsupportedIdentifier; a missing member, malformed. Under
    // Boulder's rules a name is judged as Boulder's policy judges it, in its words
    // (boulderDomainFault); whether it is blocked is asked after (blockedIdentifiers).
    std::optional<Identifier> readIdentifier(const Object& item, std::vector<AcmeProblem::Subproblem>& rejected) {
        std::string type, value;
        try {
            type = detail::requireString(item, "type", "identifier");
            value = detail::requireString(item, "value", "identifier");
        } catch (const JoseError& e) {
            throw malformed(e.what());
        }
        if (type != "dns" && type != "ip")
            throw AcmeProblem("unsupportedIdentifier", "identifier type \"" + InvalidNameError::printable(type) + "\" is not supported", 400);
        const Identifier::Type kind = type == "ip" ? Identifier::Type::Ip : Identifier::Type::Dns;
        if (kind == Identifier::Type::Dns && config_.identifierRules == MockAcmeConfig::IdentifierRules::Pebble)
            if (auto refusal = pebbleDomainRefusal(value)) throw AcmeProblem("malformed", *refusal, 400);
        // a name in any case is taken in lower case, as Boulder's and pebble's newOrder take it
        if (kind == Identifier::Type::Dns) value = ServerName::lowerAscii(value);
        if (config_.identifierRules == MockAcmeConfig::IdentifierRules::Boulder) {
            if (auto fault = kind == Identifier::Type::Dns ? boulderDomainFault(value, suffixes_)
                                                           : boulderIpFault(value, config_.refuseReservedAddresses)) {
                rejected.push_back({fault->first, fault->second, Identifier{kind, value}});
                return std::nullopt;
            }
        }
        try {
            Identifier id;
            // an IP address must be in RFC 8738 §3's text (RFC 5952 for IPv6), as Boulder says
            if (kind == Identifier::Type::Dns) {
                // a certificate's dNSName is ASCII (RFC 5280 §7.2): both rule sets have refused any other
                // byte by now, in their words, so ServerName never turns U-labels into A-labels here
                id = Identifier::dns(value);
            } else {
                id = Identifier::ip(value);
            }
            if (id.value != value) throw InvalidNameError(value, "is not in canonical form (shortest IP text)");
            return id;
        } catch (const InvalidNameError& e) {
            rejected.push_back({"rejectedIdentifier", e.what(), Identifier{kind, value}});
            return std::nullopt;
        }
    }

    // The identifiers of `ids` that policy forbids (--block-domain), each a subproblem; in
    // Boulder's words (its errPolicyForbidden) under its rules.
    std::vector<AcmeProblem::Subproblem> blockedIdentifiers(const std::vector<Identifier>& ids) const {
        std::vector<AcmeProblem::Subproblem> blocked;
        const bool boulder = config_.identifierRules == MockAcmeConfig::IdentifierRules::Boulder;
        for (const auto& id : ids)
            if (id.type == Identifier::Type::Dns && isBlocked(id.value))
                blocked.push_back({"rejectedIdentifier",
                                   boulder ? "The ACME server refuses to issue a certificate for this domain name, because it is "
                                             "forbidden by policy"
                                           : "policy forbids issuing for \"" + id.value + "\"",
                                   id});
        return blocked;
    }

    // The refusal of identifiers. Under Boulder's rules as its combineSubErrors and WFE make it:
    // rejectedIdentifier "Error creating new order :: Cannot issue for "NAME": DETAIL" for one (no
    // subproblems), and for more "... (and N more problems. Refer to sub-problems for more
    // information.)" with a subproblem each. Under pebble's, a subproblem each under `summary`.
    AcmeProblem identifiersRefused(std::vector<AcmeProblem::Subproblem> rejected, const std::string& creating,
                                   const std::string& summary) const {
        if (config_.identifierRules != MockAcmeConfig::IdentifierRules::Boulder)
            return AcmeProblem("rejectedIdentifier", summary, 400, std::move(rejected));
        const auto& first = rejected.front();
        std::string detail = "Error creating new " + creating + " :: Cannot issue for \"" +
                             InvalidNameError::printable(first.identifier.value, 1024) + "\": " + first.detail;
        if (rejected.size() == 1) return AcmeProblem("rejectedIdentifier", detail, 400);
        detail += " (and " + std::to_string(rejected.size() - 1) + " more problems. Refer to sub-problems for more information.)";
        return AcmeProblem("rejectedIdentifier", detail, 400, std::move(rejected));
    }

    // ---- pre-authorization: §7.4.1 (not in pebble nor Let's Encrypt)
    HttpResponse newAuthz(const HttpRequest& request) {
        Post post = verify(request, "/new-authz", false, true);
        auto payload = payloadObject(post);
        requireCurrentTerms(*post.account);
        const auto item = payload->getObject("identifier");
        if (!item) throw malformed("newAuthz needs an \"identifier\" object");
        std::vector<AcmeProblem::Subproblem> rejected;
        const auto id = readIdentifier(*item, rejected);
        if (id) rejected = blockedIdentifiers({*id});
        if (!rejected.empty())
            throw identifiersRefused(std::move(rejected), "authorization", "this server will not issue for that identifier");
        refusePausedIdentifiers(*post.account, {*id});
        if (ServerName::isWildcard(id->value))
            throw malformed("a wildcard cannot be pre-authorized (RFC 8555 §7.4.1); order it instead");
        // RFC 9444 §4.2: an authorization that serves the names below the identifier too
        bool subdomains = false;
        if (config_.subdomainAuth && item->has("subdomainAuthAllowed")) {
            if (!item->get("subdomainAuthAllowed").isBoolean()) throw malformed("subdomainAuthAllowed must be a boolean");
            subdomains = detail::isTrue(*item, "subdomainAuthAllowed");
            if (subdomains && id->type != Identifier::Type::Dns)
                throw malformed("subdomainAuthAllowed is for DNS names, not \"" + id->value + "\"");
        }
        const std::string authzId = newAuthorization(post.account->id, *id, false, "",
                                                     config_.windowsOf(config_.defaultProfile).authorizationLifetime, subdomains);
        if (config_.forgetAfter > Duration::zero()) s_.preauthorizationsByAge.emplace(now_, authzId);
        HttpResponse r = json(201, authzJson(s_.authorizations.at(authzId)));
        r.addHeader("Location", url("/authZ/" + authzId));
        return r;
    }

    // ---- orders: §7.4
    HttpResponse newOrder(const HttpRequest& request) {
        Post post = verify(request, "/order-plz", false, true);
        auto payload = payloadObject(post);
        Account& account = *post.account;
        requireCurrentTerms(account);
        forgetOldOrders();
        forgetStaleLimits();
        std::string profile = config_.defaultProfile;
        if (payload->has("profile")) {
            if (!payload->get("profile").isString()) throw malformed("profile must be a string");
            profile = payload->getValue<std::string>("profile");
            if (!config_.profiles.count(profile))
                throw AcmeProblem("invalidProfile", "unknown profile \"" + InvalidNameError::printable(profile) + "\"", 400);
        }
        const CertificateProfile& chosen = config_.profiles.at(profile);
        const MockAcmeConfig::ValidationWindows windows = config_.windowsOf(chosen);
        auto array = payload->getArray("identifiers");
        if (!array || array->size() == 0) throw malformed("newOrder needs a non-empty \"identifiers\" array");
        std::vector<Identifier> ids;
        std::vector<AcmeProblem::Subproblem> rejected;
        std::map<Identifier, Identifier> ancestors;  // RFC 9444: a name's ancestorDomain, whose authorization serves it
        for (std::size_t i = 0; i < array->size(); ++i) {
            auto item = array->getObject(static_cast<unsigned>(i));
            if (!item) throw malformed("each identifier must be an object");
            if (auto id = readIdentifier(*item, rejected)) {
                if (config_.subdomainAuth && item->has("ancestorDomain"))
                    if (auto ancestor = readAncestor(*id, *item, rejected))
                        if (!ancestors.emplace(*id, *ancestor).second && ancestors.at(*id) != *ancestor)
                            throw malformed("\"" + id->value + "\" is named twice with different ancestorDomain");
                ids.push_back(std::move(*id));
            }
        }
        if (rejected.empty()) rejected = blockedIdentifiers(ids);  // as Boulder: its policy once every name is well formed
        if (!rejected.empty())
            throw identifiersRefused(std::move(rejected), "order", "the order has identifiers this server will not issue for");
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());  // named twice: once, as Boulder and pebble
        refusePausedIdentifiers(account, ids);  // as Boulder: once the names are well formed, before any limit
        if (ids.size() > windows.maxNames)  // as Boulder: malformed (the body's size bounds what is read before)
            throw malformed("an order of the profile \"" + InvalidNameError::printable(profile) + "\" may have at most " +
                            std::to_string(windows.maxNames) + " identifiers, not " + std::to_string(ids.size()));

        // as Let's Encrypt's classic refuses IP addresses, naming the profiles that take the kind
        const auto issuesFor = [](const CertificateProfile& p, Identifier::Type type) {
            return type == Identifier::Type::Ip ? p.ipIdentifiers : p.dnsIdentifiers;
        };
        for (const auto& id : ids)
            if (!issuesFor(chosen, id.type)) {
                std::string detail = "the profile \"" + InvalidNameError::printable(profile) + "\" does not issue for " +
                                     (id.type == Identifier::Type::Ip ? "ip" : "dns") + " identifiers";
                std::string others;
                for (const auto& [name, p] : config_.profiles)
                    if (issuesFor(p, id.type)) others += (others.empty() ? "\"" : ", \"") + name + "\"";
                rejected.push_back({"rejectedIdentifier", detail + (others.empty() ? "" : "; profiles that do: " + others), id});
            }
        if (!rejected.empty())
            throw AcmeProblem("rejectedIdentifier", "the order has identifiers its profile does not issue for", 400, rejected);
        if (config_.identifierRules == MockAcmeConfig::IdentifierRules::Boulder) refuseRedundantNames(ids);
        // RFC 8555 §7.4: a requested validity, honoured within the profile's lifetime
        const auto requestedTime = [&](const char* field) -> std::optional<TimePoint> {
            if (!payload->has(field)) return std::nullopt;
            const auto t = payload->get(field).isString() ? parseRfc3339(payload->getValue<std::string>(field)) : std::nullopt;
            if (!t) throw malformed(std::string(field) + " must be an RFC 3339 date-time");
            return t;
        };
        const std::optional<TimePoint> notBefore = requestedTime("notBefore"), notAfter = requestedTime("notAfter");
        const Duration lifetime = chosen.lifetime;
        if (notAfter && *notAfter <= now_) throw malformed("notAfter is in the past");
        if (notBefore && notAfter && *notAfter <= *notBefore) throw malformed("notAfter is not after notBefore");
        if (notAfter && *notAfter - (notBefore ? *notBefore : now_) > lifetime)
            throw malformed("the requested validity is longer than the profile's " +
                            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(lifetime).count()) + " s");
        if (notBefore && *notBefore > now_ + windows.orderLifetime + lifetime)
            throw malformed("notBefore is too far in the future");

        std::optional<std::string> replaces;
        if (payload->has("replaces")) {
            if (!payload->get("replaces").isString()) throw malformed("replaces must be a string");
            replaces = canonicalCertId(payload->getValue<std::string>("replaces"), "replaces");
            auto it = s_.certificateByAriId.find(*replaces);
            if (it == s_.certificateByAriId.end())
                throw malformed("replaces names no certificate this server issued");
            // RFC 9773 §5: the same account, a shared identifier, and no
            // other replacing order unless that one is invalid
            const IssuedCertificate& old = s_.certificates.at(it->second);
            if (old.accountId != account.id) throw AcmeProblem("unauthorized", "replaces names another account's certificate", 403);
            if (std::none_of(ids.begin(), ids.end(), [&](const Identifier& id) {
                    return std::find(old.names.begin(), old.names.end(), id) != old.names.end();
                }))
                throw malformed("replaces names a certificate that has none of this order's identifiers");
            if (const auto other = replacingOrder(account, *replaces))
                throw AcmeProblem("alreadyReplaced", "that certificate is already replaced by order " + url("/my-order/" + *other), 409);
        }

        // as Let's Encrypt, a renewal that names the certificate it replaces within that
        // certificate's ARI window is exempt from the rate limit (and not counted); and, as
        // Boulder's NewOrderLimitTransactions, so is any renewal (the exact set issued in the
        // last 120 days) from the new orders per account
        const bool ariRenewal =
            replaces && now_ >= ariWindow(s_.certificates.at(s_.certificateByAriId.at(*replaces))).first;
        const bool renewal = ariRenewal || renewsExactSet(ids);
        if (config_.rateLimitOrders > 0 && !renewal &&
            account.recentOrders.within(now_, config_.rateLimitWindow) >= static_cast<std::size_t>(config_.rateLimitOrders))
            throw rateLimited("too many new orders (" + std::to_string(config_.rateLimitOrders) + ") from this account",
                              config_.rateLimitWindow, account.recentOrders.secondsUntilFewer(now_, config_.rateLimitWindow),
                              "new-orders-per-account");
        if (config_.failedAuthorizationLimit > 0 && !ariRenewal) refuseFailingIdentifiers(account, ids);
        if (config_.registeredDomainLimit > 0 && !ariRenewal && !renewsExactSet(ids)) refuseBusyDomains(ids);
        if (config_.duplicateCertificateLimit > 0 && !ariRenewal)
            if (auto issued = s_.issuedForSet.find(state::setKey(ids)); issued != s_.issuedForSet.end()) {
                if (issued->second.within(now_, config_.duplicateCertificateWindow) >=
                    static_cast<std::size_t>(config_.duplicateCertificateLimit))
                    throw rateLimited("too many certificates (" + std::to_string(config_.duplicateCertificateLimit) +
                                          ") already issued for this exact set of identifiers",
                                      config_.duplicateCertificateWindow,
                                      issued->second.secondsUntilFewer(now_, config_.duplicateCertificateWindow),
                                      "new-certificates-per-exact-set-of-identifiers");
            }

        // as Let's Encrypt, the account's order for the same names that is still pending or ready
        // (one that replaces a certificate is not, nor is one reused when `replaces` is asked:
        // the order must say what it replaces)
        const std::string reuseKey = EngineState::reuseKey(account.id, profile, ids, notBefore, notAfter);
        // (nor one that names an ancestorDomain: the key does not hold them)
        const bool reusable = !replaces && ancestors.empty();
        if (config_.orderReuse && reusable)
            if (const auto known = s_.reusableOrders.find(reuseKey); known != s_.reusableOrders.end())
                if (const auto it = s_.orders.find(known->second); it != s_.orders.end()) {
                    Order& existing = it->second;
                    refresh(existing);
                    if (existing.status == "pending" || existing.status == "ready") {
                        if (config_.rateLimitOrders > 0 && !renewal)  // counted as a new one, unless it renews a set
                            account.recentOrders.add(now_, static_cast<std::size_t>(config_.rateLimitOrders));
                        HttpResponse r = json(201, orderJson(existing));
                        r.addHeader("Location", url("/my-order/" + existing.id));
                        return r;
                    }
                }

        Order order;
        order.id = newId();
        order.accountId = account.id;
        order.created = now_;
        order.expires = now_ + windows.orderLifetime;
        order.identifiers = ids;
        order.profile = profile;
        order.replaces = replaces;
        order.ariRenewal = ariRenewal;
        order.notBefore = notBefore;
        order.notAfter = notAfter;
        std::map<Identifier, std::string> ancestorAuthorizations;  // one for the names that name it
        for (const auto& id : ids) {
            const auto ancestor = ancestors.find(id);
            if (ancestor == ancestors.end()) {
                order.authzIds.push_back(authorizationFor(account.id, id, profile, windows));
                continue;
            }
            auto [known, added] = ancestorAuthorizations.try_emplace(ancestor->second);
            if (!added) continue;
            known->second = subdomainAuthorizationFor(account.id, ancestor->second, profile, windows);
            order.authzIds.push_back(known->second);
        }
        // a name below a pre-authorized ancestor shares its authorization with others
        if (config_.subdomainAuth) {
            std::unordered_set<std::string> seen;
            std::erase_if(order.authzIds, [&seen](const std::string& aid) { return !seen.insert(aid).second; });
        }
        for (const auto& aid : order.authzIds) {
            Authorization& authz = s_.authorizations.at(aid);
            ++authz.orders;
            order.expires = std::min(order.expires, authz.expires);  // it cannot outlive one (as Boulder)
        }
        refresh(order);
        account.orderIds.push_back(order.id);
        if (config_.forgetAfter > Duration::zero()) s_.ordersByAge.emplace(now_, order.id);
        if (!renewal && config_.rateLimitOrders > 0)
            account.recentOrders.add(now_, static_cast<std::size_t>(config_.rateLimitOrders));
        const std::string orderId = order.id;
        if (reusable) s_.reusableOrders[reuseKey] = orderId;
        s_.orders.emplace(orderId, std::move(order));
        HttpResponse r = json(201, orderJson(s_.orders.at(orderId)));
        r.addHeader("Location", url("/my-order/" + orderId));
        return r;
    }

    using Fault = std::optional<std::pair<std::string, std::string>>;  // a problem type and its detail

    // Boulder's policy on a DNS name (its ValidDomain and validNonWildcardDomain, policy/pa.go),
    // checked in its order and refused in its words: a malformed subproblem for the name's syntax
    // (wildcards, characters, lengths, an IP address, a trailing dot, one label alone or more than
    // ten, an A-label that does not decode to a name in NFC: IDNA2008 here), rejectedIdentifier for
    // a label in the reserved R-LDH form ("??--" but an A-label's "xn--", RFC 5890 §2.3.1). Its
    // public-suffix rules are kept with a list (`suffixes`, MockAcmeConfig::publicSuffixList): a
    // wildcard's base is asked first, any other name last, as Boulder asks. Without one, the
    // reserved names tests use (.test, .example) are taken, and a last label of digits alone,
    // which those rules refuse, is refused in their words.
    static Fault boulderDomainFault(const std::string& domain, const PublicSuffixList* suffixes) {
        const auto malformed = [](const char* detail) { return Fault{{"malformed", detail}}; };
        std::string_view base = domain;
        const auto stars = std::count(domain.begin(), domain.end(), '*');
        if (stars > 1) return malformed("Domain name has more than one wildcard");
        if (stars == 1) {
            if (!domain.starts_with("*."))
                return malformed("Domain name contains an invalid wildcard. A wildcard is only permitted before the first dot "
                                 "in a domain name");
            base.remove_prefix(2);
            if (suffixes != nullptr) {
                const auto suffix = suffixes->icannSuffix(base);
                if (!suffix) return malformed("Domain name does not end with a valid public suffix (TLD)");
                if (*suffix == base) return malformed("Domain name is a wildcard for an ICANN TLD");
            }
        }
        if (base.empty()) return malformed("Identifier value (name) is empty");
        const auto ldh = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; };
        if (!std::all_of(base.begin(), base.end(), [&](char c) { return ldh(c) || c == '.'; }))  // lower-cased by now
            return malformed("Domain name contains an invalid character");
        if (base.size() > ServerName::kMaxNameLength) return malformed("Domain name is longer than 253 bytes");
        if (!ServerName::addressBytes(base).empty()) return malformed("Identifier type is DNS but value is an IP address");
        if (base.ends_with('.')) return malformed("Domain name ends in a dot");
        std::vector<std::string_view> labels;
        for (std::size_t start = 0; start <= base.size();) {
            const std::size_t end = std::min(base.find('.', start), base.size());
            labels.push_back(base.substr(start, end - start));
            start = end + 1;
        }
        if (labels.size() > 10) return malformed("Domain name has more than 10 labels (parts)");
        if (labels.size() < 2) return malformed("Domain name needs at least one dot");
        for (const auto label : labels) {
            if (label.empty()) return malformed("Domain name can not have two dots in a row");
            if (label.size() > ServerName::kMaxLabelLength)
                return malformed("Domain has a label (component between dots) longer than 63 bytes");
            if (!std::all_of(label.begin(), label.end(), ldh) || label.front() == '-' || label.back() == '-')
                return malformed("Domain name contains an invalid character");
            if (label.size() >= 4 && label.substr(2, 2) == "--") {
                if (!label.starts_with("xn"))
                    return Fault{{"rejectedIdentifier", "Domain name contains an invalid label in a reserved format (R-LDH: '?\?--')"}};
                if (!ServerName::isValid(label)) return malformed("Domain name contains malformed punycode");
            }
        }
        if (suffixes != nullptr) {
            const auto suffix = suffixes->icannSuffix(base);
            if (!suffix) return malformed("Domain name does not end with a valid public suffix (TLD)");
            if (*suffix == base) return malformed("Domain name is an ICANN TLD");
        } else if (std::all_of(labels.back().begin(), labels.back().end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return malformed("Domain name does not end with a valid public suffix (TLD)");
        }
        return std::nullopt;
    }

    // What pebble's newOrder (its verifyOrder) refuses in a DNS identifier as given, word for word
    // as Debian's pebble 2.4 answers: 400 malformed for the first such name, nothing made. Checked
    // in its order: empty, a byte other than letters, digits, ".", "-" and "*" (quoted as Go's %q
    // quotes a byte), over 253 bytes, an IP address, a trailing dot (these two end in a newline,
    // as pebble's do), wildcards. What it takes and mock-acme cannot issue for ("a..b.test", an
    // A-label IDNA2008 refuses) is refused after, with mock-acme's own reasons.
    static std::optional<std::string> pebbleDomainRefusal(const std::string& value) {
        if (value.empty()) return "Order included DNS identifier with empty value";
        for (const char ch : value) {
            const auto c = static_cast<unsigned char>(ch);
            const bool dnsCharacter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                                      c == '-' || c == '*';
            if (!dnsCharacter)
                return "Order included DNS identifier with a value containing an illegal character: " + goQuotedByte(c);
        }
        if (value.size() > ServerName::kMaxNameLength)
            return "Order included DNS identifier that was longer than 253 characters";
        if (!ServerName::addressBytes(value).empty())
            return "Order included a DNS identifier with an IP address value: \"" + value + "\"\n";
        if (value.ends_with('.')) return "Order included a DNS identifier with a value ending in a period: \"" + value + "\"\n";
        const auto stars = std::count(value.begin(), value.end(), '*');
        if (stars > 1)
            return "Order included DNS type identifier with illegal wildcard value: too many wildcards \"" + value + "\"";
        if (stars == 1 && !value.starts_with("*."))
            return "Order included DNS type identifier with illegal wildcard value: wildcard isn't leftmost prefix \"" + value + "\"";
        return std::nullopt;
    }

    // A byte as Go's %q writes it (strconv.QuoteRune of its value as a code point): 'a', '\'',
    // '\n', '\x00', '\u0085', 'Ã' (U+00C3, in UTF-8).
    static std::string goQuotedByte(unsigned char c) {
        static const std::map<unsigned char, const char*> named{{'\a', "\\a"}, {'\b', "\\b"}, {'\f', "\\f"}, {'\n', "\\n"},
                                                               {'\r', "\\r"}, {'\t', "\\t"}, {'\v', "\\v"}, {'\'', "\\'"},
                                                               {'\\', "\\\\"}};
        char hex[8];
        std::string inner;
        if (const auto it = named.find(c); it != named.end()) {
            inner = it->second;
        } else if (c >= 0x20 && c < 0x7f) {
            inner = std::string(1, static_cast<char>(c));
        } else if (c < 0x20 || c == 0x7f) {
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            inner = hex;
        } else if (c <= 0xa0 || c == 0xad) {  // C1 controls, no-break space, soft hyphen: not printable to Go
            std::snprintf(hex, sizeof hex, "\\u%04x", c);
            inner = hex;
        } else {  // U+00A1..U+00FF in UTF-8
            inner = {static_cast<char>(0xc0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3f))};
        }
        return "'" + inner + "'";
    }

    // Boulder's ValidIP: an address in RFC 8738 §3's text (RFC 5952 for IPv6), in its words, then,
    // with `refuseReserved` (MockAcmeConfig::refuseReservedAddresses; off by default, since tests
    // validate on 127.0.0.1 and ::1), not in a reserved block (its iana.IsReservedAddr).
    static Fault boulderIpFault(const std::string& ip, bool refuseReserved) {
        if (ip.empty()) return Fault{{"malformed", "Identifier value (name) is empty"}};
        if (!ServerName::isIpAddress(ip) || ServerName::canonical(ip) != ip) return Fault{{"malformed", "IP address is invalid"}};
        if (refuseReserved)
            if (const auto block = ReservedAddressBlocks::blockOf(ip))
                return Fault{{"malformed", "IP address is in a reserved address block: " + *block}};
        return std::nullopt;
    }

    // As Boulder's wildcardOverlap: a DNS name that a wildcard of the same order covers (its
    // first label in the wildcard's place) is refused, malformed, naming both.
    static void refuseRedundantNames(const std::vector<Identifier>& ids) {
        for (const auto& id : ids) {
            if (id.type != Identifier::Type::Dns || ServerName::isWildcard(id.value)) continue;
            const auto dot = id.value.find('.');
            if (dot == std::string::npos) continue;
            const Identifier covering = Identifier::dns("*" + id.value.substr(dot));
            if (std::binary_search(ids.begin(), ids.end(), covering))
                throw malformed("Domain name \"" + id.value + "\" is redundant with a wildcard domain in the same request (" +
                                covering.value + "); remove one or the other");
        }
    }

    // MockAcmeConfig::pauseAfterFailures: identifiers paused for the account refuse the order, in
    // Let's Encrypt's words (its WFE's), with the link that unpauses them; no Retry-After, since
    // waiting does not help.
    void refusePausedIdentifiers(const Account& account, const std::vector<Identifier>& ids) const {
        if (account.paused.empty()) return;
        std::string names;
        for (const auto& id : ids)
            if (account.paused.count(state::failureKey(id, false)))  // "*." is in a wildcard's id.value
                names += (names.empty() ? "" : ", ") + id.value;
        if (names.empty()) return;
        throw AcmeProblem("rateLimited",
                          "Your account is temporarily prevented from requesting certificates for " + names +
                              " and possibly others. Please visit: " + url("/sfe/v1/unpause?jwt=" + account.unpauseToken),
                          429);
    }

    // The page a paused account's link opens (a person's: no JWS), as Let's Encrypt's self-service
    // portal: GET shows what is paused and a button; POST unpauses every identifier of the account,
    // forgets the link, and starts their counts of failures in a row again.
    HttpResponse unpausePage(const HttpRequest& request) {
        HttpResponse r;
        r.contentType = "text/html; charset=utf-8";
        r.addHeader("Cache-Control", "no-store");
        const bool post = request.method == "POST";
        if (!post && request.method != "GET" && request.method != "HEAD") {
            r.status = 405;
            r.addHeader("Allow", "GET, HEAD, POST");
            return r;
        }
        std::string token;
        try {
            Poco::URI link;
            link.setRawQuery(request.query);
            for (const auto& [name, value] : link.getQueryParameters())
                if (name == "jwt") token = value;
        } catch (const Poco::Exception&) {  // bad percent-encoding: no token
        }
        const auto found = s_.unpauseTokens.find(token);
        if (found == s_.unpauseTokens.end()) {
            r.status = 404;
            r.body = "<!doctype html><title>Unknown link</title><p>This unpause link is not valid: it was used already, or never "
                     "given.</p>\n";
            return r;
        }
        Account& a = s_.accounts.at(found->second);
        std::string names;
        for (const auto& key : a.paused) names += (names.empty() ? "" : ", ") + state::failureKeyValue(key);
        if (post) {
            s_.unpause(a);
            r.body = "<!doctype html><title>Unpaused</title><p>Account " + a.id + " may request certificates for " + names +
                     " again.</p>\n";
            return r;
        }
        r.body = "<!doctype html><title>Paused</title><p>Account " + a.id + " is paused for " + names +
                 " after repeated failed validations.</p><form method=\"post\"><button>Unpause account " + a.id +
                 "</button></form>\n";
        return r;
    }

    // 429 rateLimited in Let's Encrypt's words (Boulder's limiter and its errors), which clients
    // read the time from: "WHAT in the last 1h0m0s, retry after 2026-12-05 22:00:00 UTC: see
    // https://letsencrypt.org/docs/rate-limits/#ANCHOR", with Retry-After in seconds.
    AcmeProblem rateLimited(const std::string& what, Duration window, long long retryAfterSeconds, const std::string& anchor,
                            std::vector<AcmeProblem::Subproblem> subproblems = {}) {
        problemHeaders_.emplace_back("Retry-After", std::to_string(retryAfterSeconds));
        std::string when = formatRfc3339(now_ + std::chrono::seconds(retryAfterSeconds));  // 2026-12-05T22:00:00Z
        when[10] = ' ';
        when.back() = ' ';
        return AcmeProblem("rateLimited",
                           what + " in the last " + goDuration(window) + ", retry after " + when +
                               "UTC: see https://letsencrypt.org/docs/rate-limits/#" + anchor,
                           429, std::move(subproblems));
    }

    // A duration as Go's time.Duration.String writes it, as Boulder's messages hold it: "1h0m0s",
    // "168h0m0s", "1m30s", "2.5s", "500ms".
    static std::string goDuration(Duration d) {
        long long ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
        if (ns <= 0) return "0s";
        // `value` with `decimals` of its digits after the point, trailing zeros dropped
        const auto decimal = [](long long value, int decimals) {
            std::string digits = std::to_string(value);
            if (digits.size() <= static_cast<std::size_t>(decimals))
                digits.insert(0, static_cast<std::size_t>(decimals) + 1 - digits.size(), '0');
            digits.insert(digits.size() - static_cast<std::size_t>(decimals), ".");
            while (digits.back() == '0') digits.pop_back();
            if (digits.back() == '.') digits.pop_back();
            return digits;
        };
        if (ns < 1000) return std::to_string(ns) + "ns";
        if (ns < 1000000) return decimal(ns, 3) + "\u00b5s";
        if (ns < 1000000000) return decimal(ns, 6) + "ms";
        constexpr long long kMinute = 60'000'000'000LL, kHour = 60 * kMinute;
        std::string out;
        if (ns >= kHour) out += std::to_string(ns / kHour) + "h";
        if (ns >= kMinute) out += std::to_string(ns % kHour / kMinute) + "m";
        return out + decimal(ns % kMinute, 9) + "s";
    }

    // MockAcmeConfig::failedAuthorizationLimit, as Let's Encrypt's limit on failed
    // authorizations per identifier per account: 429 naming each identifier with as many
    // failed validations in the window, and Retry-After until the last of them may be ordered.
    void refuseFailingIdentifiers(Account& account, const std::vector<Identifier>& ids) {
        const auto limit = static_cast<std::size_t>(config_.failedAuthorizationLimit);
        const auto window = config_.failedAuthorizationWindow;
        std::vector<AcmeProblem::Subproblem> limited;
        long long wait = 0;
        std::string longest;  // the identifier waited for longest, the one Boulder's stricter decision names
        for (const auto& id : ids) {
            const auto found = account.failedValidations.find(state::failureKey(id, false));  // "*." is in id.value
            if (found == account.failedValidations.end()) continue;
            if (const std::size_t failures = found->second.within(now_, window); failures >= limit) {
                if (const long long until = found->second.secondsUntilFewer(now_, window); until > wait || longest.empty()) {
                    wait = until;
                    longest = id.value;
                }
                limited.push_back({"rateLimited", std::to_string(failures) + " failed authorizations in the last " + goDuration(window),
                                   id});
            }
        }
        if (limited.empty()) return;
        throw rateLimited("too many failed authorizations (" + std::to_string(limit) + ") for \"" + longest + "\"", window, wait,
                          "authorization-failures-per-identifier-per-account", std::move(limited));
    }

    // Boulder's renewal: an order for an exact set of identifiers issued (by any account) in the
    // last 120 days, exempt from the limit per registered domain and not counted for it.
    static constexpr Duration kRenewalLookBack = std::chrono::hours(24 * 120);
    bool renewsExactSet(const std::vector<Identifier>& ids) {
        const auto last = s_.lastIssuedForSet.find(state::setKey(ids));
        return last != s_.lastIssuedForSet.end() && last->second.within(now_, kRenewalLookBack) > 0;
    }

    // The IPv6 /48 a client address lies in ("2001:db8:1::/48"), for MockAcmeConfig::registrationRangeLimit;
    // nothing for an IPv4 client, mapped into IPv6 or not.
    static std::optional<std::string> ipv6Range48(const std::string& clientAddress) {
        Poco::Net::IPAddress address;
        if (!Poco::Net::IPAddress::tryParse(clientAddress, address) || address.family() != Poco::Net::IPAddress::IPv6 ||
            address.isIPv4Mapped())
            return std::nullopt;
        return (address & Poco::Net::IPAddress(48, Poco::Net::IPAddress::IPv6)).toString() + "/48";
    }

    // What MockAcmeConfig::registeredDomainLimit counts for `ids`, each once: a DNS name's registered
    // domain (PublicSuffixList::registeredDomain, a wildcard's by its base), an IPv4 address as its
    // /32, an IPv6 one as its /64 (Boulder's coveringIdentifiers).
    std::vector<std::string> registeredDomains(const std::vector<Identifier>& ids) const {
        std::set<std::string> domains;
        for (const auto& id : ids) {
            if (id.type == Identifier::Type::Dns) {
                domains.insert(PublicSuffixList::registeredDomain(id.value.starts_with("*.") ? id.value.substr(2) : id.value, suffixes_));
                continue;
            }
            const Poco::Net::IPAddress address(id.value);
            if (address.family() == Poco::Net::IPAddress::IPv4) {
                domains.insert(address.toString() + "/32");
            } else {
                const Poco::Net::IPAddress mask(64, Poco::Net::IPAddress::IPv6);
                domains.insert((address & mask).toString() + "/64");
            }
        }
        return {domains.begin(), domains.end()};
    }

    // MockAcmeConfig::registeredDomainLimit, as Let's Encrypt's limit on new certificates per
    // registered domain: 429 naming the domain waited for longest, as Boulder's stricter decision.
    void refuseBusyDomains(const std::vector<Identifier>& ids) {
        const auto limit = static_cast<std::size_t>(config_.registeredDomainLimit);
        const auto window = config_.registeredDomainWindow;
        long long wait = 0;
        std::string busiest;
        for (const auto& domain : registeredDomains(ids)) {
            const auto found = s_.issuedForDomain.find(domain);
            if (found == s_.issuedForDomain.end() || found->second.within(now_, window) < limit) continue;
            if (const long long until = found->second.secondsUntilFewer(now_, window); until > wait || busiest.empty()) {
                wait = until;
                busiest = domain;
            }
        }
        if (busiest.empty()) return;
        throw rateLimited("too many certificates (" + std::to_string(limit) + ") already issued for \"" + busiest + "\"", window,
                          wait, "new-certificates-per-registered-domain");
    }

    // MockAcmeConfig::forgetAfter: the orders made that long ago go, oldest
    // first, a few per newOrder (the work stays small and under the lock
    // briefly even when time travel ages a million at once). One still
    // finalizing or validating goes to the back of the line, to be seen again.
    void forgetOldOrders() {
        if (config_.forgetAfter <= Duration::zero()) return;
        forgetAged(s_.ordersByAge, config_.forgetAfter, [this](const std::string& id) {
            const auto it = s_.orders.find(id);
            if (it == s_.orders.end()) return true;
            if (busy(it->second)) return false;
            forget(it);
            return true;
        });
        // pre-authorizations no order has used go as orders do; a used one goes with its orders
        forgetAged(s_.preauthorizationsByAge, config_.forgetAfter, [this](const std::string& id) {
            const auto a = s_.authorizations.find(id);
            if (a == s_.authorizations.end() || a->second.orders > 0) return true;
            if (validating(a->second)) return false;
            forgetAuthorization(a);
            return true;
        });
    }

    // The counts of the limits (failedAuthorizationLimit, duplicateCertificateLimit, registeredDomainLimit,
    // registrationLimit, registrationRangeLimit) of a name, a set of names, a domain or an address that has counted nothing for a
    // whole window go as old orders do, a few per newOrder (and per newAccount), so that they do not pile
    // up in a long-running server.
    void forgetStaleLimits() {
        // what counts `key` goes, or says false while it still counts something within `window`
        const auto forgetIfStale = [this](std::unordered_map<std::string, state::RecentTimes>& counts, const std::string& key,
                                          Duration window) {
            const auto it = counts.find(key);
            if (it != counts.end() && it->second.within(now_, window) > 0) return false;
            if (it != counts.end()) counts.erase(it);
            return true;
        };
        forgetAged(s_.issuedSetsByAge, config_.duplicateCertificateWindow, [&](const std::string& key) {
            return forgetIfStale(s_.issuedForSet, key, config_.duplicateCertificateWindow);
        });
        forgetAged(s_.issuedDomainsByAge, config_.registeredDomainWindow, [&](const std::string& key) {
            return forgetIfStale(s_.issuedForDomain, key, config_.registeredDomainWindow);
        });
        forgetAged(s_.lastIssuedSetsByAge, kRenewalLookBack, [&](const std::string& key) {
            return forgetIfStale(s_.lastIssuedForSet, key, kRenewalLookBack);
        });
        forgetAged(s_.registrationAddressesByAge, config_.registrationWindow, [&](const std::string& key) {
            return forgetIfStale(s_.registrationsByAddress, key, config_.registrationWindow);
        });
        forgetAged(s_.registrationRangesByAge, config_.registrationRangeWindow, [&](const std::string& key) {
            return forgetIfStale(s_.registrationsByRange, key, config_.registrationRangeWindow);
        });
        forgetAged(s_.failuresByAge, config_.failedAuthorizationWindow, [&](const std::string& key) {
            const auto cut = key.find('\n');
            const auto account = s_.accounts.find(key.substr(0, cut));
            return account == s_.accounts.end() ||
                   forgetIfStale(account->second.failedValidations, key.substr(cut + 1), config_.failedAuthorizationWindow);
        });
    }

    // The ids of `byAge` made `age` ago or earlier, oldest first, at most 64
    // a call: `forgetOne(id)` forgets the record (or finds it gone) and says
    // true, or says false when it is busy or still needed, and the id goes to
    // the back of the line.
    template <typename ForgetOne>
    void forgetAged(std::multimap<TimePoint, std::string>& byAge, Duration age, ForgetOne forgetOne) {
        constexpr int kPerRequest = 64;
        for (int n = 0; n < kPerRequest && !byAge.empty(); ++n) {
            const auto oldest = byAge.begin();
            if (oldest->first + age > now_) break;
            const std::string id = oldest->second;
            byAge.erase(oldest);
            if (!forgetOne(id)) byAge.emplace(now_, id);
        }
    }

    bool validating(const Authorization& authz) const {
        for (const auto& cid : authz.challengeIds)
            if (const auto c = s_.challenges.find(cid); c != s_.challenges.end() && c->second.status == "processing") return true;
        return false;
    }

    bool busy(const Order& order) const {
        if (order.status == "processing") return true;  // its certificate is being signed
        for (const auto& aid : order.authzIds)
            if (const auto a = s_.authorizations.find(aid); a != s_.authorizations.end() && validating(a->second)) return true;
        return false;
    }

    void forgetAuthorization(std::unordered_map<std::string, Authorization>::iterator a) {
        for (const auto& cid : a->second.challengeIds) s_.challenges.erase(cid);
        s_.unindexAuthorization(a->second);
        s_.authorizations.erase(a);
    }

    void forget(std::unordered_map<std::string, Order>::iterator it) {
        const Order& order = it->second;
        if (const auto cert = s_.certificates.find(order.certId); !order.certId.empty() && cert != s_.certificates.end()) {
            if (const auto ari = s_.certificateByAriId.find(cert->second.ariId);
                ari != s_.certificateByAriId.end() && ari->second == cert->first)
                s_.certificateByAriId.erase(ari);
            const IssuedCertificate& c = cert->second;
            if (c.revoked && c.notAfter > now_)  // a CRL lists it until it expires
                s_.forgottenRevocations[c.id] = ForgottenRevocation{c.revokedAt, c.reason, c.notAfter};
            s_.revokedCertificateIds.erase(c.id);
            s_.certificates.erase(cert);
        }
        for (const auto& aid : order.authzIds) {
            const auto a = s_.authorizations.find(aid);
            if (a == s_.authorizations.end() || --a->second.orders > 0) continue;
            forgetAuthorization(a);
        }
        if (const auto account = s_.accounts.find(order.accountId); account != s_.accounts.end()) {
            auto& ids = account->second.orderIds;
            if (!ids.empty() && ids.front() == order.id) ids.pop_front();
            else if (const auto at = std::find(ids.begin(), ids.end(), order.id); at != ids.end()) ids.erase(at);
        }
        if (const auto known = s_.reusableOrders.find(EngineState::reuseKey(order));
            known != s_.reusableOrders.end() && known->second == order.id)
            s_.reusableOrders.erase(known);
        s_.orders.erase(it);
    }

    // The authorization of `id` for an order of `profile`.
    std::string authorizationFor(const std::string& accountId, const Identifier& id, const std::string& profile,
                                 const MockAcmeConfig::ValidationWindows& windows) {
        const bool wildcard = ServerName::isWildcard(id.value);
        Identifier base = id;
        if (wildcard) base.value = id.value.substr(2);
        // a valid pre-authorization (§7.4.1) is what it was made for, while its validation is
        // recent enough for the order's profile
        const auto recentPreauthorization = [&](const Authorization& a) { return isRecentPreauthorization(a, windows); };
        if (!wildcard)
            if (const Authorization* pre = s_.validAuthorization(accountId, base, false, now_, recentPreauthorization))
                return pre->id;
        // RFC 9444: one of an ancestor (of the name itself for its wildcard) that serves the names below it
        if (const Authorization* pre = ancestorAuthorization(accountId, base, wildcard, recentPreauthorization)) return pre->id;
        // others as authzReusePercent says, this account's, the newest first: as Boulder, of the
        // same profile with time left to finish an order on it; as pebble, any
        const auto reusable = reuseRule(profile, windows);
        if (s_.roll(config_.authzReusePercent)) {
            if (const Authorization* valid = s_.validAuthorization(accountId, base, wildcard, now_, reusable)) return valid->id;
            if (const Authorization* valid = ancestorAuthorization(accountId, base, wildcard, reusable)) return valid->id;
        }
        return newAuthorization(accountId, base, wildcard, profile, windows.authorizationLifetime);
    }

    // Which valid authorization an order of `profile` may reuse (authzReusePercent): as
    // Boulder, one of the same profile with time left to finish an order on it; as pebble, any.
    struct ReuseRule {
        bool any;
        const std::string& profile;
        TimePoint validUntil;
        bool operator()(const Authorization& a) const { return any || (a.profile == profile && a.expires > validUntil); }
    };
    ReuseRule reuseRule(const std::string& profile, const MockAcmeConfig::ValidationWindows& windows) const {
        return {config_.authorizationReuse != MockAcmeConfig::AuthorizationReuse::Boulder, profile,
                now_ + MockAcmeConfig::reuseCutoff(windows.orderLifetime)};
    }

    // RFC 9444: the authorization of `ancestor` that serves the names below it, for an order
    // of `profile` that names it as their ancestorDomain: a valid one the rules let serve (a
    // recent pre-authorization, or one authzReusePercent reuses), or a new one.
    std::string subdomainAuthorizationFor(const std::string& accountId, const Identifier& ancestor, const std::string& profile,
                                          const MockAcmeConfig::ValidationWindows& windows) {
        if (const Authorization* pre = s_.validAuthorization(accountId, ancestor, false, now_, [&](const Authorization& a) {
                return a.subdomains && isRecentPreauthorization(a, windows);
            }))
            return pre->id;
        const auto reusable = reuseRule(profile, windows);
        if (s_.roll(config_.authzReusePercent))
            if (const Authorization* valid = s_.validAuthorization(accountId, ancestor, false, now_, [&](const Authorization& a) {
                    return a.subdomains && reusable(a);
                }))
                return valid->id;
        return newAuthorization(accountId, ancestor, false, profile, windows.authorizationLifetime, true);
    }

    // RFC 9444: the nearest valid authorization with subdomainAuthAllowed of an ancestor of
    // `base` (of `base` itself too when the name is its wildcard) that `accept` takes, or
    // nullptr. Nothing is looked up unless the setting is on.
    template <typename Accept>
    const Authorization* ancestorAuthorization(const std::string& accountId, const Identifier& base, bool wildcard,
                                               const Accept& accept) const {
        if (!config_.subdomainAuth || base.type != Identifier::Type::Dns) return nullptr;
        std::string_view name = base.value;
        if (!wildcard) name = nameAbove(name);
        for (; !name.empty(); name = nameAbove(name))
            if (const Authorization* found = s_.validAuthorization(
                    accountId, Identifier{Identifier::Type::Dns, std::string(name)}, false, now_,
                    [&](const Authorization& a) { return a.subdomains && accept(a); }))
                return found;
        return nullptr;
    }

    // Whether the DNS name `name` (a wildcard: its names, so its base too) is below `domain`.
    static bool isBelow(std::string_view name, std::string_view domain) {
        if (ServerName::isWildcard(name)) return ServerName::isAtOrUnder(name.substr(2), domain);
        return name != domain && ServerName::isAtOrUnder(name, domain);
    }

    // The name one label up ("" above a single label).
    static std::string_view nameAbove(std::string_view name) {
        const auto dot = name.find('.');
        return dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    }

    // RFC 9444 §4.3: the `ancestorDomain` of a newOrder identifier, taken as its name is
    // (readIdentifier, in the rules' words); it must be a DNS name above `id` (above a
    // wildcard's base, or that base itself). Nothing, with the reason in `rejected`, when
    // the rules refuse the name.
    std::optional<Identifier> readAncestor(const Identifier& id, const Object& item,
                                           std::vector<AcmeProblem::Subproblem>& rejected) {
        if (!item.get("ancestorDomain").isString()) throw malformed("ancestorDomain must be a string");
        if (id.type != Identifier::Type::Dns)
            throw malformed("ancestorDomain is for DNS names, not \"" + id.value + "\"");
        Object named;
        named.set("type", "dns");
        named.set("value", item.getValue<std::string>("ancestorDomain"));
        auto ancestor = readIdentifier(named, rejected);
        if (!ancestor) return std::nullopt;
        if (ServerName::isWildcard(ancestor->value))
            throw malformed("ancestorDomain \"" + ancestor->value + "\" must not be a wildcard");
        if (!isBelow(id.value, ancestor->value))
            throw malformed("ancestorDomain \"" + ancestor->value + "\" is not a domain above \"" + id.value + "\"");
        return ancestor;
    }

    // Whether `a` is a pre-authorization (§7.4.1) whose validation is recent enough for an
    // order with these windows.
    bool isRecentPreauthorization(const Authorization& a, const MockAcmeConfig::ValidationWindows& windows) const {
        const auto validated = validatedAt(a);
        return a.preauthorized && validated && *validated + windows.validAuthorizationLifetime > now_;
    }

    // When the authorization's challenge was validated, if it was.
    std::optional<TimePoint> validatedAt(const Authorization& authz) const {
        for (const auto& cid : authz.challengeIds)
            if (const auto c = s_.challenges.find(cid); c != s_.challenges.end() && c->second.status == "valid")
                return c->second.validated;
        return std::nullopt;
    }

    // A pending authorization of `base` (without "*.") for the account, with its challenges:
    // for orders of `profile`, or a pre-authorization when that is empty.
    // With `subdomains`, one that serves the names below `base` too (RFC 9444).
    std::string newAuthorization(const std::string& accountId, const Identifier& base, bool wildcard, const std::string& profile,
                                 Duration lifetime, bool subdomains = false) {
        Authorization authz;
        authz.id = newId();
        authz.accountId = accountId;
        authz.identifier = base;
        authz.wildcard = wildcard;
        authz.preauthorized = profile.empty();
        authz.subdomains = subdomains;
        authz.profile = profile;
        authz.created = now_;
        authz.expires = now_ + lifetime;
        std::vector<std::string> types;
        if (wildcard || subdomains) types = {"dns-01"};  // a DNS change proves the names below a domain too
        else if (base.type == Identifier::Type::Ip) types = {"http-01", "tls-alpn-01"};
        else types = {"http-01", "tls-alpn-01", "dns-01"};
        if (config_.enableDnsAccount01 && base.type == Identifier::Type::Dns) types.push_back("dns-account-01");
        if (config_.enableDnsPersist01 && base.type == Identifier::Type::Dns && !subdomains) types.push_back("dns-persist-01");
        if (config_.enableTlsSni01 && !wildcard && base.type == Identifier::Type::Dns) types.push_back("tls-sni-01");
        for (const auto& type : types) {
            Challenge c;
            c.id = newId();
            c.type = type;
            if (type != "dns-persist-01") c.token = Base64Url::encode(pooledRandomBytes(32));  // it has none
            c.authzId = authz.id;
            authz.challengeIds.push_back(c.id);
            s_.challenges.emplace(c.id, std::move(c));
        }
        std::string id2 = authz.id;
        s_.indexAuthorization(authz);
        s_.authorizations.emplace(id2, std::move(authz));
        return id2;
    }

    void refresh(Authorization& authz) {
        if ((authz.status == "pending" || authz.status == "valid") && authz.expires <= now_) authz.status = "expired";
    }

    // The order of `account` that replaces the certificate whose ARI id is `ariId` (RFC
    // 9773 §5: `replaces`), unless it is invalid; nothing when there is none.
    std::optional<std::string> replacingOrder(const Account& account, const std::string& ariId) {
        for (const auto& orderId : account.orderIds) {
            const auto other = s_.orders.find(orderId);
            if (other == s_.orders.end() || other->second.replaces != ariId) continue;
            refresh(other->second);
            if (other->second.status != "invalid") return orderId;
        }
        return std::nullopt;
    }

    void refresh(Order& order) {
        if ((order.status == "pending" || order.status == "ready") && order.expires <= now_) {
            order.status = "invalid";
            order.error = AcmeProblem("malformed", "the order expired", 403);
            return;
        }
        if (order.status != "pending") return;
        bool allValid = true;
        std::vector<AcmeProblem::Subproblem> failures;
        for (const auto& aid : order.authzIds) {
            Authorization& authz = s_.authorizations.at(aid);
            refresh(authz);
            if (authz.status != "valid") allValid = false;
            if (authz.status == "invalid" || authz.status == "expired" || authz.status == "deactivated" ||
                authz.status == "revoked") {
                // the failed challenge's own problem (unauthorized, connection, caa, ...) when there is one
                std::string type = "unauthorized", detail = "authorization " + authz.status;
                for (const auto& cid : authz.challengeIds)
                    if (const auto& c = s_.challenges.at(cid); c.error) {
                        type = c.error->shortType();
                        detail = c.error->detail();
                    }
                failures.push_back({type, detail, authz.identifier});
            }
        }
        if (!failures.empty()) {
            order.status = "invalid";
            order.error = AcmeProblem("unauthorized", "an authorization of the order is not valid", 403, failures);
        } else if (allValid) {
            order.status = "ready";
        }
    }

    Object::Ptr orderJson(const Order& order) {
        auto o = obj();
        o->set("status", order.status);
        o->set("expires", formatRfc3339(order.expires));
        Array::Ptr ids = new Array;
        for (const auto& id : order.identifiers) ids->add(identifierJson(id));
        o->set("identifiers", ids);
        Array::Ptr authzs = new Array;
        for (const auto& aid : order.authzIds) authzs->add(url("/authZ/" + aid));
        o->set("authorizations", authzs);
        o->set("finalize", url("/finalize-order/" + order.id));
        o->set("profile", order.profile);
        if (order.replaces) o->set("replaces", *order.replaces);
        if (order.notBefore) o->set("notBefore", formatRfc3339(*order.notBefore));
        if (order.notAfter) o->set("notAfter", formatRfc3339(*order.notAfter));
        if (!order.certId.empty()) o->set("certificate", url("/certZ/" + order.certId));
        if (order.error) o->set("error", detail::parseJsonObject(order.error->toJson(), 1 << 20, "problem"));
        return o;
    }

    Order& ownOrder(const Post& post, const std::string& id) {
        auto it = s_.orders.find(id);
        if (it == s_.orders.end() || it->second.accountId != post.account->id)
            throw AcmeProblem("malformed", "no such order", 404);
        refresh(it->second);
        return it->second;
    }

    HttpResponse order(const HttpRequest& request, const std::string& id) {
        Post post = verify(request, "/my-order/" + id, false, true);
        requirePostAsGet(post);
        Order& o = ownOrder(post, id);
        HttpResponse r = json(200, orderJson(o));
        if (o.status == "processing") r.addHeader("Retry-After", std::to_string(config_.retryAfterSeconds));
        return r;
    }

    // A name the configuration blocks: one of blockedDomains or under one
    // (a wildcard by its base name), as pebble's domainBlocklist.
    bool isBlocked(const std::string& name) const {
        const std::string base = name.starts_with("*.") ? name.substr(2) : name;
        return std::any_of(config_.blockedDomains.begin(), config_.blockedDomains.end(), [&](const std::string& blocked) {
            return base == blocked || (base.size() > blocked.size() && base.ends_with(blocked) &&
                                       base[base.size() - blocked.size() - 1] == '.');
        });
    }

    // §7.4 finalize, in three steps: this one checks the request and marks
    // the order processing (under the lock); issueFor() reads the CSR and
    // signs (without it); completeFinalize() records the outcome (under it).
    FinalizeJob startFinalize(const HttpRequest& request, const std::string& id) {
        Post post = verify(request, "/finalize-order/" + id, false, true);
        auto payload = payloadObject(post);
        Order& order = ownOrder(post, id);
        requireCurrentTerms(*post.account);
        if (order.status != "ready")
            throw AcmeProblem("orderNotReady", "the order is " + order.status + ", not ready", 403);
        // an order kept (--persist) across a restart with other profiles
        const auto profile = config_.profiles.find(order.profile);
        if (profile == config_.profiles.end())
            throw AcmeProblem("invalidProfile", "the order's profile \"" + InvalidNameError::printable(order.profile) +
                                                    "\" is no longer offered; order again", 400);
        std::string der;
        try {
            der = Base64Url::decode(detail::requireString(*payload, "csr", "finalize"));
        } catch (const JoseError& e) {
            throw AcmeProblem("badCSR", e.what(), 400);
        }
        order.status = "processing";
        std::vector<std::pair<std::string, CaaPolicy::Issuance>> caaChecks;
        if (config_.checkCaa)  // not a step more on finalize's path otherwise
            for (const auto& aid : order.authzIds) {
                const Authorization& authz = s_.authorizations.at(aid);
                std::string method;  // the challenge that validated the name
                for (const auto& cid : authz.challengeIds)
                    if (const Challenge& c = s_.challenges.at(cid); c.status == "valid") method = c.type;
                // RFC 9444: the names below an ancestor's authorization have CAA records of their
                // own, which its validation did not ask: each is asked at every finalize
                if (authz.subdomains)
                    for (const auto& name : order.identifiers)
                        if (name.type == Identifier::Type::Dns && isBelow(name.value, authz.identifier.value)) {
                            const bool wildcard = ServerName::isWildcard(name.value);
                            caaChecks.emplace_back(wildcard ? name.value.substr(2) : name.value,
                                                   CaaPolicy::Issuance{wildcard, accountUrl(post.account->id), method});
                        }
                // as Boulder: the check its validation made holds for caaRecheckAfter
                if (authz.caaChecked && *authz.caaChecked + config_.caaRecheckAfter > now_) continue;
                if (auto issuance = caaIssuance(authz, post.account->id, method))
                    caaChecks.emplace_back(authz.identifier.value, std::move(*issuance));
            }
        return FinalizeJob{.orderId = id,
                           .accountId = post.account->id,
                           .csrDer = std::move(der),
                           .identifiers = order.identifiers,
                           .accountKey = post.account->key.publicKey(),
                           .lifetime = profile->second.lifetime,
                           .contents = profile->second.contents,
                           .now = now_,
                           .notBefore = order.notBefore,
                           .notAfter = order.notAfter,
                           .ocspResponder = config_.ocspResponderUrl,
                           .mustStaple = config_.mustStaple,
                           .csrRules = config_.csrRules,
                           .crlDistributionPoint = crlUrlOf(config_, ca_),
                           .caaChecks = std::move(caaChecks)};
    }

    // Without the lock: the CSR, its key, its signature, its names, then the leaf.
    struct SignedLeaf {
        Certificate leaf;
        std::string leafPem;
        std::string id;             // the serial, as the certificate's URL and key
        std::string ariId;
        std::string keyThumbprint;  // RFC 7638, to refuse another account's key under the lock
    };

    static SignedLeaf issueFor(const FinalizeJob& job, const MockCertificateAuthority& ca) {
        const auto csr = [&] {
            try {
                return CertificateSigningRequest::fromDer(job.csrDer);
            } catch (const Error& e) {
                throw AcmeProblem("badCSR", e.what(), 400);
            }
        }();
        // what is refused anyway (the key, the names, the rules) before the cost of the signature
        const PublicKey key = csr.publicKey();
        if (key == job.accountKey)
            throw AcmeProblem("badCSR", "the certificate key must not be the account key", 400);
        if (key.algorithm() == "ED25519") throw AcmeProblem("badCSR", "Ed25519 certificate keys are not accepted", 400);
        if (key.algorithm() == "RSA" && (key.bits() < 2048 || key.bits() > 4096))
            throw AcmeProblem("badCSR", "RSA certificate keys must have 2048 to 4096 bits", 400);
        if (key.algorithm() == "EC" && key.curve() != "P-256" && key.curve() != "P-384")
            throw AcmeProblem("badCSR", "EC certificate keys must be on P-256 or P-384", 400);
        if (const auto weak = weakRsaKeyReason(key)) throw AcmeProblem("badCSR", *weak, 400);
        std::vector<Identifier> inRequestOrder;
        try {
            inRequestOrder = csr.identifiers();
        } catch (const Error& e) {
            throw AcmeProblem("badCSR", e.what(), 400);
        }
        std::vector<Identifier> names = inRequestOrder;
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        if (names != job.identifiers)
            throw AcmeProblem("badCSR", "the CSR's names are not the order's identifiers", 400);
        const CsrPolicy policy(job.csrRules);
        policy.check(csr, names);
        if (!csr.verifySignature()) throw AcmeProblem("badCSR", "the CSR's signature is invalid", 400);
        LeafContents contents = job.contents;
        contents.mustStaple = asksForMustStaple(csr, job.mustStaple);
        // a requested window as asked; otherwise from a minute ago for the
        // profile's lifetime (or up to a requested notAfter)
        const TimePoint notBefore = job.notBefore.value_or(job.now - std::chrono::minutes(1));
        const TimePoint notAfter = job.notAfter.value_or(notBefore + job.lifetime);
        if (notAfter <= job.now) throw malformed("the order's notAfter has passed");
        Certificate leaf = ca.issue(key, job.identifiers, notBefore, notAfter, job.ocspResponder, job.crlDistributionPoint,
                                    contents, policy.commonName(csr, inRequestOrder));
        std::string pem = leaf.toPem(), id = serialKey(leaf.serialHex()), ariId = ariIdOf(leaf);
        return SignedLeaf{std::move(leaf), std::move(pem), std::move(id), std::move(ariId), Jwk::fromPublicKey(key).thumbprint()};
    }

    // RFC 7633's TLS feature extension in a CSR: status_request alone is
    // "OCSP Must-Staple", which the CA refuses or copies as configured.
    static bool asksForMustStaple(const CertificateSigningRequest& csr, MockAcmeConfig::MustStaple policy) {
        std::vector<int> features;
        try {
            features = csr.tlsFeatures();
        } catch (const Error& e) {
            throw AcmeProblem("badCSR", e.what(), 400);
        }
        if (features.empty()) return false;
        for (const int feature : features)
            if (feature != 5)
                throw AcmeProblem("badCSR", "the CSR asks for TLS feature " + std::to_string(feature) +
                                                "; of the TLS features only status_request (5), OCSP Must-Staple, is issued",
                                  400);
        if (policy == MockAcmeConfig::MustStaple::Refuse)
            throw AcmeProblem("badCSR",
                              "the CSR asks for OCSP Must-Staple (the TLS feature extension, RFC 7633); this CA answers no "
                              "OCSP and issues no such certificate: leave it out",
                              400);
        return true;
    }

    // Under the lock again, when the CSR was refused or signing failed: the
    // order is ready again, as if the request had not come.
    void abandonFinalize(const FinalizeJob& job) {
        auto it = s_.orders.find(job.orderId);
        if (it != s_.orders.end() && it->second.status == "processing") it->second.status = "ready";
    }

    // Under the lock again, when CAA forbids the issuance: the order is invalid.
    void refuseFinalize(const FinalizeJob& job, const AcmeProblem& problem) {
        auto it = s_.orders.find(job.orderId);
        if (it == s_.orders.end() || it->second.status != "processing") return;
        it->second.status = "invalid";
        it->second.error = problem;
    }

    // Under the lock again: the certificate is the order's.
    HttpResponse completeFinalize(const FinalizeJob& job, const SignedLeaf& signed_) {
        auto it = s_.orders.find(job.orderId);
        if (it == s_.orders.end()) throw AcmeProblem("malformed", "no such order", 404);
        // as pebble ("CSR contains a public key for a known account"): no certificate for a key that is any account's key
        if (s_.accountByThumbprint.count(signed_.keyThumbprint)) {
            abandonFinalize(job);
            throw AcmeProblem("badCSR", "the certificate key is an account key", 400);
        }
        Order& order = it->second;
        IssuedCertificate issued{.id = signed_.id,
                                 .accountId = job.accountId,
                                 .leafPem = signed_.leafPem,
                                 .names = job.identifiers,
                                 .notBefore = signed_.leaf.notBefore(),
                                 .notAfter = signed_.leaf.notAfter(),
                                 .ariId = signed_.ariId};
        order.certId = issued.id;
        order.status = "valid";
        if (config_.duplicateCertificateLimit > 0 && !order.ariRenewal)  // an ARI renewal counts for nothing (see newOrder)
            s_.countIssued(state::setKey(issued.names), now_, static_cast<std::size_t>(config_.duplicateCertificateLimit));
        // a renewal (see newOrder) does not count for its domains; the set's last issue makes its next order one
        if (config_.registeredDomainLimit > 0 || config_.rateLimitOrders > 0)
            s_.countIssuedForDomains(config_.registeredDomainLimit == 0 || order.ariRenewal || renewsExactSet(issued.names)
                                         ? std::vector<std::string>{}
                                         : registeredDomains(issued.names),
                                     state::setKey(issued.names), now_,
                                     static_cast<std::size_t>(std::max(config_.registeredDomainLimit, 1)));
        s_.certificateByAriId[issued.ariId] = issued.id;
        s_.certificates.emplace(issued.id, std::move(issued));
        HttpResponse r = json(200, orderJson(order));
        r.addHeader("Location", url("/my-order/" + job.orderId));
        return r;
    }

    static std::string ariIdOf(const Certificate& cert) {
        return Base64Url::encode(cert.authorityKeyId().value_or("")) + "." + Base64Url::encode(cert.serialBytes());
    }

    // ---- authorizations and challenges: §7.5
    Object::Ptr challengeJson(const Challenge& c) {
        auto o = obj();
        o->set("type", c.type);
        o->set("url", url("/chalZ/" + c.id));
        if (c.type == "dns-persist-01") {  // draft-ietf-acme-dns-persist-01 §3: no token; the names a record may give this CA
            Array::Ptr issuers = new Array;
            for (std::size_t i = 0; i < config_.caaIdentities.size() && i < 10; ++i) issuers->add(config_.caaIdentities[i]);
            o->set("issuer-domain-names", issuers);
        } else {
            o->set("token", c.token);
        }
        o->set("status", c.status);
        if (c.validated) o->set("validated", formatRfc3339(*c.validated));
        if (c.error) o->set("error", detail::parseJsonObject(c.error->toJson(), 1 << 20, "problem"));
        return o;
    }

    Object::Ptr authzJson(const Authorization& a) {
        auto o = obj();
        o->set("status", a.status);
        o->set("expires", formatRfc3339(a.expires));
        o->set("identifier", identifierJson(a.identifier));
        Array::Ptr challenges = new Array;
        for (const auto& cid : a.challengeIds) challenges->add(challengeJson(s_.challenges.at(cid)));
        o->set("challenges", challenges);
        if (a.wildcard) o->set("wildcard", true);
        if (a.subdomains) o->set("subdomainAuthAllowed", true);  // RFC 9444 §4.1
        return o;
    }

    Authorization& ownAuthz(const Post& post, const std::string& id) {
        auto it = s_.authorizations.find(id);
        if (it == s_.authorizations.end() || it->second.accountId != post.account->id)
            throw AcmeProblem("malformed", "no such authorization", 404);
        refresh(it->second);
        return it->second;
    }

    HttpResponse authorization(const HttpRequest& request, const std::string& id) {
        Post post = verify(request, "/authZ/" + id, false, true);
        Authorization& authz = ownAuthz(post, id);
        if (!post.payload.empty()) {
            auto payload = payloadObject(post);
            if (!payload->has("status") || !payload->get("status").isString() ||
                payload->getValue<std::string>("status") != "deactivated")
                throw malformed("an authorization can only be updated to \"deactivated\"");
            if (authz.status != "pending" && authz.status != "valid")
                throw malformed("only pending or valid authorizations can be deactivated");
            authz.status = "deactivated";
        }
        HttpResponse r = json(200, authzJson(authz));
        for (const auto& cid : authz.challengeIds)
            if (s_.challenges.at(cid).status == "processing") {
                r.addHeader("Retry-After", std::to_string(config_.retryAfterSeconds));
                break;
            }
        return r;
    }

    // Returns the job to run outside the lock, if validation must start.
    HttpResponse challenge(const HttpRequest& request, const std::string& id, std::optional<ValidationJob>& job) {
        Post post = verify(request, "/chalZ/" + id, false, true);
        auto it = s_.challenges.find(id);
        if (it == s_.challenges.end()) throw AcmeProblem("malformed", "no such challenge", 404);
        Challenge& c = it->second;
        Authorization& authz = ownAuthz(post, c.authzId);
        if (!post.payload.empty()) {
            (void)payloadObject(post);  // RFC 8555 §7.5.1: "{}" starts validation
            requireCurrentTerms(*post.account);
            // pebble's rules: only a pending challenge may be started, in its words
            if (config_.validationRules == MockAcmeConfig::ValidationRules::Pebble && c.status != "pending")
                throw malformed("Cannot update challenge with status " + c.status + ", only status pending");
            // an authorization that can no longer become valid (invalid, deactivated, expired): nothing
            // to start, as Let's Encrypt answers, in its words; a valid one's challenge comes back as it is
            if (authz.status != "pending" && authz.status != "valid")
                throw malformed("Unable to update challenge :: authorization must be pending");
            if (c.status == "pending" && authz.status == "pending") {
                for (const auto& other : authz.challengeIds)
                    if (s_.challenges.at(other).status == "processing")
                        throw malformed("another challenge of this authorization is being validated");
                if (config_.skipValidation) {
                    c.status = "valid";
                    c.validated = now_;
                    authz.status = "valid";
                    authz.expires = now_ + config_.windowsOf(authz.profile).validAuthorizationLifetime;
                } else {
                    c.status = "processing";
                    ValidationRequest work{c.type, authz.identifier, c.token,
                                           c.token.empty() ? "" : KeyAuthorization::compute(c.token, post.account->key),
                                           accountUrl(post.account->id)};
                    work.wildcard = authz.wildcard;
                    job = ValidationJob{std::move(work),
                                        c.id, caaIssuance(authz, post.account->id, c.type)};
                }
            }
        }
        return challengeAnswer(c);
    }

    HttpResponse challengeAnswer(const Challenge& c) {
        HttpResponse r = json(200, challengeJson(c));
        r.addHeader("Link", "<" + url("/authZ/" + c.authzId) + ">;rel=\"up\"");
        if (c.status == "processing") r.addHeader("Retry-After", std::to_string(config_.retryAfterSeconds));
        return r;
    }

    // ---- certificates: §7.4.2, §7.6
    HttpResponse certificate(const HttpRequest& request, const std::string& id, std::size_t chain,
                             const std::string& path) {
        Post post = verify(request, path, false, true);
        requirePostAsGet(post);
        auto it = s_.certificates.find(id);
        if (it == s_.certificates.end() || it->second.accountId != post.account->id || chain >= ca_.chainCount())
            throw AcmeProblem("malformed", "no such certificate", 404);
        HttpResponse r;
        r.status = 200;
        r.contentType = "application/pem-certificate-chain";
        r.body = it->second.leafPem + ca_.chainPem(chain);
        if (s_.misissueNext > 0) {  // a CA's mistake, on request (set-misissued-certificates)
            --s_.misissueNext;
            const Certificate leaf = Certificate::fromPem(it->second.leafPem);
            // a leaf of another shape before the chain, or ("chain") the order's leaf before the
            // root where the intermediate that signed it belongs
            std::string wrongLeaf = it->second.leafPem;
            std::string tail = ca_.chainPem(chain);
            if (s_.misissue == "names")  // the order's key, another name
                wrongLeaf = ca_.issue(leaf.publicKey(), {Identifier::dns("misissued.invalid")}, leaf.notBefore(), leaf.notAfter()).toPem();
            else if (s_.misissue == "expired")  // the order's key and names, a lifetime that ended
                wrongLeaf = ca_.issue(leaf.publicKey(), it->second.names, now_ - std::chrono::hours(48), now_ - std::chrono::hours(24)).toPem();
            else if (s_.misissue == "key")  // the order's names and lifetime, another key than the CSR's
                wrongLeaf = ca_.issue(PrivateKey::generate(KeyType::EcP256).publicKey(), it->second.names, leaf.notBefore(),
                                      leaf.notAfter())
                                .toPem();
            else if (s_.misissue == "unreadable")  // PEM armour around what is no certificate
                wrongLeaf = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
            else  // "chain"
                tail = ca_.root(chain).toPem();
            r.body = wrongLeaf + tail;
        }
        for (std::size_t i = 0; i < ca_.chainCount(); ++i)
            if (i != chain)
                r.addHeader("Link", "<" + url("/certZ/" + id + (i ? "/" + std::to_string(i) : "")) +
                                        ">;rel=\"alternate\"");
        return r;
    }

    HttpResponse revoke(const HttpRequest& request) {
        Post post = verify(request, "/revoke-cert", true, true);
        auto payload = payloadObject(post);
        Certificate cert = [&] {
            try {
                return Certificate::fromDer(Base64Url::decode(detail::requireString(*payload, "certificate", "revokeCert")));
            } catch (const Error& e) {
                throw malformed(std::string("revokeCert: ") + e.what());
            }
        }();
        int reason = 0;
        if (payload->has("reason")) {
            if (!payload->get("reason").isInteger()) throw AcmeProblem("badRevocationReason", "reason must be an integer", 400);
            const auto code = detail::integerValue(payload->get("reason"));
            if (!code || !RevocationReason::isCode(*code))
                throw AcmeProblem("badRevocationReason", "reason code " + payload->get("reason").toString() + " is not allowed", 400);
            reason = static_cast<int>(*code);
        }
        auto it = s_.certificates.find(serialKey(cert.serialHex()));
        // the PEM kept is made from the leaf's DER as toPem makes it: equal PEM, equal certificate
        if (it == s_.certificates.end() || cert.toPem() != it->second.leafPem)
            throw AcmeProblem("malformed", "this server did not issue that certificate", 404);
        IssuedCertificate& issued = it->second;
        if (post.account) {
            if (issued.accountId != post.account->id && !holdsAuthorizations(post.account->id, cert))
                throw AcmeProblem("unauthorized", "the account may not revoke this certificate", 403);
        } else if (!(post.jwk->publicKey() == cert.publicKey())) {
            throw AcmeProblem("unauthorized", "the JWS key is not the certificate's key", 403);
        }
        if (issued.revoked) throw AcmeProblem("alreadyRevoked", "the certificate is already revoked", 400);
        issued.revoked = true;
        issued.reason = reason;
        issued.revokedAt = now_;
        s_.revokedCertificateIds.insert(issued.id);
        HttpResponse r;
        r.status = 200;
        return r;
    }

    bool holdsAuthorizations(const std::string& accountId, const Certificate& cert) {
        // a wildcard name needs a wildcard authorization; expired ones do not count
        for (Identifier name : cert.subjectAltNames()) {
            const bool wildcard = name.type == Identifier::Type::Dns && ServerName::isWildcard(name.value);
            if (wildcard) name.value = name.value.substr(2);
            if (s_.validAuthorization(accountId, name, wildcard, now_) == nullptr &&
                ancestorAuthorization(accountId, name, wildcard, [](const Authorization&) { return true; }) == nullptr)
                return false;
        }
        return true;
    }

    // ---- renewal information: RFC 9773
    // The suggested window: as set from the management interface; for a revoked certificate,
    // the half hour that began an hour ago (renew now); else around the time a third of its
    // lifetime is left (half under 10 days, by Boulder's rules), 1 % of the lifetime either
    // side by Boulder's, a day by pebble's (MockAcmeConfig::ariRules)
    std::pair<TimePoint, TimePoint> ariWindow(const IssuedCertificate& c) const {
        if (c.renewalWindow) return *c.renewalWindow;
        if (c.revoked) return {now_ - std::chrono::hours(1), now_ - std::chrono::minutes(30)};
        const auto lifetime = c.notAfter - c.notBefore;
        if (config_.ariRules == MockAcmeConfig::AriRules::Pebble) {
            const TimePoint ideal = c.notAfter - lifetime / 3;
            return {ideal - std::chrono::hours(24), ideal + std::chrono::hours(24)};
        }
        const TimePoint ideal = c.notAfter - (lifetime < std::chrono::hours(24 * 10) ? lifetime / 2 : lifetime / 3);
        return {ideal - lifetime / 100, ideal + lifetime / 100};
    }

    HttpResponse renewalInfo(const std::string& certId) {
        auto it = s_.certificateByAriId.find(canonicalCertId(certId, "the certID of the path"));
        if (it == s_.certificateByAriId.end()) throw AcmeProblem("malformed", "no certificate with this id", 404);
        const IssuedCertificate& c = s_.certificates.at(it->second);
        const auto [start, end] = ariWindow(c);
        auto window = obj();
        window->set("start", formatRfc3339(start));
        window->set("end", formatRfc3339(end));
        auto o = obj();
        o->set("suggestedWindow", window);
        if (!c.renewalExplanation.empty()) o->set("explanationURL", c.renewalExplanation);
        HttpResponse r = json(200, o);
        r.addHeader("Retry-After", "21600");
        return r;
    }

    // ---- management
    // Management (as Boulder's own tests pause through its SA): {"account": ACCOUNT_URL or id,
    // "identifiers": [{"type": "dns"|"ip", "value": ...}, ...]} pauses those identifiers for the
    // account at once, as failures in a row would (MockAcmeConfig::pauseAfterFailures, whatever its
    // value); {"account": ...} alone at /unpause-account unpauses all of them, as the link does.
    // Answers {"account": URL, "paused": [values], "unpauseUrl": URL or absent}.
    HttpResponse pauseIdentifiers(const HttpRequest& request, bool pause) {
        const char* what = pause ? "pause-identifiers" : "unpause-account";
        const Object::Ptr payload = managementBody(request, std::size_t{64} * 1024, what);
        std::string accountRef;
        try {
            accountRef = detail::requireString(*payload, "account", what);
        } catch (const JoseError& e) {
            throw malformed(e.what());
        }
        const auto found = s_.accounts.find(accountRef.substr(accountRef.rfind('/') + 1));
        if (found == s_.accounts.end()) throw AcmeProblem("malformed", "no such account", 404);
        Account& a = found->second;
        if (pause) {
            const auto list = payload->getArray("identifiers");
            if (!list || list->size() == 0) throw malformed("pause-identifiers needs a non-empty \"identifiers\" array");
            std::vector<Identifier> ids;
            for (std::size_t i = 0; i < list->size(); ++i) {
                const auto item = list->getObject(static_cast<unsigned>(i));
                if (!item) throw malformed("each identifier must be an object");
                std::string type, value;
                try {
                    type = detail::requireString(*item, "type", "identifier");
                    value = detail::requireString(*item, "value", "identifier");
                } catch (const JoseError& e) {
                    throw malformed(e.what());
                }
                if (type != "dns" && type != "ip") throw malformed("an identifier's type is dns or ip");
                try {
                    ids.push_back(type == "ip" ? Identifier::ip(value) : Identifier::dns(value));
                } catch (const InvalidNameError& e) {
                    throw malformed(e.what());
                }
            }
            for (const auto& id : ids) s_.pause(a, state::failureKey(id, false));  // "*." is in a wildcard's id.value
        } else {
            s_.unpause(a);
        }
        auto o = obj();
        o->set("account", accountUrl(a.id));
        Array::Ptr paused = new Array;
        for (const auto& key : a.paused) paused->add(state::failureKeyValue(key));
        o->set("paused", paused);
        if (!a.unpauseToken.empty()) o->set("unpauseUrl", url("/sfe/v1/unpause?jwt=" + a.unpauseToken));
        return json(200, o);
    }

    HttpResponse setRenewalInfo(const HttpRequest& request) {
        const Object::Ptr payload = managementBody(request, std::size_t{64} * 1024, "set-renewal-info");
        std::string serial;
        try {
            if (const auto given = detail::optionalString(*payload, "serial", "set-renewal-info")) serial = serialKey(*given);
            if (const auto certId = detail::optionalString(*payload, "certID", "set-renewal-info")) {
                auto it = s_.certificateByAriId.find(canonicalCertId(*certId, "certID"));
                if (it != s_.certificateByAriId.end()) serial = it->second;
            }
        } catch (const JoseError& e) {
            throw malformed(e.what());
        }
        auto it = s_.certificates.find(serial);
        if (it == s_.certificates.end()) throw AcmeProblem("malformed", "no such certificate", 404);
        const auto time = [&](const char* field) {
            const auto& v = payload->get(field);
            return v.isString() ? parseRfc3339(v.extract<std::string>()) : std::nullopt;
        };
        const auto start = time("start"), end = time("end");
        if (!start || !end || *end < *start) throw malformed("start and end must be RFC 3339 times, start first");
        std::string explanation;
        try {
            explanation = detail::optionalString(*payload, "explanationURL", "set-renewal-info").value_or("");
        } catch (const JoseError& e) {
            throw malformed(e.what());
        }
        if (!explanation.empty() && !MockAcmeConfig::isWebUrl(explanation, 1000))
            throw malformed("explanationURL must be an http:// or https:// URL of printable ASCII, at most 1000 bytes");
        it->second.renewalWindow = {*start, *end};
        it->second.renewalExplanation = explanation;
        HttpResponse r;
        r.status = 200;
        return r;
    }

    HttpResponse certStatus(const std::string& serial) {
        auto it = s_.certificates.find(serialKey(serial));
        if (it == s_.certificates.end()) {
            // forgotten (--forget-after) but revoked and unexpired: still on the CRL, so still "Revoked" here,
            // without the certificate, which is gone
            const auto f = s_.forgottenRevocations.find(serialKey(serial));
            if (f == s_.forgottenRevocations.end() || f->second.notAfter <= now_)
                throw AcmeProblem("malformed", "no certificate with that serial", 404);
            auto o = obj();
            o->set("Status", std::string("Revoked"));
            o->set("Serial", f->first);
            o->set("Reason", f->second.reason);
            o->set("RevokedAt", formatRfc3339(f->second.revokedAt));
            return json(200, o);
        }
        const auto& c = it->second;
        auto o = obj();
        o->set("Status", std::string(c.revoked ? "Revoked" : "Valid"));
        o->set("Serial", c.id);
        if (c.revoked) {
            o->set("Reason", c.reason);
            o->set("RevokedAt", formatRfc3339(c.revokedAt));
        }
        o->set("Certificate", c.leafPem);
        // the order that names it in `replaces` (RFC 9773 §5), as a renewal by ARI says
        if (const auto account = s_.accounts.find(c.accountId); account != s_.accounts.end())
            if (const auto order = replacingOrder(account->second, c.ariId)) o->set("ReplacedBy", url("/my-order/" + *order));
        return json(200, o);
    }

    static HttpResponse json(int status, const Object::Ptr& o) {
        HttpResponse r;
        r.status = status;
        r.contentType = "application/json";
        r.body = text(o);
        return r;
    }

    // Headers for the problem document of the exception this exchange throws.
    std::vector<std::pair<std::string, std::string>> problemHeaders_;

private:
    const MockAcmeConfig& config_;
    const std::string& base_;
    TimePoint now_;
    EngineState& s_;
    const MockCertificateAuthority& ca_;
    const PublicSuffixList* suffixes_;  ///< MockAcmeConfig::publicSuffixList's, when set
    Preverified* pre_;
};

HttpResponse pemResponse(const std::string& pem) {
    HttpResponse r;
    r.contentType = "application/x-pem-file";
    r.body = pem;
    return r;
}

// See Preverified. Never throws: whatever fails here fails again, with its
// proper problem, in Exchange::verify.
Preverified preverify(const HttpRequest& request, const MockAcmeConfig& config, const std::string& baseUrl,
                      EngineState& state) {
    Preverified pre;
    try {
        pre.jws = FlattenedJws::parse(request.body, config.maxBodyBytes);
        const auto& header = pre.jws->protectedHeader();
        const auto alg = jwsAlgorithmFromString(pre.jws->algorithm());
        if (!alg || isMacAlgorithm(*alg)) return pre;
        if (header.has("jwk")) {
            auto jwkObject = header.getObject("jwk");
            if (!jwkObject) return pre;
            pre.jwk = Jwk::fromJson(*jwkObject);
            pre.key = pre.jwk->publicKey();
        } else {
            const auto kid = detail::optionalString(header, "kid", "JWS header");
            const std::string prefix = baseUrl + "/my-account/";
            if (!kid || !kid->starts_with(prefix)) return pre;
            std::lock_guard lock(state.mutex);
            const auto it = state.accounts.find(kid->substr(prefix.size()));
            if (it == state.accounts.end()) return pre;
            pre.key = it->second.key.publicKey();
        }
        pre.signatureValid = pre.jws->verify(*pre.key);
    } catch (const std::exception&) {
        pre.key.reset();
    }
    return pre;
}

// "/a/b/c" split on '/'.
std::vector<std::string> segments(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 1;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        out.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return out;
}

// A resource of the ACME listener, and the methods it answers (Boulder's and pebble's
// lists: a resource that takes GET takes HEAD).
struct Route {
    enum Kind {
        Directory, NewNonce, RenewalInfo, NewAccount, NewOrder, NewAuthz, RevokeCert, KeyChange,
        Account, AccountOrders, Order, Authorization, Certificate, Finalize, Challenge
    };
    Kind kind;
    std::string id;         ///< the resource's id, where its path has one
    std::size_t chain = 0;  ///< Certificate: the alternate chain asked for (0: the default one)

    std::string_view methods() const {
        switch (kind) {
        case Directory:
        case NewNonce: return "GET, HEAD, POST";  // RFC 8555 §6.3: GET and POST-as-GET alike
        case RenewalInfo: return "GET, HEAD";     // RFC 9773 §4.1: an unauthenticated GET
        default: return "POST";
        }
    }
    // Whether `method` is one of methods().
    bool allows(std::string_view method) const {
        for (std::string_view rest = methods();;) {
            const std::size_t comma = rest.find(", ");
            if (rest.substr(0, comma) == method) return true;
            if (comma == std::string_view::npos) return false;
            rest.remove_prefix(comma + 2);
        }
    }
};

// The pages of the ACME listener that a person opens in a browser, without a JWS: the website
// the directory names (its `/`, as Boulder's), mock-acme's own terms of service, where an
// account agrees to changed terms (RFC 8555 §7.3.3's `instance`), and a paused account's
// unpause link.
bool isPageForPerson(const std::string& path) {
    constexpr std::string_view kTerms = "/terms-agreement/";
    return path == "/" || path == "/sfe/v1/unpause" || MockAcmeConfig::isOwnTermsPath(path) ||
           (path.starts_with(kTerms) && path.size() > kTerms.size() && path.find('/', kTerms.size()) == std::string::npos);
}

// What `Access-Control-Allow-Origin` says to a script of `origin` (MockAcmeConfig::corsOrigins):
// "*" when any origin may call, the origin itself when it is listed; nothing otherwise.
std::optional<std::string> corsAllowedOrigin(const MockAcmeConfig& config, const std::string& origin) {
    if (origin.empty()) return std::nullopt;
    for (const auto& allowed : config.corsOrigins)
        if (allowed == "*" || allowed == origin) return allowed;
    return std::nullopt;
}

// The headers of a CORS answer to a script of an allowed origin (Fetch's CORS protocol): who
// may read it, and the ACME headers it may read, which a browser hides otherwise.
void addCorsHeaders(HttpResponse& r, const std::string& allowedOrigin) {
    r.addHeader("Access-Control-Allow-Origin", allowedOrigin);
    if (allowedOrigin != "*") r.addHeader("Vary", "Origin");
    r.addHeader("Access-Control-Expose-Headers", "Link, Replay-Nonce, Location");
}

// The resource at `path` (split into `parts`), or nothing: no such resource.
std::optional<Route> routeOf(const std::string& path, const std::vector<std::string>& parts, bool preAuthorization) {
    static const std::unordered_map<std::string_view, Route::Kind> fixed{
        {"/dir", Route::Directory},         {"/nonce-plz", Route::NewNonce},   {"/sign-me-up", Route::NewAccount},
        {"/order-plz", Route::NewOrder},    {"/new-authz", Route::NewAuthz},   {"/revoke-cert", Route::RevokeCert},
        {"/rollover-account-key", Route::KeyChange}};
    if (const auto it = fixed.find(path); it != fixed.end()) {
        if (it->second == Route::NewAuthz && !preAuthorization) return std::nullopt;
        return Route{it->second, {}};
    }
    if (parts.size() < 2 || parts[1].empty()) return std::nullopt;
    const std::string& first = parts[0];
    if (parts.size() == 2) {
        static const std::unordered_map<std::string_view, Route::Kind> withId{
            {"renewal-info", Route::RenewalInfo}, {"my-account", Route::Account},     {"my-order", Route::Order},
            {"authZ", Route::Authorization},      {"certZ", Route::Certificate},      {"finalize-order", Route::Finalize},
            {"chalZ", Route::Challenge}};
        if (const auto it = withId.find(first); it != withId.end()) return Route{it->second, parts[1]};
        return std::nullopt;
    }
    if (parts.size() == 3 && first == "my-account" && parts[2] == "orders") return Route{Route::AccountOrders, parts[1]};
    if (parts.size() == 3 && first == "certZ" && parts[2].size() == 1 && parts[2][0] >= '1' && parts[2][0] <= '9')
        return Route{Route::Certificate, parts[1], static_cast<std::size_t>(parts[2][0] - '0')};
    return std::nullopt;
}

// OPTIONS (RFC 9110 §9.3.7): the methods the resource answers, in `Allow`. A CORS preflight
// of an allowed origin for one of them gets what the browser needs to send it: the methods,
// and `Content-Type` among the headers (application/jose+json is not one a script may send
// unasked). A preflight for another method, or from another origin, gets no CORS header,
// and the browser does not send the request, as with Boulder and pebble.
HttpResponse optionsAnswer(const HttpRequest& request, const Route& route, const MockAcmeConfig& config) {
    HttpResponse r;
    r.status = 204;
    r.addHeader("Allow", std::string(route.methods()));
    const auto allowed = corsAllowedOrigin(config, request.origin);
    if (allowed && !request.accessControlRequestMethod.empty() && route.allows(request.accessControlRequestMethod)) {
        addCorsHeaders(r, *allowed);
        r.addHeader("Access-Control-Allow-Methods", std::string(route.methods()));
        r.addHeader("Access-Control-Allow-Headers", "Content-Type");
        r.addHeader("Access-Control-Max-Age", "86400");
    }
    return r;
}

// "the root certificate file PATH: REASON", for a failure to read `path` (whose reason may name it already).
Error rootFileError(const std::string& what, const std::string& path, const Error& e) {
    std::string reason = e.what();
    if (reason.starts_with(path + ": ")) reason.erase(0, path.size() + 2);
    return Error("the " + what + " file " + path + ": " + reason);
}

// The root certificate of `rootCertFile`, if one is named.
std::optional<Certificate> givenRootOf(const MockAcmeConfig& config) {
    if (config.rootCertFile.empty()) return std::nullopt;
    try {
        return Certificate::fromPem(AtomicFile::read(config.rootCertFile, 1 << 20));
    } catch (const Error& e) {
        throw rootFileError("root certificate", config.rootCertFile, e);
    }
}

}  // namespace

// ---------------------------------------------------------------- engine

MockAcmeEngine::MockAcmeEngine(MockAcmeConfig config, std::string baseUrl, IClock& clock,
                               std::unique_ptr<IChallengeValidator> validator)
    : config_(std::move(config)),
      baseUrl_(std::move(baseUrl)),
      clock_(clock),
      validator_(std::move(validator)),
      state_(std::make_unique<state::EngineState>()),
      workers_(config_.validationThreads, "cxxacme.mock_acme.validation") {
    config_.validate();
    if (config_.checkCaa) caa_ = std::make_unique<CaaCheck>(config_.dnsServer, config_.caaIdentities);
    if (!config_.publicSuffixList.empty())
        suffixes_ = std::make_unique<const PublicSuffixList>(PublicSuffixList::load(config_.publicSuffixList));
    state_->random.seed(config_.randomSeed);
    state_->truncatedResponsePercent = config_.truncatedResponsePercent;
    state_->delayedResponsePercent = config_.delayedResponsePercent;
    state_->responseDelay = std::chrono::duration_cast<std::chrono::milliseconds>(config_.responseDelay);
    if (!config_.persistFile.empty()) {
        snapshot_ = std::make_unique<state::SnapshotFile>(config_.persistFile);
        ca_ = snapshot_->load(*state_);  // nothing on first use
        // a snapshot from before agreements were kept per terms: agreed, to the terms of now
        const std::string& terms = state_->termsOfService ? *state_->termsOfService : config_.termsOfService;
        for (auto& [id, a] : state_->accounts)
            if (a.termsAgreed && a.agreedTerms.empty()) a.agreedTerms = terms;
        if (config_.forgetAfter <= Duration::zero()) state_->ordersByAge.clear();  // kept only to forget by
        else  // pre-authorizations no order uses, by when they were made
            for (const auto& [id, a] : state_->authorizations)
                if (a.preauthorized && a.orders == 0)
                    state_->preauthorizationsByAge.emplace(a.created, id);
    }
    const std::optional<Certificate> givenRoot = givenRootOf(config_);
    if (ca_) {
        // restored: accounts, orders and certificates stay valid under the same CA, which must be
        // the one asked for
        if (givenRoot && !(ca_->root(0) == *givenRoot))
            throw Error(config_.persistFile + " holds a CA under another root than " + config_.rootCertFile +
                        " (" + ca_->root(0).subject() + "): remove the one that is not wanted");
    } else if (givenRoot) {
        PrivateKey key = [&] {
            try {
                return PrivateKey::fromPem(AtomicFile::read(config_.rootKeyFile, 1 << 20));
            } catch (const Error& e) {
                throw rootFileError("root key", config_.rootKeyFile, e);
            }
        }();
        ca_ = std::make_unique<MockCertificateAuthority>(*givenRoot, key, config_.caKeyType, config_.alternateChains,
                                                         config_.intermediates);
    } else {
        ca_ = std::make_unique<MockCertificateAuthority>(config_.caKeyType, config_.alternateChains, config_.intermediates);
    }
    crlUrl_ = crlUrlOf(config_, *ca_);
    if (!crlUrl_.empty()) crlPath_ = Poco::URI(crlUrl_).getPath();
    // cRLNumbers grow from one list to the next, across restarts too: they start at the time in milliseconds
    crlNumber_ = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    if (snapshot_) {
        writeSnapshot();  // the CA is on disk before the first request
        snapshotWriter_ = std::thread([this] { snapshotLoop(); });
    }
}

void MockAcmeEngine::requestSnapshot() {
    if (!snapshot_) return;
    {
        std::lock_guard lock(snapshotMutex_);
        snapshotWanted_ = true;
    }
    snapshotWake_.notify_one();
}

void MockAcmeEngine::writeSnapshot() {
    std::lock_guard writing(snapshotWriteMutex_);
    try {
        const auto started = std::chrono::steady_clock::now();
        state::EngineData copy;
        {
            std::lock_guard lock(state_->mutex);
            copy = static_cast<const state::EngineData&>(*state_);  // requests wait for the copy only
        }
        const std::string text = state::SnapshotFile::serialize(copy, *ca_);
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        snapshotInterval_ = std::max(std::chrono::milliseconds(250), 4 * took);
        snapshot_->write(text);
    } catch (const std::exception& e) {  // Error from SQLite, or no memory for the copy: the next change tries again
        Poco::Logger::get("cxxacme.mock_acme").error(e.what());
    }
}

void MockAcmeEngine::snapshotLoop() {
    std::unique_lock lock(snapshotMutex_);
    while (true) {
        snapshotWake_.wait(lock, [this] { return snapshotWanted_ || snapshotStop_; });
        if (snapshotStop_) return;  // the destructor writes the last one
        // the changes of the next interval go into the same snapshot
        snapshotWake_.wait_for(lock, snapshotInterval_, [this] { return snapshotStop_; });
        if (snapshotStop_) return;
        snapshotWanted_ = false;
        lock.unlock();
        writeSnapshot();
        lock.lock();
    }
}

MockAcmeEngine::~MockAcmeEngine() {
    {
        std::lock_guard lock(delaysMutex_);
        delays_.clear();  // cancels the delayed validations (waits for one being handed over)
    }
    {
        std::lock_guard lock(state_->mutex);
        state_->stopping = true;
    }
    state_->validated.notify_all();
    if (snapshotWriter_.joinable()) {
        {
            std::lock_guard lock(snapshotMutex_);
            snapshotStop_ = true;
        }
        snapshotWake_.notify_one();
        snapshotWriter_.join();
    }
    workers_.shutdown();
    if (snapshot_) writeSnapshot();  // everything, validations that just ended included
}

TimePoint MockAcmeEngine::now() const {
    std::lock_guard lock(state_->mutex);
    return clock_.now() + state_->offset;
}

void MockAcmeEngine::setTermsOfService(const std::string& url, bool requireAgreement) {
    if (!MockAcmeConfig::isTermsOfService(url))
        throw Error("mock-acme: the terms of service must be an http:// or https:// URL of printable ASCII without quotes or "
                    "angle brackets, or /terms-of-service[/VERSION], not \"" + InvalidNameError::printable(url) + "\"");
    {
        std::lock_guard lock(state_->mutex);
        Exchange x(config_, baseUrl_, clock_.now() + state_->offset, *state_, *ca_, suffixes_.get());
        x.changeTerms(url, requireAgreement);
    }
    requestSnapshot();
}

void MockAcmeEngine::timeTravel(Duration offset) {
    {
        std::lock_guard lock(state_->mutex);
        state_->offset += offset;
    }
    requestSnapshot();
}

namespace {

// A Host value mock-acme builds URLs on: a DNS name or IPv4 address, or an
// IPv6 address in brackets, then an optional ":PORT" (1-65535).
bool usableHost(std::string_view host) {
    if (host.empty() || host.size() > 261) return false;
    std::string_view name = host;
    std::string_view port;
    if (host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos || close < 3) return false;
        if (host.substr(1, close - 1).find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) return false;
        if (close + 1 < host.size()) {
            if (host[close + 1] != ':') return false;
            port = host.substr(close + 2);
            if (port.empty()) return false;
        }
    } else {
        if (const auto colon = host.find(':'); colon != std::string_view::npos) {
            name = host.substr(0, colon);
            port = host.substr(colon + 1);
            if (port.empty()) return false;
        }
        if (name.empty() || name.size() > 253 || name.front() == '.' || name.front() == '-' ||
            name.find("..") != std::string_view::npos ||
            name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != std::string_view::npos)
            return false;
    }
    if (port.empty()) return true;
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
    const unsigned long number = std::stoul(std::string(port));
    return number >= 1 && number <= 65535;
}

}  // namespace

std::string MockAcmeEngine::baseUrlFor(const HttpRequest& request) const {
    return usableHost(request.host) ? "https://" + request.host : baseUrl_;
}

HttpResponse MockAcmeEngine::handle(const HttpRequest& request) {
    HttpResponse response;
    const std::string base = baseUrlFor(request);
    try {
        response = dispatch(request, base);
    } catch (const AcmeProblem& p) {
        response = HttpResponse::fromProblem(p);
    } catch (const std::exception& e) {
        Poco::Logger::get("cxxacme.mock_acme").error(std::string("internal error: ") + e.what());
        response = HttpResponse::fromProblem(AcmeProblem("serverInternal", "internal error", 500));
    }
    if (request.method == "POST") requestSnapshot();  // answered or refused, it may have changed something
    // a nonce with every answer to a POST or HEAD and to a GET of newNonce, as Boulder and
    // pebble give them (or with every answer, nonceOnEveryResponse)
    const bool withNonce = (request.method != "GET" && request.method != "OPTIONS") || request.path == "/nonce-plz" ||
                           config_.nonceOnEveryResponse;
    std::string nonce = withNonce ? state::EngineState::newNonce() : "";
    {
        std::lock_guard lock(state_->mutex);
        if (withNonce) state_->issueNonce(nonce);
        response.cutShort = state_->injects(state_->truncatedResponsePercent, state_->truncateNext);
        if (state_->injects(state_->delayedResponsePercent, state_->delayNext)) response.holdFor = state_->responseDelay;
    }
    if (withNonce) response.addHeader("Replay-Nonce", std::move(nonce));
    // RFC 8555 §7.1: on every resource other than the directory
    if (request.path != "/dir") response.addHeader("Link", "<" + base + "/dir>;rel=\"index\"");
    // a script in a browser may read the answer (OPTIONS answers for itself; the pages for a
    // person are not for scripts)
    if (const auto allowed = corsAllowedOrigin(config_, request.origin);
        allowed && request.method != "OPTIONS" && !isPageForPerson(request.path))
        addCorsHeaders(response, *allowed);
    return response;
}

HttpResponse MockAcmeEngine::dispatch(const HttpRequest& request, const std::string& base) {
    const auto parts = segments(request.path);
    std::optional<ValidationJob> job;
    std::optional<FinalizeJob> finalizeJob;
    HttpResponse response;
    if (isPageForPerson(request.path)) {  // no JWS
        std::lock_guard lock(state_->mutex);
        Exchange x(config_, base, clock_.now() + state_->offset, *state_, *ca_, suffixes_.get());
        if (request.path == "/") return x.website(request);
        if (MockAcmeConfig::isOwnTermsPath(request.path)) return x.ownTerms(request);
        return request.path == "/sfe/v1/unpause" ? x.unpausePage(request) : x.termsAgreement(request, parts[1]);
    }
    const std::optional<Route> route = routeOf(request.path, parts, config_.preAuthorization);
    if (!route) throw AcmeProblem("malformed", "no such resource", 404);
    if (request.method == "OPTIONS") return optionsAnswer(request, *route, config_);
    if (!route->allows(request.method)) return methodNotAllowed(route->methods());
    Preverified pre;
    if (request.method == "POST") {
        checkPostFields(request);
        pre = preverify(request, config_, base, *state_);
    }
    {
        std::lock_guard lock(state_->mutex);
        if (state_->roll(config_.serverErrorPercent))
            throw AcmeProblem("serverInternal", "internal error (injected fault)", 500);
        Exchange x(config_, base, clock_.now() + state_->offset, *state_, *ca_, suffixes_.get(), &pre);
        try {
            // RFC 8555 §6.3: the directory and newNonce take GET and POST-as-GET alike; a
            // POST-as-GET is checked as any other, by an account (as Boulder checks it;
            // pebble takes GET alone)
            const bool post = request.method == "POST";
            switch (route->kind) {
            case Route::Directory:
                if (post) x.postAsGetByAccount(request);
                return x.directory();
            case Route::NewNonce: {
                if (post) x.postAsGetByAccount(request);
                HttpResponse r;
                r.status = request.method == "GET" ? 204 : 200;
                r.addHeader("Cache-Control", "no-store");
                return r;
            }
            case Route::RenewalInfo: return x.renewalInfo(route->id);
            case Route::NewAccount: return x.newAccount(request);
            case Route::NewOrder: return x.newOrder(request);
            case Route::NewAuthz: return x.newAuthz(request);
            case Route::RevokeCert: return x.revoke(request);
            case Route::KeyChange: return x.keyChange(request);
            case Route::Account: return x.account(request, route->id);
            case Route::AccountOrders: return x.accountOrders(request, route->id);
            case Route::Order: return x.order(request, route->id);
            case Route::Authorization: return x.authorization(request, route->id);
            case Route::Certificate: return x.certificate(request, route->id, route->chain, request.path);
            case Route::Finalize: finalizeJob = x.startFinalize(request, route->id); break;
            case Route::Challenge: response = x.challenge(request, route->id, job); break;
            }
        } catch (const AcmeProblem& p) {
            HttpResponse r = HttpResponse::fromProblem(p);
            for (const auto& [name, value] : x.problemHeaders_) r.addHeader(name, value);
            return r;
        }
    }
    if (finalizeJob) {
        std::optional<Exchange::SignedLeaf> leaf;
        std::optional<AcmeProblem> problem;
        // RFC 8659 at issuance, as a CA must within 8 hours before it: each name's records now
        if (!finalizeJob->caaChecks.empty()) problem = caa_->checkAll(finalizeJob->caaChecks);
        const bool caaRefused = problem && problem->is("caa");
        if (!problem) {
            try {
                leaf = Exchange::issueFor(*finalizeJob, *ca_);
            } catch (const AcmeProblem& p) {
                problem = p;
            } catch (const std::exception& e) {
                Poco::Logger::get("cxxacme.mock_acme").error(std::string("issuance failed: ") + e.what());
                problem = AcmeProblem("serverInternal", "the certificate could not be issued", 500);
            }
        }
        std::lock_guard lock(state_->mutex);
        Exchange x(config_, base, clock_.now() + state_->offset, *state_, *ca_, suffixes_.get());
        if (caaRefused) {
            x.refuseFinalize(*finalizeJob, *problem);
            requestSnapshot();
            return HttpResponse::fromProblem(*problem);
        }
        if (problem) {  // the order is ready again: a DNS failure, a refused CSR
            x.abandonFinalize(*finalizeJob);
            return HttpResponse::fromProblem(*problem);
        }
        try {
            return x.completeFinalize(*finalizeJob, *leaf);
        } catch (const AcmeProblem& p) {
            return HttpResponse::fromProblem(p);
        }
    }
    if (job) {
        ValidationRequest work = job->request;
        const std::string challengeId = job->challengeId;
        auto validate = [this, work, challengeId, caa = job->caa]() mutable {
            {
                std::lock_guard lock(state_->mutex);
                work.now = clock_.now() + state_->offset;  // when it runs (after any --validation-delay)
            }
            std::optional<AcmeProblem> error;
            try {
                error = validator_->validate(work);
                // RFC 8659: the name's CAA records once control is shown (checked again at finalize)
                if (!error && caa) error = caa_->check(work.identifier.value, *caa);
            } catch (const std::exception& e) {
                error = AcmeProblem("serverInternal", std::string("validation failed: ") + e.what(), 500);
            }
            std::lock_guard lock(state_->mutex);
            const auto found = state_->challenges.find(challengeId);
            if (found == state_->challenges.end()) return;  // forgotten (MockAcmeConfig::forgetAfter)
            auto& c = found->second;
            auto& authz = state_->authorizations.at(c.authzId);
            if (c.status != "processing") return;
            state_->validated.notify_all();
            if (error) {
                c.status = "invalid";
                c.error = *error;
                if (authz.status == "pending") authz.status = "invalid";
                if (const auto limit = static_cast<std::size_t>(config_.failedAuthorizationLimit); limit > 0)
                    if (const auto account = state_->accounts.find(authz.accountId); account != state_->accounts.end()) {
                        state_->countFailure(account->second, state::failureKey(authz.identifier, authz.wildcard),
                                             clock_.now() + state_->offset, limit);
                    }
                if (config_.pauseAfterFailures > 0)
                    if (const auto account = state_->accounts.find(authz.accountId); account != state_->accounts.end())
                        state_->countFailureInARow(account->second, authz.identifier, authz.wildcard, config_.pauseAfterFailures);
            } else {
                if (config_.pauseAfterFailures > 0)  // a good validation starts the count again
                    if (const auto account = state_->accounts.find(authz.accountId); account != state_->accounts.end())
                        account->second.failuresInARow.erase(state::failureKey(authz.identifier, authz.wildcard));
                c.status = "valid";
                c.validated = clock_.now() + state_->offset;
                if (authz.status == "pending") {
                    authz.status = "valid";
                    authz.expires = *c.validated + config_.windowsOf(authz.profile).validAuthorizationLifetime;
                    if (caa) authz.caaChecked = work.now;  // when the validation began, as Boulder counts
                }
            }
            requestSnapshot();
        };
        Duration wait = config_.validationDelay;
        if (config_.validationJitter > Duration::zero()) {
            const auto most = std::chrono::duration_cast<std::chrono::milliseconds>(config_.validationJitter).count();
            std::lock_guard lock(state_->mutex);
            wait += std::chrono::milliseconds(static_cast<long long>(state_->random() % static_cast<std::uint64_t>(most + 1)));
        }
        if (wait > Duration::zero()) {
            std::lock_guard lock(delaysMutex_);
            std::erase_if(delays_, [](const ScheduledCall& call) { return !call.pending(); });
            delays_.push_back(clock_.callLater(wait, [this, validate] { workers_.post(validate); }));
        } else {
            workers_.post(validate);
        }
        if (config_.challengeWait > Duration::zero()) {
            // Answer with the outcome when the validation is quick (it is on loopback), "processing" otherwise.
            std::unique_lock lock(state_->mutex);
            const auto done = [&] {
                const auto c = state_->challenges.find(challengeId);
                return state_->stopping || c == state_->challenges.end() || c->second.status != "processing";
            };
            state_->validated.wait_for(lock, config_.challengeWait, done);
            Exchange x(config_, base, clock_.now() + state_->offset, *state_, *ca_, suffixes_.get());
            if (const auto c = state_->challenges.find(challengeId); c != state_->challenges.end())
                response = x.challengeAnswer(c->second);
        }
    }
    return response;
}

HttpResponse MockAcmeEngine::handleCrl(const HttpRequest& request) {
    HttpResponse r;
    r.contentType = "text/plain";
    if (crlPath_.empty() || request.path != crlPath_) {
        r.status = 404;
        r.body = "no such CRL\n";
        return r;
    }
    if (request.method != "GET" && request.method != "HEAD") {
        r.status = 405;
        r.addHeader("Allow", "GET, HEAD");
        return r;
    }
    try {
        struct Entry {
            std::string serial;
            TimePoint when;
            int reason;
        };
        std::vector<Entry> entries;
        TimePoint now;
        {
            std::lock_guard lock(state_->mutex);
            now = clock_.now() + state_->offset;
            for (const auto& serial : state_->revokedCertificateIds)
                if (const auto& c = state_->certificates.at(serial); c.revokedAt + crlDelayOf(serial, config_.crlMaxDelay) <= now)
                    entries.push_back({serial, c.revokedAt, c.reason});
            // forgotten ones until they expire (RFC 5280 §3.3: an entry may go once its certificate has expired)
            std::erase_if(state_->forgottenRevocations, [now](const auto& entry) { return entry.second.notAfter <= now; });
            for (const auto& [serial, f] : state_->forgottenRevocations)
                if (f.revokedAt + crlDelayOf(serial, config_.crlMaxDelay) <= now) entries.push_back({serial, f.revokedAt, f.reason});
        }
        std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.serial < b.serial; });
        std::string lists;
        for (const auto& e : entries)
            lists += e.serial + " " + std::to_string(e.reason) + " " + std::to_string(e.when.time_since_epoch().count()) + ";";
        std::lock_guard kept(crlMutex_);
        // a new list when what it lists changed, when half its validity has passed, or when time
        // travel went back before the kept one's thisUpdate
        if (!keptCrl_ || keptCrl_->lists != lists || now < keptCrl_->thisUpdate ||
            now >= keptCrl_->thisUpdate + config_.crlValidity / 2) {
            RevocationListBuilder list;
            for (const auto& e : entries) list.revoked(e.serial, e.when, e.reason);
            list.validity(now, now + config_.crlValidity).number(++crlNumber_);
            keptCrl_ = KeptCrl{std::move(lists), now, list.sign(ca_->intermediate(0), ca_->intermediateKey())};
        }
        r.body = keptCrl_->der;
        r.contentType = "application/pkix-crl";
        r.addHeader("Cache-Control", "no-store");
    } catch (const std::exception& e) {
        Poco::Logger::get("cxxacme.mock_acme").error(std::string("making the CRL failed: ") + e.what());
        r.status = 500;
        r.body = "the CRL could not be made\n";
    }
    return r;
}

HttpResponse MockAcmeEngine::handleManagement(const HttpRequest& request) {
    const auto parts = segments(request.path);
    try {
        std::lock_guard lock(state_->mutex);
        Exchange x(config_, baseUrl_, clock_.now() + state_->offset, *state_, *ca_, suffixes_.get());
        const auto index = [&]() -> std::size_t {
            if (parts.size() != 2 || parts[1].empty() || parts[1].size() > 2 ||
                parts[1].find_first_not_of("0123456789") != std::string::npos)
                throw AcmeProblem("malformed", "expected /" + parts[0] + "/N", 404);
            const std::size_t i = std::stoul(parts[1]);
            if (i >= ca_->chainCount()) throw AcmeProblem("malformed", "no such chain", 404);
            return i;
        };
        if (request.method == "GET" && !parts.empty()) {
            if (parts[0] == "roots") return pemResponse(ca_->root(index()).toPem());
            if (parts[0] == "intermediates") return pemResponse(ca_->intermediate(index()).toPem());
            if (parts[0] == "root-keys") return pemResponse(ca_->rootKey(index()).toPem());
            if (parts[0] == "intermediate-keys") {
                (void)index();
                return pemResponse(ca_->intermediateKey().toPem());
            }
            if (parts[0] == "cert-status-by-serial" && parts.size() == 2) return x.certStatus(parts[1]);
            if (parts[0] == "stats" && parts.size() == 1) {  // what the state holds (memory, --forget-after)
                auto o = obj();
                o->set("accounts", static_cast<Poco::UInt64>(state_->accounts.size()));
                o->set("orders", static_cast<Poco::UInt64>(state_->orders.size()));
                o->set("authorizations", static_cast<Poco::UInt64>(state_->authorizations.size()));
                o->set("challenges", static_cast<Poco::UInt64>(state_->challenges.size()));
                o->set("certificates", static_cast<Poco::UInt64>(state_->certificates.size()));
                o->set("forgottenRevocations", static_cast<Poco::UInt64>(state_->forgottenRevocations.size()));
                o->set("nonces", static_cast<Poco::UInt64>(state_->nonces.size()));
                std::size_t limitEntries = state_->issuedForSet.size() + state_->issuedForDomain.size() +
                                           state_->lastIssuedForSet.size() +
                                           state_->registrationsByAddress.size() + state_->registrationsByRange.size();  // what the limits count
                for (const auto& account : state_->accounts) limitEntries += account.second.failedValidations.size();
                o->set("limitEntries", static_cast<Poco::UInt64>(limitEntries));
                return Exchange::json(200, o);
            }
            if (parts[0] == "clock" && parts.size() == 1) {
                auto o = obj();
                o->set("now", formatRfc3339(clock_.now() + state_->offset));
                o->set("offsetSeconds", std::chrono::duration_cast<std::chrono::seconds>(state_->offset).count());
                return Exchange::json(200, o);
            }
        }
        if (request.method == "POST" && request.path == "/set-terms-of-service") {
            HttpResponse r = x.setTermsOfService(request);
            requestSnapshot();
            return r;
        }
        if (request.method == "POST" && request.path == "/set-renewal-info") {
            HttpResponse r = x.setRenewalInfo(request);
            requestSnapshot();
            return r;
        }
        if (request.method == "POST" && (request.path == "/pause-identifiers" || request.path == "/unpause-account")) {
            HttpResponse r = x.pauseIdentifiers(request, request.path == "/pause-identifiers");
            requestSnapshot();
            return r;
        }
        // --truncated-responses and --delayed-responses, now: {"percent": 0..100, "next": 0..1000}
        // (either or both), and for delays {"ms": 1..3600000}
        const bool truncating = request.path == "/set-truncated-responses";
        if (request.method == "POST" && (truncating || request.path == "/set-delayed-responses")) {
            const std::string what = request.path.substr(1);
            const Object::Ptr payload = managementBody(request, 4096, what);
            const auto refuse = [&] {
                return malformed(what + " needs {\"percent\": 0..100} or {\"next\": 0..1000}" +
                                 (truncating ? "" : " or {\"ms\": 1..3600000}") + " (integers), or more than one");
            };
            const auto read = [&](const char* field, long long min, long long max) -> long long {  // -1: not given
                if (!payload->has(field)) return -1;
                const auto value = detail::integerValue(payload->get(field));
                if (!value || *value < min || *value > max) throw refuse();
                return *value;
            };
            const long long percent = read("percent", 0, 100), next = read("next", 0, 1000);
            const long long ms = truncating ? -1 : read("ms", 1, 3600000);
            if (percent < 0 && next < 0 && ms < 0) throw refuse();
            int& sharePercent = truncating ? state_->truncatedResponsePercent : state_->delayedResponsePercent;
            int& nextCount = truncating ? state_->truncateNext : state_->delayNext;
            if (percent >= 0) sharePercent = static_cast<int>(percent);
            if (next >= 0) nextCount = static_cast<int>(next);
            if (ms > 0) state_->responseDelay = std::chrono::milliseconds(ms);
            auto o = obj();
            o->set("percent", sharePercent);
            o->set("next", nextCount);
            if (!truncating) o->set("ms", static_cast<Poco::Int64>(state_->responseDelay.count()));
            return Exchange::json(200, o);
        }
        // a CA's mistake in the next certificate downloads, for clients' checks:
        // {"fault": "names" | "expired" | "chain" | "key" | "unreadable", "next": 0..1000}
        if (request.method == "POST" && request.path == "/set-misissued-certificates") {
            const Object::Ptr payload = managementBody(request, 4096, "set-misissued-certificates");
            const auto refuse = [] {
                return malformed(
                    R"(set-misissued-certificates needs {"fault": "names", "expired", "chain", "key" or "unreadable", "next": 0..1000})");
            };
            if (!payload->has("fault") || !payload->get("fault").isString() || !payload->has("next")) throw refuse();
            const std::string fault = payload->getValue<std::string>("fault");
            const auto next = detail::integerValue(payload->get("next"));
            static const std::set<std::string> kFaults{"names", "expired", "chain", "key", "unreadable"};
            if (!kFaults.contains(fault) || !next || *next < 0 || *next > 1000) throw refuse();
            state_->misissue = fault;
            state_->misissueNext = static_cast<int>(*next);
            auto o = obj();
            o->set("fault", fault);
            o->set("next", state_->misissueNext);
            return Exchange::json(200, o);
        }
        if (request.method == "POST" && request.path == "/time-travel") {
            const Object::Ptr payload = managementBody(request, 4096, "time-travel");
            // within a century either way, so that no time point overflows
            const auto advance = detail::integerValue(payload->get("advanceSeconds"));
            const auto refuse = [] {
                return malformed("time-travel needs {\"advanceSeconds\": N}, an integer, the whole offset within 100 years");
            };
            if (!advance || *advance > kMaxClockOffsetSeconds || *advance < -kMaxClockOffsetSeconds) throw refuse();
            // both within 100 years: the sum cannot overflow
            const long long total = std::chrono::duration_cast<std::chrono::seconds>(state_->offset).count() + *advance;
            if (total > kMaxClockOffsetSeconds || total < -kMaxClockOffsetSeconds) throw refuse();
            state_->offset += std::chrono::seconds(*advance);
            requestSnapshot();
            auto o = obj();
            o->set("now", formatRfc3339(clock_.now() + state_->offset));
            return Exchange::json(200, o);
        }
        throw AcmeProblem("malformed", "no such management resource", 404);
    } catch (const AcmeProblem& p) {
        return HttpResponse::fromProblem(p);
    } catch (const std::exception& e) {
        return HttpResponse::fromProblem(AcmeProblem("serverInternal", e.what(), 500));
    }
}

}  // namespace cxxacme::mock_acme
