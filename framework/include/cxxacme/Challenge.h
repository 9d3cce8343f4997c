#pragma once

#include <string>
#include <vector>

namespace cxxacme {

/// An ACME challenge object (RFC 8555 §8): what a responder is asked to
/// answer. A plain value.
struct Challenge {
    std::string type;    ///< "http-01", "tls-alpn-01", "dns-01", "dns-account-01", "tls-sni-01"
    std::string url;     ///< the challenge URL at the CA
    std::string token;   ///< base64url token
    std::string status;  ///< "pending", "processing", "valid", "invalid"
    /// The URL of the account the challenge is for (the client's `kid`): not
    /// in the CA's challenge object, `AcmeClient::fetchAuthorization` and
    /// `AcmeClient::preAuthorize` set it.
    /// dns-account-01's record name derives from it.
    std::string accountUrl = {};
    /// dns-persist-01 (draft-ietf-acme-dns-persist-01): the names the CA
    /// takes a `_validation-persist` record to name it by (its
    /// `issuer-domain-names`); empty for other types.
    std::vector<std::string> issuerDomainNames = {};

    bool operator==(const Challenge&) const = default;
};

}  // namespace cxxacme
