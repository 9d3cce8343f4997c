#pragma once

// mock-acme's optional persistence: the whole state, CA included, as one
// JSON snapshot in a SQLite file. Internal.

#include <memory>
#include <string>

#include "EngineState.h"
#include "cxxacme/mock_acme/MockCertificateAuthority.h"

struct sqlite3;

namespace cxxacme::mock_acme::state {

class SnapshotFile {
public:
    /// Opens (or creates, mode 0600) the SQLite file. Throws `Error`.
    explicit SnapshotFile(std::string path);
    ~SnapshotFile();
    SnapshotFile(const SnapshotFile&) = delete;
    SnapshotFile& operator=(const SnapshotFile&) = delete;

    /// Fills `state` from the file and returns its CA; nothing (and `state`
    /// untouched) when the file holds no snapshot yet. Throws `Error` for a
    /// snapshot it cannot read.
    std::unique_ptr<MockCertificateAuthority> load(EngineState& state);
    /// The snapshot of `state` as text.
    static std::string serialize(const EngineData& state, const MockCertificateAuthority& ca);
    /// Replaces the snapshot with `text` from `serialize`. Throws `Error`.
    void write(const std::string& text);

private:
    std::string path_;
    sqlite3* db_ = nullptr;
};

}  // namespace cxxacme::mock_acme::state
