#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace cxxacme::mock_acme {

/// The ICANN section of a Public Suffix List file (the publicsuffix.org
/// format; Debian's package `publicsuffix` installs it as
/// /usr/share/publicsuffix/public_suffix_list.dat), read as Let's Encrypt's
/// Boulder reads it: the private section is passed over, and a name that no
/// rule covers has no public suffix (there is no default `*` rule). Rules in
/// U-labels are kept as their A-labels. Immutable once made; safe to share
/// between threads.
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

    /// How many rules were read.
    std::size_t size() const noexcept { return rules_.size() + wildcards_.size() + exceptions_.size(); }

private:
    std::unordered_set<std::string> rules_;       ///< "co.uk"
    std::unordered_set<std::string> wildcards_;   ///< "ck" for the rule "*.ck"
    std::unordered_set<std::string> exceptions_;  ///< "www.ck" for the rule "!www.ck"
};

}  // namespace cxxacme::mock_acme
