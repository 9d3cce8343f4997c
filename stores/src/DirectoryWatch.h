#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <thread>

namespace cxxacme::stores::detail {

/// A thread that watches one directory with inotify (`mask`: IN_* events)
/// and calls `onBurst` with the names of the files that each burst of
/// events was about; with a `tick`, also with no names after each `tick`
/// without events. Stopping (the destructor) wakes the thread and waits
/// for a call in progress. Throws `StoreError` when the directory cannot be
/// watched. Linux only, local file systems only (inotify does not see
/// another machine's writes to a network mount).
class DirectoryWatch {
public:
    DirectoryWatch(const std::string& directory, std::uint32_t mask,
                   std::function<void(const std::set<std::string>& files)> onBurst,
                   std::chrono::milliseconds tick = std::chrono::milliseconds(0));
    ~DirectoryWatch();
    DirectoryWatch(const DirectoryWatch&) = delete;
    DirectoryWatch& operator=(const DirectoryWatch&) = delete;

private:
    void run();

    int inotify_ = -1;
    int wake_[2] = {-1, -1};
    std::function<void(const std::set<std::string>&)> onBurst_;
    int tickMs_;
    std::thread thread_;
};

}  // namespace cxxacme::stores::detail
