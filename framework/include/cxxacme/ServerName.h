#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxxacme {

/// The one name check used by every store and by the client.
///
/// A *server name* is a DNS name of LDH labels (letters, digits, hyphen; no
/// hyphen at either end of a label), optionally preceded by one `*.`, or an
/// IPv4/IPv6 address (RFC 8738). Internationalised names are taken in either
/// form. An A-label (`xn--`) must be one by IDNA2008 (RFC 5891 §5.4, through
/// libidn2): Punycode of a U-label in NFC that RFC 5892's tables and rules and
/// RFC 5893's Bidi rule allow, and that encodes back to the same A-label. A
/// name written with U-labels (UTF-8) is turned into A-labels: UTS #46's
/// non-transitional mapping (case, full-width forms), then IDNA2008's lookup
/// conversion; `"Bücher.example"` becomes `"xn--bcher-kva.example"`. The
/// canonical form is ASCII, lower case; IP addresses are rewritten in their
/// shortest textual form.
///
/// A *store key* is one server name, or several joined with commas (a
/// multi-name certificate). Its canonical form trims white space around each
/// name, lower-cases, keeps the order, and joins with a bare comma:
/// `" A.example , b.example"` becomes `"a.example,b.example"`.
///
/// Everything here is pure and thread-safe. Every function that returns a
/// canonical form throws `InvalidNameError` on bad input; nothing it returns
/// can contain a path separator, `..`, a NUL, any other control byte or a
/// byte beyond ASCII.
class ServerName {
public:
    static constexpr std::size_t kMaxNameLength = 253;  ///< RFC 1035, without the root dot
    static constexpr std::size_t kMaxLabelLength = 63;  ///< RFC 1035
    static constexpr std::size_t kMaxNamesPerKey = 100; ///< Let's Encrypt's SAN limit
    static constexpr std::size_t kMaxUnicodeInputLength = 1024; ///< bytes of a name with U-labels, before conversion

    ServerName() = delete;

    /// Checks one server name and returns its canonical form.
    static std::string canonical(std::string_view name);

    /// `text` with A-Z lowered, nothing checked: for lookups of names that
    /// come off the wire (an SNI name in a handshake).
    static std::string lowerAscii(std::string_view text);

    /// True when `canonical(name)` would succeed.
    static bool isValid(std::string_view name) noexcept;

    /// True for a name that starts with `*.` (does not validate).
    static bool isWildcard(std::string_view name) noexcept;

    /// True when every byte of `text` is ASCII (below 0x80): a name with none
    /// beyond it is checked as written, one with some is taken as U-labels.
    static bool isAscii(std::string_view text) noexcept;

    /// True when `name` is an IPv4 or IPv6 address literal (does not validate
    /// anything else).
    static bool isIpAddress(std::string_view name) noexcept;

    /// The reverse-DNS name of an IP address ("1.0.0.127.in-addr.arpa"),
    /// as tls-alpn-01 uses for IP identifiers (RFC 8738 §6). Throws
    /// `InvalidNameError` for anything but an IP address.
    static std::string reverseDnsName(std::string_view ip);
    /// The IP address a reverse-DNS name stands for, in canonical text
    /// ("127.0.0.1", "2001:db8::1"), when the name is spelt exactly as
    /// `reverseDnsName` spells it (lower case, no leading zeros, every
    /// label); nullopt for any other name.
    static std::optional<std::string> addressOfReverseDnsName(std::string_view name);

    /// The bytes of an IP address literal in network order: 4 for IPv4, 16
    /// for IPv6 (an IPv4-mapped IPv6 address stays 16); empty for anything
    /// else. The one address parser of the project.
    static std::vector<unsigned char> addressBytes(std::string_view ip);

    /// True when `name` is `domain` or a name under it, label-wise
    /// ("www.example.com" is under "example.com", "notexample.com" is not).
    /// Both as written: compare canonical or lowered forms. Checks nothing.
    static bool isAtOrUnder(std::string_view name, std::string_view domain) noexcept;

    /// Checks a store key (one name or several, comma-joined) and returns its
    /// canonical form. Empty parts and repeated names are rejected.
    static std::string canonicalKey(std::string_view key);

    /// The canonical names of a store key, in order.
    static std::vector<std::string> splitKey(std::string_view key);

    /// Joins names into a canonical store key (each name is checked).
    static std::string joinKey(const std::vector<std::string>& names);

    /// A canonical name or store key with its A-labels shown as U-labels
    /// (UTF-8), for people to read: "xn--bcher-kva.example" is
    /// "bücher.example". Anything else, and a name libidn2 cannot decode,
    /// comes back as it is. For display only: never for paths, keys or the
    /// wire.
    static std::string forDisplay(std::string_view canonical);
};

}  // namespace cxxacme
