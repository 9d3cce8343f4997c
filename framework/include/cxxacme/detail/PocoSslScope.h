#pragma once

// Keeps POCO's SSL library initialised while an owner lives (POCO counts the
// calls). Internal: for classes that hold POCO NetSSL contexts.

#include <Poco/Net/SSLManager.h>

namespace cxxacme::detail {

struct PocoSslScope {
    PocoSslScope() { Poco::Net::initializeSSL(); }
    ~PocoSslScope() { Poco::Net::uninitializeSSL(); }
    PocoSslScope(const PocoSslScope&) = delete;
    PocoSslScope& operator=(const PocoSslScope&) = delete;
};

}  // namespace cxxacme::detail
