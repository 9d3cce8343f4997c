#include "SiteServer.h"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>

#include "CommandLine.h"
#include "cxxacme/detail/ExclusiveListen.h"
#include "cxxacme/detail/OpenFileLimit.h"
#include "cxxacme/detail/PooledHttpServer.h"
#include "StaticSite.h"
#include "cxxacme/Error.h"
#include "cxxacme/IChallengeBoard.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/endpoints/OnDemandAskUrl.h"
#include "cxxacme/responders/Http01Responder.h"

namespace cxxacme::cli {

const char* const kServeUsage =
    "cxxacme serve --listen ENDPOINT --path DOCROOT [--http ADDR:PORT] [--access-log FILE]\n"
    "              [--on-demand-under DOMAIN[,DOMAIN...]] [--on-demand-ask URL]\n"
    "    Serves the files under DOCROOT over HTTPS with certificates that issue and\n"
    "    renew themselves (tls-alpn-01 on the HTTPS port; http-01 too with --http).\n"
    "    ENDPOINT: le:CERTDIR:tcp:PORT | lets:CERTDIR:tcp:PORT |\n"
    "              acme:CERTDIR:tcp:PORT:directory=URL  [:interface=ADDR] [:ca-bundle=FILE]\n"
    "              [:default-name=NAME] [:tls-sni-01=on] [:encryption-key=FILE]\n"
    "              (write : inside a value as \\:)\n"
    "    --http ADDR:PORT   plain HTTP: answers http-01, redirects everything else to HTTPS\n"
    "    --access-log FILE  one line per request (default: standard output; - too)\n"
    "    --on-demand-under DOMAIN[,DOMAIN...]\n"
    "                       on-demand TLS: a handshake for a name at or under one of these that has\n"
    "                       no certificate yet has one issued while it waits\n"
    "    --on-demand-ask URL  on-demand TLS for the names a web service allows: GET URL?domain=NAME,\n"
    "                       200 is a yes (Caddy's ask); with --on-demand-under, a name needs both,\n"
    "                       and an entry of names under those domains is renewed only while the\n"
    "                       service still says yes\n"
    "    Stops cleanly on SIGTERM or SIGINT.\n";

struct SiteServer::Parts {
    SiteServerOptions options;
    std::unique_ptr<AccessLog> log;
    std::unique_ptr<std::ostream> nullStream;
    responders::Http01Responder http01;
    std::unique_ptr<endpoints::AutoTlsEndpoint> endpoint;
    std::unique_ptr<detail::PooledHttpServer> httpServer;
    Poco::Net::ServerSocket httpSocket;
    bool hasHttp = false;
};

SiteServer::SiteServer(SiteServerOptions options) : parts_(std::make_unique<Parts>()) {
    Parts& p = *parts_;
    p.options = std::move(options);
    if (!p.options.accessLog) {
        p.nullStream = std::make_unique<std::ostream>(nullptr);
        p.options.accessLog = p.nullStream.get();
    }
    p.log = std::make_unique<AccessLog>(*p.options.accessLog);
    if (!p.options.http.empty()) {
        const auto colon = p.options.http.rfind(':');
        if (colon == std::string::npos || colon == 0) throw Error("--http takes ADDR:PORT, e.g. 0.0.0.0:80");
        try {
            std::string host = p.options.http.substr(0, colon);
            if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
            detail::listenExclusively(p.httpSocket, Poco::Net::SocketAddress(host, p.options.http.substr(colon + 1)), 64);
        } catch (const Poco::Exception& e) {
            throw NetworkError(p.options.http, "cannot listen: " + e.displayText());
        }
        p.hasHttp = true;
        p.options.endpoint.extraResponders.push_back(&p.http01);
    }
    p.endpoint = std::make_unique<endpoints::AutoTlsEndpoint>(p.options.listen, p.options.endpoint);
    // several servers over one CERTDIR: each answers the others' http-01 challenges
    if (auto* board = dynamic_cast<IChallengeBoard*>(&p.endpoint->store())) p.http01.share(*board);
}

SiteServer::~SiteServer() { stop(); }

void SiteServer::start() {
    Parts& p = *parts_;
    auto site = Poco::Net::HTTPRequestHandlerFactory::Ptr(new StaticFileHandlerFactory(p.options.docroot, *p.log));
    if (p.hasHttp) {
        auto redirect = Poco::Net::HTTPRequestHandlerFactory::Ptr(new RedirectHandlerFactory(p.endpoint->port(), *p.log));
        // port 80 (redirects and http-01) keeps connections alive for browsers, as many as the HTTPS side
        p.httpServer = std::make_unique<detail::PooledHttpServer>(p.http01.handlerFactory(redirect), p.httpSocket,
                                                                  new Poco::Net::HTTPServerParams,
                                                                  p.options.endpoint.maxConnections);
    }
    p.endpoint->listen(site);
}

void SiteServer::stop() {
    Parts& p = *parts_;
    if (p.httpServer) {
        p.httpServer.reset();
        p.httpSocket.close();
    }
    if (p.endpoint) p.endpoint->stop();
}

std::uint16_t SiteServer::httpsPort() const { return parts_->endpoint->port(); }
std::uint16_t SiteServer::httpPort() const { return parts_->hasHttp ? parts_->httpSocket.address().port() : 0; }
endpoints::AutoTlsEndpoint& SiteServer::endpoint() { return *parts_->endpoint; }

void blockTerminationSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string waitForTerminationSignal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int signal = 0;
    while (sigwait(&set, &signal) != 0) {
    }
    return signal == SIGTERM ? "SIGTERM" : "SIGINT";
}

namespace {

// every kind named (the compiler says when one is added)
const char* eventName(IssuingEvent::Kind kind) {
    switch (kind) {
        case IssuingEvent::Kind::Issued: return "issued";
        case IssuingEvent::Kind::Renewed: return "renewed";
        case IssuingEvent::Kind::Failed: return "failed";
        case IssuingEvent::Kind::Panic: return "PANIC";
        case IssuingEvent::Kind::Revoked: return "revoked";
    }
    return "?";
}

// --on-demand-under DOMAIN,... and --on-demand-ask URL: which names a handshake may have issued
// (both given: a name must pass both), and, with both, whether an entry of names all under the
// domains is still to be renewed (the ask service is asked again: a customer who left). Nothing
// when neither is given: on-demand issuance is off.
struct OnDemandPolicy {
    std::function<bool(const std::string&)> allow;
    std::function<bool(const std::string&)> renewalAllowed;
    std::string described;
};

OnDemandPolicy onDemandPolicy(const CommandLine& cl) {
    OnDemandPolicy policy;
    std::vector<std::string> domains;
    if (const auto under = cl.get("on-demand-under")) {
        std::vector<std::string> names;
        try {
            names = ServerName::splitKey(*under);
        } catch (const InvalidNameError& e) {
            throw UsageError(std::string("--on-demand-under: ") + e.what());
        }
        for (const auto& domain : names) {
            if (ServerName::isWildcard(domain) || ServerName::isIpAddress(domain))
                throw UsageError("--on-demand-under takes domains, not \"" + domain + "\"");
            domains.push_back(domain);
        }
        policy.described = "names under " + *under;
    }
    std::optional<endpoints::OnDemandAskUrl> ask;
    if (const auto url = cl.get("on-demand-ask")) {
        try {
            ask.emplace(*url);
        } catch (const Error& e) {
            throw UsageError(std::string("--on-demand-ask: ") + e.what());
        }
        policy.described += (policy.described.empty() ? "" : " that ") + std::string("the ask service at ") + ask->display() + " allows";
    }
    if (domains.empty() && !ask) return policy;
    const auto under = [domains](const std::string& name) {
        return domains.empty() ||
               std::any_of(domains.begin(), domains.end(), [&](const auto& d) { return ServerName::isAtOrUnder(name, d); });
    };
    policy.allow = [under, ask](const std::string& name) { return under(name) && (!ask || (*ask)(name)); };
    if (!domains.empty() && ask) {
        policy.renewalAllowed = [under, ask](const std::string& key) {
            const auto names = ServerName::splitKey(key);
            if (!std::all_of(names.begin(), names.end(), under)) return true;  // an entry of the operator's
            return std::all_of(names.begin(), names.end(), [&](const std::string& name) { return (*ask)(name); });
        };
        policy.described += "; their renewals are asked about again";
    }
    return policy;
}

}  // namespace

int runServe(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        const CommandLine cl(args, {"listen", "path", "http", "access-log", "on-demand-under", "on-demand-ask"}, {});
        if (!cl.positional().empty()) throw UsageError("unexpected argument \"" + cl.positional()[0] + "\"");
        blockTerminationSignals();  // before any thread starts
        SiteServerOptions options;
        options.listen = cl.require("listen");
        options.docroot = cl.require("path");
        options.http = cl.get("http", "");
        OnDemandPolicy onDemand = onDemandPolicy(cl);
        options.endpoint.onDemand.allow = onDemand.allow;
        options.endpoint.service.renewalAllowed = onDemand.renewalAllowed;
        std::unique_ptr<std::ofstream> logFile;
        const std::string logPath = cl.get("access-log", "-");
        if (logPath == "-") {
            options.accessLog = &out;
        } else {
            logFile = std::make_unique<std::ofstream>(logPath, std::ios::app);
            if (!*logFile) throw FileError(logPath, "cannot open the access log");
            options.accessLog = logFile.get();
        }
        // a program may raise its own open-file limit (a library leaves it alone)
        if (const auto warning = cxxacme::detail::raiseOpenFileLimit(options.endpoint.maxConnections))
            err << "cxxacme serve: warning: " << *warning << "; raise it (ulimit -n)\n";
        SiteServer server(options);
        // Issuances finish on the service's threads: each line is written whole, under one lock.
        std::mutex errMutex;
        const auto say = [&err, &errMutex](const std::string& line) {
            std::lock_guard lock(errMutex);
            err << line << std::flush;
        };
        auto events = server.endpoint().onEvent([&say](const IssuingEvent& e) {
            say("cxxacme serve: " + e.names + ": " + eventName(e.kind) + " (" + e.detail + ")\n");
        });
        server.start();
        std::string ready = "cxxacme serve: https on port " + std::to_string(server.httpsPort());
        if (server.httpPort()) ready += ", http on port " + std::to_string(server.httpPort());
        say(ready + "; serving " + std::to_string(server.endpoint().endpoint().certificates().size()) +
            " certificates from " + server.endpoint().spec().certDir + "\n");
        if (onDemand.allow) say("cxxacme serve: issuing on demand: " + onDemand.described + "\n");
        const std::string signal = waitForTerminationSignal();
        say("cxxacme serve: " + signal + ", stopping\n");
        server.stop();
        return 0;
    } catch (const UsageError& e) {
        err << "cxxacme serve: " << e.what() << "\n" << kServeUsage;
        return 2;
    } catch (const endpoints::EndpointStringError& e) {
        err << "cxxacme serve: --listen: " << e.what() << "\n";
        return 2;
    } catch (const Error& e) {
        err << "cxxacme serve: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace cxxacme::cli
