#include "StaticSite.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/URI.h>

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

namespace cxxacme::cli {

namespace fs = std::filesystem;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

namespace {

std::string mediaType(const std::string& path) {
    static const std::pair<const char*, const char*> kTypes[] = {
        {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"}, {".css", "text/css"},
        {".js", "text/javascript"},            {".json", "application/json"},      {".txt", "text/plain; charset=utf-8"},
        {".svg", "image/svg+xml"},             {".png", "image/png"},              {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},               {".gif", "image/gif"},              {".ico", "image/x-icon"},
        {".pdf", "application/pdf"},           {".wasm", "application/wasm"},      {".pem", "application/x-pem-file"},
    };
    for (const auto& [ext, type] : kTypes)
        if (path.ends_with(ext)) return type;
    return "application/octet-stream";
}

void sendText(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const std::string& text, bool head) {
    response.setStatusAndReason(status);
    response.setContentType("text/plain; charset=utf-8");
    response.setContentLength(static_cast<std::streamsize>(text.size()));
    if (head) response.send();
    else response.send() << text;
}

class StaticFileHandler final : public Poco::Net::HTTPRequestHandler {
public:
    StaticFileHandler(const std::string& root, AccessLog& log) : root_(root), log_(log) {}

    void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
        const bool head = request.getMethod() == "HEAD";
        if (!head && request.getMethod() != "GET") {
            response.set("Allow", "GET, HEAD");
            sendText(response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n", false);
            log_.record(request, 405, 0);
            return;
        }
        const auto file = resolve(request.getURI());
        if (!file) {
            sendText(response, HTTPResponse::HTTP_NOT_FOUND, "not found\n", head);
            log_.record(request, 404, 0);
            return;
        }
        std::ifstream in(*file, std::ios::binary);
        if (!in) {
            sendText(response, HTTPResponse::HTTP_NOT_FOUND, "not found\n", head);
            log_.record(request, 404, 0);
            return;
        }
        const auto size = fs::file_size(*file);
        response.setContentType(mediaType(*file));
        response.setContentLength64(static_cast<Poco::Int64>(size));
        std::ostream& body = response.send();
        if (!head) body << in.rdbuf();
        log_.record(request, 200, head ? 0 : size);
    }

private:
    /// The file for a request target, or nothing. Paranoid: any doubt is a 404.
    std::optional<std::string> resolve(const std::string& target) const {
        std::string path;
        try {
            path = Poco::URI(target).getPath();  // percent-decoded
        } catch (const Poco::Exception&) {
            return std::nullopt;
        }
        if (path.empty() || path[0] != '/' || path.size() > 4096) return std::nullopt;
        std::string relative;
        std::size_t start = 1;
        while (start <= path.size()) {
            const std::size_t end = std::min(path.find('/', start), path.size());
            const std::string segment = path.substr(start, end - start);
            start = end + 1;
            if (segment.empty()) continue;
            if (segment[0] == '.') return std::nullopt;  // "..", ".", dot-files
            for (const char c : segment)
                if (static_cast<unsigned char>(c) < 0x20 || c == '\\') return std::nullopt;
            relative += "/" + segment;
        }
        std::error_code ec;
        fs::path candidate = fs::weakly_canonical(fs::path(root_ + relative), ec);
        if (ec) return std::nullopt;
        if (fs::is_directory(candidate, ec)) candidate /= "index.html";
        const fs::path real = fs::canonical(candidate, ec);  // follows links: must stay inside the root
        if (ec) return std::nullopt;
        const std::string text = real.string();
        if (text != root_ && !text.starts_with(root_ + "/")) return std::nullopt;
        if (!fs::is_regular_file(real, ec)) return std::nullopt;
        return text;
    }

    std::string root_;
    AccessLog& log_;
};

class RedirectHandler final : public Poco::Net::HTTPRequestHandler {
public:
    RedirectHandler(std::uint16_t port, AccessLog& log) : port_(port), log_(log) {}
    void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
        std::string host = request.getHost();
        if (const auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos)
            host.resize(colon);  // drop the plain-HTTP port
        try {
            host = ServerName::canonical(host);
        } catch (const InvalidNameError&) {
            sendText(response, HTTPResponse::HTTP_BAD_REQUEST, "bad Host header\n", false);
            log_.record(request, 400, 0);
            return;
        }
        const std::string target = request.getURI().starts_with("/") ? request.getURI() : "/";
        const std::string location = "https://" + host + (port_ == 443 ? "" : ":" + std::to_string(port_)) + target;
        response.set("Location", location);
        sendText(response, HTTPResponse::HTTP_MOVED_PERMANENTLY, "moved to " + location + "\n", request.getMethod() == "HEAD");
        log_.record(request, 301, 0);
    }

private:
    std::uint16_t port_;
    AccessLog& log_;
};

}  // namespace

void AccessLog::record(const HTTPServerRequest& request, int status, std::uint64_t bytes) {
    const std::string when = Poco::DateTimeFormatter::format(Poco::Timestamp(), "%d/%b/%Y:%H:%M:%S +0000");
    std::string line = request.clientAddress().host().toString() + " - - [" + when + "] \"" + request.getMethod() + " " +
                       InvalidNameError::printable(request.getURI(), 512) + " " + request.getVersion() + "\" " +
                       std::to_string(status) + " " + std::to_string(bytes) + " \"" +
                       InvalidNameError::printable(request.getHost(), 256) + "\"\n";
    std::lock_guard lock(mutex_);
    out_ << line << std::flush;
}

StaticFileHandlerFactory::StaticFileHandlerFactory(const std::string& docroot, AccessLog& log) : log_(log) {
    std::error_code ec;
    const fs::path root = fs::canonical(docroot, ec);
    if (ec || !fs::is_directory(root)) throw FileError(docroot, "the document root is not a directory");
    root_ = root.string();
}

Poco::Net::HTTPRequestHandler* StaticFileHandlerFactory::createRequestHandler(const HTTPServerRequest&) {
    return new StaticFileHandler(root_, log_);
}

Poco::Net::HTTPRequestHandler* RedirectHandlerFactory::createRequestHandler(const HTTPServerRequest&) {
    return new RedirectHandler(httpsPort_, log_);
}

}  // namespace cxxacme::cli
