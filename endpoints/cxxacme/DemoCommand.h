#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cxxacme::cli {

/// `cxxacme demo [--dir CERTDIR] [--keep-serving] [NAME...]`: the main job on
/// the embedded default. Starts mock-acme in-process, makes empty entries for
/// the names, runs `cxxacme serve` on loopback, makes one HTTPS request per
/// name with SNI checking the chain against mock-acme's root, prints what
/// happened, and exits (or keeps serving). Returns the exit code.
int runDemo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cxxacme::cli
