#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cxxacme::mock_acme {

/// The request line and header fields of one HTTP/1.x request, checked as
/// RFC 9112 says a server must or may (§2.2, §3, §5) before anything is
/// read of a body. `parse` throws `AcmeProblem` ("malformed", with the HTTP
/// status to answer) for:
/// - a request line that is not `method SP request-target SP HTTP-version`
///   with a token method, a target of visible characters and `HTTP/d.d`
///   (400); a well-formed version other than 1.0 and 1.1 (505);
/// - a field line without a colon, with whitespace before its colon or a
///   name that is not a token, one that starts with whitespace (obsolete
///   line folding, §5.2), or a value with a control character other than
///   HTAB (a bare CR among them) (400);
/// - an HTTP/1.1 request without exactly one Host, or any request with more
///   than one (§3.2) (400).
/// Leading and trailing whitespace of a value is dropped (§5.1); names
/// compare case-insensitively. The line reader enforces the length limits
/// (`kMaxRequestLine`, `kMaxFieldLine`, `kMaxFields`).
class RequestHead {
public:
    static constexpr std::size_t kMaxRequestLine = 16384;  ///< longer: 414
    static constexpr std::size_t kMaxFieldLine = 8192;     ///< longer: 431
    static constexpr std::size_t kMaxFields = 100;         ///< more: 431

    /// `requestLine` and `fieldLines` without their CR LF.
    static RequestHead parse(std::string_view requestLine, const std::vector<std::string>& fieldLines);

    const std::string& method() const { return method_; }
    const std::string& target() const { return target_; }
    bool http10() const { return http10_; }

    /// The value of the first field of that name; "" when there is none.
    const std::string& get(std::string_view name) const;
    bool has(std::string_view name) const { return count(name) > 0; }
    std::size_t count(std::string_view name) const;

    /// Whether the connection stays open after the answer: HTTP/1.1 unless
    /// `Connection` lists "close", HTTP/1.0 only when it lists "keep-alive".
    bool keepAlive() const;

    /// The elements of a comma-separated list field (RFC 9110 §5.6.1) over
    /// all its lines, in order, trimmed, empty ones left out.
    std::vector<std::string_view> list(std::string_view name) const;

private:
    std::string method_, target_;
    bool http10_ = false;
    std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace cxxacme::mock_acme
