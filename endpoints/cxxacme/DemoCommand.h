#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cxxacme::cli {

/// `cxxacme demo --dir DIR NAME...`: the furthest end-to-end flow that
/// exists, run on a local certificate directory. Returns the exit code.
int runDemo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cxxacme::cli
