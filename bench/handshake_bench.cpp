// Full TLS handshakes per second against cxxacme's SniEndpoint (behind a
// POCO HTTPServer, as `cxxacme serve` runs it) with 1, 1 000 and 10 000
// certificates loaded, beside `openssl s_server` with one certificate
// measured in the same run: the ceiling. Also the memory each loaded
// certificate costs the endpoint.
//
//   build/bench/handshake_bench [--counts 1,1000,10000] [--rounds 5] [--seconds-per-round 1] [--clients 1]
//
// Each client thread (one by default; s_server serves one at a time) makes full handshakes (TLS 1.3, X25519, ECDSA P-256, no
// session resumption), each with the SNI of a different loaded name, then
// closes. Both servers run their defaults (two TLS 1.3 session tickets per
// handshake). Rounds alternate between the two servers; figures are medians.

#include <openssl/ssl.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include "cxxacme/endpoints/SniEndpoint.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/testing/TestCertificateAuthority.h"

using namespace cxxacme;
using Clock = std::chrono::steady_clock;

namespace {

class Ok final : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override {
        response.send() << "ok";
    }
};
class OkFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override { return new Ok; }
};

// The endpoint alone: complete the handshake, then close (no HTTP).
class HandshakeOnly final : public Poco::Net::TCPServerConnection {
public:
    using Poco::Net::TCPServerConnection::TCPServerConnection;
    void run() override {
        try {
            Poco::Net::SecureStreamSocket secure(socket());
            secure.completeHandshake();
            char byte;
            secure.receiveBytes(&byte, 1);  // until the client closes
        } catch (const Poco::Exception&) {
        }
    }
};

long rssKiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
    return 0;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int clients = 1;

// Handshakes per second against 127.0.0.1:port for `seconds`, SNI cycling over `names`, one client.
double handshakesOneClient(std::uint16_t port, const std::vector<std::string>& names, double seconds, std::size_t offset) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    std::size_t n = 0, failures = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
        Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
        socket.setNoDelay(true);
        std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
        SSL_set_fd(ssl.get(), socket.impl()->sockfd());
        SSL_set_tlsext_host_name(ssl.get(), names[(n + offset) % names.size()].c_str());
        if (SSL_connect(ssl.get()) == 1) ++n;
        else if (++failures > 100) {
            std::fprintf(stderr, "handshakes keep failing on port %u\n", port);
            std::exit(1);
        }
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < seconds);
    return static_cast<double>(n) / elapsed;
}

// The sum over `clients` concurrent client threads.
double handshakes(std::uint16_t port, const std::vector<std::string>& names, double seconds) {
    std::vector<double> rates(static_cast<std::size_t>(clients));
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
        threads.emplace_back([&, c] {
            rates[static_cast<std::size_t>(c)] = handshakesOneClient(port, names, seconds, static_cast<std::size_t>(c) * 7919);
        });
    for (auto& t : threads) t.join();
    double sum = 0;
    for (const double r : rates) sum += r;
    return sum;
}

std::vector<std::size_t> parseCounts(const std::string& text) {
    std::vector<std::size_t> counts;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto comma = std::min(text.find(',', at), text.size());
        counts.push_back(std::stoul(text.substr(at, comma - at)));
        at = comma + 1;
    }
    return counts;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> counts{1, 1000, 10000};
    int rounds = 5;
    double seconds = 1.0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--counts") counts = parseCounts(argv[i + 1]);
        else if (flag == "--rounds") rounds = std::atoi(argv[i + 1]);
        else if (flag == "--seconds-per-round") seconds = std::atof(argv[i + 1]);
        else if (flag == "--clients") clients = std::max(1, std::atoi(argv[i + 1]));
    }
    namespace fs = std::filesystem;
    std::string tmpl = (fs::temp_directory_path() / "cxxacme-handshake-bench-XXXXXX").string();
    const fs::path dir = ::mkdtemp(tmpl.data());
    testing::TestCertificateAuthority ca;

    // the ceiling: openssl s_server with one certificate of the same kind
    const PemBundle one = ca.issue("ceiling.example.test");
    std::ofstream((dir / "cert.pem").string()) << one.certificate().toPem();
    std::ofstream((dir / "key.pem").string()) << one.privateKey().toPem();
    std::ofstream chain((dir / "chain.pem").string());
    for (const auto& c : one.chain()) chain << c.toPem();
    chain.close();
    const std::uint16_t ceilingPort = [] {
        Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
        return s.address().port();
    }();
    const pid_t sServer = fork();
    if (sServer == 0) {
        const std::string accept = "127.0.0.1:" + std::to_string(ceilingPort);
        ::freopen("/dev/null", "w", stdout);
        ::freopen("/dev/null", "r", stdin);
        ::freopen("/dev/null", "w", stderr);
        execlp("openssl", "openssl", "s_server", "-quiet", "-accept", accept.c_str(), "-cert", (dir / "cert.pem").c_str(),
               "-key", (dir / "key.pem").c_str(), "-cert_chain", (dir / "chain.pem").c_str(), nullptr);
        _exit(127);
    }
    for (int i = 0; i < 100; ++i) {
        try {
            Poco::Net::StreamSocket probe(Poco::Net::SocketAddress("127.0.0.1", ceilingPort));
            break;
        } catch (const Poco::Exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    std::printf("%d client thread%s, %d rounds of %.2f s, medians\n", clients, clients == 1 ? "" : "s", rounds, seconds);
    std::printf("%8s %14s %14s %14s %8s %8s %10s\n", "certs", "endpoint hs/s", "+HTTPServer", "s_server hs/s",
                "ratio", "ratio+H", "KiB/cert");
    for (const std::size_t count : counts) {
        const fs::path certDir = dir / ("certs-" + std::to_string(count));
        std::vector<std::string> names;
        {
            stores::DirectoryStore store(certDir.string());
            for (std::size_t i = 0; i < count; ++i) {
                names.push_back("host" + std::to_string(i) + ".example.test");
                store.store(names.back(), ca.issue(names.back()));
            }
        }
        stores::DirectoryStore store(certDir.string());
        ::malloc_trim(0);
        const long before = rssKiB();
        endpoints::SniEndpointOptions options;
        options.interface = "127.0.0.1";
        endpoints::SniEndpoint endpoint(store, options);
        ::malloc_trim(0);  // what the loaded map keeps, not the parse's garbage
        const long after = rssKiB();
        // the same endpoint served two ways: handshake-only TCPServer, and HTTPServer (as `cxxacme serve`)
        std::vector<double> bare, http, ceiling;
        for (int r = 0; r < rounds; ++r) {
            {
                Poco::Net::TCPServer server(new Poco::Net::TCPServerConnectionFactoryImpl<HandshakeOnly>, endpoint.socket());
                server.start();
                bare.push_back(handshakes(endpoint.port(), names, seconds));
                server.stop();
            }
            {
                Poco::Net::HTTPServer server(new OkFactory, endpoint.socket(), new Poco::Net::HTTPServerParams);
                server.start();
                http.push_back(handshakes(endpoint.port(), names, seconds));
                server.stopAll(true);
            }
            ceiling.push_back(handshakes(ceilingPort, {"ceiling.example.test"}, seconds));
        }
        const double a = median(bare), h = median(http), b = median(ceiling);
        std::printf("%8zu %14.0f %14.0f %14.0f %8.3f %8.3f %10.2f\n", count, a, h, b, a / b, h / b,
                    static_cast<double>(after - before) / static_cast<double>(count));
        std::fflush(stdout);
    }
    kill(sServer, SIGTERM);
    waitpid(sServer, nullptr, 0);
    fs::remove_all(dir);
    return 0;
}
