#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <random>
#include <string>
#include <vector>

#include "cxxacme/IClock.h"
#include "cxxacme/WorkerPool.h"
#include "cxxacme/mock_acme/HttpExchange.h"
#include "cxxacme/mock_acme/IChallengeValidator.h"
#include "cxxacme/mock_acme/MockAcmeConfig.h"
#include "cxxacme/mock_acme/MockCertificateAuthority.h"

namespace cxxacme::mock_acme {

class CaaCheck;
class PublicSuffixList;

namespace state {
struct EngineState;
class SnapshotFile;
}

/// The RFC 8555 server logic of mock-acme, without any sockets: requests
/// in, responses out. `MockAcmeServer` puts it behind HTTPS; tests and the
/// fuzzer drive it directly.
///
/// Thread-safe: requests may arrive on many threads at once. Validation runs
/// on the engine's own worker pool. Never throws from `handle`: every error
/// becomes an RFC 7807 problem response.
class MockAcmeEngine {
public:
    /// `baseUrl` is the scheme, host and port the server is reached at
    /// ("https://127.0.0.1:14000"). As in pebble, a request's URLs follow
    /// the host it was addressed to: every URL an answer hands out, and the
    /// `url` and `kid` its JWS must carry, start with "https://" and the
    /// request's `host` (so a client that reaches the server as
    /// "localhost:14000" or through a container's name gets URLs it can
    /// reach). `baseUrl` serves a request with no usable host: none, or
    /// one that is not a DNS name, an IPv4 address or a bracketed IPv6
    /// address with an optional port.
    /// `clock` gives the server's time (plus any time travel) and runs the
    /// validation delay (`MockAcmeConfig::validationDelay`); it must outlive
    /// the engine.
    MockAcmeEngine(MockAcmeConfig config, std::string baseUrl, IClock& clock,
                   std::unique_ptr<IChallengeValidator> validator);
    ~MockAcmeEngine();
    MockAcmeEngine(const MockAcmeEngine&) = delete;
    MockAcmeEngine& operator=(const MockAcmeEngine&) = delete;

    /// One ACME request.
    HttpResponse handle(const HttpRequest& request);
    /// One request to the management interface (pebble-compatible).
    HttpResponse handleManagement(const HttpRequest& request);
    /// One request to the CRL listener (`MockAcmeConfig::crl`): GET or HEAD
    /// of the path of `crlUrl()` answers the issuing CA's CRL (DER,
    /// application/pkix-crl), made at that moment; anything else 404 (405
    /// for another method on that path).
    HttpResponse handleCrl(const HttpRequest& request);
    /// The URL every leaf names as its CRL distribution point; empty with CRLs off.
    const std::string& crlUrl() const noexcept { return crlUrl_; }

    std::string directoryUrl() const { return baseUrl_ + "/dir"; }
    const MockCertificateAuthority& ca() const noexcept { return *ca_; }
    /// The configuration it runs with (as `MockAcmeServer` completed it: bound ports, its own DNS server).
    const MockAcmeConfig& config() const noexcept { return config_; }
    /// The server's time: the clock plus any time travel.
    TimePoint now() const;
    /// Moves the server's time (positive: into the future).
    void timeTravel(Duration offset);
    /// Changes the terms of service, as the management interface's
    /// `/set-terms-of-service` does: with `requireAgreement`, accounts that
    /// have not agreed to `url` get `userActionRequired` until a person agrees
    /// at the page it names; without, those that agreed before agree to these.
    /// "" removes the terms. Throws `cxxacme::Error` for a URL
    /// `MockAcmeConfig::isLinkUrl` refuses.
    void setTermsOfService(const std::string& url, bool requireAgreement = true);

private:
    HttpResponse dispatch(const HttpRequest& request, const std::string& base);
    /// "https://" + the request's host when usable, else `baseUrl_`.
    std::string baseUrlFor(const HttpRequest& request) const;
    /// With persistence on, asks the snapshot writer for a snapshot soon.
    void requestSnapshot();
    /// Copies the state under its lock; serializes and writes the copy outside it.
    void writeSnapshot();
    /// The snapshot writer: one snapshot for the changes of each interval.
    void snapshotLoop();

    MockAcmeConfig config_;
    std::string baseUrl_;
    std::string crlUrl_;
    std::string crlPath_;
    std::atomic<std::uint64_t> crlNumber_{0};  ///< the last cRLNumber given
    /// The CRL last signed, given again while what it lists is unchanged and
    /// it is younger than half its validity (as a CA publishes one list for
    /// a while, not one per fetch): what it lists ("SERIAL REASON TIME;"
    /// each), its thisUpdate and its DER.
    struct KeptCrl {
        std::string lists;
        TimePoint thisUpdate;
        std::string der;
    };
    std::mutex crlMutex_;
    std::optional<KeptCrl> keptCrl_;
    IClock& clock_;
    std::unique_ptr<IChallengeValidator> validator_;
    std::unique_ptr<CaaCheck> caa_;  ///< with MockAcmeConfig::checkCaa
    std::unique_ptr<const PublicSuffixList> suffixes_;  ///< with MockAcmeConfig::publicSuffixList
    std::unique_ptr<MockCertificateAuthority> ca_;
    std::unique_ptr<state::EngineState> state_;
    std::unique_ptr<state::SnapshotFile> snapshot_;
    WorkerPool workers_;
    /// Validations waiting out `validationDelay` on the clock (not on a
    /// worker: delays run side by side, however few the workers).
    std::mutex delaysMutex_;
    std::vector<ScheduledCall> delays_;
    /// Snapshots are written by a thread of their own, at most one per
    /// interval (250 ms, or four times the last serialization if longer),
    /// so that a request never waits for the whole state to be written.
    std::mutex snapshotMutex_;  ///< guards the three below
    std::condition_variable snapshotWake_;
    bool snapshotWanted_ = false;
    bool snapshotStop_ = false;
    std::mutex snapshotWriteMutex_;  ///< one write at a time
    std::chrono::milliseconds snapshotInterval_{250};
    std::thread snapshotWriter_;
};

}  // namespace cxxacme::mock_acme
