#pragma once

// Test support: a fresh directory under the system temp dir, removed with
// everything in it when the object goes.

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace cxxacme::test {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "cxxacme-test-XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

}  // namespace cxxacme::test
