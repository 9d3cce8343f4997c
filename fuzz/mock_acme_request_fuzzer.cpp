// libFuzzer target for mock-acme's request path (JWS + JSON).
//
// The first input byte picks the endpoint; the second picks the mode:
// even - the rest is the raw request body, as an attacker would send it
//        (bit 1: its first line is the Host field instead, from which the
//        answer's URLs are built; bit 2: a GET rather than a POST);
// odd  - the rest is the payload of a correctly signed JWS with a fresh
//        nonce and the right url, so the fuzzer reaches the endpoint logic
//        (identifiers, CSRs, EAB, key change, revocation) behind the JWS checks.
// "/new-authz" is pre-authorization (RFC 8555 §7.4.1); RFC 9444's members of both are on. The endpoint "/crl/"
// takes the rest as the rest of the CRL listener's path (CRLs are on, so
// revocations made through the signed mode are listed). "/terms-agreement/"
// takes the rest as an account id (a GET or a POST, as a person's browser
// sends them, no JWS); "/set-terms-of-service" the rest as a management
// body, after which the fuzzer's own account agrees again (which must work)
// so that later inputs still reach what comes after the terms check.
// "/set-misissued-certificates" takes the rest as its management body (and
// arms the faults that later certificate downloads serve).
// Built with scripts/fuzz.sh (clang only); never run by the test suite.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cxxacme/FlattenedJws.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/mock_acme/MockAcmeEngine.h"

using namespace cxxacme;
using namespace cxxacme::mock_acme;

namespace {

class NoValidation final : public IChallengeValidator {
public:
    std::optional<AcmeProblem> validate(const ValidationRequest&) override { return std::nullopt; }
};

struct World {
    SystemClock clock;
    MockAcmeEngine engine;
    KeySigner account{PrivateKey::generate(KeyType::EcP256)};
    std::string kid;
    std::string base = "https://fuzz.test";

    static MockAcmeConfig config() {
        MockAcmeConfig c;
        c.skipValidation = true;
        c.validationThreads = 1;
        c.alternateChains = 0;
        c.crl = true;  // no listener: the engine answers handleCrl alone
        c.crlPort = 1;
        c.subdomainAuth = true;  // RFC 9444: newOrder's ancestorDomain, newAuthz's subdomainAuthAllowed
        return c;
    }

    World() : engine(config(), "https://fuzz.test", clock, std::make_unique<NoValidation>()) {
        kid = send("/sign-me-up", "", R"({"termsOfServiceAgreed":true})").header("Location");
    }

    std::string nonce() {
        HttpRequest r{.method = "HEAD", .path = "/nonce-plz"};
        return engine.handle(r).header("Replay-Nonce");
    }

    HttpResponse send(const std::string& path, const std::string& useKid, const std::string& payload) {
        const auto jws = FlattenedJws::signAcmeRequest(account, base + path, nonce(), useKid, payload);
        HttpRequest r{.method = "POST", .path = path, .contentType = "application/jose+json", .body = jws.toJson()};
        return engine.handle(r);
    }
};

const char* const kPaths[] = {"/sign-me-up", "/order-plz", "/revoke-cert", "/rollover-account-key",
                              "/my-account/x", "/my-order/x", "/finalize-order/x", "/authZ/x",
                              "/chalZ/x", "/certZ/x", "/renewal-info/x.y", "/dir", "/crl/", "/new-authz",
                              "/terms-agreement/", "/set-terms-of-service", "/set-misissued-certificates", "/",
                              "/terms-of-service", "/renewal-info/"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    if (size < 2) return 0;
    const std::string path = kPaths[data[0] % (sizeof kPaths / sizeof kPaths[0])];
    std::string rest(reinterpret_cast<const char*>(data + 2), size - 2);
    if (path == "/crl/") {
        HttpRequest r{.method = data[1] % 2 == 0 ? "GET" : "HEAD", .path = path + rest};
        (void)world.engine.handleCrl(r);
        const std::string& own = world.engine.crlUrl();
        r.path = own.substr(own.find("/crl/"));
        if (world.engine.handleCrl(r).status != 200) std::abort();  // its own path always answers
    } else if (path == "/" || path == "/terms-of-service" || path == "/renewal-info/") {  // the pages and ARI, any path under them
        const char* const methods[] = {"GET", "HEAD", "POST", "OPTIONS"};
        HttpRequest r{.method = methods[data[1] % 4], .path = path + rest};
        (void)world.engine.handle(r);
    } else if (path == "/terms-agreement/") {
        HttpRequest r{.method = data[1] % 2 == 0 ? "GET" : "POST", .path = path + rest, .contentType = "application/x-www-form-urlencoded"};
        (void)world.engine.handle(r);
    } else if (path == "/set-terms-of-service") {
        HttpRequest r{.method = "POST", .path = path, .contentType = "application/json", .body = rest};
        (void)world.engine.handleManagement(r);
        const std::string id = world.kid.substr(world.kid.rfind('/') + 1);
        HttpRequest agree{.method = "POST", .path = "/terms-agreement/" + id, .contentType = "application/x-www-form-urlencoded"};
        if (world.engine.handle(agree).status != 200) std::abort();  // the own account can always agree
    } else if (path == "/set-misissued-certificates") {
        HttpRequest r{.method = "POST", .path = path, .contentType = "application/json", .body = rest};
        (void)world.engine.handleManagement(r);
    } else if (data[1] % 2 == 0) {
        std::string host;
        if (data[1] & 2) {
            const auto newline = rest.find('\n');
            host = rest.substr(0, newline);
            rest = newline == std::string::npos ? "" : rest.substr(newline + 1);
        }
        HttpRequest r{.method = data[1] & 4 ? "GET" : "POST", .path = path, .contentType = "application/jose+json", .body = rest,
                      .host = host};
        r.contentLengthGiven = (data[1] & 32) == 0;  // else chunked, or no length at all
        r.replayNonceField = (data[1] & 64) != 0;
        if (data[1] & 8) {  // a browser's script: its origin, and a CORS preflight of what the input names
            r.origin = "https://app.fuzz.test";
            if (data[1] & 16) {
                r.method = "OPTIONS";
                r.accessControlRequestMethod = rest.substr(0, rest.find('\n'));
            }
        }
        (void)world.engine.handle(r);
    } else {
        const bool jwk = path == "/sign-me-up" || (path == "/revoke-cert" && data[1] % 4 == 1);
        (void)world.send(path, jwk ? "" : world.kid, rest);
    }
    return 0;
}
