#include "cxxacme/HttpProxy.h"

#include <cstdlib>

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

namespace cxxacme {

namespace {

// `url` with what lies between "://" and "@" (the user and password) left out.
std::string redacted(const std::string& url) {
    const auto start = url.find("://");
    const auto at = url.rfind('@');
    if (at == std::string::npos) return url;
    const std::size_t from = start == std::string::npos ? 0 : start + 3;
    if (at < from) return url;
    return url.substr(0, from) + "***" + url.substr(at);
}

std::string withoutBrackets(std::string host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return host;
}

std::uint16_t portNumber(const std::string& text, const std::string& entry) {
    if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
        throw Error("NO_PROXY entry \"" + entry + "\": the port is not a number from 1 to 65535");
    const unsigned long port = std::stoul(text);
    if (port == 0 || port > 65535) throw Error("NO_PROXY entry \"" + entry + "\": the port is not a number from 1 to 65535");
    return static_cast<std::uint16_t>(port);
}

}  // namespace

HttpProxy HttpProxy::parse(const std::string& url, const std::string& noProxy) {
    const std::string shown = redacted(url);
    const std::string full = url.find("://") == std::string::npos ? "http://" + url : url;
    Poco::URI uri;
    try {
        uri = Poco::URI(full);
    } catch (const Poco::Exception&) {
        throw Error("proxy \"" + shown + "\" is not a URL");
    }
    if (uri.getScheme() != "http")
        throw Error("proxy \"" + shown + "\": only an http:// proxy is supported (HTTPS goes through it by CONNECT)");
    if (uri.getHost().empty()) throw Error("proxy \"" + shown + "\" names no host");
    if ((!uri.getPath().empty() && uri.getPath() != "/") || !uri.getRawQuery().empty() || !uri.getFragment().empty())
        throw Error("proxy \"" + shown + "\" has a path, query or fragment; give http://HOST:PORT");
    if (uri.getPort() == 0) throw Error("proxy \"" + shown + "\" has port 0");

    HttpProxy proxy;
    proxy.host_ = ServerName::lowerAscii(uri.getHost());
    proxy.port_ = uri.getPort();
    const std::string userInfo = uri.getUserInfo();  // as written: split first, then percent-decoded
    const auto colon = userInfo.find(':');
    Poco::URI::decode(userInfo.substr(0, colon), proxy.username_);
    if (colon != std::string::npos) Poco::URI::decode(userInfo.substr(colon + 1), proxy.password_);

    proxy.bypass_ = parseBypassList(noProxy);
    return proxy;
}

HttpProxy HttpProxy::bypassing(const std::string& noProxy) const {
    HttpProxy copy = *this;
    copy.bypass_ = parseBypassList(noProxy);
    return copy;
}

std::vector<HttpProxy::Bypass> HttpProxy::parseBypassList(const std::string& noProxy) {
    std::vector<Bypass> list;
    std::string entry;
    const auto flush = [&] {
        if (!entry.empty()) list.push_back(parseBypass(entry));
        entry.clear();
    };
    for (const char c : noProxy) {
        if (c == ',' || c == ' ' || c == '\t')
            flush();
        else
            entry += c;
    }
    flush();
    return list;
}

HttpProxy HttpProxy::fromEnvironment() {
    const auto variable = [](const char* lower, const char* upper) -> std::string {
        for (const char* name : {lower, upper})
            if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
        return "";
    };
    const std::string url = variable("https_proxy", "HTTPS_PROXY");
    if (url.empty()) return {};
    return parse(url, variable("no_proxy", "NO_PROXY"));
}

HttpProxy::Bypass HttpProxy::parseBypass(const std::string& given) {
    Bypass b;
    std::string entry = ServerName::lowerAscii(given);
    if (entry == "*") {
        b.everything = true;
        return b;
    }
    // the port: after "]" (and a block's "/N") for a bracketed IPv6 address, else after the only colon
    if (entry.front() == '[') {
        const auto close = entry.find(']');
        if (close == std::string::npos) throw Error("NO_PROXY entry \"" + given + "\": no closing ]");
        std::string rest = entry.substr(close + 1);
        entry = entry.substr(1, close - 1);
        if (rest.starts_with("/")) {
            const auto colon = rest.find(':');
            entry += rest.substr(0, colon);
            rest = colon == std::string::npos ? "" : rest.substr(colon);
        }
        if (!rest.empty()) {
            if (rest.front() != ':') throw Error("NO_PROXY entry \"" + given + "\": text after ]");
            b.port = portNumber(rest.substr(1), given);
        }
    } else if (entry.find(':') != std::string::npos && entry.find(':') == entry.rfind(':')) {
        b.port = portNumber(entry.substr(entry.find(':') + 1), given);
        entry.resize(entry.find(':'));
    }
    const auto slash = entry.find('/');
    if (const auto bytes = ServerName::addressBytes(entry.substr(0, slash)); !bytes.empty()) {
        b.block = AddressBlock::parse(entry);
        if (!b.block)
            throw Error("NO_PROXY entry \"" + given + "\": the prefix length is not a number from 0 to " +
                        std::to_string(bytes.size() * 8));
        return b;
    }
    if (slash != std::string::npos) throw Error("NO_PROXY entry \"" + given + "\": a block needs an IP address before /");
    if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    bool labelStart = true;
    for (const char c : entry) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || (c == '.' && !labelStart);
        if (!ok) throw Error("NO_PROXY entry \"" + given + "\" is neither a host name, an address nor a block");
        labelStart = c == '.';
    }
    if (entry.empty() || labelStart) throw Error("NO_PROXY entry \"" + given + "\" is neither a host name, an address nor a block");
    b.name = entry;
    return b;
}

bool HttpProxy::appliesTo(const std::string& host, std::uint16_t port) const {
    if (!enabled()) return false;
    std::string h = ServerName::lowerAscii(withoutBrackets(host));
    if (!h.empty() && h.back() == '.') h.pop_back();
    const auto address = ServerName::addressBytes(h);
    for (const auto& b : bypass_) {
        if (b.port != 0 && b.port != port) continue;
        if (b.everything) return false;
        if (b.block) {
            if (b.block->contains(address)) return false;
            continue;
        }
        if (ServerName::isAtOrUnder(h, b.name)) return false;
    }
    return true;
}

std::string HttpProxy::display() const {
    if (!enabled()) return "";
    const bool v6 = host_.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

}  // namespace cxxacme
