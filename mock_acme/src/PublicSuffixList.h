#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace cxxacme::mock_acme {

/// A Public Suffix List file (the publicsuffix.org format; Debian's package
/// `publicsuffix` installs it as /usr/share/publicsuffix/public_suffix_list.dat),
/// read as Let's Encrypt's Boulder reads it twice:
/// - its policy asks the ICANN section alone, with no default `*` rule, so
///   that a name no ICANN rule covers has no public suffix (`icannSuffix`);
/// - its rate limits count certificates per registered domain by the whole
///   list, private section and default rule included (`registeredDomain`).
///
/// Rules in U-labels are kept as their A-labels. Immutable once made; safe to
/// share between threads.
class PublicSuffixList {
public:
    static constexpr std::size_t kMaxFileBytes = 16 << 20;

    /// Reads the file. Throws `cxxacme::Error` naming the file (and the line)
    /// for one it cannot read, a rule that is not a DNS name, or a file
    /// without ICANN rules.
    static PublicSuffixList load(const std::string& path);
    /// The same for the text of such a file; `what` names it in errors.
    static PublicSuffixList parse(std::string_view text, const std::string& what);

    /// The ICANN public suffix of `name` (a DNS name in lower case, A-labels,
    /// no wildcard): the name itself when it is one ("co.uk"), nothing when
    /// no ICANN rule covers it ("example.test", "internal").
    std::optional<std::string> icannSuffix(std::string_view name) const;

    /// The registered domain of `name` (a DNS name in lower case, A-labels,
    /// no wildcard): its public suffix by the whole list and the label before it
    /// ("shop.example.co.uk" → "example.co.uk", "a.b.blogspot.com" →
    /// "b.blogspot.com"); the name itself when it is a public suffix. With
    /// no list (`list` null), or a name no rule covers, the default rule `*`
    /// makes the last label the suffix ("a.example.test" → "example.test").
    static std::string registeredDomain(std::string_view name, const PublicSuffixList* list);

    /// How many rules were read, in both sections.
    std::size_t size() const noexcept { return icann_.size() + private_.size(); }

private:
    struct Rules {
        std::unordered_set<std::string> plain;       ///< "co.uk"
        std::unordered_set<std::string> wildcards;   ///< "ck" for the rule "*.ck"
        std::unordered_set<std::string> exceptions;  ///< "www.ck" for the rule "!www.ck"
        std::size_t size() const noexcept { return plain.size() + wildcards.size() + exceptions.size(); }
    };
    /// How many of `name`'s last labels its public suffix has by the rules of
    /// `sections` taken as one list (an exception rule prevails, then the
    /// rule of the most labels); 0 when none covers it.
    static std::size_t suffixLabels(std::string_view name, std::initializer_list<const Rules*> sections);

    Rules icann_;
    Rules private_;
};

}  // namespace cxxacme::mock_acme
