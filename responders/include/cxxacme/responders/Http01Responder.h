#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "cxxacme/IResponder.h"

namespace cxxacme {
class IChallengeBoard;
}

namespace cxxacme::detail {
class PooledHttpServer;
}

namespace cxxacme::responders {

/// Answers http-01 (RFC 8555 §8.3): `GET /.well-known/acme-challenge/TOKEN`
/// gets the key authorization as `text/plain`.
///
/// Mount it into an existing POCO `HTTPServer` with `handlerFactory()`
/// (other paths go to your own factory), or let it listen on its own with
/// `listen()`. Thread-safe; start/stop are idempotent.
class Http01Responder final : public IResponder {
public:
    Http01Responder();
    ~Http01Responder() override;

    std::string challengeType() const override { return "http-01"; }
    void startResponding(const std::string& serverName, const Challenge& challenge,
                         const std::string& keyAuthorization) override;
    void stopResponding(const std::string& serverName, const Challenge& challenge,
                        const std::string& keyAuthorization) override;
    /// `seen` is called once the answer to a GET for the challenge's token
    /// has been written (by `handlerFactory`'s handler, or by `answered`).
    bool watchValidation(const std::string& serverName, const Challenge& challenge,
                         std::function<void()> seen) override;

    /// The key authorization served for `token`, if any (with a board, one
    /// another server posted too).
    std::optional<std::string> lookup(const std::string& token) const;

    /// Shares answers with the other servers of a fleet through `board`
    /// (which must outlive the responder): `startResponding` posts each
    /// answer under its token and `stopResponding` takes it down, and a
    /// request for a token with no challenge here is answered from the
    /// board. Call before the first challenge.
    void share(IChallengeBoard& board) { board_ = &board; }
    /// Tells the watcher of `token`, if any, that a validation request for
    /// it has been answered: for a server of your own that serves `lookup`.
    void answered(const std::string& token) const;

    /// A factory for a POCO `HTTPServer` (which takes ownership): challenge
    /// paths are answered here; every other request goes to `fallback`, or
    /// gets 404 when there is none. The responder must outlive the server.
    Poco::Net::HTTPRequestHandlerFactory* handlerFactory(
        Poco::Net::HTTPRequestHandlerFactory::Ptr fallback = nullptr);

    /// Connections `listen` serves at once (one answer each, no keep-alive).
    static constexpr int kMaxConnections = 64;

    /// Serves on its own on `host:port` (port 0: a free one), with a thread
    /// pool of its own. Returns the port.
    std::uint16_t listen(const std::string& host, std::uint16_t port);
    /// Stops the listener of `listen`; idempotent.
    void stop();

private:
    struct Served {
        std::string keyAuthorization;
        std::function<void()> seen;  // from watchValidation; called under mutex_
    };
    mutable std::mutex mutex_;
    std::map<std::string, Served> tokens_;
    IChallengeBoard* board_ = nullptr;
    std::unique_ptr<detail::PooledHttpServer> server_;
};

}  // namespace cxxacme::responders
