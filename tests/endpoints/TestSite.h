#pragma once

// Test support: a tiny HTTP site ("site NAME" for the Host asked) that the
// endpoint tests serve over their TLS endpoints.

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

namespace cxxacme::test {

class HostEchoHandler final : public Poco::Net::HTTPRequestHandler {
public:
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        const std::string body = "site " + request.getHost() + "\n";
        response.setContentType("text/plain");
        response.setContentLength(static_cast<std::streamsize>(body.size()));
        response.setKeepAlive(true);
        response.send() << body;
    }
};

class HostEchoFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new HostEchoHandler;
    }
};

}  // namespace cxxacme::test
