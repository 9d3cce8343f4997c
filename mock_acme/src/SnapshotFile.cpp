#include "SnapshotFile.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <stdexcept>
#include <tuple>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/Json.h"

namespace cxxacme::mock_acme::state {

using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

constexpr int kVersion = 1;

long long secondsOf(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
TimePoint timeOf(long long s) { return timePointFromUnixSeconds(s); }  // held to 1950..2200, whatever the file says

// The rate limits' counts: times in milliseconds since 1970, held to 1950..2200 when read.
Array::Ptr times(const RecentTimes& recent) {
    Array::Ptr out = new Array;
    for (const auto t : recent.times)
        out->add(static_cast<Poco::Int64>(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()));
    return out;
}
Object::Ptr counts(const std::unordered_map<std::string, RecentTimes>& byKey) {
    Object::Ptr out = new Object;
    for (const auto& [key, recent] : byKey)
        if (!recent.times.empty()) out->set(key, times(recent));
    return out;
}

template <typename Strings>
Array::Ptr strings(const Strings& v) {
    Array::Ptr a = new Array;
    for (const auto& s : v) a->add(s);
    return a;
}
// The reading side: every member read with its type checked, so that a
// hand-edited or damaged snapshot fails naming what is wrong (with the place
// load() keeps) instead of in POCO's words ("Invalid access", "Null pointer").
[[noreturn]] void wrongMember(const std::string& name, const char* kind) {
    throw std::runtime_error("\"" + name + "\" is missing or not " + kind);
}
std::string text(const Object& o, const std::string& name) {
    const Poco::Dynamic::Var v = o.get(name);
    if (!v.isString()) wrongMember(name, "a string");
    return v.extract<std::string>();
}
long long integer(const Object& o, const std::string& name) {
    const auto v = cxxacme::detail::integerValue(o.get(name));
    if (!v) wrongMember(name, "an integer that fits 64 bits");
    return *v;
}
bool boolean(const Object& o, const std::string& name) {
    const Poco::Dynamic::Var v = o.get(name);
    if (!v.isBoolean()) wrongMember(name, "true or false");
    return v.extract<bool>();
}
Object::Ptr object(const Object& o, const std::string& name) {
    auto p = o.getObject(name);
    if (!p) wrongMember(name, "an object");
    return p;
}
// An absent array reads as empty; anything else but an array is an error.
Array::Ptr array(const Object& o, const std::string& name) {
    if (!o.has(name)) return new Array;
    auto a = o.getArray(name);
    if (!a) throw std::runtime_error("\"" + name + "\" is not an array");
    return a;
}
Object::Ptr objectAt(const Array& a, std::size_t i, const std::string& name) {
    auto p = a.getObject(static_cast<unsigned>(i));
    if (!p) throw std::runtime_error(name + "[" + std::to_string(i) + "] is not an object");
    return p;
}
std::vector<std::string> strings(const Object& o, const std::string& name) {
    std::vector<std::string> out;
    const auto a = array(o, name);
    for (std::size_t i = 0; i < a->size(); ++i) {
        const Poco::Dynamic::Var v = a->get(static_cast<unsigned>(i));
        if (!v.isString()) throw std::runtime_error(name + "[" + std::to_string(i) + "] is not a string");
        out.push_back(v.extract<std::string>());
    }
    return out;
}
Object::Ptr identifier(const Identifier& id) {
    Object::Ptr o = new Object;
    o->set("type", id.typeName());
    o->set("value", id.value);
    return o;
}
Identifier identifier(const Object& o) {
    return Identifier{text(o, "type") == "ip" ? Identifier::Type::Ip : Identifier::Type::Dns, text(o, "value")};
}
Object::Ptr problem(const std::optional<AcmeProblem>& p) {
    return p ? cxxacme::detail::parseJsonObject(p->toJson(), 1 << 20, "problem") : nullptr;
}
std::optional<AcmeProblem> problem(const Object& o, const std::string& name) {
    if (!o.has(name)) return std::nullopt;
    const auto p = object(o, name);
    return AcmeProblem::fromJson(cxxacme::detail::toJsonText(*p), 400);  // the document's own status, if it has one
}

RecentTimes timesAt(const Object& o, const std::string& name) {
    constexpr long long kFrom = -631152000000LL, kUntil = 7258118400000LL;  // 1950 .. 2200, in milliseconds
    RecentTimes recent;
    const auto list = array(o, name);
    for (std::size_t i = 0; i < list->size(); ++i) {
        const Poco::Dynamic::Var v = list->get(static_cast<unsigned>(i));
        if (!v.isInteger()) throw std::runtime_error("\"" + name + "\" holds something that is not a time");
        const long long ms = v.convert<Poco::Int64>();
        if (ms < kFrom || ms > kUntil) throw std::runtime_error("\"" + name + "\" holds a time before 1950 or after 2200");
        const TimePoint t{std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms))};
        if (!recent.times.empty() && t < recent.times.back()) throw std::runtime_error("\"" + name + "\" is not oldest first");
        recent.times.push_back(t);
    }
    return recent;
}
// `name`'s counts by key into `byKey`, each key queued in `byAge` (as `prefix` + key) by its oldest time.
void countsAt(const Object& o, const std::string& name, std::unordered_map<std::string, RecentTimes>& byKey,
              std::multimap<TimePoint, std::string>& byAge, const std::string& prefix = "") {
    if (!o.has(name)) return;
    const auto all = object(o, name);
    for (const auto& key : all->getNames()) {
        RecentTimes recent = timesAt(*all, key);
        if (recent.times.empty()) continue;
        byAge.emplace(recent.times.front(), prefix + key);
        byKey[key] = std::move(recent);
    }
}

void check(int rc, sqlite3* db, const std::string& what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw Error("mock-acme persistence: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

SnapshotFile::SnapshotFile(std::string path) : path_(std::move(path)) {
    try {
        check(sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                              nullptr),
              db_, "opening " + path_);
        ::chmod(path_.c_str(), 0600);  // it holds the CA's private keys
        sqlite3_busy_timeout(db_, 5000);
        check(sqlite3_exec(db_,
                           "PRAGMA journal_mode=WAL;"
                           "CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), "
                           "version INTEGER NOT NULL, json TEXT NOT NULL);",
                           nullptr, nullptr, nullptr),
              db_, "creating the schema in " + path_);
    } catch (...) {
        sqlite3_close(db_);  // the handle exists even when opening failed
        db_ = nullptr;
        throw;
    }
}

SnapshotFile::~SnapshotFile() { sqlite3_close(db_); }

std::string SnapshotFile::serialize(const EngineData& s, const MockCertificateAuthority& ca) {
    Object root;
    root.set("offsetSeconds", std::chrono::duration_cast<std::chrono::seconds>(s.offset).count());
    if (s.termsOfService) root.set("termsOfService", *s.termsOfService);
    Object::Ptr caJson = new Object;
    Array::Ptr roots = new Array;
    Array::Ptr chains = new Array;
    for (std::size_t i = 0; i < ca.chainCount(); ++i) {
        Object::Ptr r = new Object;
        r->set("certificate", ca.root(i).toPem());
        r->set("key", ca.rootKey(i).toPem());
        roots->add(r);
        Array::Ptr chain = new Array;
        for (const auto& c : ca.chain(i)) chain->add(c.toPem());
        chains->add(chain);
    }
    caJson->set("roots", roots);
    caJson->set("chains", chains);
    Array::Ptr keys = new Array;
    for (const auto& k : ca.intermediateKeys()) keys->add(k.toPem());
    caJson->set("intermediateKeys", keys);
    root.set("ca", caJson);

    Array::Ptr accounts = new Array;
    for (const auto& [id, a] : s.accounts) {
        Object::Ptr o = new Object;
        o->set("id", a.id);
        o->set("key", a.key.toObject());
        o->set("status", a.status);
        o->set("contact", strings(a.contact));
        o->set("termsAgreed", a.termsAgreed);
        if (!a.agreedTerms.empty()) o->set("agreedTerms", a.agreedTerms);
        if (a.eabKeyId) o->set("eabKeyId", *a.eabKeyId);
        o->set("orderIds", strings(a.orderIds));
        // MockAcmeConfig::pauseAfterFailures: what is paused, its link, and the counts towards it
        if (!a.paused.empty()) {
            o->set("paused", strings(a.paused));
            o->set("unpauseToken", a.unpauseToken);
        }
        if (!a.failuresInARow.empty()) {
            Object::Ptr inARow = new Object;
            for (const auto& [key, n] : a.failuresInARow) inARow->set(key, n);
            o->set("failuresInARow", inARow);
        }
        // the rate limits' counts of the account: its new orders, its failed validations by name
        if (!a.recentOrders.times.empty()) o->set("recentOrders", times(a.recentOrders));
        if (!a.failedValidations.empty()) o->set("failedValidations", counts(a.failedValidations));
        accounts->add(o);
    }
    root.set("accounts", accounts);
    Array::Ptr challenges = new Array;
    for (const auto& [id, c] : s.challenges) {
        Object::Ptr o = new Object;
        o->set("id", c.id);
        o->set("type", c.type);
        o->set("token", c.token);
        o->set("status", c.status);
        o->set("authzId", c.authzId);
        if (c.validated) o->set("validated", secondsOf(*c.validated));
        if (c.error) o->set("error", problem(c.error));
        challenges->add(o);
    }
    root.set("challenges", challenges);
    Array::Ptr authzs = new Array;
    for (const auto& [id, a] : s.authorizations) {
        Object::Ptr o = new Object;
        o->set("id", a.id);
        o->set("accountId", a.accountId);
        o->set("identifier", identifier(a.identifier));
        o->set("wildcard", a.wildcard);
        if (a.preauthorized) o->set("preauthorized", true);
        if (a.subdomains) o->set("subdomainAuthAllowed", true);
        if (!a.profile.empty()) o->set("profile", a.profile);
        o->set("status", a.status);
        o->set("created", secondsOf(a.created));
        o->set("expires", secondsOf(a.expires));
        o->set("challengeIds", strings(a.challengeIds));
        if (a.caaChecked) o->set("caaChecked", secondsOf(*a.caaChecked));
        authzs->add(o);
    }
    root.set("authorizations", authzs);
    Array::Ptr orders = new Array;
    for (const auto& [id, order] : s.orders) {
        Object::Ptr o = new Object;
        o->set("id", order.id);
        o->set("accountId", order.accountId);
        o->set("status", order.status);
        o->set("created", secondsOf(order.created));
        o->set("expires", secondsOf(order.expires));
        Array::Ptr ids = new Array;
        for (const auto& i : order.identifiers) ids->add(identifier(i));
        o->set("identifiers", ids);
        o->set("authzIds", strings(order.authzIds));
        o->set("profile", order.profile);
        if (order.replaces) o->set("replaces", *order.replaces);
        if (order.notBefore) o->set("notBefore", secondsOf(*order.notBefore));
        if (order.notAfter) o->set("notAfter", secondsOf(*order.notAfter));
        o->set("certId", order.certId);
        if (order.error) o->set("error", problem(order.error));
        orders->add(o);
    }
    root.set("orders", orders);
    Array::Ptr certs = new Array;
    for (const auto& [id, c] : s.certificates) {
        Object::Ptr o = new Object;
        o->set("id", c.id);
        o->set("accountId", c.accountId);
        o->set("leaf", c.leafPem);
        o->set("ariId", c.ariId);
        o->set("revoked", c.revoked);
        o->set("reason", c.reason);
        o->set("revokedAt", secondsOf(c.revokedAt));
        if (c.renewalWindow) {
            o->set("windowStart", secondsOf(c.renewalWindow->first));
            o->set("windowEnd", secondsOf(c.renewalWindow->second));
        }
        if (!c.renewalExplanation.empty()) o->set("explanationURL", c.renewalExplanation);
        certs->add(o);
    }
    root.set("certificates", certs);
    Array::Ptr forgotten = new Array;
    for (const auto& [serial, f] : s.forgottenRevocations) {
        Object::Ptr o = new Object;
        o->set("serial", serial);
        o->set("revokedAt", secondsOf(f.revokedAt));
        o->set("reason", f.reason);
        o->set("notAfter", secondsOf(f.notAfter));
        forgotten->add(o);
    }
    root.set("forgottenRevocations", forgotten);
    // the other rate limits' counts, so that a restart does not reset a limit a test is leaning on
    Object::Ptr limits = new Object;
    limits->set("issuedForSet", counts(s.issuedForSet));
    limits->set("issuedForDomain", counts(s.issuedForDomain));
    limits->set("lastIssuedForSet", counts(s.lastIssuedForSet));
    limits->set("registrationsByAddress", counts(s.registrationsByAddress));
    limits->set("registrationsByRange", counts(s.registrationsByRange));
    root.set("limits", limits);
    return cxxacme::detail::toJsonText(root);
}

void SnapshotFile::write(const std::string& text) {
    sqlite3_stmt* stmt = nullptr;
    check(sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO snapshot (id, version, json) VALUES (1, ?, ?)", -1, &stmt, nullptr),
          db_, "preparing a save");
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> guard(stmt, sqlite3_finalize);
    sqlite3_bind_int(stmt, 1, kVersion);
    sqlite3_bind_text(stmt, 2, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    check(sqlite3_step(stmt), db_, "saving to " + path_);
}

std::unique_ptr<MockCertificateAuthority> SnapshotFile::load(EngineState& s) {
    sqlite3_stmt* stmt = nullptr;
    check(sqlite3_prepare_v2(db_, "SELECT version, json FROM snapshot WHERE id = 1", -1, &stmt, nullptr), db_,
          "preparing a load");
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> guard(stmt, sqlite3_finalize);
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) return nullptr;
    check(rc, db_, "loading from " + path_);
    if (sqlite3_column_int(stmt, 0) != kVersion)
        throw Error("mock-acme persistence: " + path_ + " has snapshot version " +
                    std::to_string(sqlite3_column_int(stmt, 0)) + ", this build reads " + std::to_string(kVersion));
    const std::string json(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt, 1)));
    // where load() is reading, for the error: "orders[3]", "ca.chains[0][1]"
    std::string place = "the snapshot";
    try {
        const auto root = cxxacme::detail::parseJsonObject(json, 1ull << 34, "snapshot");
        place = "ca";
        const auto caJson = object(*root, "ca");
        std::vector<Certificate> roots;
        std::vector<PrivateKey> rootKeys, intermediateKeys;
        std::vector<std::vector<Certificate>> chains;
        const auto rootArray = array(*caJson, "roots");
        for (std::size_t i = 0; i < rootArray->size(); ++i) {
            place = "ca.roots[" + std::to_string(i) + "]";
            const auto r = objectAt(*rootArray, i, "roots");
            roots.push_back(Certificate::fromPem(text(*r, "certificate")));
            rootKeys.push_back(PrivateKey::fromPem(text(*r, "key")));
        }
        place = "ca";
        if (caJson->has("chains")) {
            for (const auto& pem : strings(*caJson, "intermediateKeys")) intermediateKeys.push_back(PrivateKey::fromPem(pem));
            const auto chainArray = array(*caJson, "chains");
            for (std::size_t i = 0; i < chainArray->size(); ++i) {
                place = "ca.chains[" + std::to_string(i) + "]";
                const auto chain = chainArray->getArray(static_cast<unsigned>(i));
                if (!chain) throw std::runtime_error("not an array");
                std::vector<Certificate> line;
                for (std::size_t j = 0; j < chain->size(); ++j) {
                    place = "ca.chains[" + std::to_string(i) + "][" + std::to_string(j) + "]";
                    const Poco::Dynamic::Var pem = chain->get(static_cast<unsigned>(j));
                    if (!pem.isString()) throw std::runtime_error("not a string");
                    line.push_back(Certificate::fromPem(pem.extract<std::string>()));
                }
                chains.push_back(std::move(line));
            }
        } else {  // written before chains of several intermediates: one per chain
            intermediateKeys.push_back(PrivateKey::fromPem(text(*caJson, "intermediateKey")));
            for (const auto& pem : strings(*caJson, "intermediates")) chains.push_back({Certificate::fromPem(pem)});
        }
        auto ca = std::make_unique<MockCertificateAuthority>(roots, rootKeys, intermediateKeys, chains);

        place = "the snapshot";
        const long long offset = integer(*root, "offsetSeconds");
        if (offset > kMaxClockOffsetSeconds || offset < -kMaxClockOffsetSeconds)
            throw std::runtime_error("its clock offset is beyond 100 years");
        s.offset = std::chrono::seconds(offset);
        if (root->has("termsOfService")) s.termsOfService = text(*root, "termsOfService");
        auto each = [&](const char* name, auto&& f) {
            place = "the snapshot";
            const auto a = array(*root, name);
            for (std::size_t i = 0; i < a->size(); ++i) {
                place = std::string(name) + "[" + std::to_string(i) + "]";
                f(*objectAt(*a, i, name));
            }
        };
        each("accounts", [&](const Object& o) {
            const Jwk key = Jwk::fromJson(*object(o, "key"));
            Account a{.id = text(o, "id"), .key = key, .thumbprint = key.thumbprint()};
            a.status = text(o, "status");
            a.contact = strings(o, "contact");
            a.termsAgreed = boolean(o, "termsAgreed");
            if (o.has("agreedTerms")) a.agreedTerms = text(o, "agreedTerms");
            if (o.has("eabKeyId")) a.eabKeyId = text(o, "eabKeyId");
            const auto orderIds = strings(o, "orderIds");
            a.orderIds.assign(orderIds.begin(), orderIds.end());
            if (o.has("paused")) {
                for (const auto& key : strings(o, "paused")) a.paused.insert(key);
                a.unpauseToken = text(o, "unpauseToken");
                if (a.unpauseToken.empty()) throw Error("an account with paused names has no unpause token");
                s.unpauseTokens[a.unpauseToken] = a.id;
            }
            if (o.has("failuresInARow")) {
                const auto inARow = object(o, "failuresInARow");
                for (const auto& key : inARow->getNames())
                    a.failuresInARow[key] = static_cast<int>(integer(*inARow, key));
            }
            if (o.has("recentOrders")) a.recentOrders = timesAt(o, "recentOrders");
            countsAt(o, "failedValidations", a.failedValidations, s.failuresByAge, a.id + "\n");
            s.accountByThumbprint[a.thumbprint] = a.id;
            s.accounts.emplace(a.id, std::move(a));
        });
        each("challenges", [&](const Object& o) {
            Challenge c;
            c.id = text(o, "id");
            c.type = text(o, "type");
            c.token = text(o, "token");
            c.status = text(o, "status");
            c.authzId = text(o, "authzId");
            if (o.has("validated")) c.validated = timeOf(integer(o, "validated"));
            c.error = problem(o, "error");
            if (c.status == "processing") {  // its validation died with the old process
                c.status = "invalid";
                c.error = AcmeProblem("serverInternal", "mock-acme restarted during validation", 500);
            }
            s.challenges.emplace(c.id, std::move(c));
        });
        each("authorizations", [&](const Object& o) {
            Authorization a;
            a.id = text(o, "id");
            a.accountId = text(o, "accountId");
            a.identifier = identifier(*object(o, "identifier"));
            a.wildcard = boolean(o, "wildcard");
            if (o.has("preauthorized")) a.preauthorized = boolean(o, "preauthorized");
            if (o.has("subdomainAuthAllowed")) a.subdomains = boolean(o, "subdomainAuthAllowed");
            // a file from before profiles and creation times were kept: reused by no order of
            // another profile, made when it expires
            if (o.has("profile")) a.profile = text(o, "profile");
            a.status = text(o, "status");
            a.expires = timeOf(integer(o, "expires"));
            a.created = o.has("created") ? timeOf(integer(o, "created")) : a.expires;
            a.challengeIds = strings(o, "challengeIds");
            if (o.has("caaChecked")) a.caaChecked = timeOf(integer(o, "caaChecked"));
            for (const auto& cid : a.challengeIds)
                if (a.status == "pending" && s.challenges.count(cid) && s.challenges.at(cid).status == "invalid" &&
                    s.challenges.at(cid).error && s.challenges.at(cid).error->is("serverInternal"))
                    a.status = "invalid";
            s.authorizations.emplace(a.id, std::move(a));
        });
        each("orders", [&](const Object& o) {
            Order order;
            order.id = text(o, "id");
            order.accountId = text(o, "accountId");
            order.status = text(o, "status");
            order.expires = timeOf(integer(o, "expires"));
            // written before orders kept their age: counted from their expiry, later than it was
            order.created = o.has("created") ? timeOf(integer(o, "created")) : order.expires;
            const auto ids = array(o, "identifiers");
            for (std::size_t i = 0; i < ids->size(); ++i) order.identifiers.push_back(identifier(*objectAt(*ids, i, "identifiers")));
            order.authzIds = strings(o, "authzIds");
            order.profile = text(o, "profile");
            if (o.has("replaces")) order.replaces = text(o, "replaces");
            if (o.has("notBefore")) order.notBefore = timeOf(integer(o, "notBefore"));
            if (o.has("notAfter")) order.notAfter = timeOf(integer(o, "notAfter"));
            order.certId = text(o, "certId");
            // a finalize that was signing when the old process stopped never finished: ready again
            if (order.status == "processing" && order.certId.empty()) order.status = "ready";
            order.error = problem(o, "error");
            s.orders.emplace(order.id, std::move(order));
        });
        each("certificates", [&](const Object& o) {
            const auto leaf = Certificate::fromPem(text(o, "leaf"));
            IssuedCertificate c{.id = text(o, "id"),
                                .accountId = text(o, "accountId"),
                                .leafPem = leaf.toPem(),  // the certificate's own PEM, whatever surrounded it in the file
                                .names = leaf.subjectAltNames(),
                                .notBefore = leaf.notBefore(),
                                .notAfter = leaf.notAfter(),
                                .ariId = text(o, "ariId")};
            c.revoked = boolean(o, "revoked");
            const long long reason = integer(o, "reason");
            if (reason < 0 || reason > 10) throw std::runtime_error("\"reason\" is not a CRL reason code");
            c.reason = static_cast<int>(reason);
            c.revokedAt = timeOf(integer(o, "revokedAt"));
            if (o.has("windowStart"))
                c.renewalWindow = std::make_pair(timeOf(integer(o, "windowStart")), timeOf(integer(o, "windowEnd")));
            if (o.has("explanationURL")) c.renewalExplanation = text(o, "explanationURL");
            s.certificateByAriId[c.ariId] = c.id;
            if (c.revoked) s.revokedCertificateIds.insert(c.id);
            s.certificates.emplace(c.id, std::move(c));
        });
        if (root->has("forgottenRevocations"))  // snapshots from before it have none
            each("forgottenRevocations", [&](const Object& o) {
                const std::string serial = text(o, "serial");
                if (serial.empty() || serial.size() > 40 || serial.find_first_not_of("0123456789ABCDEF") != std::string::npos)
                    throw std::runtime_error("\"serial\" is not a serial number in upper-case hex");
                const long long reason = integer(o, "reason");
                if (reason < 0 || reason > 10) throw std::runtime_error("\"reason\" is not a CRL reason code");
                s.forgottenRevocations[serial] = ForgottenRevocation{timeOf(integer(o, "revokedAt")), static_cast<int>(reason),
                                                                     timeOf(integer(o, "notAfter"))};
            });
        if (root->has("limits")) {  // snapshots from before they were kept have none
            place = "limits";
            const auto limits = object(*root, "limits");
            countsAt(*limits, "issuedForSet", s.issuedForSet, s.issuedSetsByAge);
            countsAt(*limits, "issuedForDomain", s.issuedForDomain, s.issuedDomainsByAge);
            countsAt(*limits, "lastIssuedForSet", s.lastIssuedForSet, s.lastIssuedSetsByAge);
            countsAt(*limits, "registrationsByAddress", s.registrationsByAddress, s.registrationAddressesByAge);
            countsAt(*limits, "registrationsByRange", s.registrationsByRange, s.registrationRangesByAge);
        }
        // the records' links, which the engine follows without looking: each must lead somewhere
        place = "the snapshot";
        for (const auto& [id, authz] : s.authorizations)
            for (const auto& cid : authz.challengeIds)
                if (!s.challenges.count(cid))
                    throw std::runtime_error("authorization " + id + " lists challenge " + cid + ", which it does not hold");
        for (const auto& [id, c] : s.challenges)
            if (!s.authorizations.count(c.authzId))
                throw std::runtime_error("challenge " + id + " belongs to authorization " + c.authzId + ", which it does not hold");
        // what is not saved: how many orders list each authorization, and the orders by age
        for (const auto& [id, order] : s.orders) {
            for (const auto& aid : order.authzIds) {
                const auto a = s.authorizations.find(aid);
                if (a == s.authorizations.end())
                    throw std::runtime_error("order " + id + " lists authorization " + aid + ", which it does not hold");
                ++a->second.orders;
            }
            s.ordersByAge.emplace(order.created, id);
            // the one order for its names, profile and validity that may be given back (EngineState::reusableOrders)
            if (!order.replaces && (order.status == "pending" || order.status == "ready"))
                s.reusableOrders[EngineState::reuseKey(order)] = id;
        }
        // and each account's authorizations by name, oldest first
        for (const auto& [id, authz] : s.authorizations) s.indexAuthorization(authz);
        for (auto& [key, ids] : s.authorizationsByName)
            std::sort(ids.begin(), ids.end(), [&s](const std::string& a, const std::string& b) {
                const Authorization &x = s.authorizations.at(a), &y = s.authorizations.at(b);
                return std::tie(x.created, x.expires) < std::tie(y.created, y.expires);
            });
        return ca;
    } catch (const std::exception& e) {
        // cxxacme's own errors too (a bad PEM, a bad JWK): the message names the file and the place
        throw Error("mock-acme persistence: " + path_ + " holds an unreadable snapshot: at " + place + ": " + e.what());
    }
}

}  // namespace cxxacme::mock_acme::state
