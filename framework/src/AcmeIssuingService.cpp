#include "cxxacme/AcmeIssuingService.h"

#include "cxxacme/IChangeNotifier.h"
#include "cxxacme/IExpiryIndex.h"

#include <algorithm>

#include <Poco/Logger.h>

#include "cxxacme/AcmeProblem.h"
#include "cxxacme/AcmeResources.h"
#include "cxxacme/Base64Url.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/Error.h"
#include "cxxacme/IRenewalInfoBoard.h"
#include "cxxacme/RateLimitScope.h"
#include "cxxacme/RevocationReason.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/SharedRateLimits.h"

namespace cxxacme {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.service"); }

std::string describe(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown error";
    }
}

}  // namespace

struct AcmeIssuingService::Listener {
    std::function<void(const IssuingEvent&)> callback;
};

AcmeIssuingService::AcmeIssuingService(ICertificateStore& store, IIssuer& issuer, IClock& clock,
                                       AcmeIssuingServiceOptions options)
    : store_(store),
      issuer_(issuer),
      clock_(clock),
      options_(std::move(options)),
      random_(options_.randomSeed),
      certsValid_(certsValidPromise_.get_future().share()),
      issuers_(options_.maxConcurrentIssuances, "cxxacme.service") {
    if (!options_.panic)
        options_.panic = [](const std::string& names, const std::string& error) {
            logger().critical("certificate for " + names + " expires soon and could not be reissued: " + error);
        };
    if (options_.checkInterval <= Duration::zero()) throw Error("checkInterval must be positive");
}

AcmeIssuingService::~AcmeIssuingService() { stop(); }

void AcmeIssuingService::start() {
    {
        std::lock_guard lock(mutex_);
        if (running_ || stopped_) return;
        running_ = true;
    }
    // an entry written empty while the service runs ("issue me") is issued at once, not at the next check
    if (auto* notifier = dynamic_cast<IChangeNotifier*>(&store_)) {
        auto subscription = notifier->onChange([this](const std::string& names) {
            checker_.post([this, names] { issueIfEmpty(names); });
        });
        std::lock_guard lock(mutex_);
        storeSubscription_ = std::move(subscription);
    }
    scheduleCheck();
    checker_.post([this] { check(true); });
}

std::optional<PemBundle> AcmeIssuingService::readEntry(const std::string& names, const char* purpose) const {
    try {
        return store_.get(names);
    } catch (const Error& e) {
        logger().error("entry " + names + " cannot be read for its " + purpose + ": " + e.what());
        return std::nullopt;
    }
}

void AcmeIssuingService::issueIfEmpty(const std::string& names) {
    const std::optional<PemBundle> current = readEntry(names, "issuance");
    if (!current || !current->empty()) return;  // removed, or a certificate (the next check judges it)
    const TimePoint now = clock_.now();
    {
        std::lock_guard lock(mutex_);
        if (stopped_ || inFlight_.count(names)) return;
        const auto f = failures_.find(names);
        if (f != failures_.end() && f->second.second > now) return;  // backing off: its retry asks
    }
    logger().information("new empty entry " + names + ": issuing it");
    // as a retry: a hold met meanwhile (here or by another instance) keeps it back, the lock is taken
    startIssuance(names, true, false, false, RateLimitScope::Renewal::None);
}

void AcmeIssuingService::stop() {
    IChangeNotifier::Subscription subscription;
    std::map<std::string, ScheduledCall> retries;
    std::vector<ScheduledCall> holdChecks;
    ScheduledCall next;
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
        lockWait_.notify_all();
        retries.swap(retries_);
        holdChecks.swap(holdChecks_);
        next = std::move(nextCheck_);
        subscription = std::move(storeSubscription_);
    }
    subscription.reset();  // waits for a report under way, which only posts
    next.cancel();
    for (auto& [names, call] : retries) call.cancel();
    for (auto& call : holdChecks) call.cancel();
    checker_.shutdown();
    issuers_.shutdown();
    try {
        certsValidPromise_.set_value();  // nobody waits for a stopped service
    } catch (const std::future_error&) {
    }
}

AcmeIssuingService::Subscription AcmeIssuingService::onEvent(std::function<void(const IssuingEvent&)> listener) {
    auto handle = std::make_shared<Listener>(Listener{std::move(listener)});
    std::lock_guard lock(mutex_);
    listeners_.push_back(handle);
    return handle;
}

void AcmeIssuingService::emit(const IssuingEvent& event) {
    std::vector<std::shared_ptr<Listener>> live;
    {
        std::lock_guard lock(mutex_);
        for (auto it = listeners_.begin(); it != listeners_.end();) {
            if (auto l = it->lock()) {
                live.push_back(std::move(l));
                ++it;
            } else {
                it = listeners_.erase(it);
            }
        }
    }
    for (const auto& l : live) {
        try {
            l->callback(event);
        } catch (const std::exception& e) {
            logger().error(std::string("an event listener failed: ") + e.what());
        }
    }
}

Duration AcmeIssuingService::renewalThreshold(const Certificate& cert) const {
    const Duration third = (cert.notAfter() - cert.notBefore()) / 3;
    return std::min(options_.reissueInterval, third);
}

Duration AcmeIssuingService::panicThreshold(const Certificate& cert) const {
    return std::min(options_.panicInterval, renewalThreshold(cert) / 2);
}

TimePoint AcmeIssuingService::renewalDue(const PemBundle& entry, const std::string& names) const {
    if (entry.empty()) return TimePoint::min();
    return dueOf(entry.certificate(), names).at;
}

bool AcmeIssuingService::inRenewalWindow(const PemBundle& entry, const std::string& names) const {
    if (entry.empty()) return false;
    const Due due = dueOf(entry.certificate(), names);
    return due.windowStart && clock_.now() >= *due.windowStart;
}

std::optional<RenewalInfo> AcmeIssuingService::renewalInfoFor(const Certificate& cert, const std::string& names) const {
    const std::string serial = cert.serialHex();
    const TimePoint now = clock_.now();
    {
        std::lock_guard lock(renewalInfoMutex_);
        if (const auto kept = renewalInfoKept_.find(serial); kept != renewalInfoKept_.end()) {
            if (now < kept->second.second) return kept->second.first;
            renewalInfoKept_.erase(kept);
        }
    }
    // the answer another instance over the store (or an earlier command) got, while it holds
    auto* board = names.empty() ? nullptr : dynamic_cast<IRenewalInfoBoard*>(&store_);
    std::string identity;
    if (board) {
        identity = Base64Url::encode(detail::sha256(cert.toDer()));
        try {
            const auto posted = board->renewalInfo(names, now);
            // about this certificate, and kept no longer than RFC 9773 §4.3.2 lets anyone keep one
            // (an hour's leeway for the poster's clock): one planted to hold a window for good is not
            if (posted && posted->certificate == identity && posted->until <= now + kMaxRenewalInfoKeep + std::chrono::hours(1)) {
                RenewalInfo info{posted->windowStart, posted->windowEnd, posted->explanationUrl, posted->until - now};
                logger().debug("renewal information for " + serial + " (" + names + ") read from the store");
                std::lock_guard lock(renewalInfoMutex_);
                renewalInfoKept_[serial] = {info, posted->until};
                return info;
            }
        } catch (const Error& e) {
            logger().warning("the store's renewal information for " + names + " cannot be read: " + e.what());
        }
    }
    std::optional<RenewalInfo> info;
    try {
        info = options_.renewalInfo(cert);
    } catch (const AcmeProblem& e) {
        if (e.status() != 404) throw;
        // not this CA's certificate (a change of CA): no failure, and no answer to wait for
        bool told = false;
        {
            std::lock_guard lock(renewalInfoMutex_);
            renewalInfoKept_[serial] = {std::nullopt, now + kMaxRenewalInfoKeep};
            told = !renewalInfoUnknownTold_.emplace(serial, cert.notAfter()).second;
        }
        const std::string line = "the CA has no renewal information for " + serial + (names.empty() ? "" : " (" + names + ")") +
                                 ", a certificate it does not know (another CA's?): the lifetime rule decides its renewal (" + e.what() + ")";
        if (told) logger().debug(line);
        else logger().notice(line);
        return std::nullopt;
    }
    if (info && info->retryAfter > Duration::zero()) {
        // RFC 9773 §4.3.2: under a minute counts as a minute, over a day as a day
        const Duration keep = std::clamp<Duration>(info->retryAfter, std::chrono::minutes(1), kMaxRenewalInfoKeep);
        {
            std::lock_guard lock(renewalInfoMutex_);
            renewalInfoKept_[serial] = {*info, now + keep};
        }
        if (board) {
            try {
                IRenewalInfoBoard::Answer answer{identity, info->windowStart, info->windowEnd, info->explanationUrl, now + keep};
                try {
                    IRenewalInfoBoard::checkAnswer(answer);
                } catch (const InvalidNameError&) {
                    answer.explanationUrl.clear();  // one the board does not keep (not printable, too long): shared without it
                }
                board->postRenewalInfo(names, answer);
            } catch (const Error& e) {
                logger().warning("the renewal information for " + names + " cannot be shared through the store: " + e.what());
            }
        }
    }
    return info;
}

AcmeIssuingService::Due AcmeIssuingService::dueOf(const Certificate& cert, const std::string& names) const {
    Due due{cert.notAfter() - renewalThreshold(cert), false, {}, std::nullopt};
    if (options_.renewalInfo) {
        try {
            if (const auto info = renewalInfoFor(cert, names)) {
                // RFC 9773 §4.2: a time chosen uniformly within the window; fixed
                // per certificate so that every check picks the same one.
                const auto span = info->windowEnd - info->windowStart;
                const std::size_t h = std::hash<std::string>{}(cert.serialHex());
                const TimePoint chosen = info->windowStart + span * static_cast<long>(h % 1000) / 1000;
                due = {std::min(chosen, cert.notAfter() - panicThreshold(cert)), chosen < due.at,
                       InvalidNameError::printable(info->explanationUrl, 300), info->windowStart};
            }
        } catch (const std::exception& e) {
            logger().warning("renewal information for " + cert.serialHex() + " unavailable: " + e.what());
        }
    }
    return due;
}

AcmeIssuingService::Assessment AcmeIssuingService::assess(const std::string& names, const PemBundle& entry, TimePoint now) const {
    if (entry.empty()) return {true, true, false, {}, RateLimitScope::Renewal::None};
    const Certificate& cert = entry.certificate();
    const bool panic = cert.notAfter() - now <= panicThreshold(cert);
    const Due due = dueOf(cert, names);
    const bool early = due.byRenewalInfo && now >= due.at && now < cert.notAfter() - renewalThreshold(cert);
    const bool isDue = panic || now >= due.at;
    // what its order would renew matters only to an order: not read for the entries a check passes
    // over, nor when the caller asks whether it is due alone (no names)
    return {isDue, panic, early, due.explanation,
            isDue && !names.empty() ? RateLimitScope::renewalOf(names, &cert, now, due.windowStart && now >= *due.windowStart)
                                    : RateLimitScope::Renewal::None};
}

RateLimitScope::Renewal AcmeIssuingService::renewalOf(const std::string& names, const PemBundle& entry) const {
    if (entry.empty()) return RateLimitScope::Renewal::None;
    return RateLimitScope::renewalOf(names, &entry.certificate(), clock_.now(), inRenewalWindow(entry, names));
}

void AcmeIssuingService::scheduleCheck() {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    // The next tick is scheduled when this one fires, not when its check
    // ends, so that checks keep to the clock's rhythm however long they take.
    nextCheck_ = clock_.callLater(options_.checkInterval, [this] {
        scheduleCheck();
        checker_.post([this] { check(false); });
    });
}

std::map<std::string, PemBundle> AcmeIssuingService::candidates(TimePoint now) {
    auto* index = dynamic_cast<IExpiryIndex*>(&store_);
    // the CA's renewal information may call any certificate in early: all are read then
    if (!index || options_.renewalInfo) return store_.asMap();
    // No renewal threshold exceeds reissueInterval: only entries expiring
    // within it (and empty ones) can be due; the index names them without
    // parsing the others.
    std::map<std::string, PemBundle> entries;
    for (const auto& name : index->expiringBefore(now + options_.reissueInterval)) {
        try {
            if (auto entry = store_.get(name)) entries.emplace(name, std::move(*entry));
        } catch (const Error& e) {
            logger().error("entry " + name + " cannot be read: " + e.what());
        }
    }
    return entries;
}

std::string AcmeIssuingService::Hold::notAsked() const {
    return scope.notAsked(until) + " (" + reason + ")";
}

const AcmeIssuingService::Hold* AcmeIssuingService::heldBy(const std::string& names, TimePoint now,
                                                           RateLimitScope::Renewal renewal) const {
    for (const Hold& hold : holds_)
        if (hold.until > now && hold.scope.holds(names, renewal)) return &hold;
    return nullptr;
}

std::optional<std::string> AcmeIssuingService::holdOn(const std::string& names) {
    const std::string key = ServerName::canonicalKey(names);
    learnHolds();
    std::lock_guard lock(mutex_);
    if (const Hold* hold = heldBy(key, clock_.now(), RateLimitScope::Renewal::None)) return hold->notAsked();
    return std::nullopt;
}

void AcmeIssuingService::check(bool first) {
    std::vector<std::shared_future<PemBundle>> panicking;
    std::vector<std::pair<std::string, std::string>> heldInPanic;  // names, why not asked
    std::size_t held = 0;
    std::optional<TimePoint> heldUntil;
    try {
        const TimePoint now = clock_.now();
        {
            // answers past their time are asked again; those of certificates gone go
            std::lock_guard lock(renewalInfoMutex_);
            std::erase_if(renewalInfoKept_, [now](const auto& kept) { return kept.second.second <= now; });
            std::erase_if(renewalInfoUnknownTold_, [now](const auto& told) { return told.second <= now; });
        }
        learnHolds();
        const auto entries = candidates(now);
        for (const auto& [names, entry] : entries) {
            {
                std::lock_guard lock(mutex_);
                const auto f = failures_.find(names);
                if (f != failures_.end() && f->second.second > now) continue;  // backing off
            }
            Assessment a;
            try {
                a = assess(names, entry, now);
            } catch (const Error& e) {
                logger().error("entry " + names + " cannot be checked: " + e.what());
                continue;
            }
            if (!a.due || !renewalAllowed(names, entry)) continue;
            {
                // the CA refuses more than the names it was asked for: not asked until then
                std::lock_guard lock(mutex_);
                if (const Hold* hold = heldBy(names, now, a.renewal)) {
                    ++held;
                    heldUntil = heldUntil ? std::max(*heldUntil, hold->until) : hold->until;
                    if (a.panic)
                        heldInPanic.emplace_back(names, hold->notAsked());
                    continue;
                }
            }
            if (a.early)  // RFC 9773 §4.2: the operator should see why
                logger().information("renewing " + names + " early, as the CA's renewal information asks" +
                                     (a.explanation.empty() ? std::string() : " (explanation: " + a.explanation + ")"));
            auto future = startIssuance(names, a.panic, !entry.empty(), false, a.renewal);
            if (a.panic) panicking.push_back(std::move(future));
        }
    } catch (const std::exception& e) {
        logger().error(std::string("certificate check failed: ") + e.what());
    }
    if (held > 0)
        logger().warning(std::to_string(held) + " due certificate(s) wait for the CA's rate limit, until " + formatRfc3339(*heldUntil) +
                         " at the latest");
    for (const auto& [names, why] : heldInPanic) callPanic(names, why);
    if (first) {
        for (auto& f : panicking) f.wait();
        try {
            certsValidPromise_.set_value();
        } catch (const std::future_error&) {
        }
    }
}

std::shared_future<PemBundle> AcmeIssuingService::issueCert(const std::string& names) {
    const std::string key = ServerName::canonicalKey(names);
    std::optional<PemBundle> current;
    try {
        current = store_.get(key);
    } catch (const Error&) {
    }
    bool panic = !current;
    if (current) {
        try {
            panic = assess(key, *current, clock_.now()).panic;
        } catch (const Error&) {
        }
    }
    return startIssuance(key, panic, current && !current->empty(), true);
}

std::shared_future<PemBundle> AcmeIssuingService::revokeCert(const std::string& names, int reason) {
    const std::string key = ServerName::canonicalKey(names);
    const std::string reasonName = RevocationReason::name(reason);
    const auto entry = store_.get(key);
    if (!entry || entry->empty()) throw Error("the store has no certificate for " + key + " to revoke");
    const Certificate& cert = entry->certificate();
    const std::string what = "serial " + cert.serialHex() + ", reason " + std::to_string(reason) + " (" + reasonName + ")";
    {
        std::lock_guard lock(mutex_);
        // nothing would replace it
        if (stopped_) throw Error("the issuing service is stopped: " + key + " is not revoked");
    }
    try {
        issuer_.revoke(cert, reason);
        logger().notice("revoked the certificate of " + key + ": " + what);
    } catch (const AcmeProblem& e) {
        if (!e.is("alreadyRevoked")) throw;
        logger().notice("the certificate of " + key + " was revoked already (" + what + "): replacing it");
    }
    // the CA's window for it has begun now: what it said before is not used again
    forgetRenewalInfo(cert, key);
    emit({IssuingEvent::Kind::Revoked, key, what, clock_.now()});
    // asked, as issueCert's; a revoked certificate is served until this succeeds: a failure panics
    return startIssuance(key, true, true, true);
}

void AcmeIssuingService::forgetRenewalInfo(const Certificate& cert, const std::string& names) {
    {
        std::lock_guard lock(renewalInfoMutex_);
        renewalInfoKept_.erase(cert.serialHex());
    }
    if (auto* board = dynamic_cast<IRenewalInfoBoard*>(&store_)) {
        try {
            board->removeRenewalInfo(names);
        } catch (const Error& e) {
            logger().warning("the store keeps the CA's renewal information of " + names + " from before its revocation: " +
                             e.what());
        }
    }
}

std::shared_future<PemBundle> AcmeIssuingService::startIssuance(const std::string& names, bool panicking, bool renewal,
                                                                bool asked, RateLimitScope::Renewal renewalKind) {
    auto promise = std::make_shared<std::promise<PemBundle>>();
    std::shared_future<PemBundle> future;
    {
        std::lock_guard lock(mutex_);
        if (auto it = inFlight_.find(names); it != inFlight_.end()) return it->second;
        future = promise->get_future().share();
        if (stopped_) {
            promise->set_exception(std::make_exception_ptr(Error("the issuing service is stopped")));
            return future;
        }
        inFlight_[names] = future;
    }
    const bool posted = issuers_.post([this, names, panicking, renewal, asked, renewalKind, promise] {
        if (!asked) {
            // queued before a hold began (500 names behind one that met the account's limit, here or in
            // another instance over the store): not sent into it
            learnHolds();
            std::string why;
            {
                std::lock_guard lock(mutex_);
                if (const Hold* hold = heldBy(names, clock_.now(), renewalKind)) {
                    why = hold->notAsked();
                    inFlight_.erase(names);
                }
            }
            if (!why.empty()) {
                logger().information("issuing " + names + " waits: " + why);
                if (panicking) callPanic(names, why);
                promise->set_exception(std::make_exception_ptr(Error(why)));
                return;
            }
        }
        std::exception_ptr error;
        PemBundle issued;
        try {
            // a fleet over one store: whoever holds the entry's lock issues it, the others find it done
            std::unique_ptr<IIssuanceLock::Held> held;
            std::optional<std::optional<PemBundle>> seen;  // for issueCert: the entry before it asked for the lock
            auto* locks = dynamic_cast<IIssuanceLock*>(&store_);
            if (locks && asked) seen = store_.get(names);
            if (locks && !(held = locks->tryLock(names))) {
                if (!asked) {
                    const std::string why = "another instance is issuing " + names;
                    logger().information(why + ": left to it, looked at again in " +
                                         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.lockRetryInterval).count()) + " s");
                    {
                        std::lock_guard lock(mutex_);
                        inFlight_.erase(names);
                        if (!stopped_) retries_[names] = retryLater(names, options_.lockRetryInterval);
                    }
                    promise->set_exception(std::make_exception_ptr(Error(why)));
                    return;
                }
                held = waitForLock(*locks, names);
            }
            const auto current = store_.get(names);
            if (seen && *seen != current && current && !current->empty()) {
                // another instance stored a certificate while this one waited for it: that is the one asked for
                held.reset();
                {
                    std::lock_guard lock(mutex_);
                    inFlight_.erase(names);
                }
                logger().information(names + " was issued by another instance meanwhile: not asked again");
                promise->set_value(*current);
                return;
            }
            std::optional<Certificate> replacing;
            if (current && !current->empty()) {
                replacing = current->certificate();
                if (!asked && !stillDue(names, *current)) {
                    // renewed by another issuance since this one was started (by a check that read the
                    // store before that one stored, or a retry beside a check): nothing left to do
                    {
                        std::lock_guard lock(mutex_);
                        inFlight_.erase(names);
                    }
                    promise->set_value(*current);
                    return;
                }
            }
            issued = issuer_.issue(names, replacing);
            store_.store(names, issued);
        } catch (...) {  // the lock, if taken, is released here, after the store
            error = std::current_exception();
        }
        {
            std::lock_guard lock(mutex_);
            inFlight_.erase(names);
            if (!error) {
                failures_.erase(names);
                retries_.erase(names);
            }
        }
        const TimePoint now = clock_.now();
        if (!error) {
            logger().information((renewal ? "renewed " : "issued ") + names + ", valid until " + formatRfc3339(issued.notAfter()));
            emit({renewal ? IssuingEvent::Kind::Renewed : IssuingEvent::Kind::Issued, names, formatRfc3339(issued.notAfter()), now});
            promise->set_value(issued);
            return;
        }
        const std::string what = describe(error);
        recordFailure(names, error);
        logger().error("issuing " + names + " failed: " + what);
        emit({IssuingEvent::Kind::Failed, names, what, now});
        if (panicking) callPanic(names, what);
        promise->set_exception(error);
    });
    if (!posted) {
        std::lock_guard lock(mutex_);
        inFlight_.erase(names);
        promise->set_exception(std::make_exception_ptr(Error("the issuing service is stopped")));
    }
    return future;
}

bool AcmeIssuingService::stillDue(const std::string& names, const PemBundle& entry) const {
    try {
        return assess(names, entry, clock_.now()).due;
    } catch (const Error&) {
        return true;  // a certificate that does not read is replaced
    }
}

void AcmeIssuingService::callPanic(const std::string& names, const std::string& why) {
    emit({IssuingEvent::Kind::Panic, names, why, clock_.now()});
    try {
        options_.panic(names, why);
    } catch (const std::exception& e) {
        logger().error(std::string("the panic callback failed: ") + e.what());
    }
}

void AcmeIssuingService::adoptHold(const RateLimitScope& scope, TimePoint until, const std::string& reason, TimePoint now,
                                   bool learned) {
    std::erase_if(holds_, [now](const Hold& h) { return h.until <= now; });
    // several issuances under way meet the same limit at once, and a hold shared comes back from the
    // board to the second: one hold, one check at its end
    const bool known = std::any_of(holds_.begin(), holds_.end(), [&](const Hold& h) {
        return h.scope == scope && h.until + std::chrono::seconds(1) >= until;
    });
    if (known) return;
    holds_.push_back({scope, until, reason});
    logger().warning(std::string(learned ? "another instance over the store met it: " : "") + "the CA refuses " +
                     scope.describe() + " until " + formatRfc3339(until) +
                     ": no certificate in that scope is asked for before then");
    std::erase_if(holdChecks_, [](const ScheduledCall& c) { return !c.pending(); });
    holdChecks_.push_back(clock_.callLater(until - now, [this] { checker_.post([this] { check(false); }); }));
}

bool AcmeIssuingService::renewalAllowed(const std::string& names, const PemBundle& entry) const {
    if (entry.empty() || !options_.renewalAllowed) return true;
    try {
        if (options_.renewalAllowed(names)) return true;
    } catch (const std::exception& e) {
        logger().warning("renewing " + names + " anyway: renewalAllowed failed: " + e.what());
        return true;
    }
    logger().information("not renewing " + names + ": renewalAllowed says no; its certificate expires at " +
                         formatRfc3339(entry.certificate().notAfter()));
    return false;
}

void AcmeIssuingService::learnHolds() {
    const TimePoint now = clock_.now();
    for (const auto& refusal : SharedRateLimits(store_, issuer_).read(now)) {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        adoptHold(refusal.scope, std::min<TimePoint>(refusal.until, now + options_.maxCaRetryAfter), refusal.reason, now, true);
    }
}

void AcmeIssuingService::recordFailure(const std::string& names, const std::exception_ptr& error) {
    std::optional<TimePoint> caSays;  // the CA's Retry-After, if it gave one
    std::optional<RateLimitScope> scope;
    std::string reason;
    const TimePoint now = clock_.now();
    std::optional<TimePoint> holdUntil;
    try {
        std::rethrow_exception(error);
    } catch (const AcmeProblem& p) {
        caSays = p.retryAt();
        scope = RateLimitScope::of(p);
        reason = p.what();
        if (caSays && *caSays > now && scope->kind() != RateLimitScope::Kind::Order) {
            // the CA refuses more than these names: every entry in the scope waits, and a check comes when it ends
            holdUntil = now + std::min<Duration>(*caSays - now, options_.maxCaRetryAfter);
            // and the other instances over the store learn it before they order
            SharedRateLimits(store_, issuer_).post(p, *scope, *holdUntil);
        }
    } catch (...) {
    }
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    if (holdUntil) adoptHold(*scope, *holdUntil, reason, now, false);
    auto& [count, notBefore] = failures_[names];
    ++count;
    // Never longer than a check interval: a failure is retried at the next
    // check at the latest, as txacme does.
    const double cap = std::chrono::duration<double>(std::min(options_.maxBackoff, options_.checkInterval)).count();
    double backoff = std::chrono::duration<double>(options_.initialBackoff).count();
    for (int i = 1; i < count && backoff < cap; ++i) backoff *= 2;
    std::uniform_real_distribution<double> jitter(0.75, 1.25);
    backoff = std::min(backoff * jitter(random_), cap);
    auto delay = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(backoff));
    // ...unless the CA said when to ask again: not before then (checks skip it too)
    if (caSays && *caSays > now + delay) {
        delay = std::min<Duration>(*caSays - now, options_.maxCaRetryAfter);
        logger().information("the CA asks not to try " + names + " again before " + formatRfc3339(now + delay));
    }
    notBefore = now + delay;
    retries_[names] = retryLater(names, delay);
}

ScheduledCall AcmeIssuingService::retryLater(const std::string& names, Duration delay) {
    return clock_.callLater(delay, [this, names] {
        checker_.post([this, names] {
            const std::optional<PemBundle> current = readEntry(names, "retry");
            if (!current) return;  // the entry is gone, or unreadable
            const TimePoint now = clock_.now();
            const Assessment a = assess(names, *current, now);
            if (!a.due || !renewalAllowed(names, *current)) return;
            {
                std::lock_guard lock(mutex_);
                if (heldBy(names, now, a.renewal)) return;  // the check at the hold's end asks for it
            }
            startIssuance(names, a.panic, !current->empty(), false, a.renewal);
        });
    });
}

std::unique_ptr<IIssuanceLock::Held> AcmeIssuingService::waitForLock(IIssuanceLock& locks, const std::string& names) {
    logger().information("another instance is issuing " + names + ": waiting for it");
    for (;;) {
        auto ticked = std::make_shared<bool>(false);
        ScheduledCall tick = clock_.callLater(options_.lockRetryInterval, [this, ticked] {
            std::lock_guard lock(mutex_);
            *ticked = true;
            lockWait_.notify_all();
        });
        {
            std::unique_lock lock(mutex_);
            lockWait_.wait(lock, [&] { return *ticked || stopped_; });
            if (stopped_) throw Error("the issuing service is stopped");
        }
        if (auto held = locks.tryLock(names)) return held;
    }
}

}  // namespace cxxacme
