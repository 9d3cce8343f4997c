// mock-acme's engine alone, without sockets: the CPU one order costs the
// server when the transport costs nothing -- the floor under any HTTP layer.
//
//   engine_bench [--count N] [--key-type ec256|rsa2048]
//
// One account, N orders of one name each, validation skipped (the engine
// marks the challenge valid; no validator runs). Per order: newOrder, the
// authorization, the challenge, finalize, the certificate -- five signed
// requests, as cxxacme's client sends them. The client's share (JWS
// signing, JSON, CSR made beforehand) is timed apart from the engine's
// (MockAcmeEngine::handle). Prints the thread CPU per order of each, and
// the median CPU of each request kind. With rsa2048, also the median CPU of
// the weak-RSA-key check finalize runs on each certificate key
// (weakRsaKeyReason, mock_acme/src). Never run by ctest.

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "cxxacme/Base64Url.h"
#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/FlattenedJws.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/detail/Json.h"
#include "cxxacme/mock_acme/MockAcmeEngine.h"
#include "WeakRsaKey.h"

using namespace cxxacme;
using namespace cxxacme::mock_acme;

namespace {

double threadCpuMicros() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

class NoValidation final : public IChallengeValidator {
public:
    std::optional<AcmeProblem> validate(const ValidationRequest&) override { return std::nullopt; }
};

struct Driver {
    const std::string base = "https://bench.test";
    SystemClock clock;
    MockAcmeEngine engine;
    KeySigner account{PrivateKey::generate(KeyType::EcP256)};
    std::string kid;
    std::string nonce;
    double engineMicros = 0;
    double clientMicros = 0;
    std::map<std::string, std::vector<double>> perKind;

    static MockAcmeConfig config() {
        MockAcmeConfig c;
        c.skipValidation = true;
        c.validationThreads = 1;
        return c;
    }

    Driver() : engine(config(), base, clock, std::make_unique<NoValidation>()) {
        nonce = handle("nonce", HttpRequest{.method = "HEAD", .path = "/nonce-plz"}).header("Replay-Nonce");
        kid = post("account", base + "/sign-me-up", R"({"termsOfServiceAgreed":true})", true).header("Location");
    }

    HttpResponse handle(const std::string& kind, const HttpRequest& request) {
        const double t0 = threadCpuMicros();
        HttpResponse r = engine.handle(request);
        const double spent = threadCpuMicros() - t0;
        engineMicros += spent;
        perKind[kind].push_back(spent);
        if (r.status >= 400) {
            std::fprintf(stderr, "%s: %d %s\n", kind.c_str(), r.status, r.body.c_str());
            std::exit(1);
        }
        nonce = r.header("Replay-Nonce");
        return r;
    }

    HttpResponse post(const std::string& kind, const std::string& url, const std::string& payload, bool jwk = false) {
        const double t0 = threadCpuMicros();
        const std::string body = FlattenedJws::signAcmeRequest(account, url, nonce, jwk ? "" : kid, payload).toJson();
        clientMicros += threadCpuMicros() - t0;
        return handle(kind, HttpRequest{.method = "POST", .path = url.substr(base.size()), .contentType = "application/jose+json", .body = body});
    }

    Poco::JSON::Object::Ptr json(const HttpResponse& r) {
        const double t0 = threadCpuMicros();
        auto o = detail::parseJsonObject(r.body, 1 << 20, "reply");
        clientMicros += threadCpuMicros() - t0;
        return o;
    }

    void order(const std::string& name, const std::string& csrB64) {
        const HttpResponse o = post("newOrder", base + "/order-plz",
                                    R"({"identifiers":[{"type":"dns","value":")" + name + R"("}]})");
        const auto orderJson = json(o);
        const std::string authzUrl = orderJson->getArray("authorizations")->getElement<std::string>(0);
        const std::string finalizeUrl = orderJson->getValue<std::string>("finalize");
        const auto authz = json(post("authorization", authzUrl, ""));
        std::string chalUrl;
        const auto challenges = authz->getArray("challenges");
        for (std::size_t i = 0; i < challenges->size(); ++i) {
            const auto c = challenges->getObject(static_cast<unsigned>(i));
            if (c->getValue<std::string>("type") == "http-01") chalUrl = c->getValue<std::string>("url");
        }
        post("challenge", chalUrl, "{}");
        const auto valid = json(post("finalize", finalizeUrl, R"({"csr":")" + csrB64 + R"("})"));
        post("certificate", valid->getValue<std::string>("certificate"), "");
    }
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int count = 400;
    std::string keyType = "ec256";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--count" && i + 1 < argc) count = std::max(1, std::atoi(argv[++i]));
        else if (a == "--key-type" && i + 1 < argc) keyType = argv[++i];
        else {
            std::fprintf(stderr, "usage: engine_bench [--count N] [--key-type ec256|rsa2048]\n");
            return 2;
        }
    }
    const KeyType type = keyType == "rsa2048" ? KeyType::Rsa2048 : KeyType::EcP256;
    Driver driver;
    std::vector<std::string> csrs;
    for (int i = 0; i <= count; ++i) {  // the first is the warm-up's
        const std::string name = "n" + std::to_string(i) + ".bench.test";
        csrs.push_back(Base64Url::encode(
            CertificateSigningRequest::create(PrivateKey::generate(type), {Identifier::dns(name)}).toDer()));
    }
    driver.order("n0.bench.test", csrs.front());
    driver.engineMicros = driver.clientMicros = 0;
    driver.perKind.clear();
    for (int i = 1; i <= count; ++i) driver.order("n" + std::to_string(i) + ".bench.test", csrs[static_cast<std::size_t>(i)]);
    std::printf("engine_bench %s, %d orders: engine %.0f us CPU per order, client side (JWS, JSON) %.0f us\n",
                keyType.c_str(), count, driver.engineMicros / count, driver.clientMicros / count);
    for (const auto& [kind, samples] : driver.perKind)
        std::printf("  %-14s median %7.1f us  (%zu requests)\n", kind.c_str(), median(samples), samples.size());
    if (type == KeyType::Rsa2048) {
        const PublicKey key = PrivateKey::generate(KeyType::Rsa2048).publicKey();
        std::vector<double> samples;
        for (int i = 0; i < count; ++i) {
            const double start = threadCpuMicros();
            if (mock_acme::weakRsaKeyReason(key)) return 1;  // a generated key is never weak
            samples.push_back(threadCpuMicros() - start);
        }
        std::printf("  %-14s median %7.1f us  (%zu checks of one key, part of finalize)\n", "weak-RSA check", median(samples),
                    samples.size());
    }
    return 0;
}
