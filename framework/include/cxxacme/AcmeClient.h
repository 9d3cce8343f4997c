#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cxxacme/AcmeHttpClient.h"
#include "cxxacme/AcmeResources.h"
#include "cxxacme/Certificate.h"
#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/IClock.h"
#include "cxxacme/IResponder.h"
#include "cxxacme/ISigner.h"

namespace cxxacme {

/// How an `AcmeClient` talks to its CA. Each default is the reason beside it.
struct AcmeClientOptions {
    std::string directoryUrl{};
    AcmeHttpClient::Options http{};                        ///< CA bundle, 40 s timeout, size limit
    int badNonceRetries = 5;                             ///< RFC 8555 §6.5: retry with the new nonce
    /// 5xx, 429 with a short Retry-After (not one without: a pause), and a connection refused or broken
    /// mid-answer (then a request that changes something is sent again only
    /// where that is harmless: never a deactivation, key roll-over or
    /// revocation; a finalize only while its order is still ready)
    int transientRetries = 3;
    Duration maxRetryWait = std::chrono::seconds(60);    ///< longer Retry-After: give up and report
    Duration pollInterval = std::chrono::seconds(1);     ///< when the CA gives no Retry-After
    Duration maxPollInterval = std::chrono::seconds(30); ///< cap on a CA's Retry-After while polling
    Duration minPollInterval = std::chrono::milliseconds(10); ///< floor, even when the CA says Retry-After: 0
    Duration pollDeadline = std::chrono::minutes(5);     ///< give up on an authorization or order after this
    /// RFC 8555 §7.5.1: where a responder can tell that the CA has made its
    /// validation request, the first poll waits for it, at most this long
    /// (a CA that cannot reach the responder, or reaches another server of
    /// a fleet, is seen by nobody); zero: poll at once
    Duration validationRequestWait = std::chrono::seconds(3);
};

/// External account binding (RFC 8555 §7.3.4), as the CA hands it out.
struct ExternalAccountBinding {
    std::string keyId;
    std::string macKey;  ///< raw bytes (decode the CA's base64url first)
};

/// Everything RFC 8555 gives a client, plus RFC 9773 renewal information.
///
/// The account key is used only through the `ISigner`; the HTTP layer sees
/// signed bodies. Every CA error surfaces as an `AcmeProblem` with its type,
/// detail, status and subproblems; failures below HTTP as `NetworkError`.
/// Thread-safe: several issuances may share one client. Waits (polling,
/// Retry-After) go through the injected clock and end early on `cancel()`,
/// which makes every waiting call throw `Error("cancelled")`.
class AcmeClient {
public:
    AcmeClient(AcmeClientOptions options, std::shared_ptr<const ISigner> accountKey, IClock& clock);
    ~AcmeClient();
    AcmeClient(const AcmeClient&) = delete;
    AcmeClient& operator=(const AcmeClient&) = delete;

    /// Fetched once, then cached.
    const AcmeDirectory& directory();
    /// The directory's URL, as given.
    const std::string& directoryUrl() const noexcept { return options_.directoryUrl; }
    /// The clock the client reads time from (Retry-After, expiry checks).
    IClock& clock() const noexcept { return clock_; }

    /// Creates the account, or finds the existing one for this key.
    AcmeAccount registerAccount(const std::vector<std::string>& contacts, bool termsOfServiceAgreed,
                                const std::optional<ExternalAccountBinding>& eab = std::nullopt);
    /// Finds the account of this key (`onlyReturnExisting`); throws
    /// `AcmeProblem` accountDoesNotExist when there is none.
    AcmeAccount findAccount();
    AcmeAccount fetchAccount();
    AcmeAccount updateContact(const std::vector<std::string>& contacts);
    AcmeAccount deactivateAccount();
    /// Key roll-over (§7.3.5); afterwards this client signs with `newKey`.
    void rollKey(std::shared_ptr<const ISigner> newKey);
    /// The account URL (`kid`), once registered or found; "" before.
    std::string accountUrl() const;
    /// The account's public key, for key authorizations.
    Jwk accountJwk() const { return signer()->publicJwk(); }
    /// URLs of the account's pending and ready orders.
    std::vector<std::string> listOrders();

    /// `ancestorDomains` (RFC 9444): each DNS identifier below one of them
    /// (the nearest) names it as its `ancestorDomain`, so that one
    /// authorization of that domain serves the names below it. Refused here,
    /// with nothing sent, when the directory does not say
    /// `subdomainAuthAllowed`, or for a domain that is not a DNS name.
    AcmeOrder newOrder(const std::vector<Identifier>& identifiers, const std::string& profile = "",
                       const std::string& replaces = "", const std::vector<std::string>& ancestorDomains = {});
    /// The canonical form of domains given as ancestor domains (RFC 9444);
    /// throws `InvalidNameError` for one that is not a DNS name, or is a wildcard.
    static std::vector<std::string> canonicalAncestorDomains(const std::vector<std::string>& domains);
    /// Pre-authorization (RFC 8555 §7.4.1): a new authorization of `identifier`
    /// (the CA's URL in the result's `url`); with `subdomains`, one that serves
    /// the names below it as well (RFC 9444). Refused here, with nothing sent,
    /// when the directory has no `newAuthz`, or does not say
    /// `subdomainAuthAllowed` when `subdomains` is asked.
    AcmeAuthorization preAuthorize(const Identifier& identifier, bool subdomains = false);
    AcmeOrder fetchOrder(const std::string& url);
    AcmeAuthorization fetchAuthorization(const std::string& url);
    AcmeAuthorization deactivateAuthorization(const std::string& url);
    /// Tells the CA to validate (POST `{}`).
    Challenge startChallenge(const Challenge& challenge);
    /// Polls until the authorization leaves `pending`. `validationSeen`,
    /// when given, tells whether the responder has answered the CA's
    /// validation request (see `IResponder::watchValidation`): the first
    /// poll waits for it, woken by `wake()`, at most
    /// `validationRequestWait`. It is called under the client's wait lock,
    /// which `wake()` takes: it reads a flag and must not block.
    AcmeAuthorization waitForAuthorization(const std::string& url, const std::function<bool()>& validationSeen = {});
    /// Finalizes a ready order and polls until it is valid or invalid.
    AcmeOrder finalize(const AcmeOrder& order, const CertificateSigningRequest& csr);
    /// The chain at `url` (an order's certificate URL, or one of the
    /// alternates a download named) and the alternates it names: one request.
    AcmeCertificateChain downloadCertificate(const std::string& url);
    /// Every PEM chain the CA offers: the default first, then the alternates
    /// (one request each; one that fails is skipped with a warning).
    std::vector<std::string> downloadCertificateChains(const std::string& certificateUrl);

    /// Revokes with a reason code (`RevocationReason`; one that is none
    /// throws `Error` and sends nothing); signed by the account, or by the
    /// certificate's own key when `certificateKey` is given.
    void revoke(const Certificate& certificate, int reason = 0, const ISigner* certificateKey = nullptr);

    /// RFC 9773: the suggested window, or nothing when the CA has no ARI.
    std::optional<RenewalInfo> renewalInfo(const Certificate& certificate);
    /// The ARI certificate identifier: base64url(AKI keyIdentifier) "." base64url(serial).
    static std::string renewalCertificateId(const Certificate& certificate);

    /// Ends every wait of this client now and for good.
    void cancel();
    /// Makes the waits of this client look at their `validationSeen` again
    /// (from any thread: a responder's `seen` calls it).
    void wake();
    /// RFC 8555 §7.5.1 for one challenge: asks `responder` to watch for the
    /// CA's validation request (after `startResponding`, before
    /// `startChallenge`: the CA may come before the answer does) and returns
    /// the `validationSeen` for `waitForAuthorization`, or an empty function
    /// when the responder cannot tell. The watch wakes this client's waits;
    /// `stopResponding` ends it, and must come before the client goes.
    std::function<bool()> watchValidation(IResponder& responder, const std::string& serverName,
                                          const Challenge& challenge);

private:
    /// After a transient NetworkError (NetworkError::transient), whether the
    /// request is sent again: the CA may have acted on the first.
    enum class Resend { Safe, Never };
    HttpReply signedPost(const std::string& url, const std::string& payload, bool useJwk = false,
                         const ISigner* signer = nullptr, Resend resend = Resend::Safe);
    /// After `e` on try `tries` (from 0): false when it is not to be tried
    /// again (not transient, or transientRetries spent); else logs that the
    /// client goes on with `next`, and waits pollInterval.
    bool pauseAfterBreak(const NetworkError& e, int tries, const char* next);
    HttpReply checked(HttpReply reply);
    HttpReply unsignedGet(const std::string& url, bool head = false);
    std::string takeNonce();
    void keepNonce(const HttpReply& reply);
    void sleep(Duration d);
    /// Waits until `ready()` (checked on every `wake()`) or `limit` has
    /// passed on the clock; whether it is ready.
    bool waitUntil(Duration limit, const std::function<bool()>& ready);
    Duration pollDelay(const HttpReply& reply);
    std::shared_ptr<const ISigner> signer() const;

    AcmeClientOptions options_;
    IClock& clock_;
    AcmeHttpClient http_;

    mutable std::mutex mutex_;
    std::shared_ptr<const ISigner> accountKey_;
    std::string accountUrl_;
    std::optional<AcmeDirectory> directory_;
    std::deque<std::string> nonces_;

    std::mutex waitMutex_;
    std::condition_variable waitCv_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace cxxacme
