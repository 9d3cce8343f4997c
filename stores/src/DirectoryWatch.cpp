#include "DirectoryWatch.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cxxacme/Error.h"

namespace cxxacme::stores::detail {

DirectoryWatch::DirectoryWatch(const std::string& directory, std::uint32_t mask,
                               std::function<void(const std::set<std::string>& files)> onBurst)
    : onBurst_(std::move(onBurst)) {
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
    alignas(inotify_event) char buffer[16384];
    for (;;) {
        pollfd fds[2] = {{inotify_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents) return;
        const ssize_t n = ::read(inotify_, buffer, sizeof buffer);
        if (n <= 0) continue;
        std::set<std::string> files;  // a burst names each file once
        for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
            at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
            if (event->len > 0) files.insert(std::string(event->name));  // NUL-padded: stops at the name's end
        }
        if (!files.empty()) onBurst_(files);
    }
}

}  // namespace cxxacme::stores::detail
