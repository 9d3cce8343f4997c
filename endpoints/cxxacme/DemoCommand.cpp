#include "DemoCommand.h"

#include <filesystem>

#include "cxxacme/AcmeClient.h"
#include "cxxacme/AcmeIssuer.h"
#include "cxxacme/AcmeIssuingService.h"
#include "cxxacme/AtomicFile.h"
#include "cxxacme/AcmeResources.h"
#include "cxxacme/Error.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/SystemClock.h"
#include "cxxacme/mock_acme/MockAcmeServer.h"
#include "cxxacme/responders/Http01Responder.h"
#include "cxxacme/stores/DirectoryStore.h"

namespace cxxacme::cli {

namespace fs = std::filesystem;
using namespace std::chrono;

namespace {

}  // namespace

int runDemo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::string dir = "demo-certs";
    std::vector<std::string> names;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--dir" && i + 1 < args.size()) dir = args[++i];
        else if (args[i].starts_with("-")) {
            err << "cxxacme demo: unknown option " << args[i] << "\n";
            return 2;
        } else names.push_back(args[i]);
    }
    if (names.empty()) names = {"example.test", "www.example.test"};

    try {
        for (auto& name : names) name = ServerName::canonicalKey(name);
        stores::DirectoryStore store(dir);
        out << "cxxacme demo: certificate directory " << store.directory() << "\n";

        // 1. the embedded default CA: mock-acme, in-process, on free loopback ports,
        //    validating http-01 for real against our responder
        responders::Http01Responder http;
        mock_acme::MockAcmeConfig config;
        config.listenPort = 0;
        config.managementPort = 0;
        config.http01Port = http.listen("127.0.0.1", 0);
        mock_acme::MockAcmeServer acme(config);
        const std::string caBundle = store.directory() + "/.mock-acme-ca.pem";
        AtomicFile::write(caBundle, acme.httpsCaPem(), 0644);
        out << "  mock-acme: " << acme.directoryUrl() << " (http-01 validated on port " << config.http01Port << ")\n";

        // 2. empty entries ask for certificates
        for (const auto& name : names)
            if (!store.get(name)) {
                store.store(name, PemBundle());
                out << "  " << name << ": created an empty entry (\"issue me\")\n";
            }

        // 3. the account key, made on first use
        const std::string keyPath = store.accountKeyPath();
        const bool existed = fs::exists(keyPath);
        if (!existed) AtomicFile::write(keyPath, PrivateKey::generate(KeyType::EcP256).toPem(), 0600);
        auto key = std::make_shared<KeySigner>(PrivateKey::fromPem(AtomicFile::read(keyPath, 1 << 20)));
        out << "  account key: " << keyPath << (existed ? " (existing)" : " (created, mode 0600)") << "\n";

        // 4. the issuing service, as an embedding program runs it
        SystemClock clock;
        AcmeClientOptions options;
        options.directoryUrl = acme.directoryUrl();
        options.http.caBundleFile = caBundle;
        options.pollInterval = milliseconds(100);
        AcmeClient client(options, key, clock);
        AcmeIssuer issuer(client, {&http});
        AcmeIssuingServiceOptions serviceOptions;
        serviceOptions.renewalInfo = [&client](const Certificate& c) { return client.renewalInfo(c); };
        AcmeIssuingService service(store, issuer, clock, serviceOptions);
        int issued = 0, failed = 0;
        auto subscription = service.onEvent([&](const IssuingEvent& e) {
            if (e.kind == IssuingEvent::Kind::Issued || e.kind == IssuingEvent::Kind::Renewed) ++issued;
            if (e.kind == IssuingEvent::Kind::Failed) ++failed;
        });
        service.start();
        if (service.whenCertsValid().wait_for(minutes(2)) != std::future_status::ready)
            throw Error("the first check did not finish within 2 minutes");
        service.stop();

        // 5. what is in the directory now, checked against mock-acme's root
        int valid = 0;
        for (const auto& name : names) {
            const auto entry = store.get(name);
            if (!entry || entry->empty()) {
                out << "  " << name << ": NOT issued\n";
                continue;
            }
            try {
                entry->certificate().verifyChain(entry->chain(), {acme.issuingRoot()});
                out << "  " << name << ": certificate valid until " << formatRfc3339(entry->notAfter())
                    << ", chain verified against mock-acme's root\n";
                ++valid;
            } catch (const CertificateError&) {
                out << "  " << name << ": a certificate from another CA, valid until " << formatRfc3339(entry->notAfter()) << "\n";
            }
        }
        out << "done: " << issued << " issued this run, " << failed << " failed, " << valid << " of " << names.size()
            << " entries verified against this run's mock-acme"
            << (client.accountUrl().empty() ? std::string(" (nothing was due)") : " (account " + client.accountUrl() + ")")
            << "\n";
        return failed == 0 ? 0 : 1;
    } catch (const Error& e) {
        err << "cxxacme demo: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace cxxacme::cli
