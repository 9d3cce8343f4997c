#include "RequestHead.h"

#include <algorithm>
#include <cctype>

#include "cxxacme/AcmeProblem.h"
#include "cxxacme/detail/OptionalWhitespace.h"

namespace cxxacme::mock_acme {

namespace {

[[noreturn]] void refuse(int status, const std::string& why) {
    throw AcmeProblem("malformed", "malformed HTTP request: " + why, status);
}

// RFC 9110 §5.6.2: tchar.
bool isTokenChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view text) { return !text.empty() && std::all_of(text.begin(), text.end(), isTokenChar); }

// RFC 5234 CTL: 0x00-0x1F and DEL.
bool isControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

bool sameName(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

RequestHead RequestHead::parse(std::string_view requestLine, const std::vector<std::string>& fieldLines) {
    RequestHead head;
    // §3: method SP request-target SP HTTP-version, single spaces
    const std::size_t firstSpace = requestLine.find(' ');
    const std::size_t secondSpace = firstSpace == std::string_view::npos ? firstSpace : requestLine.find(' ', firstSpace + 1);
    if (secondSpace == std::string_view::npos || requestLine.find(' ', secondSpace + 1) != std::string_view::npos)
        refuse(400, "the request line is not method, target and version between single spaces");
    const std::string_view method = requestLine.substr(0, firstSpace);
    const std::string_view target = requestLine.substr(firstSpace + 1, secondSpace - firstSpace - 1);
    const std::string_view version = requestLine.substr(secondSpace + 1);
    if (!isToken(method)) refuse(400, "the method is not a token");
    const auto visible = [](char c) { return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f; };
    if (target.empty() || !std::all_of(target.begin(), target.end(), visible))
        refuse(400, "the request target has characters a URI cannot");
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !digit(version[5]) || version[6] != '.' || !digit(version[7]))
        refuse(400, "the version is not HTTP/digit.digit");
    if (version != "HTTP/1.1" && version != "HTTP/1.0") refuse(505, std::string(version) + " is not served; HTTP/1.1 is");
    head.method_ = method;
    head.target_ = target;
    head.http10_ = version == "HTTP/1.0";

    // §5: field-name ":" OWS field-value OWS
    head.fields_.reserve(fieldLines.size());
    for (const std::string& line : fieldLines) {
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) refuse(400, "obsolete line folding");
        const std::size_t colon = line.find(':');
        if (colon == std::string::npos) refuse(400, "a header line without a colon");
        const std::string_view name = std::string_view(line).substr(0, colon);
        if (!isToken(name))
            refuse(400, name.find_first_of(" \t") != std::string_view::npos ? "whitespace before a header field's colon"
                                                                            : "a header field name that is not a token");
        const std::string_view value = detail::trimOws(std::string_view(line).substr(colon + 1));
        if (std::any_of(value.begin(), value.end(), [](char c) { return isControl(c) && c != '\t'; }))
            refuse(400, "a control character in the value of " + std::string(name));
        head.fields_.emplace_back(name, value);
    }
    // §3.2: exactly one Host in HTTP/1.1, never two
    const std::size_t hosts = head.count("Host");
    if (hosts > 1 || (hosts == 0 && !head.http10_)) refuse(400, hosts > 1 ? "more than one Host" : "no Host");
    if (hosts == 1 && head.get("Host").find_first_of(" \t") != std::string::npos) refuse(400, "a Host with whitespace in it");
    return head;
}

const std::string& RequestHead::get(std::string_view name) const {
    static const std::string kNone;
    for (const auto& [n, v] : fields_)
        if (sameName(n, name)) return v;
    return kNone;
}

std::size_t RequestHead::count(std::string_view name) const {
    return static_cast<std::size_t>(
        std::count_if(fields_.begin(), fields_.end(), [&](const auto& field) { return sameName(field.first, name); }));
}

std::vector<std::string_view> RequestHead::list(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& [n, v] : fields_) {
        if (!sameName(n, name)) continue;
        std::string_view rest = v;
        for (;;) {
            const std::size_t comma = rest.find(',');
            if (const std::string_view element = detail::trimOws(rest.substr(0, comma)); !element.empty()) out.push_back(element);
            if (comma == std::string_view::npos) break;
            rest = rest.substr(comma + 1);
        }
    }
    return out;
}

bool RequestHead::keepAlive() const {
    const auto options = list("Connection");
    const auto has = [&](std::string_view option) {
        return std::any_of(options.begin(), options.end(), [&](std::string_view o) { return sameName(o, option); });
    };
    return http10_ ? has("keep-alive") : !has("close");
}

}  // namespace cxxacme::mock_acme
