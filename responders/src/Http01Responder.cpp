#include "cxxacme/responders/Http01Responder.h"

#include "cxxacme/detail/ExclusiveListen.h"
#include "cxxacme/detail/PooledHttpServer.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Logger.h>
#include <Poco/URI.h>

#include "cxxacme/Error.h"
#include "cxxacme/IChallengeBoard.h"
#include "cxxacme/KeyAuthorization.h"

namespace cxxacme::responders {

namespace {

constexpr std::string_view kPrefix = "/.well-known/acme-challenge/";
constexpr const char* kType = "http-01";

class ChallengeHandler final : public Poco::Net::HTTPRequestHandler {
public:
    ChallengeHandler() = default;
    ChallengeHandler(const Http01Responder& responder, std::string token)
        : responder_(&responder), token_(std::move(token)), answer_(responder.lookup(token_)) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        if (!answer_) {
            response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
            response.setContentLength(0);
            response.send();
            return;
        }
        response.setContentType("text/plain");
        response.setContentLength(static_cast<std::streamsize>(answer_->size()));
        std::ostream& out = response.send();
        if (request.getMethod() == "HEAD") return;
        out << *answer_;
        out.flush();  // on the wire before the watcher hears of it
        if (out) responder_->answered(token_);
    }

private:
    const Http01Responder* responder_ = nullptr;
    std::string token_;
    std::optional<std::string> answer_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Factory(const Http01Responder& responder, Poco::Net::HTTPRequestHandlerFactory::Ptr fallback)
        : responder_(responder), fallback_(std::move(fallback)) {}

    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override {
        std::string path;
        try {
            path = Poco::URI(request.getURI()).getPath();
        } catch (const Poco::Exception&) {
        }
        if (path.starts_with(kPrefix) && (request.getMethod() == "GET" || request.getMethod() == "HEAD"))
            return new ChallengeHandler(responder_, path.substr(kPrefix.size()));
        if (fallback_) return fallback_->createRequestHandler(request);
        return new ChallengeHandler();
    }

private:
    const Http01Responder& responder_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr fallback_;
};

}  // namespace

Http01Responder::Http01Responder() = default;

Http01Responder::~Http01Responder() { stop(); }

void Http01Responder::startResponding(const std::string&, const Challenge& challenge,
                                      const std::string& keyAuthorization) {
    {
        std::lock_guard lock(mutex_);
        tokens_[challenge.token].keyAuthorization = keyAuthorization;
    }
    if (board_) board_->postChallenge(kType, challenge.token, keyAuthorization);
}

bool Http01Responder::watchValidation(const std::string&, const Challenge& challenge, std::function<void()> seen) {
    std::lock_guard lock(mutex_);
    const auto it = tokens_.find(challenge.token);
    if (it == tokens_.end()) return false;
    it->second.seen = std::move(seen);
    return true;
}

void Http01Responder::answered(const std::string& token) const {
    std::lock_guard lock(mutex_);  // held while calling: none after stopResponding returns
    const auto it = tokens_.find(token);
    if (it != tokens_.end() && it->second.seen) it->second.seen();
}

void Http01Responder::stopResponding(const std::string&, const Challenge& challenge, const std::string&) {
    {
        std::lock_guard lock(mutex_);
        tokens_.erase(challenge.token);
    }
    if (board_) board_->removeChallenge(kType, challenge.token);
}

std::optional<std::string> Http01Responder::lookup(const std::string& token) const {
    {
        std::lock_guard lock(mutex_);
        const auto it = tokens_.find(token);
        if (it != tokens_.end()) return it->second.keyAuthorization;
    }
    if (!board_) return std::nullopt;
    // another server of the fleet may be answering this token
    try {
        return board_->challengeAnswer(kType, token);
    } catch (const InvalidNameError&) {
        return std::nullopt;  // no token a challenge could be posted under
    } catch (const Error& e) {
        Poco::Logger::get("cxxacme.responder.http-01").warning("cannot read the challenge board: " + std::string(e.what()));
        return std::nullopt;
    }
}

Poco::Net::HTTPRequestHandlerFactory* Http01Responder::handlerFactory(Poco::Net::HTTPRequestHandlerFactory::Ptr fallback) {
    return new Factory(*this, std::move(fallback));
}

std::uint16_t Http01Responder::listen(const std::string& host, std::uint16_t port) {
    stop();
    Poco::Net::ServerSocket socket;
    detail::listenExclusively(socket, Poco::Net::SocketAddress(host, port), 64);
    const std::uint16_t bound = socket.address().port();
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(kMaxConnections);
    params->setMaxQueued(256);
    // One answer per connection: a validating CA that keeps idle connections
    // open would otherwise hold every worker thread and starve the others.
    params->setKeepAlive(false);
    params->setTimeout(Poco::Timespan(10, 0));
    auto server = std::make_unique<detail::PooledHttpServer>(handlerFactory(), socket, params, kMaxConnections);
    std::lock_guard lock(mutex_);
    server_ = std::move(server);
    return bound;
}

void Http01Responder::stop() {
    std::unique_ptr<detail::PooledHttpServer> server;
    {
        std::lock_guard lock(mutex_);
        server = std::move(server_);
    }
    server.reset();  // stops it, outside the lock
}

}  // namespace cxxacme::responders
