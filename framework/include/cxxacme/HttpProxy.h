#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cxxacme/AddressBlock.h"

namespace cxxacme {

/// An HTTP proxy between the ACME client and its CA, as corporate networks
/// and fleets behind an egress gateway have: `http://[USER:PASSWORD@]HOST[:PORT]`
/// (port 80 unless given; user and password percent-encoded, sent as Basic
/// proxy authorization), and the hosts that bypass it, in NO_PROXY's syntax.
/// HTTPS goes through it in a CONNECT tunnel, so TLS is still verified end to
/// end against the CA's own certificate. A value type; the default is no proxy.
///
/// Bypass entries, separated by commas or spaces, any case: `*` (every host);
/// a name, which also covers the names under it (`example.com` and
/// `.example.com` both cover `example.com` and `acme.example.com`); an IP
/// address (`[...]` optional around IPv6) or a CIDR block (`10.0.0.0/8`,
/// `fd00::/8`), matched against an address literal in the URL (names are not
/// resolved to check); any of these with `:PORT` to cover that port alone.
/// Loopback names get no exception of their own: list `localhost,127.0.0.1,::1`
/// for a local CA.
class HttpProxy {
public:
    HttpProxy() = default;  ///< no proxy

    /// Throws `Error` naming what is wrong (and never the password): a URL
    /// whose scheme is not http (`HOST:PORT` alone is taken as http://), with
    /// no host, a path, query or fragment, or a bypass entry that does not read.
    static HttpProxy parse(const std::string& url, const std::string& noProxy = "");
    /// From the environment, as curl and Go read it: `https_proxy` or
    /// `HTTPS_PROXY` (the ACME directory is HTTPS), and `no_proxy` or
    /// `NO_PROXY`. No proxy when they are unset or empty; `Error` as `parse`.
    static HttpProxy fromEnvironment();

    /// This proxy with `noProxy` as its bypass list instead (`Error` as `parse`).
    HttpProxy bypassing(const std::string& noProxy) const;

    bool enabled() const noexcept { return !host_.empty(); }
    /// Whether a connection to `host`:`port` (a name, or an address literal
    /// with or without brackets) goes through the proxy.
    bool appliesTo(const std::string& host, std::uint16_t port) const;

    const std::string& host() const noexcept { return host_; }
    std::uint16_t port() const noexcept { return port_; }
    const std::string& username() const noexcept { return username_; }
    const std::string& password() const noexcept { return password_; }
    /// `http://HOST:PORT`, without the credentials: for messages and logs.
    std::string display() const;

private:
    struct Bypass {
        std::string name;              ///< lower case, no leading dot; empty for an address
        std::optional<AddressBlock> block;  ///< for an address or block
        std::uint16_t port = 0;        ///< 0: any
        bool everything = false;       ///< `*`
    };
    static Bypass parseBypass(const std::string& entry);
    static std::vector<Bypass> parseBypassList(const std::string& noProxy);

    std::string host_;
    std::uint16_t port_ = 0;
    std::string username_;
    std::string password_;
    std::vector<Bypass> bypass_;
};

}  // namespace cxxacme
