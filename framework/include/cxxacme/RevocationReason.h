#pragma once

#include <string>

namespace cxxacme {

/// Why a certificate is revoked: RFC 5280 §5.3.1's CRLReason codes, which
/// RFC 8555 §7.6's `reason` carries to the CA (and a CRL's reasonCode back).
/// 7 is not used; nothing is above 10.
class RevocationReason {
public:
    static constexpr int kUnspecified = 0;
    static constexpr int kKeyCompromise = 1;
    static constexpr int kCaCompromise = 2;
    static constexpr int kAffiliationChanged = 3;
    static constexpr int kSuperseded = 4;
    static constexpr int kCessationOfOperation = 5;
    static constexpr int kCertificateHold = 6;
    static constexpr int kRemoveFromCrl = 8;
    static constexpr int kPrivilegeWithdrawn = 9;
    static constexpr int kAaCompromise = 10;

    /// Whether `code` is one of the codes above.
    static bool isCode(long long code) noexcept;
    /// `code` itself; throws `Error` naming it when it is not a reason code.
    static int check(long long code);
    /// RFC 5280's name of `code` ("keyCompromise"); throws as `check`.
    static std::string name(int code);
    /// A code from its number ("1") or its name in any case ("keyCompromise",
    /// "keycompromise", as certbot's --reason takes it); throws `Error`
    /// listing the names for anything else.
    static int parse(const std::string& text);
};

}  // namespace cxxacme
