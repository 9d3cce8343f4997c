#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "cxxacme/AcmeProblem.h"

namespace cxxacme::mock_acme {

/// One HTTP request as mock-acme's engine sees it, independent of the
/// server that carried it (so the engine can be driven in-process and
/// fuzzed).
struct HttpRequest {
    std::string method{};  ///< "GET", "HEAD", "POST", …
    std::string path{};    ///< without the query
    std::string query{};
    std::string contentType{};
    std::string body{};
    /// Where the client addressed the request: the `Host` field's value, or
    /// the authority of an absolute request target ("" when neither).
    std::string host{};
    /// The address the request came from ("127.0.0.1", "::1"); "" when not
    /// known (a request made in the process, the fuzzer's).
    std::string clientAddress{};
    /// The `Origin` field: the web origin of a script in a browser that sends
    /// the request ("https://app.example"); "" for other clients (CORS).
    std::string origin{};
    /// A CORS preflight's `Access-Control-Request-Method`: the method the
    /// script means to use next ("POST"); "" otherwise.
    std::string accessControlRequestMethod{};
    /// False when the request had no Content-Length field: its body came
    /// chunked, or none was announced. Let's Encrypt and pebble refuse such
    /// a POST. A request made in the process counts as having one.
    bool contentLengthGiven = true;
    /// The request carried a `Replay-Nonce` field. A client's nonce belongs
    /// in the JWS (RFC 8555 §6.5); Let's Encrypt and pebble refuse a POST
    /// that carries one outside it.
    bool replayNonceField = false;
};

/// The engine's answer.
struct HttpResponse {
    int status = 200;
    std::string contentType;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    /// Sent cut short, then the connection closed: the head and half the
    /// body (half the head when there is no body), as a connection that
    /// breaks mid-answer leaves it. A fault injected on purpose.
    bool cutShort = false;
    /// Sent only after this long, or never if the client closes first (or
    /// the server stops): a slow or hanging server, a fault injected on
    /// purpose. Zero: at once.
    std::chrono::milliseconds holdFor{0};

    /// An RFC 7807 answer: the problem's status, application/problem+json.
    static HttpResponse fromProblem(const AcmeProblem& problem) {
        HttpResponse r;
        r.status = problem.status();
        r.contentType = "application/problem+json";
        r.body = problem.toJson();
        return r;
    }

    void addHeader(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
    /// The first value of header `name` (case-sensitive), or "".
    std::string header(const std::string& name) const {
        for (const auto& [n, v] : headers)
            if (n == name) return v;
        return {};
    }
};

}  // namespace cxxacme::mock_acme
