// End-to-end issuance throughput: cxxacme's client and issuer against an
// ACME server (mock-acme in this process, or any server by URL), with real
// http-01 validation through cxxacme's responder unless the server skips it.
//
//   issuance_bench --in-process [--skip-validation] [--count N] [--parallel K] [--key-type ec256|rsa2048]
//   issuance_bench --directory URL --ca-bundle FILE --http-port P [--count N] [--parallel K] [--key-type T]
//
// Each of K threads has its own account and issues N/K certificates (one
// name each). Prints one line: certificates per second, and the p50/p99
// latency of one issuance. The client polls every 2 ms (--min-poll-ms) for
// every server alike, so that the server is what is measured. Run by
// bench/run_issuance_bench.sh; never by ctest.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/Logger.h>

#include "cxxacme/AcmeClient.h"
#include "cxxacme/AcmeIssuer.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/mock_acme/MockAcmeServer.h"
#include "cxxacme/responders/Http01Responder.h"
#include "cxxacme/AtomicFile.h"

using namespace cxxacme;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
    std::string directory, caBundle, keyType = "ec256", label;
    int count = 64, parallel = 1, httpPort = 0, minPollMs = 2;
    bool inProcess = false, skip = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--directory") directory = next();
        else if (a == "--ca-bundle") caBundle = next();
        else if (a == "--http-port") httpPort = std::atoi(next().c_str());
        else if (a == "--count") count = std::atoi(next().c_str());
        else if (a == "--parallel") parallel = std::max(1, std::atoi(next().c_str()));
        else if (a == "--key-type") keyType = next();
        else if (a == "--label") label = next();
        else if (a == "--min-poll-ms") minPollMs = std::atoi(next().c_str());
        else if (a == "--in-process") inProcess = true;
        else if (a == "--skip-validation") skip = true;
        else {
            std::fprintf(stderr, "unknown argument %s\n", a.c_str());
            return 2;
        }
    }
    Poco::Logger::root().setLevel("error");

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
    const auto start = Clock::now();
    for (int t = 0; t < parallel; ++t) {
        threads.emplace_back([&, t] {
            AcmeClientOptions options;
            options.directoryUrl = directory;
            options.http.caBundleFile = caBundle;
            options.pollInterval = std::chrono::milliseconds(minPollMs);
            options.minPollInterval = std::chrono::milliseconds(minPollMs);
            options.badNonceRetries = 10;
            AcmeClient client(options, std::make_shared<KeySigner>(PrivateKey::generate(KeyType::EcP256)), clock);
            AcmeIssuerOptions issuerOptions;
            issuerOptions.keyType = keyTypeFromString(keyType);
            AcmeIssuer issuer(client, {&http}, issuerOptions);
            for (int i = 0; i < perThread; ++i) {
                const auto t0 = Clock::now();
                try {
                    issuer.issue("t" + std::to_string(t) + "-" + std::to_string(i) + ".bench.example.test");
                    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
                    std::lock_guard lock(mutex);
                    latencies.push_back(ms);
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex);
                    if (firstError.empty()) firstError = e.what();
                    ++failures;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!tmpCa.empty()) std::remove(tmpCa.c_str());
    std::sort(latencies.begin(), latencies.end());
    const auto pct = [&](double p) {
        return latencies.empty() ? 0.0 : latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(p * latencies.size()))];
    };
    std::printf("%-44s %4d certs %3d parallel %9.1f certs/s  p50 %8.1f ms  p99 %8.1f ms  failures %d\n",
                label.empty() ? directory.c_str() : label.c_str(), static_cast<int>(latencies.size()), parallel,
                latencies.size() / seconds, pct(0.50), pct(0.99), failures.load());
    if (failures) std::fprintf(stderr, "first failure: %s\n", firstError.c_str());
    return failures ? 1 : 0;
}
