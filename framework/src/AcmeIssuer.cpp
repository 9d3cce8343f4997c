#include "cxxacme/AcmeIssuer.h"

#include <algorithm>
#include <functional>
#include <tuple>

#include <Poco/Logger.h>

#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeyAuthorization.h"
#include "cxxacme/RevocationReason.h"
#include "cxxacme/ServerName.h"

namespace cxxacme {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.issuer"); }

// What the CA sent is what was ordered (OpenBSD acme-client's paranoia): a leaf naming every
// identifier ordered, not yet expired, and a chain in which each certificate issued the one
// before it. A CA's mistake is refused here, before a store keeps it and an endpoint serves it.
void checkIssued(const std::string& names, const std::vector<Identifier>& ordered, const Certificate& leaf,
                 const std::vector<Certificate>& chain, TimePoint now) {
    const std::vector<Identifier> named = leaf.subjectAltNames();
    for (const Identifier& id : ordered)
        if (std::find(named.begin(), named.end(), id) == named.end())
            throw AcmeProblem("malformed", "the CA's certificate for " + names + " does not name " + id.value, 0);
    if (leaf.notAfter() <= now)
        throw AcmeProblem("malformed", "the CA's certificate for " + names + " expired at " + formatRfc3339(leaf.notAfter()), 0);
    const Certificate* child = &leaf;
    for (std::size_t i = 0; i < chain.size(); ++i) {
        if (!child->isIssuedBy(chain[i]))
            throw AcmeProblem("malformed", "the CA's chain for " + names + " does not link up: its certificate " +
                                               std::to_string(i + 2) + " (\"" + InvalidNameError::printable(chain[i].subject(), 200) +
                                               "\") did not issue " + (i == 0 ? std::string("the leaf") : "certificate " + std::to_string(i + 1)),
                              0);
        child = &chain[i];
    }
}

// Stops what it started, whatever happens.
class ResponderGuard {
public:
    ResponderGuard() = default;
    ResponderGuard(const ResponderGuard&) = delete;
    ResponderGuard& operator=(const ResponderGuard&) = delete;
    ~ResponderGuard() {
        for (auto& [responder, name, challenge, keyAuth] : started_) {
            try {
                responder->stopResponding(name, challenge, keyAuth);
            } catch (const std::exception& e) {
                logger().warning("stopping the " + responder->challengeType() + " responder for " + name +
                                 " failed: " + e.what());
            }
        }
    }
    void start(IResponder* responder, const std::string& name, const Challenge& challenge, const std::string& keyAuth) {
        started_.emplace_back(responder, name, challenge, keyAuth);  // recorded first: a failed start is stopped too
        responder->startResponding(name, challenge, keyAuth);
    }

private:
    std::vector<std::tuple<IResponder*, std::string, Challenge, std::string>> started_;
};

std::string describe(const std::vector<Challenge>& challenges) {
    std::string offered;
    for (const auto& c : challenges) offered += (offered.empty() ? "" : ", ") + c.type;
    return offered.empty() ? "nothing" : offered;
}

}  // namespace

AcmeIssuer::AcmeIssuer(AcmeClient& client, std::vector<IResponder*> responders, AcmeIssuerOptions options)
    : client_(client), responders_(std::move(responders)), options_(std::move(options)) {
    if (responders_.empty()) throw Error("AcmeIssuer needs at least one responder");
    options_.ancestorDomains = AcmeClient::canonicalAncestorDomains(options_.ancestorDomains);
}

std::string AcmeIssuer::downloadChain(const std::string& certificateUrl) {
    AcmeCertificateChain chain = client_.downloadCertificate(certificateUrl);
    const std::string& preferred = options_.preferredChainIssuer;
    // The top certificate's issuer names the root the chain leads to.
    const auto leadsToPreferred = [&](const std::string& pem) {
        try {
            return Certificate::chainFromPem(pem).back().issuer().find(preferred) != std::string::npos;
        } catch (const Error&) {
            return false;
        }
    };
    // The alternates are fetched only when the default chain is not the one wanted.
    if (preferred.empty() || leadsToPreferred(chain.pem)) return std::move(chain.pem);
    for (const auto& url : chain.alternates) {
        try {
            AcmeCertificateChain alternate = client_.downloadCertificate(url);
            if (leadsToPreferred(alternate.pem)) return std::move(alternate.pem);
        } catch (const Error& e) {
            logger().warning(std::string("skipping an alternate chain: ") + e.what());
        }
    }
    return std::move(chain.pem);  // no chain leads there: the default
}

void AcmeIssuer::ensureAccount() {
    std::lock_guard lock(accountMutex_);
    if (!client_.accountUrl().empty()) return;
    client_.registerAccount(options_.contacts, options_.agreeToTermsOfService, options_.externalAccountBinding);
}

void AcmeIssuer::revoke(const Certificate& certificate, int reason) {
    RevocationReason::check(reason);
    {
        std::lock_guard lock(accountMutex_);
        // the account that got the certificate exists: registering one to revoke with would only be refused
        if (client_.accountUrl().empty()) client_.findAccount();
    }
    client_.revoke(certificate, reason);
}

void AcmeIssuer::authorize(const AcmeOrder& order) {
    ResponderGuard guard;
    const Jwk accountKey = client_.accountJwk();
    std::vector<std::string> started;
    // whether each responder that can tell has answered the CA's validation request
    std::vector<std::function<bool()>> watched;
    for (const auto& url : order.authorizations) {
        const AcmeAuthorization authz = client_.fetchAuthorization(url);
        if (authz.status == "valid") continue;
        if (authz.status != "pending")
            throw AcmeProblem("unauthorized", "the authorization for " + authz.identifier.value + " is " + authz.status,
                              403);
        const Challenge* chosen = nullptr;
        IResponder* responder = nullptr;
        for (IResponder* r : responders_) {
            for (const auto& c : authz.challenges)
                if (c.type == r->challengeType() && !chosen) chosen = &c;
            if (chosen) {
                responder = r;
                break;
            }
        }
        if (!chosen)
            throw Error("no responder can answer for " + authz.identifier.value + ": the CA offers " +
                        describe(authz.challenges));
        // dns-persist-01 has no token: its record names the account instead
        const std::string keyAuth =
            chosen->type == "dns-persist-01" ? std::string() : KeyAuthorization::compute(chosen->token, accountKey);
        // a wildcard's authorization holds the base name; its responder is told it is for "*.NAME"
        const std::string name = (authz.wildcard ? "*." : "") + authz.identifier.value;
        say("answering " + chosen->type + " for " + name);
        guard.start(responder, name, *chosen, keyAuth);
        // The guard's stopResponding ends the watch before the client can go.
        auto seen = client_.watchValidation(*responder, name, *chosen);
        // A challenge the CA answers as already valid has made its authorization valid (RFC 8555 §7.1.6).
        const std::string answered = chosen->status == "pending" ? client_.startChallenge(*chosen).status : chosen->status;
        if (answered == "valid") continue;
        started.push_back(url);
        // one already invalid has been decided: nothing more to wait for before the poll that reads why
        if (seen && answered != "invalid") watched.push_back(std::move(seen));
    }
    if (!started.empty()) say("waiting for the CA to validate");
    // The CA validates them all at once: one wait, before the first poll,
    // for every request a responder can see (bounded once, not per name).
    const auto allSeen = [&watched] {
        return std::all_of(watched.begin(), watched.end(), [](const auto& seen) { return seen(); });
    };
    for (std::size_t i = 0; i < started.size(); ++i) {
        const std::string& url = started[i];
        const AcmeAuthorization done = i == 0 && !watched.empty() ? client_.waitForAuthorization(url, allSeen)
                                                                  : client_.waitForAuthorization(url);
        if (done.status == "valid") continue;
        if (!done.challengeErrors.empty()) throw done.challengeErrors.front();
        throw AcmeProblem("unauthorized", "the authorization for " + done.identifier.value + " ended " + done.status,
                          403);
    }
}

std::string AcmeIssuer::rateLimitIdentity() const {
    return client_.directoryUrl() + " " + client_.accountJwk().thumbprint();
}

PemBundle AcmeIssuer::issue(const std::string& names, const std::optional<Certificate>& replacing) {
    std::vector<Identifier> ids;
    for (const auto& name : ServerName::splitKey(names)) ids.push_back(Identifier::fromName(name));
    ensureAccount();

    std::string replaces;
    if (replacing && !client_.directory().renewalInfo.empty()) {
        try {
            replaces = AcmeClient::renewalCertificateId(*replacing);
        } catch (const Error&) {
        }
    }
    std::vector<std::string> ancestors;
    if (!options_.ancestorDomains.empty()) {
        if (client_.directory().subdomainAuthAllowed)
            ancestors = options_.ancestorDomains;
        else if (!toldNoSubdomainAuth_.exchange(true))
            logger().information("the CA does not offer authorizations for subdomains (RFC 9444): every name is validated itself");
    }
    say("ordering a certificate for " + names);
    AcmeOrder order = [&] {
        try {
            return client_.newOrder(ids, options_.profile, replaces, ancestors);
        } catch (const AcmeProblem& p) {
            // A `replaces` the CA will not honour (RFC 9773 §5): a certificate already replaced, or
            // one another account ordered or another CA issued (a CA changed, staging before
            // production, a lost account key; Let's Encrypt: malformed or unauthorized, in words
            // of its own). Ordered without it, or the renewal would be refused at every check
            // until the certificate expired. A rate limit alone is not asked again: the retry
            // would be counted too, without the renewal's exemption.
            if (replaces.empty() || p.is("rateLimited")) throw;
            logger().information((p.is("alreadyReplaced") ? "the certificate was already replaced"
                                                           : std::string("the CA refused the replaced certificate: ") + p.what()) +
                                 "; ordering " + names + " without replaces");
            return client_.newOrder(ids, options_.profile, "", ancestors);
        }
    }();
    if (order.status == "pending") {
        authorize(order);
        // Every authorization is valid, so the order is ready (RFC 8555 §7.1.6); finalize says so if not.
        order.status = "ready";
    }
    if (order.status != "ready") {
        if (order.error) throw *order.error;
        throw AcmeProblem("orderNotReady", "the order for " + names + " is " + order.status, 403);
    }

    say(options_.certificateKey ? std::string("finalizing with the given key")
                                : "finalizing with a new " + std::string(toString(options_.keyType)) + " key");
    const PrivateKey key = options_.certificateKey ? *options_.certificateKey : PrivateKey::generate(options_.keyType);
    const AcmeOrder valid = [&] {
        try {
            return client_.finalize(order, CertificateSigningRequest::create(key, ids));
        } catch (const AcmeProblem& p) {
            if (!p.is("orderNotReady")) throw;
            const AcmeOrder current = client_.fetchOrder(order.url);
            if (current.error) throw *current.error;
            throw AcmeProblem("orderNotReady", "the order for " + names + " is " + current.status, 403);
        }
    }();
    const std::string pem = downloadChain(valid.certificate);
    std::vector<Certificate> certs;
    try {
        certs = Certificate::chainFromPem(pem);
    } catch (const CertificateError& e) {
        throw AcmeProblem("malformed", std::string("the CA sent an unreadable certificate chain: ") + e.what(), 0);
    }
    const Certificate leaf = certs.front();
    certs.erase(certs.begin());
    checkIssued(names, ids, leaf, certs, client_.clock().now());
    try {
        return PemBundle::make(key, leaf, certs);
    } catch (const PemError& e) {
        throw AcmeProblem("malformed", std::string("the CA's certificate does not fit the key: ") + e.what(), 0);
    }
}

}  // namespace cxxacme
