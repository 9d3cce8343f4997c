#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace cxxacme {

/// Crash-safe file writes and careful reads, in OpenBSD acme-client's way.
class AtomicFile {
public:
    AtomicFile() = delete;

    /// Replaces `path` with `content`: writes a new temporary file in the
    /// same directory (created with `mode`, exclusive, not following links),
    /// fsyncs it, renames it over `path`, then fsyncs the directory. A reader
    /// or a crash sees the old content or the new, never a mix; on failure
    /// the old file is untouched and the temporary file is removed. Throws
    /// `FileError`.
    static void write(const std::string& path, std::string_view content, mode_t mode = 0600);

    /// As `write`, but only when nothing is at `path`: the new file is
    /// linked into place, which fails when another process (or a link) got
    /// there first. True when this call made it; false, and `path`
    /// untouched, when something was there. Throws `FileError`.
    static bool create(const std::string& path, std::string_view content, mode_t mode = 0600);

    /// Whether `fileName` (a name within a directory, no path) is one of
    /// the temporary files `write` and `create` make: ".BASE.tmp-DIGITS".
    /// One older than any write takes was left by a process killed
    /// mid-write (and may hold a private key): a directory's owner may
    /// remove it.
    static bool isTemporaryName(std::string_view fileName);

private:
    static bool put(const std::string& path, std::string_view content, mode_t mode, bool replace);

public:
    /// Reads `path` without following a final symbolic link. Throws
    /// `FileError` if it cannot be read or holds more than `maxBytes`.
    static std::string read(const std::string& path, std::size_t maxBytes);
};

}  // namespace cxxacme
