// The cxxacme command.
//
// Exit codes: 0 success; 1 the operation failed (the reason is printed on
// standard error); 2 the command line is wrong.

#include <iostream>

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <cstdlib>
#include <string>
#include <vector>

#include "AcmeCommands.h"
#include "DemoCommand.h"
#include "SiteServer.h"
#include "StoreCommand.h"

namespace {

constexpr const char* kUsage =
    "usage: cxxacme COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  demo [--dir DIR] [NAME...]   the main job on the embedded default: an in-process\n"
    "                               mock-acme fills a certificate directory\n"
    "  serve --listen ENDPOINT --path DOCROOT [--http ADDR:PORT]\n"
    "                               static files over HTTPS that keeps its certificates\n"
    "  issue, renew, list, revoke, account   one-shot ACME operations (see below)\n"
    "  store copy SRC DST | store keygen FILE   copy entries between stores; make an encryption key\n"
    "  version                      print the version\n"
    "  help                         print this text\n"
    "\n"
    "exit codes: 0 success, 1 failure, 2 usage error\n";

// Warnings and errors of every component (a skipped store entry, a failed
// renewal) go to standard error; CXXACME_LOG=debug|information shows more.
void setUpLogging() {
    Poco::AutoPtr<Poco::PatternFormatter> format(new Poco::PatternFormatter("cxxacme: %s: %t"));
    Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(format, new Poco::ConsoleChannel(std::cerr)));
    const char* level = std::getenv("CXXACME_LOG");
    Poco::Logger::root().setChannel(channel);
    try {
        Poco::Logger::root().setLevel(level ? level : "warning");
    } catch (const Poco::Exception&) {
        Poco::Logger::root().setLevel("warning");
    }
}

}  // namespace

int main(int argc, char** argv) {
    setUpLogging();
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string& command = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "store") return cxxacme::cli::runStoreCommand(rest, std::cout, std::cerr);
    if (command == "serve") return cxxacme::cli::runServe(rest, std::cout, std::cerr);
    if (command == "demo") return cxxacme::cli::runDemo(rest, std::cout, std::cerr);
    if (command == "issue" || command == "renew" || command == "list" || command == "revoke" || command == "account")
        return cxxacme::cli::runAcmeCommand(command, rest, std::cout, std::cerr);
    if (command == "version" || command == "--version") {
        std::cout << "cxxacme 0.1.0\n";
        return 0;
    }
    if (command == "help" || command == "--help" || command == "-h") {
        std::cout << kUsage << "\n" << cxxacme::cli::kServeUsage << "\n" << cxxacme::cli::kStoreUsage << "\n" << cxxacme::cli::kAcmeCommandsUsage;
        return 0;
    }
    std::cerr << "cxxacme: unknown command \"" << command << "\"\n" << kUsage;
    return 2;
}
