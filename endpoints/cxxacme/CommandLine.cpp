#include "CommandLine.h"

#include <cstdlib>

namespace cxxacme::cli {

CommandLine::CommandLine(const std::vector<std::string>& args, const std::set<std::string>& valued,
                         const std::set<std::string>& switches) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.starts_with("--")) {
            std::string name = a.substr(2);
            std::optional<std::string> inlineValue;
            if (const auto eq = name.find('='); eq != std::string::npos) {
                inlineValue = name.substr(eq + 1);
                name = name.substr(0, eq);
            }
            if (valued.count(name)) {
                if (inlineValue) values_[name] = *inlineValue;
                else if (i + 1 < args.size()) values_[name] = args[++i];
                else throw UsageError("--" + name + " needs a value");
            } else if (switches.count(name) && !inlineValue) {
                switches_.insert(name);
            } else {
                throw UsageError("unknown option --" + name);
            }
        } else {
            positional_.push_back(a);
        }
    }
}

std::optional<std::string> CommandLine::get(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string CommandLine::get(const std::string& name, const std::string& fallback) const {
    return get(name).value_or(fallback);
}

std::string CommandLine::require(const std::string& name) const {
    const auto v = get(name);
    if (!v || v->empty()) throw UsageError("--" + name + " is required");
    return *v;
}

int CommandLine::number(const std::string& name, int fallback, int lo, int hi) const {
    const auto v = get(name);
    if (!v) return fallback;
    char* end = nullptr;
    const long n = std::strtol(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0' || n < lo || n > hi)
        throw UsageError("--" + name + " must be a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    return static_cast<int>(n);
}

}  // namespace cxxacme::cli
