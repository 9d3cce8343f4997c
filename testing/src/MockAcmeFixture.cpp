#include "cxxacme/testing/MockAcmeFixture.h"

#include <cstdlib>
#include <filesystem>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Error.h"

namespace cxxacme::testing {

mock_acme::MockAcmeConfig MockAcmeFixture::defaultConfig() {
    mock_acme::MockAcmeConfig config;
    config.listenPort = 0;
    config.managementPort = 0;
    return config;
}

MockAcmeFixture::MockAcmeFixture(mock_acme::MockAcmeConfig config) : server_(std::move(config)) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cxxacme-mock-acme-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw FileError(tmpl, "cannot create a temporary directory");
    tempDir_ = tmpl;
    caBundlePath_ = tempDir_ + "/ca.pem";
    AtomicFile::write(caBundlePath_, server_.httpsCaPem(), 0644);
}

MockAcmeFixture::~MockAcmeFixture() {
    server_.stop();
    std::error_code ignored;
    std::filesystem::remove_all(tempDir_, ignored);
}

}  // namespace cxxacme::testing
