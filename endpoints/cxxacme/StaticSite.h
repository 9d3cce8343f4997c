#pragma once

#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

namespace cxxacme::cli {

/// One line per request in the common log format, plus the Host asked for.
class AccessLog {
public:
    explicit AccessLog(std::ostream& out) : out_(out) {}
    void record(const Poco::Net::HTTPServerRequest& request, int status, std::uint64_t bytes);

private:
    std::mutex mutex_;
    std::ostream& out_;
};

/// Static files under a document root, as `twistd web --path`: GET and HEAD
/// only; `index.html` for a directory; no `..`, no dot-files, nothing that
/// resolves (through links) outside the root.
class StaticFileHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    StaticFileHandlerFactory(const std::string& docroot, AccessLog& log);
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

private:
    std::string root_;  // canonical
    AccessLog& log_;
};

/// Plain HTTP: everything is redirected (301) to the same path over HTTPS
/// on `httpsPort`.
class RedirectHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    RedirectHandlerFactory(std::uint16_t httpsPort, AccessLog& log) : httpsPort_(httpsPort), log_(log) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

private:
    std::uint16_t httpsPort_;
    AccessLog& log_;
};

}  // namespace cxxacme::cli
