#pragma once

// Opens HTTP(S) connections one after another while a second thread keeps
// every connection already served in use (a request on each, round after
// round), so that none of them idles out and frees its server thread. A
// server with a thread per kept-alive connection and too few threads leaves
// the next connection waiting for ever; `setTimeout` on the sessions bounds
// that wait.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>

namespace cxxacme::test {

struct KeptAliveConnections {
    int served = 0;        ///< connections whose first request was answered
    int pings = 0;         ///< later requests on them, answered
    int pingFailures = 0;  ///< later requests on them, not answered
    std::string error;     ///< why the first unserved connection failed

    /// `connect` makes a session (keep-alive on, timeout set); `request` sends
    /// one request on it and says whether the answer was right.
    static KeptAliveConnections open(int count, const std::function<std::unique_ptr<Poco::Net::HTTPClientSession>()>& connect,
                                     const std::function<bool(Poco::Net::HTTPClientSession&)>& request) {
        KeptAliveConnections result;
        std::mutex mutex;
        std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> busy;
        std::atomic<bool> stop{false};
        std::atomic<int> pings{0}, failures{0};
        std::thread keeper([&] {
            while (!stop) {
                std::vector<Poco::Net::HTTPClientSession*> now;
                {
                    std::lock_guard lock(mutex);
                    for (auto& b : busy) now.push_back(b.get());
                }
                for (auto* session : now) {
                    try {
                        request(*session) ? ++pings : ++failures;
                    } catch (const Poco::Exception&) {
                        ++failures;
                    }
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
        });
        try {
            for (int i = 0; i < count; ++i) {
                auto session = connect();
                if (!request(*session)) {
                    result.error = "connection " + std::to_string(i + 1) + ": a wrong answer";
                    break;
                }
                ++result.served;
                std::lock_guard lock(mutex);
                busy.push_back(std::move(session));
            }
        } catch (const Poco::Exception& e) {
            result.error = "connection " + std::to_string(result.served + 1) + ": " + e.displayText();
        }
        // one more round on every served connection (a bounded wait for the keeper)
        const int target = pings.load() + failures.load() + result.served;
        for (int i = 0; i < 3000 && pings.load() + failures.load() < target; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        stop = true;
        keeper.join();
        result.pings = pings.load();
        result.pingFailures = failures.load();
        return result;
    }
};

}  // namespace cxxacme::test
