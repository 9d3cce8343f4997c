// What the client reads from a server, read directly: RFC 3339 instants,
// Retry-After and Link headers, the JSON of directories, orders,
// authorizations and problems. An answer the client cannot read is an
// AcmeProblem ("malformed") or nothing, never another exception.
#define BOOST_TEST_MODULE client_resources
#include <boost/test/unit_test.hpp>

#include <functional>

#include "../TestPrinting.h"

#include "cxxacme/AcmeHttpClient.h"
#include "cxxacme/AcmeProblem.h"
#include "cxxacme/AcmeResources.h"
#include "cxxacme/detail/Json.h"

using namespace cxxacme;
using namespace std::chrono;

namespace {

TimePoint at(int y, unsigned m, unsigned d, int h = 0, int min = 0, int s = 0) {
    return sys_days{year{y} / month{m} / day{d}} + hours(h) + minutes(min) + seconds(s);
}

Poco::JSON::Object::Ptr json(const std::string& text) { return detail::parseJsonObject(text, 1 << 16, "test"); }

HttpReply replyWith(std::initializer_list<std::pair<const std::string, std::string>> headers) {
    HttpReply r;
    r.status = 200;
    r.headers = headers;
    return r;
}

// The problem a parser threw, or "" when it threw nothing or something else.
template <typename F>
std::string problemOf(F&& parse) {
    try {
        parse();
    } catch (const AcmeProblem& p) {
        return p.type() + ": " + p.detail();
    } catch (...) {
        return "a different exception";
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(rfc3339_instants) {
    BOOST_TEST((parseRfc3339("2026-12-03T18:30:05Z") == at(2026, 12, 3, 18, 30, 5)));
    BOOST_TEST((parseRfc3339("2026-12-03T18:30:05z") == at(2026, 12, 3, 18, 30, 5)));
    BOOST_TEST((parseRfc3339("2026-12-03T18:30:05+05:30") == at(2026, 12, 3, 13, 0, 5)));
    BOOST_TEST((parseRfc3339("2026-12-03T18:30:05-08:00") == at(2026, 12, 4, 2, 30, 5)));
    BOOST_TEST((parseRfc3339("2026-12-03T18:30:05.5Z") == at(2026, 12, 3, 18, 30, 5) + milliseconds(500)));
    BOOST_TEST((parseRfc3339("2026-12-03T18:30:05.123456789Z") == at(2026, 12, 3, 18, 30, 5) + nanoseconds(123456789)));
    // digits past the nanosecond are read and dropped
    BOOST_TEST((parseRfc3339("2026-12-03T18:30:05.1234567891234Z") == at(2026, 12, 3, 18, 30, 5) + nanoseconds(123456789)));
}

BOOST_AUTO_TEST_CASE(rfc3339_refuses_what_is_not_one) {
    for (const char* text : {"", "2026-12-03", "2026-12-03T18:30:05", "2026-12-03T18:30:05Zjunk", "2026-12-03T18:30:05 Z",
                             "2026-12-03T18:30:05+5:30", "2026-12-03T18:30:05+05:3", "2026-12-03T18:30:05+0530",
                             "2026-12-03T18:30:05+ab:cd", "2026-12-03T18:30:05+24:00", "2026-12-03T18:30:05+05:60",
                             "2026-12-03T18:30:05.Z", "2026-12-03T18:30:05.5", "not a time"}) {
        BOOST_TEST_CONTEXT(text) { BOOST_TEST(!parseRfc3339(text).has_value()); }
    }
}

BOOST_AUTO_TEST_CASE(instants_outside_what_a_time_point_holds_read_as_its_ends) {
    // A TimePoint counts nanoseconds from 1970 and ends in 2262: later years
    // used to wrap around into the past, 2300 reading as 1715.
    const TimePoint latest = timePointFromUnixSeconds(kLatestUnixSeconds);
    const TimePoint earliest = timePointFromUnixSeconds(kEarliestUnixSeconds);
    BOOST_TEST((latest == at(2200, 1, 1)));
    BOOST_TEST((earliest == at(1950, 1, 1)));
    BOOST_TEST((parseRfc3339("2300-01-01T00:00:00Z") == latest));
    BOOST_TEST((parseRfc3339("9999-12-31T23:59:59Z") == latest));
    BOOST_TEST((parseRfc3339("1900-01-01T00:00:00Z") == earliest));
    BOOST_TEST((parseRfc3339("2199-12-31T23:59:59Z") == latest - seconds(1)));
    // the two ends' difference and a long lifetime past either still fit
    BOOST_TEST(duration_cast<hours>(latest - earliest).count() == 250 * 24 * 365 + 61 * 24);
    BOOST_TEST((latest + hours(24 * 365 * 50) > latest));
}

BOOST_AUTO_TEST_CASE(retry_after_in_seconds_or_as_a_date) {
    const TimePoint now = at(2026, 12, 3, 12);
    BOOST_TEST((replyWith({{"Retry-After", "120"}}).retryAfter(now) == seconds(120)));
    BOOST_TEST((replyWith({{"retry-after", "0"}}).retryAfter(now) == seconds(0)));
    BOOST_TEST((replyWith({{"Retry-After", "Thu, 03 Dec 2026 12:01:00 GMT"}}).retryAfter(now) == seconds(60)));
    BOOST_TEST((replyWith({{"Retry-After", "Wed, 02 Dec 2026 12:00:00 GMT"}}).retryAfter(now) == Duration::zero()));
    // RFC 9110's two obsolete forms, which a recipient must still read
    BOOST_TEST((replyWith({{"Retry-After", "Thursday, 03-Dec-26 12:00:30 GMT"}}).retryAfter(now) == seconds(30)));
    BOOST_TEST((replyWith({{"Retry-After", "Thu Dec  3 12:00:45 2026"}}).retryAfter(now) == seconds(45)));
    // far in the future: long, not wrapped into the past
    const auto far = replyWith({{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"}}).retryAfter(now);
    BOOST_REQUIRE(far.has_value());
    BOOST_TEST((*far == timePointFromUnixSeconds(kLatestUnixSeconds) - now));
    for (const char* text : {"-5", "1.5", "soon", "12345678901234567890", "Thu, 03 Dec 2026", "Thu, 03 Dec 2026 12:01:00 GMT junk",
                             "Thu, 03 Dec 2026 12:01:00 CET"}) {
        BOOST_TEST_CONTEXT(text) { BOOST_TEST(!replyWith({{"Retry-After", text}}).retryAfter(now).has_value()); }
    }
    BOOST_TEST(!replyWith({}).retryAfter(now).has_value());
}

BOOST_AUTO_TEST_CASE(replay_nonces) {
    BOOST_TEST(replyWith({{"Replay-Nonce", "oFvnlFP1wIhRlYS2jTaXbA"}}).replayNonce().value_or("") == "oFvnlFP1wIhRlYS2jTaXbA");
    BOOST_TEST(replyWith({{"replay-nonce", "a-b_c"}}).replayNonce().value_or("") == "a-b_c");
    BOOST_TEST(replyWith({{"Replay-Nonce", std::string(256, 'n')}}).replayNonce().has_value());
    // RFC 8555 §6.5.1: base64url only, and a client ignores an invalid one
    for (const std::string& nonce : {std::string(), std::string(257, 'n'), std::string("abc="), std::string("a b"),
                                    std::string("a+b/c"), std::string("nonce\"}"), std::string("n\r\nX-Injected: 1")}) {
        BOOST_TEST_CONTEXT(nonce) { BOOST_TEST(!replyWith({{"Replay-Nonce", nonce}}).replayNonce().has_value()); }
    }
    BOOST_TEST(!replyWith({}).replayNonce().has_value());
}

BOOST_AUTO_TEST_CASE(link_headers) {
    // RFC 8288: several links in one header, rel quoted or a token, a quoted rel may list
    // several types, names compare case-insensitively, only the first rel parameter counts
    const HttpReply r = replyWith(
        {{"Link", "<https://ca.test/dir>;rel=\"index\""},
         {"link", "<https://ca.test/cert/1/1>;rel=\"alternate\", <https://ca.test/cert/1/2>; rel=alternate ,"
                  "<https://ca.test/cert/1/3>;title=\"x\"; REL=\"index  Alternate\""},
         {"Link", "<https://ca.test/up>;rel=upgrade"},
         {"Link", "<https://ca.test/second>;rel=\"next\";rel=\"alternate\""},
         {"Link", "<https://ca.test/broken;rel=\"alternate\""}});
    BOOST_TEST(r.links("alternate") ==
                   (std::vector<std::string>{"https://ca.test/cert/1/1", "https://ca.test/cert/1/2", "https://ca.test/cert/1/3"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.links("index") == (std::vector<std::string>{"https://ca.test/dir", "https://ca.test/cert/1/3"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.links("up").empty());  // "upgrade" is another type
    BOOST_TEST(r.links("next") == std::vector<std::string>{"https://ca.test/second"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(orders_and_authorizations) {
    const AcmeOrder order = AcmeOrder::fromJson(
        *json(R"({"status":"valid","expires":"2026-12-10T00:00:00Z","identifiers":[{"type":"dns","value":"a.test"},
                  {"type":"ip","value":"192.0.2.1"}],"authorizations":["https://ca.test/a/1"],
                  "finalize":"https://ca.test/f/1","certificate":"https://ca.test/c/1"})"),
        "https://ca.test/o/1");
    BOOST_TEST(order.status == "valid");
    BOOST_TEST((order.expires == at(2026, 12, 10)));
    BOOST_REQUIRE(order.identifiers.size() == 2u);
    BOOST_TEST((order.identifiers[1].type == Identifier::Type::Ip));
    BOOST_TEST(order.certificate == "https://ca.test/c/1");
    const AcmeAuthorization authz = AcmeAuthorization::fromJson(
        *json(R"({"status":"invalid","identifier":{"type":"dns","value":"a.test"},"challenges":[
                  {"type":"http-01","url":"https://ca.test/ch/1","token":"t","status":"invalid",
                   "error":{"type":"urn:ietf:params:acme:error:connection","detail":"refused"}}]})"),
        "https://ca.test/a/1");
    BOOST_REQUIRE(authz.challenges.size() == 1u);
    BOOST_REQUIRE(authz.challengeErrors.size() == 1u);
    BOOST_TEST(authz.challengeErrors[0].is("connection"));
}

BOOST_AUTO_TEST_CASE(unreadable_answers_are_malformed_problems) {
    const std::string order = R"("identifiers":[],"finalize":"https://ca.test/f")";
    const auto orderFrom = [](const std::string& text) { return [text] { AcmeOrder::fromJson(*json(text), "u"); }; };
    const auto authzFrom = [](const std::string& text) { return [text] { AcmeAuthorization::fromJson(*json(text), "u"); }; };
    const auto directoryFrom = [](const std::string& text) { return [text] { AcmeDirectory::fromJson(*json(text)); }; };
    const std::string malformed = "urn:ietf:params:acme:error:malformed: the server's answer is malformed";
    for (const auto& [what, parse] : std::vector<std::pair<std::string, std::function<void()>>>{
             {"status a number", orderFrom(R"({"status":1,)" + order + "}")},
             {"no finalize", orderFrom(R"({"status":"pending","identifiers":[]})")},
             {"identifiers not objects", orderFrom(R"({"status":"pending","identifiers":["a.test"],"finalize":"f"})")},
             {"authorizations not strings", orderFrom(R"({"status":"pending",)" + order + R"(,"authorizations":[1]})")},
             {"no challenges", authzFrom(R"({"status":"pending","identifier":{"type":"dns","value":"a"}})")},
             {"no identifier", authzFrom(R"({"status":"pending","challenges":[]})")},
             {"challenge not an object", authzFrom(R"({"status":"pending","identifier":{"type":"dns","value":"a"},"challenges":[1]})")},
             {"directory without newNonce", directoryFrom(R"({"newAccount":"a","newOrder":"o"})")},
             {"caaIdentities not strings", directoryFrom(R"({"newNonce":"n","newAccount":"a","newOrder":"o","meta":{"caaIdentities":[{}]}})")}}) {
        BOOST_TEST_CONTEXT(what) { BOOST_TEST(problemOf(parse).rfind(malformed, 0) == 0u, problemOf(parse)); }
    }
    // an expiry that is not a time is no expiry, the order itself still read
    BOOST_TEST(!AcmeOrder::fromJson(*json(R"({"status":"pending","expires":"2026-12-10T00:00:00+ab:cd",)" + order + "}"), "u")
                    .expires.has_value());
}

BOOST_AUTO_TEST_CASE(problem_documents) {
    const AcmeProblem p = AcmeProblem::fromJson(
        R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"no","status":400,
            "subproblems":[{"type":"urn:ietf:params:acme:error:caa","detail":"caa","identifier":{"type":"dns","value":"b.test"}}]})",
        403);
    BOOST_TEST(p.is("rejectedIdentifier"));
    BOOST_TEST(p.status() == 400);
    BOOST_REQUIRE(p.subproblems().size() == 1u);
    BOOST_TEST(p.subproblems()[0].identifier.value == "b.test");
    // the message names each subproblem's identifier, type and detail (the top detail may only point to them)
    BOOST_TEST(std::string(p.what()) ==
               "ACME problem urn:ietf:params:acme:error:rejectedIdentifier (HTTP 400): no [b.test: caa: caa]");
    // escaped, and at most 20 of them
    std::string many = R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"x","subproblems":[)";
    for (int i = 0; i < 25; ++i)
        many += std::string(i ? "," : "") + R"({"type":"urn:ietf:params:acme:error:malformed","detail":"bad\u001b[31m",)" +
                R"("identifier":{"type":"dns","value":"n)" + std::to_string(i) + R"(.test"}})";
    const std::string manyText = AcmeProblem::fromJson(many + "]}", 400).what();
    BOOST_TEST(manyText.find("n0.test: malformed: bad\\x1b[31m; n1.test") != std::string::npos, manyText);
    BOOST_TEST(manyText.find("n19.test") != std::string::npos, manyText);
    BOOST_TEST(manyText.find("n20.test") == std::string::npos, manyText);
    BOOST_TEST(manyText.ends_with("; and 5 more]"), manyText);
    BOOST_TEST(std::string(AcmeProblem("badNonce", "stale", 400).what()) ==
               "ACME problem urn:ietf:params:acme:error:badNonce (HTTP 400): stale");  // none: nothing added
    // a status no HTTP response has is the response's; the type and detail are kept
    for (const char* status : {"99999999999", "18446744073709551615", "0", "600", "-400", "\"400\""}) {
        BOOST_TEST_CONTEXT(status) {
            const AcmeProblem q = AcmeProblem::fromJson(
                std::string(R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"stale","status":)") + status + "}", 400);
            BOOST_TEST(q.is("badNonce"));
            BOOST_TEST(q.detail() == "stale");
            BOOST_TEST(q.status() == 400);
        }
    }
    // what is not a problem document still gives a problem, with the HTTP status
    for (const char* body : {"", "<html>bad gateway</html>", "[]", R"({"type":5})", R"({"status":99999999999999999999})"}) {
        BOOST_TEST_CONTEXT(body) {
            const AcmeProblem q = AcmeProblem::fromJson(body, 502);
            BOOST_TEST(q.status() == 502);
        }
    }
}
