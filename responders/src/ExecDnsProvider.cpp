#include "cxxacme/responders/ExecDnsProvider.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "cxxacme/Error.h"

extern char** environ;

namespace cxxacme::responders {

namespace {

constexpr std::size_t kKeptOutput = 2048;

struct Pipe {
    int fds[2] = {-1, -1};
    ~Pipe() {
        for (const int fd : fds)
            if (fd >= 0) ::close(fd);
    }
};

}  // namespace

ExecDnsProvider::ExecDnsProvider(std::string command, std::chrono::seconds timeout)
    : command_(std::move(command)), timeout_(timeout) {
    if (command_.empty()) throw DnsError("exec", "no command given");
}

void ExecDnsProvider::present(const std::string& fqdn, const std::string& value) { run("present", fqdn, value); }

void ExecDnsProvider::cleanup(const std::string& fqdn, const std::string& value) { run("cleanup", fqdn, value); }

void ExecDnsProvider::run(const std::string& action, const std::string& fqdn, const std::string& value) const {
    const std::string what = "`" + action + " " + fqdn + "`";
    Pipe output;
    if (::pipe2(output.fds, O_CLOEXEC) != 0) throw DnsError(command_, std::string("pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, output.fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, output.fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    // nothing else of this process: POCO's sockets are not close-on-exec, and a hook that
    // leaves a process behind would hold a server's listening port after the server is gone
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    std::vector<std::string> args{command_, action, fqdn, value};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, command_.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) throw DnsError(command_, "cannot run it: " + std::string(std::strerror(spawned)));
    ::close(output.fds[1]);
    output.fds[1] = -1;

    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    bool timedOut = false;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timedOut = true;
            break;
        }
        pollfd fd{output.fds[0], POLLIN, 0};
        const int ready = ::poll(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        char buffer[4096];
        const ssize_t n = ::read(output.fds[0], buffer, sizeof buffer);
        if (n <= 0) break;  // EOF: the program closed its output
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > 4 * kKeptOutput) text.erase(0, text.size() - kKeptOutput);
    }
    if (timedOut) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (text.size() > kKeptOutput) text = "…" + text.substr(text.size() - kKeptOutput);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    const std::string said = text.empty() ? " (it printed nothing)" : ": " + InvalidNameError::printable(text, kKeptOutput + 8);
    if (timedOut)
        throw DnsError(command_, what + " did not finish within " + std::to_string(timeout_.count()) + " s; killed" + said);
    if (WIFSIGNALED(status))
        throw DnsError(command_, what + " was killed by signal " + std::to_string(WTERMSIG(status)) + said);
    if (WEXITSTATUS(status) == 127 && text.empty())
        throw DnsError(command_, what + " could not be run (exit status 127: not found or not executable)");
    if (WEXITSTATUS(status) != 0)
        throw DnsError(command_, what + " exited with status " + std::to_string(WEXITSTATUS(status)) + said);
}

}  // namespace cxxacme::responders
