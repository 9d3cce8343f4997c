#define BOOST_TEST_MODULE mock_acme_random_pool
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>

#include "RandomPool.h"

using cxxacme::mock_acme::pooledRandomBytes;

BOOST_AUTO_TEST_CASE(bytes_are_never_handed_out_twice) {
    // sizes the engine draws (ids, nonces, tokens), past several refills of the 4 KB buffer
    std::set<std::string> seen;
    for (int i = 0; i < 3000; ++i) {
        const std::size_t n = i % 3 == 0 ? 12 : i % 3 == 1 ? 16 : 32;
        const std::string bytes = pooledRandomBytes(n);
        BOOST_REQUIRE(bytes.size() == n);
        BOOST_REQUIRE(seen.insert(bytes).second);
    }
    // larger requests bypass the buffer
    BOOST_TEST(pooledRandomBytes(5000).size() == 5000u);
    BOOST_TEST(pooledRandomBytes(0).empty());
}

BOOST_AUTO_TEST_CASE(a_forked_child_does_not_repeat_its_parent) {
    (void)pooledRandomBytes(16);  // the buffer is full of bytes both would share
    int fds[2];
    BOOST_REQUIRE(pipe(fds) == 0);
    const pid_t child = fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
        const std::string bytes = pooledRandomBytes(16);
        _exit(write(fds[1], bytes.data(), bytes.size()) == 16 ? 0 : 1);
    }
    close(fds[1]);
    const std::string mine = pooledRandomBytes(16);
    std::string childs(16, '\0');
    BOOST_REQUIRE(read(fds[0], childs.data(), childs.size()) == 16);
    close(fds[0]);
    int status = 0;
    BOOST_REQUIRE(waitpid(child, &status, 0) == child);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(mine != childs);
}
