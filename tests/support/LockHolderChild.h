#pragma once

// Test support: another process that takes an issuance lock and keeps it
// until it is killed, as an instance of a fleet that dies mid-issuance.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>

#include "cxxacme/IIssuanceLock.h"

namespace cxxacme::test {

class LockHolderChild {
public:
    /// Forks a child that calls `take` (opening its own store) and keeps
    /// what it returns. Returns once the child has the lock; throws when it
    /// could not take it.
    explicit LockHolderChild(const std::function<std::unique_ptr<IIssuanceLock::Held>()>& take) {
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork");
        if (pid_ == 0) {
            ::close(fds[0]);
            char answer = 'n';
            std::unique_ptr<IIssuanceLock::Held> held;
            try {
                held = take();
                if (held) answer = 'y';
            } catch (...) {
            }
            (void)!::write(fds[1], &answer, 1);
            for (;;) ::pause();  // killed by the parent
        }
        ::close(fds[1]);
        char answer = 'n';
        const auto got = ::read(fds[0], &answer, 1);
        ::close(fds[0]);
        if (got != 1 || answer != 'y') {
            kill();
            throw std::runtime_error("the child could not take the lock");
        }
    }
    ~LockHolderChild() { kill(); }
    LockHolderChild(const LockHolderChild&) = delete;
    LockHolderChild& operator=(const LockHolderChild&) = delete;

    /// SIGKILL, as a crash: no destructor runs. Waits for the child to be gone.
    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    pid_t pid_ = -1;
};

}  // namespace cxxacme::test
