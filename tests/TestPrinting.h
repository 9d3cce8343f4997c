#pragma once

// Lets Boost.Test compare cxxacme value types that have no operator<<.
#include <optional>
#include <ostream>

#include <boost/test/unit_test.hpp>

#include "cxxacme/CaaRecord.h"
#include "cxxacme/Certificate.h"
#include "cxxacme/Identifier.h"
#include "cxxacme/Jwk.h"
#include "cxxacme/PemBundle.h"
#include "cxxacme/KeyType.h"
#include "cxxacme/PemObject.h"
#include "cxxacme/PublicKey.h"

BOOST_TEST_DONT_PRINT_LOG_VALUE(cxxacme::PublicKey)
BOOST_TEST_DONT_PRINT_LOG_VALUE(cxxacme::KeyType)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::optional<cxxacme::KeyType>)
BOOST_TEST_DONT_PRINT_LOG_VALUE(cxxacme::Certificate)
BOOST_TEST_DONT_PRINT_LOG_VALUE(cxxacme::PemBundle)
BOOST_TEST_DONT_PRINT_LOG_VALUE(cxxacme::Jwk)
BOOST_TEST_DONT_PRINT_LOG_VALUE(cxxacme::Identifier::Type)
BOOST_TEST_DONT_PRINT_LOG_VALUE(cxxacme::PemObject::Kind)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<cxxacme::Identifier>)

namespace cxxacme {
inline std::ostream& operator<<(std::ostream& out, const CaaRecord& r) {
    return out << static_cast<int>(r.flags) << ' ' << r.tag << " \"" << r.value << '"';
}
}  // namespace cxxacme
