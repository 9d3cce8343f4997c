#pragma once

#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "cxxacme/IResponder.h"

namespace cxxacme::testing {

/// A responder that answers nothing (txacme's `NullResponder`): for CAs that
/// validate nothing (mock-acme with validation skipped, pebble with
/// `PEBBLE_VA_ALWAYS_VALID`), and as a test double that records which
/// challenges are being "answered".
class NullResponder final : public IResponder {
public:
    explicit NullResponder(std::string challengeType = "http-01") : type_(std::move(challengeType)) {}

    std::string challengeType() const override { return type_; }
    void startResponding(const std::string& serverName, const Challenge& challenge,
                         const std::string& keyAuthorization) override;
    void stopResponding(const std::string& serverName, const Challenge& challenge,
                        const std::string& keyAuthorization) override;

    /// (server name, token) pairs started and not yet stopped.
    std::set<std::pair<std::string, std::string>> active() const;
    /// How many times `startResponding` was called.
    int startCount() const;

private:
    std::string type_;
    mutable std::mutex mutex_;
    std::set<std::pair<std::string, std::string>> active_;
    int starts_ = 0;
};

}  // namespace cxxacme::testing
