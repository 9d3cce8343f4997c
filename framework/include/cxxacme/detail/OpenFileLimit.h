#pragma once

#include <optional>
#include <string>

// A served connection is a file descriptor, and a shell's usual soft limit
// on them (1024) is below the connections a server may hold at once. Internal.

namespace cxxacme::detail {

/// Why the open-file limit is too low for `connections` at once (plus 256
/// for the accept queue, other sockets and files), or nothing. Changes
/// nothing: for libraries, which leave the process's limits to the program.
std::optional<std::string> openFileLimitWarning(int connections);

/// For programs: raises the soft open-file limit to the hard one, as Go's
/// runtime does, then says why even that is too low, or nothing.
std::optional<std::string> raiseOpenFileLimit(int connections);

}  // namespace cxxacme::detail
