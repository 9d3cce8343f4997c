// libFuzzer target for mock-acme's HTTP/1.1 server (ExchangeServer): the
// input is whatever bytes a client sends on one connection, then it closes
// its side. The server must answer and/or close -- never hang, never crash,
// never hand the engine a body over its limit -- and what it writes must be
// HTTP/1.1 responses. The server runs once, on loopback, with an echo handler.
// Built with scripts/fuzz.sh (clang only); never run by the test suite.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include "ExchangeServer.h"

using namespace cxxacme::mock_acme;

namespace {

constexpr std::size_t kMaxBody = 1024;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "http_framing_fuzzer: %s\n", what);
    std::abort();
}

struct World {
    Poco::Net::ServerSocket socket{Poco::Net::SocketAddress("127.0.0.1", 0)};
    ExchangeServer server{socket,
                          [](const HttpRequest& in) {
                              if (in.body.size() > kMaxBody) fail("the handler got a body over the limit");
                              if (in.method.empty()) fail("the handler got a request without a method");
                              HttpResponse out;
                              out.contentType = "text/plain";
                              out.body = in.method + " " + in.path + " " + in.body;
                              return out;
                          },
                          ExchangeServer::Options{kMaxBody, 16, Poco::Timespan(3, 0)}};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    Poco::Net::StreamSocket client(Poco::Net::SocketAddress("127.0.0.1", world.socket.address().port()));
    client.setReceiveTimeout(Poco::Timespan(8, 0));  // past the server's own 3 s: silence means a hang
    try {
        for (std::size_t at = 0; at < size;)
            at += static_cast<std::size_t>(
                client.sendBytes(data + at, static_cast<int>(size - at)));
        client.shutdownSend();
    } catch (const Poco::Exception&) {
        // the server closed first (after a 400, say): what it sent is still read below
    }
    std::string answer;
    char buffer[4096];
    for (;;) {
        int n = 0;
        try {
            n = client.receiveBytes(buffer, sizeof buffer);
        } catch (const Poco::TimeoutException&) {
            fail("the server neither answered nor closed");
        } catch (const Poco::Exception&) {
            break;  // reset
        }
        if (n <= 0) break;
        answer.append(buffer, static_cast<std::size_t>(n));
        if (answer.size() > 16 * 1024 * 1024) fail("the server writes without end");
    }
    if (!answer.empty() && answer.compare(0, 9, "HTTP/1.1 ") != 0) fail("the answer is not an HTTP/1.1 response");
    return 0;
}
