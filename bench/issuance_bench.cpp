// End-to-end issuance throughput: cxxacme's client and issuer against an
// ACME server (mock-acme in this process, or any server by URL), with real
// http-01 validation through cxxacme's responder unless the server skips it.
//
//   issuance_bench --in-process [--skip-validation] [--count N] [--parallel K] [--key-type ec256|rsa2048]
//   issuance_bench --directory URL --ca-bundle FILE --http-port P [--count N] [--parallel K] [--key-type T]
//   ... [--account-key-type ec256|rsa2048]: the accounts' keys, so the JWS algorithm (ES256, the
//       default, as lego's and cxxacme's; RS256 as certbot's, whose account keys are RSA 2048)
//   ... [--protocol-only]: orders through AcmeClient alone, CSRs made before the clock starts,
//       the default chain downloaded but not parsed -- the server's share, as a load generator sees it
//   ... [--nonce-only]: no orders; COUNT requests `HEAD newNonce` on kept-alive
//       connections -- the server's cost of one HTTPS request with (almost) nothing behind it
//
// Each of K threads has its own account (made before the clock starts) and
// issues N/K certificates (one name each). Prints one line: certificates per
// second, the p50/p99 latency of one issuance, and this process's CPU per
// certificate while the clock ran (with --directory, the client's share of a
// machine the server may share). With real validation the client polls an
// authorization once its responder has answered the server's request (RFC
// 8555 §7.5.1), then every 2 ms (--min-poll-ms), for every server alike, so
// that the server is what is measured; without --http-port (or with
// --skip-validation) the server is taken to skip validation and polled at
// once. Run by bench/run_issuance_bench.sh; never by ctest.

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/Logger.h>

#include "cxxacme/AcmeClient.h"
#include "cxxacme/AcmeHttpClient.h"
#include "cxxacme/AcmeIssuer.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/mock_acme/MockAcmeServer.h"
#include "cxxacme/responders/Http01Responder.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/KeyAuthorization.h"

using namespace cxxacme;
using Clock = std::chrono::steady_clock;

namespace {

// CPU time (user + system) of this whole process so far, in milliseconds.
double processCpuMillis() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    const auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
    return ms(u.ru_utime) + ms(u.ru_stime);
}

// One order through the protocol alone, as a load generator runs it: the
// CSR is made beforehand and the chain is downloaded but not parsed.
void orderOnce(AcmeClient& client, responders::Http01Responder& http, const std::string& name,
               const CertificateSigningRequest& csr) {
    AcmeOrder order = client.newOrder({Identifier::dns(name)});
    for (const auto& url : order.authorizations) {
        const AcmeAuthorization authz = client.fetchAuthorization(url);
        if (authz.status == "valid") continue;
        const auto it = std::find_if(authz.challenges.begin(), authz.challenges.end(),
                                     [](const Challenge& c) { return c.type == "http-01"; });
        if (it == authz.challenges.end()) throw Error("no http-01 challenge offered");
        const std::string keyAuth = KeyAuthorization::compute(it->token, client.accountJwk());
        http.startResponding(name, *it, keyAuth);
        const auto seen = client.watchValidation(http, name, *it);  // as AcmeIssuer does (RFC 8555 §7.5.1)
        try {
            if (client.startChallenge(*it).status != "valid" && client.waitForAuthorization(url, seen).status != "valid")
                throw Error("the authorization for " + name + " did not become valid");
        } catch (...) {
            http.stopResponding(name, *it, keyAuth);
            throw;
        }
        http.stopResponding(name, *it, keyAuth);
    }
    order.status = "ready";  // every authorization is valid (RFC 8555 §7.1.6)
    const AcmeOrder valid = client.finalize(order, csr);
    // the default chain only, as AcmeIssuer and certbot without --preferred-chain do
    if (!client.downloadCertificate(valid.certificate).pem.starts_with("-----BEGIN CERTIFICATE-----"))
        throw Error("the certificate download is not a PEM chain");
}

}  // namespace

int main(int argc, char** argv) {
    std::string directory, caBundle, keyType = "ec256", accountKeyType = "ec256", label;
    int count = 64, parallel = 1, httpPort = 0, minPollMs = 2;
    bool inProcess = false, skip = false, protocolOnly = false, nonceOnly = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--directory") directory = next();
        else if (a == "--ca-bundle") caBundle = next();
        else if (a == "--http-port") httpPort = std::atoi(next().c_str());
        else if (a == "--count") count = std::atoi(next().c_str());
        else if (a == "--parallel") parallel = std::max(1, std::atoi(next().c_str()));
        else if (a == "--key-type") keyType = next();
        else if (a == "--account-key-type") accountKeyType = next();
        else if (a == "--label") label = next();
        else if (a == "--min-poll-ms") minPollMs = std::atoi(next().c_str());
        else if (a == "--in-process") inProcess = true;
        else if (a == "--skip-validation") skip = true;
        else if (a == "--protocol-only") protocolOnly = true;
        else if (a == "--nonce-only") nonceOnly = true;
        else {
            std::fprintf(stderr, "unknown argument %s\n", a.c_str());
            return 2;
        }
    }
    Poco::Logger::root().setLevel("error");
    KeyType accountKey{};
    try {
        accountKey = keyTypeFromString(accountKeyType);
        (void)keyTypeFromString(keyType);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }

    responders::Http01Responder http;
    const std::uint16_t boundPort = http.listen("127.0.0.1", static_cast<std::uint16_t>(httpPort));
    std::unique_ptr<mock_acme::MockAcmeServer> server;
    std::string tmpCa;
    if (inProcess) {
        mock_acme::MockAcmeConfig config;
        config.listenPort = 0;
        config.managementPort = 0;
        config.http01Port = boundPort;
        config.skipValidation = skip;
        config.retryAfterSeconds = 0;
        config.validationThreads = 8;
        server = std::make_unique<mock_acme::MockAcmeServer>(config);
        directory = server->directoryUrl();
        tmpCa = "/tmp/cxxacme-bench-ca-" + std::to_string(::getpid()) + ".pem";
        AtomicFile::write(tmpCa, server->httpsCaPem(), 0644);
        caBundle = tmpCa;
    }
    if (directory.empty()) {
        std::fprintf(stderr, "--directory or --in-process is needed\n");
        return 2;
    }

    SystemClock clock;
    std::mutex mutex;
    std::vector<double> latencies;
    std::atomic<int> failures{0};
    std::string firstError;
    const int perThread = std::max(1, count / parallel);
    std::vector<std::thread> threads;
    std::latch ready(parallel + 1);  // accounts made (and CSRs, with --protocol-only) before the clock starts
    for (int t = 0; t < parallel; ++t) {
        threads.emplace_back([&, t] {
            const auto fail = [&](const std::exception& e) {
                std::lock_guard lock(mutex);
                if (firstError.empty()) firstError = e.what();
                ++failures;
            };
            const auto name = [t](int i) { return "t" + std::to_string(t) + "-" + std::to_string(i) + ".bench.example.test"; };
            AcmeClientOptions options;
            options.directoryUrl = directory;
            options.http.caBundleFile = caBundle;
            options.pollInterval = std::chrono::milliseconds(minPollMs);
            options.minPollInterval = std::chrono::milliseconds(minPollMs);
            // A server that skips validation (pebble's PEBBLE_VA_ALWAYS_VALID too)
            // makes no request to see: poll at once.
            if ((!inProcess && httpPort == 0) || (inProcess && skip)) options.validationRequestWait = {};
            options.badNonceRetries = 10;
            AcmeClient client(options, std::make_shared<KeySigner>(PrivateKey::generate(accountKey)), clock);
            AcmeIssuerOptions issuerOptions;
            issuerOptions.keyType = keyTypeFromString(keyType);
            AcmeIssuer issuer(client, {&http}, issuerOptions);
            std::vector<CertificateSigningRequest> csrs;
            std::optional<AcmeHttpClient> plain;  // --nonce-only
            std::string nonceUrl;
            try {
                if (nonceOnly) {
                    nonceUrl = client.directory().newNonce;
                    plain.emplace(AcmeHttpClient::Options{.caBundleFile = caBundle});
                    plain->head(nonceUrl);  // the connection is open before the clock starts
                } else {
                    client.registerAccount({}, true);
                }
                if (protocolOnly) {
                    const PrivateKey key = PrivateKey::generate(keyTypeFromString(keyType));
                    for (int i = 0; i < perThread; ++i)
                        csrs.push_back(CertificateSigningRequest::create(key, {Identifier::dns(name(i))}));
                }
            } catch (const std::exception& e) {
                fail(e);
                ready.count_down();
                return;
            }
            ready.arrive_and_wait();
            for (int i = 0; i < perThread; ++i) {
                const auto t0 = Clock::now();
                try {
                    if (nonceOnly) {
                        if (plain->head(nonceUrl).header("Replay-Nonce").empty()) throw Error("newNonce gave no nonce");
                    } else if (protocolOnly)
                        orderOnce(client, http, name(i), csrs[static_cast<std::size_t>(i)]);
                    else
                        issuer.issue(name(i));
                    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
                    std::lock_guard lock(mutex);
                    latencies.push_back(ms);
                } catch (const std::exception& e) {
                    fail(e);
                }
            }
        });
    }
    ready.arrive_and_wait();
    const auto start = Clock::now();
    const double cpuStart = processCpuMillis();
    for (auto& th : threads) th.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpuSpent = processCpuMillis() - cpuStart;
    if (!tmpCa.empty()) std::remove(tmpCa.c_str());
    std::sort(latencies.begin(), latencies.end());
    const auto pct = [&](double p) {
        return latencies.empty() ? 0.0 : latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(p * latencies.size()))];
    };
    // (with --nonce-only a "cert" is one request)
    // "process CPU": this process's CPU while the clock ran, per certificate (per request with
    // --nonce-only): the client's alone with --directory, client and server with --in-process.
    std::printf("%-44s %4d certs %3d parallel %9.1f certs/s  p50 %8.1f ms  p99 %8.1f ms  failures %d  process CPU %.3f ms\n",
                label.empty() ? directory.c_str() : label.c_str(), static_cast<int>(latencies.size()), parallel,
                latencies.size() / seconds, pct(0.50), pct(0.99), failures.load(),
                latencies.empty() ? 0.0 : cpuSpent / static_cast<double>(latencies.size()));
    if (failures) std::fprintf(stderr, "first failure: %s\n", firstError.c_str());
    return failures ? 1 : 0;
}
