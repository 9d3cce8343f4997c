#pragma once

// A TCP relay on 127.0.0.1 to a server on another loopback port, with a gate.
// Open, it passes each connection through, byte for byte (TLS included, so
// the client still talks to the server's own certificate). Closed, it cuts
// the connections it carries and stops taking new ones; its listening socket
// has the smallest backlog and one connection left waiting in it, so the
// kernel drops the SYNs of any other: a connect to a closed relay neither
// succeeds nor is refused, it times out, as a CA behind a saturated or
// firewalled front end does. Opening again takes what waited.

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <mutex>
#include <thread>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

namespace cxxacme::test {

class GatedRelay {
public:
    explicit GatedRelay(std::uint16_t serverPort)
        : server_("127.0.0.1", serverPort), listener_(Poco::Net::SocketAddress("127.0.0.1", 0), 0) {
        acceptor_ = std::thread([this] { acceptLoop(); });
    }
    ~GatedRelay() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            cutAll();
        }
        changed_.notify_all();
        acceptor_.join();
        for (auto& pipe : pipes_) pipe.thread.join();
    }
    GatedRelay(const GatedRelay&) = delete;
    GatedRelay& operator=(const GatedRelay&) = delete;

    std::uint16_t port() const { return listener_.address().port(); }

    /// Cuts what it carries; from now on a new connection waits unanswered.
    void close() {
        std::lock_guard lock(mutex_);
        if (!open_) return;
        open_ = false;
        cutAll();
        filler_ = Poco::Net::StreamSocket();
        filler_.connect(listener_.address());  // takes the one place the backlog has
    }
    /// Takes what waited, and every connection after.
    void open() {
        {
            std::lock_guard lock(mutex_);
            open_ = true;
        }
        changed_.notify_all();
    }

private:
    struct Pipe {
        Poco::Net::StreamSocket client;
        Poco::Net::StreamSocket server;
        std::thread thread;
    };

    void acceptLoop() {
        while (true) {
            {
                std::unique_lock lock(mutex_);
                changed_.wait(lock, [&] { return open_ || stopping_; });
                if (stopping_) return;
            }
            if (!listener_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ)) continue;
            Poco::Net::StreamSocket client = listener_.acceptConnection();
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            if (!open_) continue;  // closed meanwhile: dropped
            auto& pipe = pipes_.emplace_back();
            pipe.client = client;
            try {
                pipe.server.connect(server_);
            } catch (const Poco::Exception&) {
                pipe.client.close();
                continue;
            }
            pipe.thread = std::thread([a = pipe.client.impl()->sockfd(), b = pipe.server.impl()->sockfd()] { pump(a, b); });
        }
    }

    // Copies both ways until either side closes or is shut down.
    static void pump(int a, int b) {
        char buf[16384];
        pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        while (::poll(fds, 2, -1) > 0) {
            for (int i = 0; i < 2; ++i) {
                if (fds[i].revents == 0) continue;
                const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                if (n <= 0) return;
                for (ssize_t done = 0; done < n;) {
                    const ssize_t w = ::write(fds[1 - i].fd, buf + done, static_cast<std::size_t>(n - done));
                    if (w <= 0) return;
                    done += w;
                }
            }
        }
    }

    // Under mutex_: shuts every carried connection down (its pump then ends).
    void cutAll() {
        for (auto& pipe : pipes_) {
            ::shutdown(pipe.client.impl()->sockfd(), SHUT_RDWR);
            ::shutdown(pipe.server.impl()->sockfd(), SHUT_RDWR);
        }
    }

    Poco::Net::SocketAddress server_;
    Poco::Net::ServerSocket listener_;
    Poco::Net::StreamSocket filler_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool open_ = true;
    bool stopping_ = false;
    std::list<Pipe> pipes_;
    std::thread acceptor_;
};

}  // namespace cxxacme::test
