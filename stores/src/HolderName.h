#pragma once

#include <unistd.h>

#include <string>

#include "cxxacme/Error.h"

namespace cxxacme::stores::detail {

/// "HOST PID": who holds an issuance lock, written beside it for a person
/// who wonders (never read by the stores).
inline std::string holderName() {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return InvalidNameError::printable(host, 255) + " " + std::to_string(::getpid());
}

}  // namespace cxxacme::stores::detail
