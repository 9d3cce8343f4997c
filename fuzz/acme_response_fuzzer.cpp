// libFuzzer target for what the client reads from an ACME server: a
// hostile or broken CA must get a clear error out of it, never a crash.
//
// The first input byte picks the reader; the rest is the server's text:
//   0 directory, 1 account, 2 authorization, 3 order (JSON bodies),
//   4 problem document, 5 an RFC 3339 instant, 6 Retry-After (also read as
//   a Replay-Nonce) and Link header values (split at the first newline), 7 a certificate chain
//   (PEM, as the certificate URL sends it) and every field read from it.
// The contract checked: a reader returns, or throws a cxxacme::Error (an
// AcmeProblem for the JSON ones); any other exception aborts. The JSON ones
// also check that detail::toJsonText writes what parses back (see readJson). AddressSanitizer
// and UndefinedBehaviorSanitizer (the fuzz build's) catch the rest.
// Built with scripts/fuzz.sh (clang only); never run by the test suite.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cxxacme/AcmeHttpClient.h"
#include "cxxacme/AcmeProblem.h"
#include "cxxacme/AcmeResources.h"
#include "cxxacme/Certificate.h"
#include "cxxacme/Error.h"
#include "cxxacme/PemBundle.h"
#include "cxxacme/detail/Json.h"

using namespace cxxacme;

namespace {

// What the client does with a JSON answer: parse it as an object (JoseError
// when it is none), then read the resource (AcmeProblem "malformed").
// Also the writer's contract, on whatever the parser took: toJsonText gives
// text that parses again, and after that first pass (which may turn bytes
// that are not UTF-8 into U+FFFD, or 1e999 into null) writing is stable.
template <typename Read>
void readJson(const std::string& body, Read&& read) {
    const auto json = detail::parseJsonObject(body, 1 << 20, "server answer");
    std::string twice;
    try {
        const std::string once = detail::toJsonText(*json);
        twice = detail::toJsonText(*detail::parseJsonObject(once, 1 << 26, "written"));
        if (detail::toJsonText(*detail::parseJsonObject(twice, 1 << 26, "written again")) != twice) std::abort();
    } catch (const Error&) {
        std::abort();  // toJsonText wrote something that is not JSON
    }
    read(*json);
}

void readChain(const std::string& pem) {
    for (const Certificate& c : Certificate::chainFromPem(pem)) {
        // the renewal schedule's arithmetic (UBSan reports an overflow)
        const Duration lifetime = c.notAfter() - c.notBefore();
        (void)(c.notAfter() - lifetime / 3);
        (void)formatRfc3339(c.notAfter());
        (void)c.subjectAltNames();
        (void)c.serialHex();
        (void)c.subject();
        (void)c.issuer();
        (void)c.commonName();
        (void)c.authorityKeyId();
        (void)c.isCa();
        (void)c.publicKey();
        if (!(Certificate::fromDer(c.toDer()) == c)) std::abort();
    }
    (void)PemBundle::parse(pem);
}

void readOne(std::uint8_t kind, const std::string& text) {
    switch (kind % 8) {
        case 0: readJson(text, [](const Poco::JSON::Object& j) { (void)AcmeDirectory::fromJson(j); }); break;
        case 1: readJson(text, [](const Poco::JSON::Object& j) { (void)AcmeAccount::fromJson(j, "u"); }); break;
        case 2: readJson(text, [](const Poco::JSON::Object& j) { (void)AcmeAuthorization::fromJson(j, "u"); }); break;
        case 3: readJson(text, [](const Poco::JSON::Object& j) { (void)AcmeOrder::fromJson(j, "u"); }); break;
        case 4: {
            const AcmeProblem p = AcmeProblem::fromJson(text, 400);
            (void)p.shortType();
            break;
        }
        case 5: {
            const auto t = parseRfc3339(text);
            // what was read prints as the same instant, to the second
            if (t && parseRfc3339(formatRfc3339(*t)) !=
                         TimePoint(std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch())))
                std::abort();
            break;
        }
        case 6: {
            HttpReply r;
            const std::size_t newline = text.find('\n');
            r.headers.emplace("Retry-After", text.substr(0, newline));
            if (newline != std::string::npos) r.headers.emplace("Link", text.substr(newline + 1));
            const TimePoint now = timePointFromUnixSeconds(1'780'000'000);
            if (const auto wait = r.retryAfter(now); wait && *wait < Duration::zero()) std::abort();
            r.headers.emplace("Replay-Nonce", text.substr(0, newline));
            if (const auto nonce = r.replayNonce();
                nonce && nonce->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
                             std::string::npos)
                std::abort();
            for (const char* rel : {"alternate", "index", "up"}) (void)r.links(rel);
            break;
        }
        default: readChain(text); break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        readOne(data[0], text);
    } catch (const Error&) {
        // a clear error: what the client reports
    }
    // anything else escapes, and libFuzzer reports it as a crash
    return 0;
}
