#include "cxxacme/AcmeClient.h"

#include <future>

#include <Poco/JSON/Array.h>
#include <Poco/Logger.h>

#include "cxxacme/Base64Url.h"
#include "cxxacme/Error.h"
#include "cxxacme/RevocationReason.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/FlattenedJws.h"
#include "cxxacme/detail/Json.h"

namespace cxxacme {

namespace {

constexpr std::size_t kMaxNoncesKept = 32;
constexpr const char* kJose = "application/jose+json";

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.client"); }

Poco::JSON::Object::Ptr jsonOf(const HttpReply& reply, const std::string& url) {
    try {
        return detail::parseJsonObject(reply.body, std::size_t{4} * 1024 * 1024, "response");
    } catch (const JoseError& e) {
        throw AcmeProblem("malformed", "the answer from " + url + " is not a JSON object: " + e.what(), 0);
    }
}

// A 5xx is asked again (after Retry-After, or a poll interval); a 429 only when the CA says when
// (Retry-After): one without, such as Let's Encrypt's pause of a failing name, is not passed by
// asking again.
bool worthAskingAgain(int status, const std::optional<Duration>& retryAfter) {
    return status >= 500 || (status == 429 && retryAfter.has_value());
}

// The error document of an answer, with when the CA said to ask again (Retry-After, read against
// `now`). RFC 8555 §7.3.3: a userActionRequired (changed terms of service) names the terms in a
// Link header (rel="terms-of-service") and may name a page where a person agrees (`instance`);
// both go into the detail, so that the message says what to do, and the terms' URL into the extra
// member "termsOfService".
AcmeProblem problemOf(const HttpReply& reply, TimePoint now) {
    AcmeProblem problem = AcmeProblem::fromJson(reply.body, reply.status);
    if (const auto wait = reply.retryAfter(now)) problem.withRetryAt(now + *wait);
    if (!problem.is("userActionRequired")) return problem;
    const auto terms = reply.links("terms-of-service");
    const auto instance = problem.extra()->get("instance");
    std::string detail = problem.detail();
    if (!terms.empty()) detail += (detail.empty() ? "" : "; ") + std::string("terms of service: ") + terms.front();
    if (instance.isString()) detail += (detail.empty() ? "" : "; ") + std::string("a person agrees at ") + instance.toString();
    AcmeProblem told(problem.type(), detail, problem.status(), problem.subproblems());
    for (const auto& name : problem.extra()->getNames()) told.withExtra(name, problem.extra()->get(name));
    if (!terms.empty()) told.withExtra("termsOfService", terms.front());
    if (const auto when = problem.retryAt()) told.withRetryAt(*when);
    return told;
}

// `authz` with its challenges told the account they are for (dns-account-01's label, dns-persist-01's record).
AcmeAuthorization withAccount(AcmeAuthorization authz, const std::string& account) {
    for (auto& challenge : authz.challenges) challenge.accountUrl = account;
    return authz;
}

Poco::JSON::Object::Ptr identifierObject(const Identifier& id) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("type", id.typeName());
    o->set("value", id.value);
    return o;
}

// The nearest of `domains` (canonical DNS names) that the DNS name `name` (a wildcard:
// its names) is below, or "".
std::string nearestAncestor(std::string_view name, const std::vector<std::string>& domains) {
    const bool wildcard = ServerName::isWildcard(name);
    if (wildcard) name.remove_prefix(2);  // BASE is above a wildcard's names
    std::string nearest;
    for (const auto& d : domains)
        if ((wildcard || name != d) && ServerName::isAtOrUnder(name, d) && d.size() > nearest.size()) nearest = d;
    return nearest;
}

std::string identifiersJson(const std::vector<Identifier>& ids, const std::vector<std::string>& ancestorDomains = {}) {
    Poco::JSON::Array array;
    for (const auto& id : ids) {
        auto o = identifierObject(id);
        if (id.type == Identifier::Type::Dns)
            if (const std::string ancestor = nearestAncestor(id.value, ancestorDomains); !ancestor.empty())
                o->set("ancestorDomain", ancestor);
        array.add(o);
    }
    std::ostringstream out;
    array.stringify(out);
    return out.str();
}

std::string stringArray(const std::vector<std::string>& values) {
    Poco::JSON::Array array;
    for (const auto& v : values) array.add(v);
    std::ostringstream out;
    array.stringify(out);
    return out.str();
}

std::string quoted(const std::string& s) {
    Poco::JSON::Array array;
    array.add(s);
    std::ostringstream out;
    array.stringify(out);
    const std::string t = out.str();
    return t.substr(1, t.size() - 2);
}

}  // namespace

AcmeClient::AcmeClient(AcmeClientOptions options, std::shared_ptr<const ISigner> accountKey, IClock& clock)
    : options_(std::move(options)), clock_(clock), http_(options_.http), accountKey_(std::move(accountKey)) {
    if (!accountKey_) throw Error("AcmeClient needs an account key");
    if (options_.directoryUrl.empty()) throw Error("AcmeClient needs a directory URL");
}

AcmeClient::~AcmeClient() { cancel(); }

std::shared_ptr<const ISigner> AcmeClient::signer() const {
    std::lock_guard lock(mutex_);
    return accountKey_;
}

std::string AcmeClient::accountUrl() const {
    std::lock_guard lock(mutex_);
    return accountUrl_;
}

void AcmeClient::cancel() {
    cancelled_ = true;
    std::lock_guard lock(waitMutex_);
    waitCv_.notify_all();
}

void AcmeClient::sleep(Duration d) {
    waitUntil(d, [] { return false; });
}

bool AcmeClient::waitUntil(Duration limit, const std::function<bool()>& ready) {
    if (cancelled_) throw Error("cancelled");
    if (ready() || limit <= Duration::zero()) return ready();
    auto done = std::make_shared<std::atomic<bool>>(false);
    ScheduledCall call = clock_.callLater(limit, [this, done] {
        std::lock_guard lock(waitMutex_);
        *done = true;
        waitCv_.notify_all();
    });
    std::unique_lock lock(waitMutex_);
    waitCv_.wait(lock, [&] { return ready() || done->load() || cancelled_.load(); });
    if (cancelled_) throw Error("cancelled");
    return ready();
}

void AcmeClient::wake() {
    std::lock_guard lock(waitMutex_);  // a waiter is either before its check or in wait(): not lost
    waitCv_.notify_all();
}

std::function<bool()> AcmeClient::watchValidation(IResponder& responder, const std::string& serverName,
                                                  const Challenge& challenge) {
    auto seen = std::make_shared<std::atomic<bool>>(false);
    if (!responder.watchValidation(serverName, challenge, [this, seen] {
            seen->store(true);
            wake();
        }))
        return {};
    return [seen] { return seen->load(); };
}

HttpReply AcmeClient::unsignedGet(const std::string& url, bool head) {
    for (int transient = 0;; ++transient) {
        HttpReply reply;
        try {
            reply = head ? http_.head(url) : http_.get(url);
        } catch (const NetworkError& e) {
            if (!pauseAfterBreak(e, transient, "asking again")) throw;
            continue;
        }
        const auto said = reply.retryAfter(clock_.now());
        const auto wait = said.value_or(options_.pollInterval);
        if (worthAskingAgain(reply.status, said) && transient < options_.transientRetries && wait <= options_.maxRetryWait) {
            keepNonce(reply);
            sleep(wait);
            continue;
        }
        return reply;
    }
}

const AcmeDirectory& AcmeClient::directory() {
    {
        std::lock_guard lock(mutex_);
        if (directory_) return *directory_;
    }
    const HttpReply reply = checked(unsignedGet(options_.directoryUrl));
    AcmeDirectory dir = AcmeDirectory::fromJson(*jsonOf(reply, options_.directoryUrl));
    std::lock_guard lock(mutex_);
    if (!directory_) directory_ = std::move(dir);
    return *directory_;
}

void AcmeClient::keepNonce(const HttpReply& reply) {
    std::optional<std::string> nonce = reply.replayNonce();
    if (!nonce) return;
    std::lock_guard lock(mutex_);
    nonces_.push_back(std::move(*nonce));
    while (nonces_.size() > kMaxNoncesKept) nonces_.pop_front();
}

std::string AcmeClient::takeNonce() {
    {
        std::lock_guard lock(mutex_);
        if (!nonces_.empty()) {
            std::string nonce = std::move(nonces_.back());
            nonces_.pop_back();
            return nonce;
        }
    }
    for (int broken = 0;; ++broken) {
        const HttpReply reply = unsignedGet(directory().newNonce, true);
        if (std::optional<std::string> nonce = reply.replayNonce(); nonce && reply.status < 400) return std::move(*nonce);
        // a success without its nonce is an answer whose head was cut short (POCO takes the
        // part that came for the whole): asked again, as unsignedGet asks after a broken one
        if (reply.status >= 400 || broken >= options_.transientRetries)
            throw AcmeProblem("badNonce", "the CA gave no valid nonce (HTTP " + std::to_string(reply.status) + ")", reply.status);
        sleep(options_.pollInterval);
    }
}

bool AcmeClient::pauseAfterBreak(const NetworkError& e, int tries, const char* next) {
    if (!e.transient() || tries >= options_.transientRetries) return false;
    logger().information(std::string("the connection to the CA failed (") + e.what() + "); " + next);
    sleep(options_.pollInterval);
    return true;
}

HttpReply AcmeClient::checked(HttpReply reply) {
    keepNonce(reply);
    if (reply.status >= 400) throw problemOf(reply, clock_.now());
    return reply;
}

HttpReply AcmeClient::signedPost(const std::string& url, const std::string& payload, bool useJwk,
                                 const ISigner* explicitSigner, Resend resend) {
    int badNonces = 0;
    int transient = 0;
    while (true) {
        const auto key = signer();
        const ISigner& s = explicitSigner ? *explicitSigner : *key;
        const std::string kid = useJwk ? std::string() : accountUrl();
        if (!useJwk && kid.empty()) throw Error("no ACME account yet: register or find the account first");
        const auto jws = FlattenedJws::signAcmeRequest(s, url, takeNonce(), kid, payload);
        HttpReply reply;
        try {
            reply = http_.post(url, kJose, jws.toJson());
        } catch (const NetworkError& e) {
            // the answer was lost; a fresh JWS with a fresh nonce, where sending it again is
            // harmless, or where the first never went out
            if ((resend == Resend::Never && e.requestSent()) || !pauseAfterBreak(e, transient++, "sending again"))
                throw;
            continue;
        }
        keepNonce(reply);
        if (reply.status < 400) return reply;
        AcmeProblem problem = problemOf(reply, clock_.now());
        if (problem.is("badNonce") && badNonces++ < options_.badNonceRetries) continue;
        const auto said = reply.retryAfter(clock_.now());
        const auto wait = said.value_or(options_.pollInterval);
        if (worthAskingAgain(reply.status, said) && transient++ < options_.transientRetries && wait <= options_.maxRetryWait) {
            logger().information("CA answered HTTP " + std::to_string(reply.status) + " for " + url + "; retrying in " +
                                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait).count()) + " s");
            sleep(wait);
            continue;
        }
        throw problem;
    }
}

AcmeAccount AcmeClient::registerAccount(const std::vector<std::string>& contacts, bool termsOfServiceAgreed,
                                        const std::optional<ExternalAccountBinding>& eab) {
    const AcmeDirectory& dir = directory();
    std::string payload = "{\"termsOfServiceAgreed\":" + std::string(termsOfServiceAgreed ? "true" : "false");
    if (!contacts.empty()) payload += ",\"contact\":" + stringArray(contacts);
    if (eab)
        payload += ",\"externalAccountBinding\":" +
                   FlattenedJws::signExternalAccountBinding(eab->macKey, eab->keyId, dir.newAccount, signer()->publicJwk())
                       .toJson();
    payload += "}";
    const HttpReply reply = signedPost(dir.newAccount, payload, true);
    const std::string url = reply.header("Location");
    if (url.empty()) throw AcmeProblem("malformed", "newAccount answered without a Location", 0);
    {
        std::lock_guard lock(mutex_);
        accountUrl_ = url;
    }
    return AcmeAccount::fromJson(*jsonOf(reply, url), url);
}

AcmeAccount AcmeClient::findAccount() {
    const HttpReply reply = signedPost(directory().newAccount, R"({"onlyReturnExisting":true})", true);
    const std::string url = reply.header("Location");
    if (url.empty()) throw AcmeProblem("malformed", "newAccount answered without a Location", 0);
    {
        std::lock_guard lock(mutex_);
        accountUrl_ = url;
    }
    return AcmeAccount::fromJson(*jsonOf(reply, url), url);
}

AcmeAccount AcmeClient::fetchAccount() {
    const std::string url = accountUrl();
    return AcmeAccount::fromJson(*jsonOf(signedPost(url, ""), url), url);
}

AcmeAccount AcmeClient::updateContact(const std::vector<std::string>& contacts) {
    const std::string url = accountUrl();
    return AcmeAccount::fromJson(*jsonOf(signedPost(url, "{\"contact\":" + stringArray(contacts) + "}"), url), url);
}

AcmeAccount AcmeClient::deactivateAccount() {
    const std::string url = accountUrl();
    return AcmeAccount::fromJson(*jsonOf(signedPost(url, R"({"status":"deactivated"})", false, nullptr, Resend::Never), url),
                                 url);
}

void AcmeClient::rollKey(std::shared_ptr<const ISigner> newKey) {
    if (!newKey) throw Error("rollKey needs a key");
    const std::string url = directory().keyChange;
    if (url.empty()) throw AcmeProblem("malformed", "the CA has no keyChange resource", 0);
    Poco::JSON::Object innerHeader;
    innerHeader.set("jwk", newKey->publicJwk().toObject());
    innerHeader.set("url", url);
    const std::string innerPayload =
        "{\"account\":" + quoted(accountUrl()) + ",\"oldKey\":" + signer()->publicJwk().toJson() + "}";
    const auto inner = FlattenedJws::sign(*newKey, innerHeader, innerPayload);
    (void)signedPost(url, inner.toJson(), false, nullptr, Resend::Never);  // a second would be signed by the old key
    std::lock_guard lock(mutex_);
    accountKey_ = std::move(newKey);
}

std::vector<std::string> AcmeClient::listOrders() {
    const AcmeAccount account = fetchAccount();
    std::vector<std::string> out;
    if (account.ordersUrl.empty()) return out;
    const auto json = jsonOf(signedPost(account.ordersUrl, ""), account.ordersUrl);
    if (auto array = json->getArray("orders"))
        for (std::size_t i = 0; i < array->size(); ++i) out.push_back(array->getElement<std::string>(static_cast<unsigned>(i)));
    return out;
}

AcmeOrder AcmeClient::newOrder(const std::vector<Identifier>& identifiers, const std::string& profile,
                               const std::string& replaces, const std::vector<std::string>& ancestorDomains) {
    if (identifiers.empty()) throw Error("an order needs at least one identifier");
    const std::vector<std::string> ancestors = canonicalAncestorDomains(ancestorDomains);
    if (!ancestors.empty() && !directory().subdomainAuthAllowed)
        throw Error("the CA at " + options_.directoryUrl + " does not offer authorizations for subdomains (RFC 9444)");
    std::string payload = "{\"identifiers\":" + identifiersJson(identifiers, ancestors);
    if (!profile.empty()) payload += ",\"profile\":" + quoted(profile);
    if (!replaces.empty()) payload += ",\"replaces\":" + quoted(replaces);
    payload += "}";
    const HttpReply reply = signedPost(directory().newOrder, payload);
    const std::string url = reply.header("Location");
    if (url.empty()) throw AcmeProblem("malformed", "newOrder answered without a Location", 0);
    return AcmeOrder::fromJson(*jsonOf(reply, url), url);
}

std::vector<std::string> AcmeClient::canonicalAncestorDomains(const std::vector<std::string>& domains) {
    std::vector<std::string> canonical;
    for (const auto& domain : domains) {
        const Identifier d = Identifier::dns(domain);  // InvalidNameError for what is not a DNS name
        if (ServerName::isWildcard(d.value)) throw InvalidNameError(domain, "is a wildcard, not a domain an authorization can serve");
        canonical.push_back(d.value);
    }
    return canonical;
}

AcmeAuthorization AcmeClient::preAuthorize(const Identifier& identifier, bool subdomains) {
    const AcmeDirectory& dir = directory();
    if (dir.newAuthz.empty()) throw Error("the CA at " + options_.directoryUrl + " does not offer pre-authorization (newAuthz)");
    if (subdomains && !dir.subdomainAuthAllowed)
        throw Error("the CA at " + options_.directoryUrl + " does not offer authorizations for subdomains (RFC 9444)");
    auto id = identifierObject(identifier);
    if (subdomains) id->set("subdomainAuthAllowed", true);
    Poco::JSON::Object payload;
    payload.set("identifier", id);
    const HttpReply reply = signedPost(dir.newAuthz, detail::toJsonText(payload));
    const std::string url = reply.header("Location");
    if (url.empty()) throw AcmeProblem("malformed", "newAuthz answered without a Location", 0);
    return withAccount(AcmeAuthorization::fromJson(*jsonOf(reply, url), url), accountUrl());
}

AcmeOrder AcmeClient::fetchOrder(const std::string& url) {
    return AcmeOrder::fromJson(*jsonOf(signedPost(url, ""), url), url);
}

AcmeAuthorization AcmeClient::fetchAuthorization(const std::string& url) {
    return withAccount(AcmeAuthorization::fromJson(*jsonOf(signedPost(url, ""), url), url), accountUrl());
}

AcmeAuthorization AcmeClient::deactivateAuthorization(const std::string& url) {
    return AcmeAuthorization::fromJson(*jsonOf(signedPost(url, R"({"status":"deactivated"})", false, nullptr, Resend::Never), url),
                                       url);
}

Challenge AcmeClient::startChallenge(const Challenge& challenge) {
    const auto json = jsonOf(signedPost(challenge.url, "{}"), challenge.url);
    Challenge out = challenge;
    out.status = json->optValue<std::string>("status", challenge.status);
    return out;
}

Duration AcmeClient::pollDelay(const HttpReply& reply) {
    Duration d = reply.retryAfter(clock_.now()).value_or(options_.pollInterval);
    if (d > options_.maxPollInterval) d = options_.maxPollInterval;
    if (d < options_.minPollInterval) d = options_.minPollInterval;
    return d;
}

AcmeAuthorization AcmeClient::waitForAuthorization(const std::string& url, const std::function<bool()>& validationSeen) {
    const TimePoint deadline = clock_.now() + options_.pollDeadline;
    if (validationSeen && !waitUntil(options_.validationRequestWait, validationSeen))
        logger().information("no validation request of the CA seen for " + url + " within " +
                             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(options_.validationRequestWait).count()) +
                             " ms; polling");
    while (true) {
        const HttpReply reply = signedPost(url, "");
        AcmeAuthorization authz = AcmeAuthorization::fromJson(*jsonOf(reply, url), url);
        if (authz.status != "pending") return authz;
        // pending while a challenge is processing: keep polling
        if (clock_.now() >= deadline)
            throw Error("authorization " + url + " still pending after the poll deadline");
        sleep(pollDelay(reply));
    }
}

AcmeOrder AcmeClient::finalize(const AcmeOrder& order, const CertificateSigningRequest& csr) {
    const std::string payload = "{\"csr\":\"" + Base64Url::encode(csr.toDer()) + "\"}";
    HttpReply reply;
    for (int broken = 0;; ++broken) {
        try {
            reply = signedPost(order.finalize, payload, false, nullptr, Resend::Never);
            break;
        } catch (const NetworkError& e) {
            // the answer was lost: the order says whether the CA took the CSR (RFC 8555 §7.4:
            // ready until then, processing or valid after); sent again only while it did not.
            // No answer in time: the CA may have taken it, or still be at it; it is followed
            // if the order says so, and never sent again (a slow CA would get it twice)
            if (e.timedOut())
                logger().information(std::string("no answer to the finalize in time (") + e.what() + "); asking how the order is");
            else if (!pauseAfterBreak(e, broken, "asking how the order is"))
                throw;
            reply = signedPost(order.url, "");
            if (AcmeOrder::fromJson(*jsonOf(reply, order.url), order.url).status != "ready") break;
            if (e.timedOut()) throw;
        }
    }
    AcmeOrder current = AcmeOrder::fromJson(*jsonOf(reply, order.url), order.url);
    const TimePoint deadline = clock_.now() + options_.pollDeadline;
    while (current.status == "processing" || current.status == "ready") {
        if (clock_.now() >= deadline) throw Error("order " + order.url + " still processing after the poll deadline");
        sleep(pollDelay(reply));
        reply = signedPost(order.url, "");
        current = AcmeOrder::fromJson(*jsonOf(reply, order.url), order.url);
    }
    if (current.status != "valid") {
        if (current.error) throw *current.error;
        throw AcmeProblem("malformed", "the order ended " + current.status, 0);
    }
    if (current.certificate.empty()) throw AcmeProblem("malformed", "a valid order without a certificate URL", 0);
    return current;
}

AcmeCertificateChain AcmeClient::downloadCertificate(const std::string& url) {
    HttpReply reply = signedPost(url, "");
    return AcmeCertificateChain{std::move(reply.body), reply.links("alternate")};
}

std::vector<std::string> AcmeClient::downloadCertificateChains(const std::string& certificateUrl) {
    AcmeCertificateChain first = downloadCertificate(certificateUrl);
    std::vector<std::string> chains{std::move(first.pem)};
    for (const auto& alternate : first.alternates) {
        try {
            chains.push_back(downloadCertificate(alternate).pem);
        } catch (const Error& e) {
            logger().warning(std::string("skipping an alternate chain: ") + e.what());
        }
    }
    return chains;
}

void AcmeClient::revoke(const Certificate& certificate, int reason, const ISigner* certificateKey) {
    RevocationReason::check(reason);  // refused here, not by the CA
    const std::string url = directory().revokeCert;
    if (url.empty()) throw AcmeProblem("malformed", "the CA has no revokeCert resource", 0);
    std::string payload = "{\"certificate\":\"" + Base64Url::encode(certificate.toDer()) + "\"";
    if (reason != 0) payload += ",\"reason\":" + std::to_string(reason);
    payload += "}";
    (void)signedPost(url, payload, certificateKey != nullptr, certificateKey, Resend::Never);
}

std::string AcmeClient::renewalCertificateId(const Certificate& certificate) {
    const auto aki = certificate.authorityKeyId();
    if (!aki) throw CertificateError("the certificate has no Authority Key Identifier; ARI cannot name it");
    return Base64Url::encode(*aki) + "." + Base64Url::encode(certificate.serialBytes());
}

std::optional<RenewalInfo> AcmeClient::renewalInfo(const Certificate& certificate) {
    const std::string base = directory().renewalInfo;
    if (base.empty()) return std::nullopt;
    const std::string url = base + (base.ends_with("/") ? "" : "/") + renewalCertificateId(certificate);
    const HttpReply reply = checked(unsignedGet(url));
    const auto json = jsonOf(reply, url);
    auto window = json->getObject("suggestedWindow");
    if (!window) throw AcmeProblem("malformed", "renewalInfo without suggestedWindow", 0);
    const auto start = parseRfc3339(window->optValue<std::string>("start", ""));
    const auto end = parseRfc3339(window->optValue<std::string>("end", ""));
    if (!start || !end || *end < *start) throw AcmeProblem("malformed", "renewalInfo with an unreadable window", 0);
    RenewalInfo info{*start, *end, json->optValue<std::string>("explanationURL", ""),
                     reply.retryAfter(clock_.now()).value_or(Duration::zero())};
    return info;
}

}  // namespace cxxacme
