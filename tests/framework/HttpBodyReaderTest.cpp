#define BOOST_TEST_MODULE framework_http_body_reader
#include <boost/test/unit_test.hpp>

// HttpBodyReader against bodies given a few bytes at a time, as a connection gives
// them: whole ones are read to their end and no further, and every way of ending
// early is refused with its reason (RFC 9112 §6.3, §7.1).

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Net/HTTPResponse.h>

#include "cxxacme/detail/HttpBodyReader.h"

using cxxacme::detail::HttpBodyReader;
using Why = HttpBodyReader::Refused::Why;

namespace {

// A connection's bytes after an answer's head, handed out at most `piece` at a time.
struct Connection {
    std::string bytes;
    std::size_t piece = 3;
    std::size_t at = 0;

    HttpBodyReader::Read read() {
        return [this](char* buffer, std::streamsize length) {
            const std::size_t n = std::min({piece, static_cast<std::size_t>(length), bytes.size() - at});
            bytes.copy(buffer, n, at);
            at += n;
            return static_cast<int>(n);
        };
    }
    std::string left() const { return bytes.substr(at); }
};

Poco::Net::HTTPResponse withLength(std::size_t length, int status = 200) {
    Poco::Net::HTTPResponse head(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    head.setContentLength64(static_cast<Poco::Int64>(length));
    return head;
}

Poco::Net::HTTPResponse chunkedHead() {
    Poco::Net::HTTPResponse head(Poco::Net::HTTPResponse::HTTP_OK);
    head.setChunkedTransferEncoding(true);
    return head;
}

// The body read from `bytes` under `head`, or the refusal's words and why.
struct Outcome {
    std::string body;
    std::string refused;
    Why why = Why::Malformed;
};

Outcome readBody(Connection& c, const Poco::Net::HTTPResponse& head, std::size_t limit = 1024,
                 const std::string& method = "GET") {
    Outcome o;
    try {
        o.body = HttpBodyReader(c.read(), limit).body(head, method);
    } catch (const HttpBodyReader::Refused& e) {
        o.refused = e.what();
        o.why = e.why();
    }
    return o;
}

// 0xFF in the trailer's value: obs-text, which HTTP allows there
const std::string kChunked = "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\xff\r\n\r\n";

}  // namespace

BOOST_AUTO_TEST_CASE(a_content_length_body_is_read_to_its_length_and_no_further) {
    for (const std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{4096}}) {
        Connection c{"hello worldHTTP/1.1 200 OK\r\n", piece};  // the next answer follows on the connection
        const Outcome o = readBody(c, withLength(11));
        BOOST_TEST(o.refused == "");
        BOOST_TEST(o.body == "hello world");
        BOOST_TEST(c.left() == "HTTP/1.1 200 OK\r\n");
    }
    Connection empty{"next"};
    BOOST_TEST(readBody(empty, withLength(0)).body == "");
    BOOST_TEST(empty.left() == "next");
}

BOOST_AUTO_TEST_CASE(a_content_length_body_cut_anywhere_is_refused_as_cut_short) {
    const std::string whole = "hello world";
    for (std::size_t cut = 0; cut < whole.size(); ++cut) {
        Connection c{whole.substr(0, cut)};
        const Outcome o = readBody(c, withLength(whole.size()));
        BOOST_TEST(o.refused == "truncated response (" + std::to_string(cut) + " of 11 bytes)");
        BOOST_TEST((o.why == Why::CutShort));
    }
}

BOOST_AUTO_TEST_CASE(a_content_length_over_the_limit_is_refused_before_reading) {
    Connection c{std::string(2000, 'x')};
    const Outcome o = readBody(c, withLength(2000), 1024);
    BOOST_TEST(o.refused == "response larger than 1024 bytes");
    BOOST_TEST((o.why == Why::TooLarge));
    BOOST_TEST(c.at == 0u);
    Connection atLimit{std::string(1024, 'x')};
    BOOST_TEST(readBody(atLimit, withLength(1024), 1024).body.size() == 1024u);
}

BOOST_AUTO_TEST_CASE(answers_without_a_body_read_nothing) {
    // whatever their heads say (RFC 9112 §6.3)
    for (const int status : {100, 204, 304}) {
        Connection c{"hello"};
        BOOST_TEST(readBody(c, withLength(5, status)).body == "", status);
        BOOST_TEST(c.at == 0u, status);
    }
    Connection c{"hello"};
    BOOST_TEST(readBody(c, withLength(5), 1024, "HEAD").body == "");
    BOOST_TEST(c.at == 0u);
}

BOOST_AUTO_TEST_CASE(without_length_or_chunks_the_body_ends_with_the_connection) {
    Connection c{"all of it", 2};
    BOOST_TEST(readBody(c, Poco::Net::HTTPResponse(Poco::Net::HTTPResponse::HTTP_OK)).body == "all of it");
    // over the limit: refused, reading stopped near it
    Connection big{std::string(std::size_t{1} << 20, 'x'), 4096};
    const Outcome o = readBody(big, Poco::Net::HTTPResponse(Poco::Net::HTTPResponse::HTTP_OK), 10000);
    BOOST_TEST(o.refused == "response larger than 10000 bytes");
    BOOST_TEST((o.why == Why::TooLarge));
    BOOST_TEST(big.at <= 10000u + 4096u);
}

BOOST_AUTO_TEST_CASE(a_chunked_body_is_read_to_the_trailers_end_and_no_further) {
    for (const std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{4096}}) {
        Connection c{kChunked + "HTTP/1.1 204 No Content\r\n", piece};
        const Outcome o = readBody(c, chunkedHead());
        BOOST_TEST(o.refused == "");
        BOOST_TEST(o.body == "hello world");
        BOOST_TEST(c.left() == "HTTP/1.1 204 No Content\r\n");
    }
    Connection bare{"0\r\n\r\n"};  // no chunk, no trailer
    BOOST_TEST(readBody(bare, chunkedHead()).body == "");
    Connection spaced{"3 ;ext\r\nabc\r\n00\r\n\r\n"};  // white space before an extension, a size of 00
    BOOST_TEST(readBody(spaced, chunkedHead()).body == "abc");
}

BOOST_AUTO_TEST_CASE(a_chunked_body_cut_anywhere_is_refused_as_cut_short) {
    for (std::size_t cut = 0; cut < kChunked.size(); ++cut) {
        Connection c{kChunked.substr(0, cut)};
        const Outcome o = readBody(c, chunkedHead());
        BOOST_TEST(o.refused.starts_with("truncated response (chunked, the connection ended "), cut << ": " << o.refused);
        BOOST_TEST((o.why == Why::CutShort), cut);
    }
    // where it ended is said
    const auto where = [](std::size_t cut) {
        Connection c{kChunked.substr(0, cut)};
        return readBody(c, chunkedHead()).refused;
    };
    BOOST_TEST(where(kChunked.find("hello") + 3) == "truncated response (chunked, the connection ended inside a chunk)");
    BOOST_TEST(where(kChunked.find("0\r\nX")) == "truncated response (chunked, the connection ended before a chunk's size)");
    BOOST_TEST(where(kChunked.find("\r\n6")) == "truncated response (chunked, the connection ended after a chunk)");
    BOOST_TEST(where(kChunked.find("yes")) == "truncated response (chunked, the connection ended inside the trailer section)");
}

BOOST_AUTO_TEST_CASE(chunks_that_do_not_read_are_refused) {
    const std::vector<std::pair<std::string, std::string>> broken = {
        {"zz\r\nhello\r\n0\r\n\r\n", "a chunked answer whose chunk size does not read: \"zz\""},
        {"\r\nhello\r\n0\r\n\r\n", "a chunked answer whose chunk size does not read: \"\""},
        {"5x\r\nhello\r\n0\r\n\r\n", "a chunked answer whose chunk size does not read: \"5x\""},
        {"-5\r\nhello\r\n0\r\n\r\n", "a chunked answer whose chunk size does not read: \"-5\""},
        {"1000000000000000\r\n", "a chunked answer whose chunk size does not read: \"1000000000000000\""},
        {"5\r\nhello!!\r\n0\r\n\r\n", "a chunked answer with a chunk longer than its size"},
        {"5\nhello\r\n0\r\n\r\n", "a chunked answer with a bare LF"},
        {"5;" + std::string(5000, 'e') + "\r\nhello\r\n0\r\n\r\n", "a chunked answer with a line over 4 KiB"},
    };
    for (const auto& [bytes, words] : broken) {
        Connection c{bytes};
        const Outcome o = readBody(c, chunkedHead());
        BOOST_TEST(o.refused == words);
        BOOST_TEST((o.why == Why::Malformed), words);
    }
    std::string trailers = "0\r\n";
    for (int i = 0; i < 65; ++i) trailers += "X-" + std::to_string(i) + ": v\r\n";
    Connection many{trailers + "\r\n"};
    BOOST_TEST(readBody(many, chunkedHead()).refused == "a chunked answer with over 64 trailer fields");
    trailers = "0\r\n";
    for (int i = 0; i < 64; ++i) trailers += "X-" + std::to_string(i) + ": v\r\n";
    Connection enough{trailers + "\r\n"};
    BOOST_TEST(readBody(enough, chunkedHead()).refused == "");
}

BOOST_AUTO_TEST_CASE(chunks_over_the_limit_are_refused_before_they_are_read) {
    // the second chunk's size takes the body past 1024: its data is not read
    const std::string bytes = "200\r\n" + std::string(512, 'a') + "\r\n201\r\n" + std::string(513, 'b') + "\r\n0\r\n\r\n";
    Connection c{bytes};
    const Outcome o = readBody(c, chunkedHead(), 1024);
    BOOST_TEST(o.refused == "response larger than 1024 bytes");
    BOOST_TEST((o.why == Why::TooLarge));
    BOOST_TEST(c.at == bytes.find('b'));
    // exactly the limit is whole
    Connection atLimit{"200\r\n" + std::string(512, 'a') + "\r\n200\r\n" + std::string(512, 'b') + "\r\n0\r\n\r\n"};
    BOOST_TEST(readBody(atLimit, chunkedHead(), 1024).body.size() == 1024u);
    // a size near the largest a size_t holds is no wrap-around past the limit
    Connection huge{"fffffffffffffff\r\n"};
    BOOST_TEST(readBody(huge, chunkedHead(), 1024).refused == "response larger than 1024 bytes");
}

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// A 200 answer's head with these fields, in this order (a name may come twice).
Poco::Net::HTTPResponse headWith(const Fields& fields) {
    Poco::Net::HTTPResponse head(Poco::Net::HTTPResponse::HTTP_OK);
    for (const auto& [name, value] : fields) head.add(name, value);
    return head;
}

// Each head, with its value as quoted in the refusal: refused as malformed in `words` and
// that value, before a byte of its body is read.
void checkRefusedUnread(const std::vector<std::pair<Fields, std::string>>& heads, const std::string& words) {
    for (const auto& [fields, quoted] : heads) {
        Connection c{"hello\r\n0\r\n\r\n"};
        const Outcome o = readBody(c, headWith(fields));
        BOOST_TEST(o.refused == words + quoted);
        BOOST_TEST((o.why == Why::Malformed), quoted);
        BOOST_TEST(c.at == 0u, quoted);
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(transfer_encoding_chunked_overrides_content_length) {
    // RFC 9112 §6.3 item 3: the length is the chunks', not the field's
    for (const std::string chunked : {"chunked", "Chunked", " chunked "}) {
        Connection c{kChunked + "next"};
        const Outcome o = readBody(c, headWith({{"Content-Length", "3"}, {"transfer-encoding", chunked}}));
        BOOST_TEST(o.refused == "", chunked);
        BOOST_TEST(o.body == "hello world", chunked);
        BOOST_TEST(c.left() == "next", chunked);
    }
}

BOOST_AUTO_TEST_CASE(a_transfer_coding_not_asked_for_is_refused_unread) {
    // the request sent no TE field: chunked alone may come (RFC 9112 §7.4), anything else
    // could not be decoded, whether a length is given or not
    checkRefusedUnread({{{{"Transfer-Encoding", "gzip"}}, "\"gzip\""},
                        {{{"Transfer-Encoding", "gzip, chunked"}}, "\"gzip, chunked\""},
                        {{{"Transfer-Encoding", "chunked, gzip"}, {"Content-Length", "5"}}, "\"chunked, gzip\""},
                        {{{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}, "\"chunked, chunked\""},
                        {{{"Transfer-Encoding", "identity"}, {"Content-Length", "5"}}, "\"identity\""},
                        {{{"Transfer-Encoding", ""}}, "\"\""},
                        {{{"Transfer-Encoding", "\vchunked"}}, "\"\\x0bchunked\""},
                        {{{"Transfer-Encoding", "x\x01y"}}, "\"x\\x01y\""}},
                       "an answer in a transfer coding other than chunked alone: ");
}

BOOST_AUTO_TEST_CASE(a_content_length_that_does_not_read_is_refused_unread) {
    // RFC 9110 §8.6: 1*DIGIT; RFC 9112 §6.3 item 5: an invalid one gives no framing to trust
    checkRefusedUnread({{{{"Content-Length", "abc"}}, "\"abc\""},
                        {{{"Content-Length", "5x"}}, "\"5x\""},
                        {{{"Content-Length", "+5"}}, "\"+5\""},
                        {{{"Content-Length", "-1"}}, "\"-1\""},
                        {{{"Content-Length", "0x5"}}, "\"0x5\""},
                        {{{"Content-Length", ""}}, "\"\""},
                        {{{"Content-Length", "5,"}}, "\"5,\""},
                        {{{"Content-Length", "5, 6"}}, "\"5, 6\""},
                        {{{"Content-Length", "5"}, {"Content-Length", "6"}}, "\"5, 6\""},
                        {{{"Content-Length", "1234567890123456789"}}, "\"1234567890123456789\""}},
                       "a Content-Length that does not read: ");
}

BOOST_AUTO_TEST_CASE(a_content_length_given_twice_alike_is_that_length) {
    // a list of one value repeated (RFC 9110 §8.6), as one field or two
    for (const auto& fields : std::vector<Fields>{
             {{"Content-Length", "5, 5"}}, {{"Content-Length", "5"}, {"content-length", " 5 "}}, {{"Content-Length", "005"}}}) {
        Connection c{"hello world"};
        const Outcome o = readBody(c, headWith(fields));
        BOOST_TEST(o.refused == "");
        BOOST_TEST(o.body == "hello");
        BOOST_TEST(c.left() == " world");
    }
    // 18 digits read, and are then over the limit, not wrapped around
    Connection c{"hello"};
    BOOST_TEST(readBody(c, headWith({{"Content-Length", "999999999999999999"}})).refused == "response larger than 1024 bytes");
}
