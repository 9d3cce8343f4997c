#include "cxxacme/endpoints/OnDemandIssuance.h"

#include <atomic>
#include <future>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <Poco/Logger.h>

#include "cxxacme/AcmeResources.h"
#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/detail/StoreKeysNaming.h"

namespace cxxacme::endpoints {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.endpoint.ondemand"); }

// Above this many names held after failures, the ended holds are dropped when one more is added.
constexpr std::size_t kHeldNamesTidied = 1024;

}  // namespace

struct OnDemandIssuance::State {
    mutable std::mutex mutex;
    std::unordered_map<std::string, TimePoint> heldUntil;  // failed names, until when they are refused
    // issuances every handshake gave up waiting for: their outcome is looked at by the next handshake
    std::unordered_map<std::string, std::shared_future<PemBundle>> unwatched;
    std::size_t waiting = 0;
    Counters counters;
    std::atomic<bool> stopping = false;
};

OnDemandIssuance::OnDemandIssuance(AcmeIssuingService& service, ICertificateStore& store, IClock& clock,
                                   OnDemandOptions options)
    : service_(service), store_(store), clock_(clock), options_(std::move(options)), state_(std::make_unique<State>()) {
    if (!options_.allow) throw Error("on-demand issuance needs an allow function: which names may be issued");
    if (options_.maxConcurrent == 0) throw Error("on-demand issuance: maxConcurrent must be at least 1");
}

OnDemandIssuance::~OnDemandIssuance() = default;

OnDemandIssuance::Counters OnDemandIssuance::counters() const {
    std::lock_guard lock(state_->mutex);
    return state_->counters;
}

void OnDemandIssuance::stop() { state_->stopping = true; }

bool OnDemandIssuance::obtain(const std::string& serverName) {
    State& s = *state_;
    std::string name;
    if (ServerName::isAscii(serverName) && !ServerName::isWildcard(serverName) && !ServerName::isIpAddress(serverName)) {
        try {
            name = ServerName::canonical(serverName);
        } catch (const InvalidNameError&) {
        }
    }
    const auto count = [&s](std::uint64_t Counters::*counter) {
        std::lock_guard lock(s.mutex);
        ++(s.counters.*counter);
    };
    if (name.empty() || s.stopping) {
        count(&Counters::notAllowed);
        return false;
    }
    const auto hold = [&](const std::string& why) {
        logger().warning("on-demand issuance of " + name + " failed (" + why + "); handshakes for it are refused until " +
                         formatRfc3339(clock_.now() + options_.failureHold));
        std::lock_guard lock(s.mutex);
        if (s.heldUntil.size() >= kHeldNamesTidied)
            std::erase_if(s.heldUntil, [now = clock_.now()](const auto& held) { return held.second <= now; });
        s.heldUntil[name] = clock_.now() + options_.failureHold;
    };
    std::optional<std::shared_future<PemBundle>> earlier;  // an issuance earlier handshakes stopped waiting for
    {
        std::lock_guard lock(s.mutex);
        if (const auto it = s.heldUntil.find(name); it != s.heldUntil.end()) {
            if (clock_.now() < it->second) {
                ++s.counters.held;
                return false;
            }
            s.heldUntil.erase(it);
        }
        if (s.waiting >= options_.maxConcurrent) {
            ++s.counters.busy;
            logger().warning("on-demand issuance of " + name + " refused: " + std::to_string(s.waiting) +
                             " handshakes are waiting for theirs");
            return false;
        }
        ++s.waiting;
        if (const auto it = s.unwatched.find(name); it != s.unwatched.end()) {
            earlier = it->second;
            s.unwatched.erase(it);
        }
    }
    struct Leave {
        State& s;
        ~Leave() {
            std::lock_guard lock(s.mutex);
            --s.waiting;
        }
    } leave{s};

    bool allowed = false;
    try {
        allowed = options_.allow(name);
    } catch (const std::exception& e) {
        logger().warning("on-demand issuance of " + name + ": the allow function failed: " + e.what());
    }
    if (!allowed) {
        logger().debug("on-demand issuance of " + name + " not allowed");  // a stranger's name: not worth a line each
        count(&Counters::notAllowed);
        if (earlier) {
            std::lock_guard lock(s.mutex);
            s.unwatched.emplace(name, *earlier);
        }
        return false;
    }
    std::shared_future<PemBundle> issued;
    if (earlier) {
        issued = *earlier;  // its outcome, whether it is in yet or not: the CA is not asked twice
    } else {
        // stored meanwhile (the service, another process, an operator), in its own entry or in one
        // of several names: served, not issued again; listed with other names and not issued yet
        // (or expired): that entry, not one more of its own
        const auto toIssue = entryToIssue(name);
        if (!toIssue) return true;
        const std::string& key = *toIssue;
        // a rate limit of the CA's that covers it (the account's new orders, its registered domain):
        // not asked until it ends, where every new name's handshake would otherwise cost a refused order
        if (const auto why = service_.holdOn(key)) {
            logger().information("on-demand issuance of " + name + " waits: " + *why);
            count(&Counters::rateLimited);
            return false;
        }
        logger().information("issuing " + name + " on demand" + (key == name ? "" : ", as the entry " + key));
        try {
            issued = service_.issueCert(key);
        } catch (const std::exception& e) {
            hold(e.what());
            count(&Counters::failed);
            return false;
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + options_.handshakeWait;
    // in slices, so that stop() ends the wait of a handshake that holds a connection's thread
    while (issued.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
        if (s.stopping || std::chrono::steady_clock::now() >= deadline) {
            logger().warning("a handshake for " + name + " stopped waiting for its on-demand certificate");
            std::lock_guard lock(s.mutex);
            s.unwatched[name] = issued;
            ++s.counters.timedOut;
            return false;
        }
    }
    try {
        issued.get();
    } catch (const std::exception& e) {
        hold(e.what());
        count(&Counters::failed);
        return false;
    }
    count(&Counters::issued);
    return true;
}

std::optional<std::string> OnDemandIssuance::entryToIssue(const std::string& name) {
    std::optional<std::string> listed;
    try {
        const TimePoint now = clock_.now();
        for (const auto& key : detail::storeKeysNaming(store_, name)) {
            const auto entry = store_.get(key);
            if (!entry) continue;  // removed meanwhile
            if (!entry->empty() && now < entry->notAfter()) return std::nullopt;
            if (key != name && !listed) listed = key;
        }
    } catch (const Error& e) {
        logger().warning("on-demand issuance of " + name + ": the store's entries cannot be read: " + e.what());
    }
    return listed ? *listed : name;
}

}  // namespace cxxacme::endpoints
