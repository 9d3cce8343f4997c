#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cxxacme::cli {

/// A usage error: exit code 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// `--name value` options, `--flag` switches and positional arguments.
class CommandLine {
public:
    /// `valued`: options that take a value; `switches`: options that do not.
    CommandLine(const std::vector<std::string>& args, const std::set<std::string>& valued,
                const std::set<std::string>& switches);

    std::optional<std::string> get(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback) const;
    std::string require(const std::string& name) const;
    int number(const std::string& name, int fallback, int lo, int hi) const;
    bool has(const std::string& name) const { return switches_.count(name) > 0; }
    const std::vector<std::string>& positional() const noexcept { return positional_; }

private:
    std::map<std::string, std::string> values_;
    std::set<std::string> switches_;
    std::vector<std::string> positional_;
};

}  // namespace cxxacme::cli
