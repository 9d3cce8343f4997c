#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cxxacme/AcmeClient.h"
#include "cxxacme/IIssuer.h"
#include "cxxacme/IResponder.h"
#include "cxxacme/KeyType.h"
#include "cxxacme/PrivateKey.h"

namespace cxxacme {

/// What an `AcmeIssuer` asks for. Each default is the reason beside it.
struct AcmeIssuerOptions {
    KeyType keyType = KeyType::EcP256;        ///< small, fast, accepted everywhere
    /// Use this key for every certificate instead of a new one each time
    /// (for key pinning); `keyType` is then ignored.
    std::optional<PrivateKey> certificateKey;
    std::string profile;                      ///< empty: the CA's default
    /// RFC 9444: names below one of these domains are ordered with it as
    /// their `ancestorDomain`, so that one validation of the domain (a DNS
    /// challenge: the responder is asked for the domain's name) serves them
    /// all, when the CA offers it (`subdomainAuthAllowed`); with a CA that
    /// does not, they are ordered as any name is. The constructor throws
    /// `InvalidNameError` for one that is not a DNS name, or is a wildcard.
    std::vector<std::string> ancestorDomains;
    /// Prefer the chain whose top certificate's issuer contains this text
    /// (as certbot's --preferred-chain); empty or no match: the default chain.
    std::string preferredChainIssuer;
    std::vector<std::string> contacts;        ///< "mailto:…", for a new account
    bool agreeToTermsOfService = true;
    std::optional<ExternalAccountBinding> externalAccountBinding;
    /// Called with one line per step ("ordering …", "validating …"), for a
    /// terminal. Must not throw.
    std::function<void(const std::string&)> progress;
};

/// One issuance over ACME, top to bottom: account (created or found on first
/// use), order, one challenge per pending authorization through the first
/// responder (in the given order) whose type the CA offers, validation,
/// a CSR from a new key, finalize, download, the preferred chain.
/// Responders are always stopped again, also after a failure.
class AcmeIssuer final : public IIssuer {
public:
    /// `client` and `responders` must outlive the issuer.
    AcmeIssuer(AcmeClient& client, std::vector<IResponder*> responders, AcmeIssuerOptions options = {});

    PemBundle issue(const std::string& names, const std::optional<Certificate>& replacing = std::nullopt) override;
    /// The client's directory URL and account key thumbprint.
    std::string rateLimitIdentity() const override;
    /// Revokes through the client's account (found, never made, when this
    /// process has not used it yet).
    void revoke(const Certificate& certificate, int reason) override;

private:
    void ensureAccount();
    void authorize(const AcmeOrder& order);
    /// The default chain, or the first alternate leading to the preferred issuer.
    std::string downloadChain(const std::string& certificateUrl);
    void say(const std::string& line) const {
        if (options_.progress) options_.progress(line);
    }

    AcmeClient& client_;
    std::vector<IResponder*> responders_;
    AcmeIssuerOptions options_;
    std::mutex accountMutex_;
    std::atomic<bool> toldNoSubdomainAuth_{false};  ///< ancestorDomains given, the CA without RFC 9444: said once
};

}  // namespace cxxacme
