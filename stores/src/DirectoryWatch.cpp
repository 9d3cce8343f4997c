#include "DirectoryWatch.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cxxacme/Error.h"

namespace cxxacme::stores::detail {

DirectoryWatch::DirectoryWatch(const std::string& directory, std::uint32_t mask,
                               std::function<void(const std::set<std::string>& files)> onBurst,
                               std::chrono::milliseconds tick)
    : onBurst_(std::move(onBurst)), tickMs_(tick.count() > 0 ? static_cast<int>(tick.count()) : -1) {
    const auto fail = [&] {
        const std::string reason = std::strerror(errno);
        for (const int fd : {inotify_, wake_[0], wake_[1]})
            if (fd >= 0) ::close(fd);
        throw StoreError("", directory, "cannot watch for changes: " + reason);
    };
    inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_ < 0 || ::pipe2(wake_, O_CLOEXEC) != 0) fail();
    if (::inotify_add_watch(inotify_, directory.c_str(), mask) < 0) fail();
    thread_ = std::thread([this] { run(); });
}

DirectoryWatch::~DirectoryWatch() {
    (void)::write(wake_[1], "x", 1);
    thread_.join();
    for (const int fd : {inotify_, wake_[0], wake_[1]}) ::close(fd);
}

void DirectoryWatch::run() {
    using Steady = std::chrono::steady_clock;
    alignas(inotify_event) char buffer[16384];
    const auto tick = std::chrono::milliseconds(tickMs_);
    auto nextTick = Steady::now() + tick;
    for (;;) {
        int timeout = -1;
        if (tickMs_ > 0) {  // a tick is due every `tick`, however busy the directory is
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(nextTick - Steady::now()).count();
            timeout = static_cast<int>(std::max<long long>(0, left));
        }
        pollfd fds[2] = {{inotify_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        const int ready = ::poll(fds, 2, timeout);
        if (ready < 0 && errno != EINTR) return;
        if (ready > 0 && fds[1].revents) return;
        std::set<std::string> files;  // a burst names each file once
        if (ready > 0 && fds[0].revents) {
            const ssize_t n = ::read(inotify_, buffer, sizeof buffer);
            for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
                const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
                at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
                if (event->len > 0) files.insert(std::string(event->name));  // NUL-padded: stops at the name's end
            }
        }
        if (!files.empty()) onBurst_(files);
        if (tickMs_ > 0 && Steady::now() >= nextTick) {
            onBurst_({});
            nextTick = Steady::now() + tick;
        }
    }
}

}  // namespace cxxacme::stores::detail
