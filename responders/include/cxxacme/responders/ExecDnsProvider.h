#pragma once

#include <chrono>
#include <string>

#include "cxxacme/IDnsProvider.h"

namespace cxxacme::responders {

/// A DNS provider that runs a program, with the contract of lego's `exec`
/// provider:
///
///     COMMAND present _acme-challenge.example.com. VALUE
///     COMMAND cleanup _acme-challenge.example.com. VALUE
///
/// COMMAND is run directly (no shell; found on PATH when it has no slash)
/// with the environment of this process. Exit status 0 means done; any other
/// status, a signal, or no exit within the timeout (the program is then
/// killed) is a `DnsError` that quotes the end of its output.
class ExecDnsProvider final : public IDnsProvider {
public:
    explicit ExecDnsProvider(std::string command, std::chrono::seconds timeout = std::chrono::seconds(120));

    void present(const std::string& fqdn, const std::string& value) override;
    void cleanup(const std::string& fqdn, const std::string& value) override;

private:
    void run(const std::string& action, const std::string& fqdn, const std::string& value) const;

    std::string command_;
    std::chrono::seconds timeout_;
};

}  // namespace cxxacme::responders
