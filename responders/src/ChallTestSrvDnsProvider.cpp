#include "cxxacme/responders/ChallTestSrvDnsProvider.h"

#include <algorithm>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/URI.h>

#include "cxxacme/AcmeHttpClient.h"
#include "cxxacme/Error.h"
#include "cxxacme/detail/Json.h"

namespace cxxacme::responders {

namespace {

std::string hostBody(const std::string& host, const std::string* value = nullptr) {
    Poco::JSON::Object o;
    o.set("host", host);
    if (value) o.set("value", *value);
    return detail::toJsonText(o);
}

}  // namespace

ChallTestSrvDnsProvider::ChallTestSrvDnsProvider(std::string managementUrl, std::string dnsServer, std::chrono::seconds timeout)
    : managementUrl_(std::move(managementUrl)), dnsServer_(std::move(dnsServer)) {
    while (managementUrl_.ends_with('/')) managementUrl_.pop_back();
    Poco::URI uri;
    try {
        uri = Poco::URI(managementUrl_);
    } catch (const Poco::Exception&) {
        throw DnsError(managementUrl_, "not a URL");
    }
    if (uri.getScheme() != "http" || uri.getHost().empty() || (!uri.getPath().empty() && uri.getPath() != "/"))
        throw DnsError(managementUrl_, "a test DNS server's management is http://HOST:PORT");
    if (timeout.count() <= 0) throw DnsError(managementUrl_, "the timeout must be at least one second");
    AcmeHttpClient::Options options;
    options.timeout = timeout;
    options.connectTimeout = std::min<Duration>(timeout, options.connectTimeout);
    options.maxResponseBytes = std::size_t{64} * 1024;  // its answers are a line at most
    http_ = std::make_unique<AcmeHttpClient>(std::move(options));
}

ChallTestSrvDnsProvider::~ChallTestSrvDnsProvider() = default;

std::vector<std::string> ChallTestSrvDnsProvider::nameServers() const {
    return dnsServer_.empty() ? std::vector<std::string>{} : std::vector<std::string>{dnsServer_};
}

void ChallTestSrvDnsProvider::post(const std::string& path, const std::string& body) const {
    const std::string url = managementUrl_ + path;
    HttpReply reply;
    try {
        reply = http_->post(url, "application/json", body);
    } catch (const NetworkError& e) {
        std::string reason = e.what();  // "URL: REASON"
        if (reason.starts_with(e.url() + ": ")) reason.erase(0, e.url().size() + 2);
        throw DnsError(url, reason);
    }
    if (reply.status < 200 || reply.status >= 300) {
        std::string answer = reply.body.substr(0, 512);
        while (!answer.empty() && (answer.back() == '\n' || answer.back() == '\r')) answer.pop_back();
        answer = InvalidNameError::printable(answer, 512);  // the server's words, escaped
        throw DnsError(url, "answered HTTP " + std::to_string(reply.status) + (answer.empty() ? "" : ": " + answer));
    }
}

void ChallTestSrvDnsProvider::present(const std::string& fqdn, const std::string& value) {
    std::lock_guard lock(mutex_);
    post("/set-txt", hostBody(fqdn, &value));
    out_[fqdn].push_back(value);
}

void ChallTestSrvDnsProvider::cleanup(const std::string& fqdn, const std::string& value) {
    std::lock_guard lock(mutex_);
    auto& values = out_[fqdn];
    if (const auto it = std::find(values.begin(), values.end(), value); it != values.end()) values.erase(it);
    post("/clear-txt", hostBody(fqdn));
    for (const auto& other : values) post("/set-txt", hostBody(fqdn, &other));
    if (values.empty()) out_.erase(fqdn);
}

}  // namespace cxxacme::responders
