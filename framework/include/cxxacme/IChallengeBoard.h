#pragma once

#include <optional>
#include <string>

namespace cxxacme {

/// An optional ability of a certificate store (found with `dynamic_cast`):
/// the answers of the challenges under way, shared by every instance over
/// the store, so that the CA's validation request may reach any server of a
/// fleet behind a load balancer and be answered (certmagic's distributed
/// solving). The http-01 and tls-alpn-01 responders use one when given
/// (`share`): they post what they answer, and look up what they do not know.
///
/// An answer is posted under its challenge type and a key: the token for
/// http-01, the name of the TLS handshake (SNI) for tls-alpn-01 (an IP
/// address's reverse-DNS name, RFC 8738 §6). Types,
/// keys and key authorizations are checked with `check` before they touch a
/// path or a query (`InvalidNameError`); a storage failure throws
/// `StoreError`. Thread-safe.
class IChallengeBoard {
public:
    virtual ~IChallengeBoard() = default;
    IChallengeBoard() = default;
    IChallengeBoard(const IChallengeBoard&) = delete;
    IChallengeBoard& operator=(const IChallengeBoard&) = delete;

    /// Posts `keyAuthorization` under (type, key), replacing what was there.
    virtual void postChallenge(const std::string& type, const std::string& key, const std::string& keyAuthorization) = 0;
    /// Takes it down; nothing when there is none.
    virtual void removeChallenge(const std::string& type, const std::string& key) = 0;
    /// The key authorization posted under (type, key), if any.
    virtual std::optional<std::string> challengeAnswer(const std::string& type, const std::string& key) = 0;

    /// Throws `InvalidNameError` unless `type` is 1-32 of [a-z0-9-], and
    /// `key` (at most 255 characters) and `keyAuthorization` (when given, at
    /// most 512) are runs of base64url joined by single dots: a token, a
    /// name in A-labels, token.thumbprint; no separator, no leading or
    /// trailing dot, no "..".
    static void check(const std::string& type, const std::string& key, const std::string* keyAuthorization = nullptr);
};

}  // namespace cxxacme
