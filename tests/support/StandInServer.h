#pragma once

// Test support: a stand-in HTTP server on 127.0.0.1 (a free port) for answers no real
// server gives: each connection it takes is handed to `serve` (or answered from a map of
// raw answers by path), one at a time, until it is stopped (at the latest when it goes).

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

namespace cxxacme::test {

class StandInServer {
public:
    explicit StandInServer(std::function<void(Poco::Net::StreamSocket&)> serve)
        : listener_(Poco::Net::SocketAddress("127.0.0.1", 0)), thread_([this, serve = std::move(serve)] {
              while (!stop_) {
                  if (!listener_.poll(Poco::Timespan(0, 100000), Poco::Net::Socket::SELECT_READ)) continue;
                  Poco::Net::StreamSocket peer = listener_.acceptConnection();
                  try {
                      serve(peer);
                  } catch (const Poco::Exception&) {
                      // the client hung up
                  }
              }
          }) {}
    /// One that answers each request with the raw answer its path has in `answers` (a 404
    /// for any other path), then closes its side; the request's head comes in one read.
    explicit StandInServer(std::map<std::string, std::string> answers)
        : StandInServer([answers = std::move(answers)](Poco::Net::StreamSocket& peer) {
              char request[4096];
              const int got = peer.receiveBytes(request, sizeof request);
              const std::string text(request, static_cast<std::size_t>(std::max(got, 0)));
              const auto it = answers.find(text.substr(4, text.find(' ', 4) - 4));  // "GET /path HTTP/1.1"
              const std::string answer = it == answers.end() ? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n" : it->second;
              peer.sendBytes(answer.data(), static_cast<int>(answer.size()));
              peer.shutdownSend();
          }) {}
    ~StandInServer() { stop(); }
    StandInServer(const StandInServer&) = delete;
    StandInServer& operator=(const StandInServer&) = delete;

    std::uint16_t port() const { return listener_.address().port(); }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port()); }
    /// Once the connection being served is done: no more are taken.
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }

private:
    Poco::Net::ServerSocket listener_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace cxxacme::test
