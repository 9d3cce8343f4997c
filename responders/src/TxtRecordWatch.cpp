#include "TxtRecordWatch.h"

#include <condition_variable>
#include <memory>
#include <mutex>

#include <Poco/Logger.h>

#include "cxxacme/DnsTxtLookup.h"
#include "cxxacme/Error.h"

namespace cxxacme::responders::detail {

void TxtRecordWatch::wait(const std::vector<std::string>& providerServers, const std::string& fqdn,
                          const Missing& missing, bool patient) const {
    std::vector<std::string> servers = settings_.resolvers;
    if (servers.empty()) servers = providerServers;
    if (servers.empty()) {
        try {
            servers = DnsTxtLookup::authoritativeServers(settings_.bootstrapResolver, fqdn, settings_.authoritativePort,
                                                         settings_.queryTimeout);
        } catch (const DnsError& e) {
            Poco::Logger::get("cxxacme.responder.dns").warning(std::string("cannot find the authoritative servers: ") + e.what());
        }
    }
    if (servers.empty()) servers = {""};  // the system's resolvers
    const TimePoint deadline = clock_.now() + settings_.propagationTimeout;
    for (const auto& server : servers) {
        for (;;) {
            std::vector<std::string> seen;
            std::string failure, lacking;
            try {
                seen = DnsTxtLookup::query(server, fqdn, settings_.queryTimeout);
                lacking = missing(seen);
                if (lacking.empty()) break;
            } catch (const DnsError& e) {
                failure = e.what();
                lacking = missing({});
            }
            if (!patient || clock_.now() + settings_.pollInterval > deadline) {
                std::string saw = failure.empty() ? (seen.empty() ? "no TXT record" : "") : failure;
                for (const auto& v : seen) saw += (saw.empty() ? "\"" : ", \"") + InvalidNameError::printable(v, 100) + "\"";
                const std::string when =
                    patient ? " within " + std::to_string(static_cast<double>(settings_.propagationTimeout.count()) / 1000.0).substr(0, 5) + " s" : "";
                throw DnsError(server.empty() ? "the system resolver" : server,
                               "TXT " + fqdn + " did not show " + lacking + when + "; it answered " + saw);
            }
            pause(settings_.pollInterval);
        }
    }
}

void TxtRecordWatch::pause(Duration pause) const {
    struct Wake {
        std::mutex mutex;
        std::condition_variable cv;
        bool due = false;
    };
    const auto wake = std::make_shared<Wake>();  // the callback may outlive this call if the clock is slow to cancel
    const ScheduledCall call = clock_.callLater(pause, [wake] {
        std::lock_guard lock(wake->mutex);
        wake->due = true;
        wake->cv.notify_all();
    });
    std::unique_lock lock(wake->mutex);
    wake->cv.wait(lock, [&] { return wake->due; });
}

}  // namespace cxxacme::responders::detail
