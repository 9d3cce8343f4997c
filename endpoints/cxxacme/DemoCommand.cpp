#include "DemoCommand.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "SiteServer.h"
#include "cxxacme/endpoints/EndpointString.h"
#include "cxxacme/AcmeResources.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/mock_acme/MockAcmeServer.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/testing/FreePort.h"
#include "cxxacme/testing/TlsProbe.h"

namespace cxxacme::cli {

namespace fs = std::filesystem;
using namespace std::chrono;
using endpoints::EndpointSpec;

namespace {

// Whether `entry`'s certificate was issued under `root` (checked at its own
// start, so that an expired one from this CA still counts as this CA's).
bool chainsTo(const PemBundle& entry, const Certificate& root) {
    try {
        entry.certificate().verifyChain(entry.chain(), {root}, entry.certificate().notBefore() + minutes(1));
        return true;
    } catch (const Error&) {
        return false;
    }
}

}  // namespace

int runDemo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::string dir = "demo/certs";
    bool keepServing = false;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--dir" && i + 1 < args.size()) dir = args[++i];
        else if (args[i] == "--keep-serving") keepServing = true;
        else if (args[i].starts_with("-")) {
            err << "cxxacme demo: unknown option " << args[i] << "\n"
                << "usage: cxxacme demo [--dir CERTDIR] [--keep-serving] [NAME...]\n";
            return 2;
        } else names.push_back(args[i]);
    }
    if (names.empty()) names = {"example.test", "www.example.test"};

    try {
        for (auto& name : names) name = ServerName::canonicalKey(name);  // before anything touches a path
        if (keepServing) blockTerminationSignals();
        const fs::path certDir = fs::absolute(dir).lexically_normal();
        const fs::path workDir = certDir.parent_path();
        const fs::path docroot = workDir / "www";
        fs::create_directories(docroot);
        if (!fs::exists(docroot / "index.html"))
            AtomicFile::write((docroot / "index.html").string(), "<!doctype html><title>cxxacme</title><p>Hello over HTTPS from cxxacme.\n", 0644);

        // 1. mock-acme, in-process, validating against the site's own ports
        const std::uint16_t httpsPort = testing::freeLoopbackPort();
        const std::uint16_t httpPort = testing::freeLoopbackPort();
        mock_acme::MockAcmeConfig config;
        config.listenPort = 0;
        config.managementPort = 0;
        config.tlsAlpn01Port = httpsPort;
        config.http01Port = httpPort;
        config.persistFile = (workDir / "mock-acme.sqlite").string();  // the same CA on every run
        mock_acme::MockAcmeServer acme(config);
        const std::string httpsCa = (workDir / "mock-acme-https-ca.pem").string();
        AtomicFile::write(httpsCa, acme.httpsCaPem(), 0644);
        AtomicFile::write((workDir / "mock-acme-root.pem").string(), acme.issuingRoot().toPem(), 0644);
        out << "1. mock-acme: " << acme.directoryUrl() << " (state in " << config.persistFile << ")\n";

        // 2. a certificate directory with an empty entry per name
        {
            stores::DirectoryStore store(certDir.string());
            for (const auto& name : names) {
                const auto entry = store.get(name);
                if (entry && !entry->empty() && !chainsTo(*entry, acme.issuingRoot())) {
                    // issued by another CA (an older demo state): kept aside, issued again
                    const std::string entryPath = store.pathFor(name);
                    std::string keptPath = entryPath + ".other-ca";
                    for (int i = 1; fs::exists(keptPath); ++i) keptPath = entryPath + ".other-ca." + std::to_string(i);
                    fs::rename(entryPath, keptPath);
                    store.store(name, PemBundle());
                    out << "2. " << name << ": the entry's certificate is not from this mock-acme; kept as "
                        << keptPath << ", created an empty entry (\"issue me\")\n";
                } else if (!entry) {
                    store.store(name, PemBundle());
                    out << "2. " << name << ": created an empty entry (\"issue me\")\n";
                } else {
                    out << "2. " << name << ": entry exists\n";
                }
            }
        }

        // 3. cxxacme serve on loopback
        SiteServerOptions options;
        options.listen = "acme:" + EndpointSpec::escape(certDir.string()) + ":tcp:" + std::to_string(httpsPort) +
                         ":interface=127.0.0.1:directory=" + EndpointSpec::escape(acme.directoryUrl()) + ":ca-bundle=" + EndpointSpec::escape(httpsCa);
        options.docroot = docroot.string();
        options.http = "127.0.0.1:" + std::to_string(httpPort);
        std::ofstream accessLog(workDir / "access.log", std::ios::app);
        options.accessLog = &accessLog;
        options.endpoint.client.pollInterval = milliseconds(100);
        out << "3. cxxacme serve --listen '" << options.listen << "' --path " << options.docroot << " --http "
            << options.http << "\n";
        SiteServer server(options);
        // events come from the issuing service's threads
        std::atomic<int> issued = 0, failed = 0;
        std::mutex errMutex;
        auto events = server.endpoint().onEvent([&](const IssuingEvent& e) {
            if (e.kind == IssuingEvent::Kind::Issued || e.kind == IssuingEvent::Kind::Renewed) ++issued;
            if (e.kind == IssuingEvent::Kind::Failed || e.kind == IssuingEvent::Kind::Panic) {
                ++failed;
                const std::string line = "   " + e.names + ": " + e.detail + "\n";
                std::lock_guard lock(errMutex);
                err << line << std::flush;
            }
        });
        server.start();  // returns once every due entry was tried
        out << "   serving https://127.0.0.1:" << httpsPort << " and http://127.0.0.1:" << httpPort << "\n";

        // 4. one HTTPS request per name, with SNI, verified against mock-acme's root
        int verified = 0;
        for (const auto& key : names) {
            bool all = true;
            for (const auto& name : ServerName::splitKey(key)) {
                testing::TlsProbeOptions probeOptions;
                probeOptions.port = httpsPort;
                probeOptions.serverName = name;
                probeOptions.trustedRoots = {acme.issuingRoot()};
                probeOptions.alpn = {"http/1.1"};
                testing::TlsProbe probe(probeOptions);
                if (!probe.ok()) {
                    out << "4. https://" << name << "/: " << probe.error() << "\n";
                    all = false;
                    continue;
                }
                const std::string verifyError = probe.verifyError();
                const auto reply = probe.get("/");
                const auto chain = probe.peerChain();
                out << "4. https://" << name << "/ -> " << reply.status << ", " << probe.version() << ", certificate "
                    << chain.at(0).serialHex().substr(0, 16) << "… valid until " << formatRfc3339(chain.at(0).notAfter())
                    << ", chain " << (verifyError.empty() ? "verified against mock-acme's root" : "NOT verified: " + verifyError)
                    << "\n";
                all = all && verifyError.empty() && reply.status == 200;
            }
            verified += all ? 1 : 0;
        }

        // 5. what happened
        out << "done: " << issued.load() << " issued this run, " << failed.load() << " failed, " << verified << " of " << names.size()
            << " entries verified against this run's mock-acme; certificates in " << certDir.string()
            << ", account key " << (certDir / "client.key").string() << "\n";
        if (keepServing) {
            out << "serving until SIGTERM or Ctrl-C (mock-acme root: " << (workDir / "mock-acme-root.pem").string()
                << ")" << std::endl;
            waitForTerminationSignal();
        }
        server.stop();
        return failed == 0 && verified == static_cast<int>(names.size()) ? 0 : 1;
    } catch (const Error& e) {
        err << "cxxacme demo: " << e.what() << "\n";
        return 1;
    } catch (const std::filesystem::filesystem_error& e) {
        err << "cxxacme demo: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace cxxacme::cli
