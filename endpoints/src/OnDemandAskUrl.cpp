#include "cxxacme/endpoints/OnDemandAskUrl.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/URI.h>

#include "cxxacme/AcmeHttpClient.h"
#include "cxxacme/Error.h"

namespace cxxacme::endpoints {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.endpoint.ondemand"); }

}  // namespace

OnDemandAskUrl::OnDemandAskUrl(const std::string& url, Duration timeout, const std::string& caBundleFile) : url_(url) {
    try {
        const Poco::URI uri(url);
        if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
            throw Error("an on-demand ask URL must be an http:// or https:// URL, not \"" + InvalidNameError::printable(url) + "\"");
        if (!uri.getFragment().empty()) throw Error("an on-demand ask URL has no #fragment: \"" + InvalidNameError::printable(url) + "\"");
    } catch (const Poco::SyntaxException& e) {
        throw Error("an on-demand ask URL that cannot be read: \"" + InvalidNameError::printable(url) + "\" (" + e.message() + ")");
    }
    AcmeHttpClient::Options options;
    options.timeout = timeout;
    options.connectTimeout = timeout;
    options.caBundleFile = caBundleFile;
    http_ = std::make_shared<AcmeHttpClient>(options);
}

bool OnDemandAskUrl::operator()(const std::string& name) const {
    Poco::URI uri(url_);
    uri.addQueryParameter("domain", name);
    try {
        const HttpReply reply = http_->get(uri.toString());
        if (reply.status == 200) return true;
        logger().debug("the ask service says no to " + name + " (HTTP " + std::to_string(reply.status) + ")");
    } catch (const NetworkError& e) {
        // without the URL, which may hold the service's credentials
        logger().warning("the ask service did not answer about " + name + ": " + e.reason());
    } catch (const Error& e) {
        logger().warning("the ask service did not answer about " + name + ": " + e.what());
    }
    return false;
}

std::string OnDemandAskUrl::display() const {
    const Poco::URI uri(url_);
    const unsigned defaultPort = uri.getScheme() == "https" ? 443 : 80;
    const std::string& host = uri.getHost();
    std::string shown = uri.getScheme() + "://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host);
    if (uri.getPort() != defaultPort) shown += ":" + std::to_string(uri.getPort());
    return shown + uri.getPath();
}

}  // namespace cxxacme::endpoints
