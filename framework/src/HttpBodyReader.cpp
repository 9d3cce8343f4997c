#include "cxxacme/detail/HttpBodyReader.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/String.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/OptionalWhitespace.h"

namespace cxxacme::detail {

namespace {

constexpr std::size_t kMaxLine = 4096;          // a chunk's size and extensions, a trailer field
constexpr std::size_t kMaxTrailerFields = 64;

// Every field of that name in `head`, joined as one list (RFC 9110 §5.3); none when there is none.
std::optional<std::string> fieldValues(const Poco::Net::HTTPResponse& head, const std::string& name) {
    std::optional<std::string> joined;
    for (const auto& [field, value] : head)
        if (Poco::icompare(field, name) == 0) joined = joined ? *joined + ", " + value : value;
    return joined;
}

// Content-Length = 1*DIGIT (RFC 9110 §8.6). A list of one value repeated (two fields, or
// "5, 5") is that value; anything else gives no length to trust (RFC 9112 §6.3 item 5).
std::size_t contentLength(const std::string& lengths) {
    const auto refused = [&lengths] {
        return HttpBodyReader::Refused(HttpBodyReader::Refused::Why::Malformed,
                                       "a Content-Length that does not read: \"" +
                                           InvalidNameError::printable(lengths, 64) + "\"");
    };
    std::optional<std::uint64_t> length;
    std::size_t at = 0;
    for (;;) {
        const std::size_t comma = lengths.find(',', at);
        const std::string item(
            trimOws(std::string_view(lengths).substr(at, comma == std::string::npos ? std::string::npos : comma - at)));
        // at most 18 digits: no overflow, and far beyond any limit
        const bool digits = std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (item.empty() || item.size() > 18 || !digits) throw refused();
        const std::uint64_t value = std::stoull(item);
        if (length && *length != value) throw refused();
        length = value;
        if (comma == std::string::npos) return static_cast<std::size_t>(value);
        at = comma + 1;
    }
}

}  // namespace

HttpBodyReader::HttpBodyReader(Read read, std::size_t limit) : read_(std::move(read)), limit_(limit) {}

std::string HttpBodyReader::body(const Poco::Net::HTTPResponse& head, const std::string& method) {
    const int status = head.getStatus();
    // RFC 9112 §6.3: these answers have no body, whatever their head says
    if (method == "HEAD" || status < 200 || status == 204 || status == 304) return {};
    // Transfer-Encoding overrides Content-Length (§6.3 item 3). The request asked for no
    // transfer coding (it has no TE field, §7.4), so chunked alone is read: a body in
    // another coding could not be decoded.
    if (const auto codings = fieldValues(head, "Transfer-Encoding")) {
        if (Poco::icompare(std::string(trimOws(*codings)), "chunked") != 0)
            throw Refused(Refused::Why::Malformed, "an answer in a transfer coding other than chunked alone: \"" +
                                                       InvalidNameError::printable(*codings, 64) + "\"");
        return chunked();
    }
    if (const auto lengths = fieldValues(head, "Content-Length")) {
        const std::size_t length = contentLength(*lengths);
        if (length > limit_) throw tooLarge();
        return untilLength(length);
    }
    return untilEnd();
}

void HttpBodyReader::receiveHead(Poco::Net::HTTPClientSession& session, Poco::Net::HTTPResponse& head) {
    try {
        (void)session.receiveResponse(head);
    } catch (const Poco::SyntaxException&) {
        // thrown after the whole head was read only by the length's parsing (a status code
        // that does not read leaves the fields unread)
        if (!head.has("Content-Length")) throw;
    }
}

std::string HttpBodyReader::untilLength(std::size_t length) {
    std::string out(length, '\0');
    for (std::size_t got = 0; got < length;) {
        const int n = read_(out.data() + got, static_cast<std::streamsize>(length - got));
        if (n <= 0)
            throw Refused(Refused::Why::CutShort,
                          "truncated response (" + std::to_string(got) + " of " + std::to_string(length) + " bytes)");
        got += static_cast<std::size_t>(n);
    }
    return out;
}

std::string HttpBodyReader::untilEnd() {
    std::string out;
    char buffer[16384];
    for (;;) {
        const int n = read_(buffer, static_cast<std::streamsize>(sizeof buffer));
        if (n <= 0) return out;
        if (static_cast<std::size_t>(n) > limit_ - out.size()) throw tooLarge();
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

std::string HttpBodyReader::chunked() {
    std::string out;
    for (;;) {
        const std::string sizeLine = line("before a chunk's size");
        const std::size_t digits = sizeLine.find_first_not_of("0123456789abcdefABCDEF");
        const std::string hex = sizeLine.substr(0, digits);
        // the size, then nothing, or an extension (";name=value"), after optional white space
        if (hex.empty() || hex.size() > 15 ||
            (digits != std::string::npos && sizeLine[digits] != ';' && sizeLine[digits] != ' ' && sizeLine[digits] != '\t'))
            throw Refused(Refused::Why::Malformed, "a chunked answer whose chunk size does not read: \"" +
                                                       InvalidNameError::printable(sizeLine.substr(0, 40)) + "\"");
        const std::size_t size = std::stoull(hex, nullptr, 16);
        if (size == 0) break;
        if (size > limit_ - out.size()) throw tooLarge();  // before the chunk is read
        const std::size_t start = out.size();
        out.resize(start + size);
        for (std::size_t got = 0; got < size;) {
            const int n = read_(out.data() + start + got, static_cast<std::streamsize>(size - got));
            if (n <= 0) throw cut("inside a chunk");
            got += static_cast<std::size_t>(n);
        }
        if (!line("after a chunk").empty())
            throw Refused(Refused::Why::Malformed, "a chunked answer with a chunk longer than its size");
    }
    // the trailer section, passed over: fields until an empty line
    for (std::size_t fields = 0; !line("inside the trailer section").empty();)
        if (++fields > kMaxTrailerFields) throw Refused(Refused::Why::Malformed, "a chunked answer with over 64 trailer fields");
    return out;
}

std::string HttpBodyReader::line(const char* where) {
    std::string text;
    for (;;) {
        // a byte at a time, so that nothing past the line is taken from the connection (the
        // session's read takes it from its own buffer)
        char c = 0;
        if (read_(&c, 1) <= 0) throw cut(where);
        if (c == '\n') break;
        if (text.size() >= kMaxLine) throw Refused(Refused::Why::Malformed, "a chunked answer with a line over 4 KiB");
        text += c;
    }
    if (text.empty() || text.back() != '\r') throw Refused(Refused::Why::Malformed, "a chunked answer with a bare LF");
    text.pop_back();
    return text;
}

HttpBodyReader::Refused HttpBodyReader::cut(const std::string& where) const {
    return Refused(Refused::Why::CutShort, "truncated response (chunked, the connection ended " + where + ")");
}

HttpBodyReader::Refused HttpBodyReader::tooLarge() const {
    return Refused(Refused::Why::TooLarge, "response larger than " + std::to_string(limit_) + " bytes");
}

}  // namespace cxxacme::detail
