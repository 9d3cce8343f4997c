#define BOOST_TEST_MODULE acme_client_proxy
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <string>

#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include "../TestPrinting.h"
#include "../support/ChildProcess.h"
#include "../support/TinyProxy.h"
#include "cxxacme/AcmeClient.h"
#include "cxxacme/AcmeHttpClient.h"
#include "cxxacme/AcmeIssuer.h"
#include "cxxacme/Error.h"
#include "cxxacme/HttpProxy.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/responders/Http01Responder.h"
#include "cxxacme/testing/MockAcmeFixture.h"

using namespace cxxacme;
using namespace std::chrono_literals;
using cxxacme::testing::MockAcmeFixture;

namespace {

std::string messageOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "no error";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

// The proxy URL and the bypass list, read as curl and Go read HTTPS_PROXY and NO_PROXY.
BOOST_AUTO_TEST_CASE(proxy_settings_read_as_curl_and_go_read_them) {
    const HttpProxy none;
    BOOST_TEST(!none.enabled());
    BOOST_TEST(!none.appliesTo("acme.example.com", 443));

    const HttpProxy p = HttpProxy::parse("http://al%40ice:p%3Ass@Proxy.Corp.example:3128");
    BOOST_TEST(p.enabled());
    BOOST_TEST(p.host() == "proxy.corp.example");
    BOOST_TEST(p.port() == 3128);
    BOOST_TEST(p.username() == "al@ice");
    BOOST_TEST(p.password() == "p:ss");
    BOOST_TEST(p.display() == "http://proxy.corp.example:3128");
    BOOST_TEST(HttpProxy::parse("10.0.0.1:8080").display() == "http://10.0.0.1:8080");  // no scheme: http
    BOOST_TEST(HttpProxy::parse("http://proxy.example").port() == 80);
    BOOST_TEST(HttpProxy::parse("http://[fd00::1]:3128/").display() == "http://[fd00::1]:3128");
    BOOST_TEST(p.appliesTo("acme-v02.api.example.org", 443));

    const HttpProxy b = HttpProxy::parse("http://proxy:3128",
                                         "internal.example, .corp.example,10.0.0.0/8  192.0.2.7,[fd00::]/16,ca.example:8443,::1");
    BOOST_TEST(!b.appliesTo("internal.example", 443));
    BOOST_TEST(!b.appliesTo("ACME.Internal.Example.", 443));
    BOOST_TEST(b.appliesTo("notinternal.example", 443));  // a name covers its subdomains, not a longer label
    BOOST_TEST(!b.appliesTo("corp.example", 443));
    BOOST_TEST(!b.appliesTo("ca.corp.example", 443));
    BOOST_TEST(!b.appliesTo("10.20.30.40", 443));
    BOOST_TEST(b.appliesTo("11.0.0.1", 443));
    BOOST_TEST(!b.appliesTo("192.0.2.7", 443));
    BOOST_TEST(b.appliesTo("192.0.2.8", 443));
    BOOST_TEST(!b.appliesTo("[fd00:1::5]", 443));
    BOOST_TEST(b.appliesTo("fd01::5", 443));
    BOOST_TEST(!b.appliesTo("::1", 14000));
    BOOST_TEST(!b.appliesTo("ca.example", 8443));
    BOOST_TEST(b.appliesTo("ca.example", 443));  // that port alone
    BOOST_TEST(b.appliesTo("127.0.0.1", 14000));  // loopback has no exception of its own
    BOOST_TEST(!HttpProxy::parse("proxy:1", "*").appliesTo("anything.example", 443));
    BOOST_TEST(!HttpProxy::parse("proxy:1", "10.1.2.3/0").appliesTo("203.0.113.1", 443));

    // refusals say what is wrong, and never the password
    const auto refusal = [](const std::string& url, const std::string& noProxy = "") {
        return messageOf([&] { HttpProxy::parse(url, noProxy); });
    };
    BOOST_TEST(contains(refusal("https://u:hunter2@proxy:3128"), "only an http:// proxy"));
    BOOST_TEST(!contains(refusal("https://u:hunter2@proxy:3128"), "hunter2"));
    BOOST_TEST(contains(refusal("socks5://proxy:1080"), "only an http:// proxy"));
    BOOST_TEST(contains(refusal("http://u:hunter2@proxy:3128/path"), "has a path"));
    BOOST_TEST(!contains(refusal("http://u:hunter2@proxy:3128/path"), "hunter2"));
    BOOST_TEST(contains(refusal("http://:3128"), "names no host"));
    BOOST_TEST(contains(refusal("http://proxy:3128", "ca.example:99999"), "the port is not a number"));
    BOOST_TEST(contains(refusal("http://proxy:3128", "10.0.0.0/33"), "prefix length"));
    BOOST_TEST(contains(refusal("http://proxy:3128", "ca.example/8"), "needs an IP address"));
    BOOST_TEST(contains(refusal("http://proxy:3128", "bad name!"), "neither a host name"));
    BOOST_TEST(contains(refusal("http://proxy:3128", "[fd00::1"), "no closing ]"));

    // the environment, lower case first
    ::setenv("HTTPS_PROXY", "http://upper:1", 1);
    ::setenv("https_proxy", "http://lower:2", 1);
    ::setenv("NO_PROXY", "upper.example", 1);
    ::unsetenv("no_proxy");
    const HttpProxy env = HttpProxy::fromEnvironment();
    BOOST_TEST(env.display() == "http://lower:2");
    BOOST_TEST(!env.appliesTo("upper.example", 443));
    ::unsetenv("https_proxy");
    ::unsetenv("HTTPS_PROXY");
    ::unsetenv("NO_PROXY");
    BOOST_TEST(!HttpProxy::fromEnvironment().enabled());
}

// Issuance through Debian's tinyproxy: every request to the CA goes through a CONNECT
// tunnel with Basic proxy authorization, and TLS is still the CA's own. http-01 is
// checked by the CA directly, as it is on the Internet.
BOOST_AUTO_TEST_CASE(issuance_goes_through_a_real_proxy) {
    test::TinyProxy proxy;
    responders::Http01Responder http;
    auto config = MockAcmeFixture::defaultConfig();
    config.http01Port = http.listen("127.0.0.1", 0);
    MockAcmeFixture acme(config);
    const std::string ca = "127.0.0.1:" + std::to_string(Poco::URI(acme.directoryUrl()).getPort());
    SystemClock clock;
    AcmeClientOptions options = acme.clientOptions();
    options.http.proxy = HttpProxy::parse(proxy.url());
    AcmeClient client(options, std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
    const PemBundle bundle = AcmeIssuer(client, {&http}).issue("proxied.example.test");
    BOOST_CHECK_NO_THROW(bundle.certificate().verifyChain(bundle.chain(), {acme.issuingRoot()}));
    const std::size_t tunnels = proxy.connects(ca);
    BOOST_TEST(tunnels >= 1u);
    BOOST_TEST(tunnels <= 2u, tunnels);  // kept alive: one tunnel carries request after request

    // plain HTTP (mock-acme's management) goes to the proxy in absolute form, with the credentials
    AcmeHttpClient plain(options.http);
    const std::string roots = acme.managementUrl() + "/roots/0";
    BOOST_TEST(plain.get(roots).body.starts_with("-----BEGIN CERTIFICATE-----"));
    BOOST_TEST(proxy.requests("GET " + roots) == 1u);

    // bypassed: straight to the CA, no new tunnel
    AcmeClientOptions bypassing = acme.clientOptions();
    bypassing.http.proxy = HttpProxy::parse(proxy.url(), "localhost,127.0.0.0/8");
    AcmeHttpClient direct(bypassing.http);
    BOOST_TEST(direct.get(acme.directoryUrl()).status == 200);
    BOOST_TEST(proxy.connects(ca) == tunnels);
}

// What goes wrong at the proxy is said as the proxy's: its refusal with the status it
// gave (never the password), a proxy that is down or silent, a CA the proxy cannot reach.
BOOST_AUTO_TEST_CASE(proxy_failures_are_clear_errors) {
    test::TinyProxy proxy;
    MockAcmeFixture acme;
    const std::string dir = acme.directoryUrl();
    const auto through = [&](const std::string& proxyUrl, Duration connectTimeout = 10s) {
        AcmeHttpClient::Options o{.caBundleFile = acme.caBundlePath(), .timeout = 30s, .connectTimeout = connectTimeout};
        o.proxy = HttpProxy::parse(proxyUrl);
        return o;
    };
    const auto failure = [&](const AcmeHttpClient::Options& o, const std::string& url) -> NetworkError {
        AcmeHttpClient http(o);
        try {
            http.get(url);
        } catch (const NetworkError& e) {
            return e;
        }
        BOOST_FAIL("no error through the proxy");
        throw std::logic_error("unreachable");
    };
    const std::string where = "through proxy http://127.0.0.1:" + std::to_string(proxy.port) + ": ";

    const NetworkError refused = failure(through(proxy.url("wrong-password")), dir);
    BOOST_TEST(contains(refused.what(), where), refused.what());
    // 407, or tinyproxy's 401 to a CONNECT whose credentials are wrong
    BOOST_TEST((contains(refused.what(), "answered CONNECT with 407") || contains(refused.what(), "answered CONNECT with 401")),
               refused.what());
    BOOST_TEST(!contains(refused.what(), "wrong-password"));
    BOOST_TEST(!refused.transient());  // asking again would not help
    BOOST_TEST(!refused.requestSent());

    // the CA behind it is down: the proxy's 5xx, transient
    const std::string closed = "https://127.0.0.1:" + std::to_string(test::freePort()) + "/dir";
    const NetworkError unreachable = failure(through(proxy.url()), closed);
    BOOST_TEST(contains(unreachable.what(), "answered CONNECT with 5"), unreachable.what());
    BOOST_TEST(unreachable.transient());
    BOOST_TEST(!unreachable.requestSent());

    // no proxy there
    const NetworkError down = failure(through("http://127.0.0.1:" + std::to_string(test::freePort())), dir);
    BOOST_TEST(contains(down.what(), "through proxy http://127.0.0.1:"), down.what());
    BOOST_TEST(down.transient());

    // a proxy that takes the connection and never answers CONNECT: the connect timeout
    Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
    const NetworkError mute = failure(through("http://127.0.0.1:" + std::to_string(silent.address().port()), 1s), dir);
    BOOST_TEST(contains(mute.what(), "not sent: no connection within 1 s"), mute.what());
    BOOST_TEST(mute.transient());
    BOOST_TEST(!mute.timedOut());
}
