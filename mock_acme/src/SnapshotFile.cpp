#include "SnapshotFile.h"

#include <sqlite3.h>
#include <sys/stat.h>

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

Array::Ptr strings(const std::vector<std::string>& v) {
    Array::Ptr a = new Array;
    for (const auto& s : v) a->add(s);
    return a;
}
std::vector<std::string> strings(const Object& o, const std::string& name) {
    std::vector<std::string> out;
    if (auto a = o.getArray(name))
        for (std::size_t i = 0; i < a->size(); ++i) out.push_back(a->getElement<std::string>(static_cast<unsigned>(i)));
    return out;
}
Object::Ptr identifier(const Identifier& id) {
    Object::Ptr o = new Object;
    o->set("type", id.typeName());
    o->set("value", id.value);
    return o;
}
Identifier identifier(const Object& o) {
    return Identifier{o.getValue<std::string>("type") == "ip" ? Identifier::Type::Ip : Identifier::Type::Dns,
                      o.getValue<std::string>("value")};
}
Object::Ptr problem(const std::optional<AcmeProblem>& p) {
    return p ? cxxacme::detail::parseJsonObject(p->toJson(), 1 << 20, "problem") : nullptr;
}
std::optional<AcmeProblem> problem(const Object& o, const std::string& name) {
    auto p = o.getObject(name);
    if (!p) return std::nullopt;
    return AcmeProblem::fromJson(cxxacme::detail::toJsonText(*p), p->optValue<int>("status", 400));
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
        if (a.eabKeyId) o->set("eabKeyId", *a.eabKeyId);
        o->set("orderIds", strings(a.orderIds));
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
        o->set("status", a.status);
        o->set("expires", secondsOf(a.expires));
        o->set("challengeIds", strings(a.challengeIds));
        authzs->add(o);
    }
    root.set("authorizations", authzs);
    Array::Ptr orders = new Array;
    for (const auto& [id, order] : s.orders) {
        Object::Ptr o = new Object;
        o->set("id", order.id);
        o->set("accountId", order.accountId);
        o->set("status", order.status);
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
        certs->add(o);
    }
    root.set("certificates", certs);
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
    const std::string text(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt, 1)));
    try {
        const auto root = cxxacme::detail::parseJsonObject(text, 1ull << 34, "snapshot");
        auto caJson = root->getObject("ca");
        std::vector<Certificate> roots;
        std::vector<PrivateKey> rootKeys, intermediateKeys;
        std::vector<std::vector<Certificate>> chains;
        auto rootArray = caJson->getArray("roots");
        for (std::size_t i = 0; i < rootArray->size(); ++i) {
            auto r = rootArray->getObject(static_cast<unsigned>(i));
            roots.push_back(Certificate::fromPem(r->getValue<std::string>("certificate")));
            rootKeys.push_back(PrivateKey::fromPem(r->getValue<std::string>("key")));
        }
        if (caJson->has("chains")) {
            for (const auto& pem : strings(*caJson, "intermediateKeys")) intermediateKeys.push_back(PrivateKey::fromPem(pem));
            auto chainArray = caJson->getArray("chains");
            for (std::size_t i = 0; chainArray && i < chainArray->size(); ++i) {
                auto chain = chainArray->getArray(static_cast<unsigned>(i));
                if (!chain) throw Error("a chain is not an array");
                std::vector<Certificate> line;
                for (std::size_t j = 0; j < chain->size(); ++j)
                    line.push_back(Certificate::fromPem(chain->getElement<std::string>(static_cast<unsigned>(j))));
                chains.push_back(std::move(line));
            }
        } else {  // written before chains of several intermediates: one per chain
            intermediateKeys.push_back(PrivateKey::fromPem(caJson->getValue<std::string>("intermediateKey")));
            for (const auto& pem : strings(*caJson, "intermediates")) chains.push_back({Certificate::fromPem(pem)});
        }
        auto ca = std::make_unique<MockCertificateAuthority>(roots, rootKeys, intermediateKeys, chains);

        const long long offset = root->getValue<long long>("offsetSeconds");
        if (offset > kMaxClockOffsetSeconds || offset < -kMaxClockOffsetSeconds)
            throw std::runtime_error("its clock offset is beyond 100 years");
        s.offset = std::chrono::seconds(offset);
        auto each = [&](const char* name, auto&& f) {
            auto a = root->getArray(name);
            for (std::size_t i = 0; a && i < a->size(); ++i) f(*a->getObject(static_cast<unsigned>(i)));
        };
        each("accounts", [&](const Object& o) {
            const Jwk key = Jwk::fromJson(*o.getObject("key"));
            Account a{.id = o.getValue<std::string>("id"), .key = key, .thumbprint = key.thumbprint()};
            a.status = o.getValue<std::string>("status");
            a.contact = strings(o, "contact");
            a.termsAgreed = o.getValue<bool>("termsAgreed");
            if (o.has("eabKeyId")) a.eabKeyId = o.getValue<std::string>("eabKeyId");
            a.orderIds = strings(o, "orderIds");
            s.accountByThumbprint[a.thumbprint] = a.id;
            s.accounts.emplace(a.id, std::move(a));
        });
        each("challenges", [&](const Object& o) {
            Challenge c;
            c.id = o.getValue<std::string>("id");
            c.type = o.getValue<std::string>("type");
            c.token = o.getValue<std::string>("token");
            c.status = o.getValue<std::string>("status");
            c.authzId = o.getValue<std::string>("authzId");
            if (o.has("validated")) c.validated = timeOf(o.getValue<long long>("validated"));
            c.error = problem(o, "error");
            if (c.status == "processing") {  // its validation died with the old process
                c.status = "invalid";
                c.error = AcmeProblem("serverInternal", "mock-acme restarted during validation", 500);
            }
            s.challenges.emplace(c.id, std::move(c));
        });
        each("authorizations", [&](const Object& o) {
            Authorization a;
            a.id = o.getValue<std::string>("id");
            a.accountId = o.getValue<std::string>("accountId");
            a.identifier = identifier(*o.getObject("identifier"));
            a.wildcard = o.getValue<bool>("wildcard");
            a.status = o.getValue<std::string>("status");
            a.expires = timeOf(o.getValue<long long>("expires"));
            a.challengeIds = strings(o, "challengeIds");
            for (const auto& cid : a.challengeIds)
                if (a.status == "pending" && s.challenges.count(cid) && s.challenges.at(cid).status == "invalid" &&
                    s.challenges.at(cid).error && s.challenges.at(cid).error->is("serverInternal"))
                    a.status = "invalid";
            s.authorizations.emplace(a.id, std::move(a));
        });
        each("orders", [&](const Object& o) {
            Order order;
            order.id = o.getValue<std::string>("id");
            order.accountId = o.getValue<std::string>("accountId");
            order.status = o.getValue<std::string>("status");
            order.expires = timeOf(o.getValue<long long>("expires"));
            auto ids = o.getArray("identifiers");
            for (std::size_t i = 0; ids && i < ids->size(); ++i) order.identifiers.push_back(identifier(*ids->getObject(static_cast<unsigned>(i))));
            order.authzIds = strings(o, "authzIds");
            order.profile = o.getValue<std::string>("profile");
            if (o.has("replaces")) order.replaces = o.getValue<std::string>("replaces");
            if (o.has("notBefore")) order.notBefore = timeOf(o.getValue<long long>("notBefore"));
            if (o.has("notAfter")) order.notAfter = timeOf(o.getValue<long long>("notAfter"));
            order.certId = o.getValue<std::string>("certId");
            // a finalize that was signing when the old process stopped never finished: ready again
            if (order.status == "processing" && order.certId.empty()) order.status = "ready";
            order.error = problem(o, "error");
            s.orders.emplace(order.id, std::move(order));
        });
        each("certificates", [&](const Object& o) {
            const auto leaf = Certificate::fromPem(o.getValue<std::string>("leaf"));
            IssuedCertificate c{.id = o.getValue<std::string>("id"),
                                .accountId = o.getValue<std::string>("accountId"),
                                .leafPem = leaf.toPem(),  // the certificate's own PEM, whatever surrounded it in the file
                                .names = leaf.subjectAltNames(),
                                .notBefore = leaf.notBefore(),
                                .notAfter = leaf.notAfter(),
                                .ariId = o.getValue<std::string>("ariId")};
            c.revoked = o.getValue<bool>("revoked");
            c.reason = o.getValue<int>("reason");
            c.revokedAt = timeOf(o.getValue<long long>("revokedAt"));
            if (o.has("windowStart"))
                c.renewalWindow = std::make_pair(timeOf(o.getValue<long long>("windowStart")), timeOf(o.getValue<long long>("windowEnd")));
            s.certificateByAriId[c.ariId] = c.id;
            s.certificates.emplace(c.id, std::move(c));
        });
        return ca;
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error("mock-acme persistence: " + path_ + " holds an unreadable snapshot: " + e.what());
    }
}

}  // namespace cxxacme::mock_acme::state
