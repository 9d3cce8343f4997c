#include "cxxacme/RateLimitScope.h"

#include <algorithm>
#include <set>

#include "cxxacme/AcmeResources.h"
#include "cxxacme/AddressBlock.h"
#include "cxxacme/ServerName.h"

namespace cxxacme {

namespace {

// The text between the quotes that follow `marker` in `detail` (`… for "example.com" …`), or "".
std::string quotedAfter(std::string_view detail, std::string_view marker) {
    const auto at = detail.find(marker);
    if (at == std::string_view::npos) return "";
    const auto start = at + marker.size();
    const auto end = detail.find('"', start);
    if (end == std::string_view::npos) return "";
    return std::string(detail.substr(start, end - start));
}

// `text` as a canonical name (a wildcard kept) or address, or "" when it is neither.
std::string canonicalOrNothing(std::string_view text) {
    try {
        return ServerName::canonical(text);
    } catch (const InvalidNameError&) {
        return "";
    }
}

// Calls `each` with each name of a store key (comma-joined, as written); stops at the first true.
template <typename Each>
bool anyName(std::string_view names, Each&& each) {
    for (std::size_t start = 0; start <= names.size();) {
        const std::size_t comma = std::min(names.find(',', start), names.size());
        if (each(names.substr(start, comma - start))) return true;
        start = comma + 1;
    }
    return false;
}

}  // namespace

RateLimitScope RateLimitScope::of(const AcmeProblem& problem) {
    const std::string& detail = problem.detail();
    if (problem.status() == 503) return {Kind::Server, {}};
    if (!problem.is("rateLimited")) return {Kind::Order, {}};
    // Boulder: "too many new orders (%d) from this account in the last %s, retry after %s"; and
    // "too many new registrations (%d) from this IP address …": no account, so no order either
    // (Boulder counts an exact set's renewal against neither new orders nor a registered domain's certificates)
    if (detail.find("too many new orders") != std::string::npos && detail.find("from this account") != std::string::npos)
        return {Kind::Account, {}, true};
    if (detail.find("too many new registrations") != std::string::npos) return {Kind::Account, {}};
    // "too many certificates (%d) already issued for %q in the last …" names a registered domain or an
    // address block; "… for this exact set of identifiers …" is the order's own names
    if (const std::string domain = quotedAfter(detail, ") already issued for \""); !domain.empty()) {
        if (domain.find('/') != std::string::npos && AddressBlock::parse(domain)) return {Kind::RegisteredDomain, {domain}, true};
        if (std::string name = canonicalOrNothing(domain); !name.empty() && !ServerName::isWildcard(name))
            return {Kind::RegisteredDomain, {std::move(name)}, true};
        return {Kind::Order, {}};
    }
    // "too many failed authorizations (%d) for %q in the last …": that identifier, and each a
    // subproblem names
    if (detail.find("too many failed authorizations") != std::string::npos) {
        std::vector<std::string> names;
        if (std::string name = canonicalOrNothing(quotedAfter(detail, ") for \"")); !name.empty()) names.push_back(std::move(name));
        for (const auto& sub : problem.subproblems())
            if (std::string name = canonicalOrNothing(sub.identifier.value); !name.empty()) names.push_back(std::move(name));
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        if (!names.empty()) return {Kind::Identifiers, std::move(names)};
    }
    return {Kind::Order, {}};
}

bool RateLimitScope::coversName(std::string_view name) const {
    for (const auto& subject : subjects_) {
        if (kind_ == Kind::Identifiers) {
            if (name == subject) return true;
            continue;
        }
        if (subject.find('/') != std::string::npos) {  // an address block
            if (const auto block = AddressBlock::parse(subject); block && block->contains(name)) return true;
            continue;
        }
        if (ServerName::isAtOrUnder(ServerName::isWildcard(name) ? name.substr(2) : name, subject)) return true;
    }
    return false;
}

RateLimitScope::Renewal RateLimitScope::renewalOf(std::string_view names, const Certificate* current, TimePoint now,
                                                  bool inAriWindow) {
    if (!current) return Renewal::None;
    if (inAriWindow) return Renewal::Ari;
    if (now - current->notBefore() >= kExactSetLookBack) return Renewal::None;
    // the certificate's names, as the store key's, in any order
    std::set<std::string> asked, held;
    anyName(names, [&asked](std::string_view name) {
        asked.emplace(name);
        return false;  // every one
    });
    for (const auto& id : current->subjectAltNames()) {
        std::string name = canonicalOrNothing(id.value);
        if (name.empty()) return Renewal::None;
        held.insert(std::move(name));
    }
    return asked == held ? Renewal::ExactSet : Renewal::None;
}

bool RateLimitScope::holds(std::string_view names, Renewal renewal) const {
    if (!covers(names)) return false;
    switch (renewal) {
        case Renewal::Ari:  // exempt from every limit: only a CA that is down holds it
            return kind_ == Kind::Server;
        case Renewal::ExactSet:
            return !exemptsSetRenewals_;
        case Renewal::None:
            break;
    }
    return true;
}

bool RateLimitScope::covers(std::string_view names) const {
    switch (kind_) {
        case Kind::Order:
            return false;
        case Kind::Account:
        case Kind::Server:
            return true;
        case Kind::RegisteredDomain:
        case Kind::Identifiers:
            break;
    }
    return anyName(names, [this](std::string_view name) { return coversName(name); });
}

std::string RateLimitScope::describe() const {
    std::string list;
    for (const auto& subject : subjects_) list += (list.empty() ? "" : ", ") + subject;
    switch (kind_) {
        case Kind::Order:
            return "the names ordered";
        case Kind::Account:
            return "every name of the account";
        case Kind::Server:
            return "every name (the CA is unavailable)";
        case Kind::RegisteredDomain:
            return "every name under " + list;
        case Kind::Identifiers:
            return "every order naming " + list;
    }
    return list;
}

std::string RateLimitScope::notAsked(TimePoint until) const {
    return "not asked: the CA refuses " + describe() + " until " + formatRfc3339(until);
}

}  // namespace cxxacme
