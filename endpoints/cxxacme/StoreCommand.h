#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "cxxacme/ICertificateStore.h"
#include "cxxacme/stores/KeyEncryption.h"

namespace cxxacme::cli {

/// A store from its command-line form: `dir:PATH` or `sqlite:FILE`; with
/// `keyFile`, private keys are sealed at rest (see `KeyEncryption`).
/// Throws `UsageError` for another form.
std::unique_ptr<ICertificateStore> openStore(const std::string& spec, const std::string& keyFile = "");

/// `cxxacme store copy SRC DST [--from-key FILE] [--to-key FILE]` and
/// `cxxacme store keygen FILE`. Returns the exit code.
int runStoreCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

extern const char* const kStoreUsage;

}  // namespace cxxacme::cli
