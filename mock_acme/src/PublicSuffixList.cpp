#include "PublicSuffixList.h"

#include <vector>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

namespace cxxacme::mock_acme {

PublicSuffixList PublicSuffixList::load(const std::string& path) {
    std::string text;
    try {
        text = AtomicFile::read(path, kMaxFileBytes);
    } catch (const Error& e) {
        throw Error("public suffix list: " + std::string(e.what()));
    }
    return parse(text, path);
}

PublicSuffixList PublicSuffixList::parse(std::string_view text, const std::string& what) {
    PublicSuffixList list;
    enum class Section { Before, Icann, After } section = Section::Before;
    std::size_t lineNumber = 0;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++lineNumber;
        if (line.starts_with("// ===BEGIN ICANN DOMAINS===")) section = Section::Icann;
        if (line.starts_with("// ===END ICANN DOMAINS===")) section = Section::After;
        if (section != Section::Icann || line.starts_with("//")) continue;
        // a rule is the line up to its first white space (publicsuffix.org's format)
        line = line.substr(0, line.find_first_of(" \t\r"));
        if (line.empty()) continue;
        const bool exception = line.front() == '!';
        if (exception) line.remove_prefix(1);
        std::string rule;
        try {
            rule = ServerName::canonical(line);  // U-labels become A-labels; "*." stays
        } catch (const InvalidNameError& e) {
            throw Error("public suffix list " + what + ", line " + std::to_string(lineNumber) + ": " + e.what());
        }
        if (exception) {
            if (ServerName::isWildcard(rule) || rule.find('.') == std::string::npos)
                throw Error("public suffix list " + what + ", line " + std::to_string(lineNumber) +
                            ": an exception rule names one name of two labels or more");
            list.exceptions_.insert(rule);
        } else if (ServerName::isWildcard(rule)) {
            list.wildcards_.insert(rule.substr(2));
        } else {
            list.rules_.insert(rule);
        }
    }
    if (list.rules_.empty())
        throw Error("public suffix list " + what + ": no ICANN rules (between \"// ===BEGIN ICANN DOMAINS===\" and "
                    "\"// ===END ICANN DOMAINS===\")");
    return list;
}

std::optional<std::string> PublicSuffixList::icannSuffix(std::string_view name) const {
    std::vector<std::size_t> starts{0};  // where each label begins
    for (std::size_t i = 0; i < name.size(); ++i)
        if (name[i] == '.') starts.push_back(i + 1);
    const std::size_t labels = starts.size();
    const auto last = [&](std::size_t k) { return std::string(name.substr(starts[labels - k])); };  // the last k labels
    // an exception rule prevails over every other: the suffix is the rule without its first label
    for (std::size_t k = labels; k >= 2; --k)
        if (exceptions_.contains(last(k))) return last(k - 1);
    // else the matching rule of the most labels, "*" matching any one label
    for (std::size_t k = labels; k >= 1; --k) {
        const std::string suffix = last(k);
        if (rules_.contains(suffix)) return suffix;
        if (k >= 2 && wildcards_.contains(last(k - 1))) return suffix;
    }
    return std::nullopt;
}

}  // namespace cxxacme::mock_acme
