#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cxxacme::cli {

/// `cxxacme issue|renew|list|revoke|account ...` (see `cxxacme help`).
/// Returns the exit code: 0 success, 1 failure, 2 usage.
int runAcmeCommand(const std::string& command, const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err);

/// The help text of these commands.
extern const char* const kAcmeCommandsUsage;

}  // namespace cxxacme::cli
