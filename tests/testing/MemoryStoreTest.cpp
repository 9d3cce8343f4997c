#define BOOST_TEST_MODULE memory_store
#include <boost/test/unit_test.hpp>

#include "cxxacme/ServerName.h"
#include "cxxacme/testing/MemoryStore.h"
#include "cxxacme/testing/StoreConformance.h"

namespace {
struct MemoryStoreFactory {
    std::unique_ptr<cxxacme::ICertificateStore> make() { return std::make_unique<cxxacme::testing::MemoryStore>(); }
};
}  // namespace

CXXACME_STORE_CONFORMANCE_TESTS(memory_store_conformance, MemoryStoreFactory)

BOOST_AUTO_TEST_CASE(initial_entries_are_canonicalised) {
    cxxacme::testing::MemoryStore store({{"A.Example", cxxacme::PemBundle()}});
    BOOST_TEST(store.get("a.example").has_value());
    BOOST_CHECK_THROW(cxxacme::testing::MemoryStore({{"../x", cxxacme::PemBundle()}}), cxxacme::InvalidNameError);
}

// The suite must be able to fail: a store that forgets writes is caught.
namespace {
class ForgetfulStore final : public cxxacme::ICertificateStore {
public:
    std::optional<cxxacme::PemBundle> get(const std::string& name) override {
        (void)cxxacme::ServerName::canonicalKey(name);
        return std::nullopt;
    }
    void store(const std::string& name, const cxxacme::PemBundle&) override {
        (void)cxxacme::ServerName::canonicalKey(name);
    }
    std::map<std::string, cxxacme::PemBundle> asMap() override { return {}; }
};
struct ForgetfulFactory {
    std::unique_ptr<cxxacme::ICertificateStore> make() { return std::make_unique<ForgetfulStore>(); }
};
}  // namespace

// A store that forgets what it is given fails the suite: in the missing-name
// case exactly one check fails (and this case passes only then).
BOOST_AUTO_TEST_CASE(the_suite_catches_a_broken_store, *boost::unit_test::expected_failures(1)) {
    cxxacme::testing::StoreConformanceFixture<ForgetfulFactory> fixture;
    fixture.missingName();
}
