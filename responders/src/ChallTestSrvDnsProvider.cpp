#include "cxxacme/responders/ChallTestSrvDnsProvider.h"

#include <algorithm>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>

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
    : managementUrl_(std::move(managementUrl)), dnsServer_(std::move(dnsServer)), timeout_(timeout) {
    while (managementUrl_.ends_with('/')) managementUrl_.pop_back();
    Poco::URI uri;
    try {
        uri = Poco::URI(managementUrl_);
    } catch (const Poco::Exception&) {
        throw DnsError(managementUrl_, "not a URL");
    }
    if (uri.getScheme() != "http" || uri.getHost().empty() || (!uri.getPath().empty() && uri.getPath() != "/"))
        throw DnsError(managementUrl_, "a test DNS server's management is http://HOST:PORT");
    host_ = uri.getHost();
    port_ = uri.getPort();
}

std::vector<std::string> ChallTestSrvDnsProvider::nameServers() const {
    return dnsServer_.empty() ? std::vector<std::string>{} : std::vector<std::string>{dnsServer_};
}

void ChallTestSrvDnsProvider::post(const std::string& path, const std::string& body) const {
    const std::string url = managementUrl_ + path;
    try {
        Poco::Net::HTTPClientSession session(host_, port_);
        session.setTimeout(Poco::Timespan(static_cast<long>(timeout_.count()), 0));
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::string answer(512, '\0');
        in.read(answer.data(), static_cast<std::streamsize>(answer.size()));
        answer.resize(static_cast<std::size_t>(in.gcount()));
        if (response.getStatus() < 200 || response.getStatus() >= 300) {
            std::replace_if(answer.begin(), answer.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
            throw DnsError(url, "answered HTTP " + std::to_string(response.getStatus()) + (answer.empty() ? "" : ": " + answer));
        }
    } catch (const Poco::Exception& e) {
        throw DnsError(url, e.displayText());
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
