#include "PublicSuffixList.h"

#include <algorithm>
#include <vector>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

namespace cxxacme::mock_acme {

namespace {

// The last `k` labels of `name`, or all of it when it has no more.
std::string_view lastLabels(std::string_view name, std::size_t k) {
    std::size_t at = name.size();  // the dot before the labels taken so far
    for (std::size_t n = 0; n < k; ++n) {
        const std::size_t dot = at == 0 ? std::string_view::npos : name.rfind('.', at - 1);
        if (dot == std::string_view::npos) return name;
        at = dot;
    }
    return name.substr(at + 1);
}

}  // namespace

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
    enum class Section { Before, Icann, Between, Private, After } section = Section::Before;
    std::size_t lineNumber = 0;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++lineNumber;
        if (line.starts_with("// ===BEGIN ICANN DOMAINS===")) section = Section::Icann;
        if (line.starts_with("// ===END ICANN DOMAINS===")) section = Section::Between;
        if (line.starts_with("// ===BEGIN PRIVATE DOMAINS===")) section = Section::Private;
        if (line.starts_with("// ===END PRIVATE DOMAINS===")) section = Section::After;
        if ((section != Section::Icann && section != Section::Private) || line.starts_with("//")) continue;
        Rules& rules = section == Section::Icann ? list.icann_ : list.private_;
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
            rules.exceptions.insert(rule);
        } else if (ServerName::isWildcard(rule)) {
            rules.wildcards.insert(rule.substr(2));
        } else {
            rules.plain.insert(rule);
        }
    }
    if (list.icann_.plain.empty())
        throw Error("public suffix list " + what + ": no ICANN rules (between \"// ===BEGIN ICANN DOMAINS===\" and "
                    "\"// ===END ICANN DOMAINS===\")");
    return list;
}

std::size_t PublicSuffixList::suffixLabels(std::string_view name, std::initializer_list<const Rules*> sections) {
    std::vector<std::size_t> starts{0};  // where each label begins
    for (std::size_t i = 0; i < name.size(); ++i)
        if (name[i] == '.') starts.push_back(i + 1);
    const std::size_t labels = starts.size();
    const auto last = [&](std::size_t k) { return std::string(name.substr(starts[labels - k])); };  // the last k labels
    const auto any = [&](auto member, const std::string& key) {
        for (const Rules* rules : sections)
            if ((rules->*member).contains(key)) return true;
        return false;
    };
    // an exception rule prevails over every other: the suffix is the rule without its first label
    for (std::size_t k = labels; k >= 2; --k)
        if (any(&Rules::exceptions, last(k))) return k - 1;
    // else the matching rule of the most labels, "*" matching any one label
    for (std::size_t k = labels; k >= 1; --k) {
        if (any(&Rules::plain, last(k))) return k;
        if (k >= 2 && any(&Rules::wildcards, last(k - 1))) return k;
    }
    return 0;
}

std::optional<std::string> PublicSuffixList::icannSuffix(std::string_view name) const {
    const std::size_t k = suffixLabels(name, {&icann_});
    if (k == 0) return std::nullopt;
    return std::string(lastLabels(name, k));
}

std::string PublicSuffixList::registeredDomain(std::string_view name, const PublicSuffixList* list) {
    const std::size_t k = std::max<std::size_t>(list ? suffixLabels(name, {&list->icann_, &list->private_}) : 0, 1);
    return std::string(lastLabels(name, k + 1));  // the suffix and one label more, or the whole name
}

}  // namespace cxxacme::mock_acme
