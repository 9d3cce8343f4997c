#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cxxacme {

/// A fixed set of worker threads running queued jobs in order of
/// submission: where blocking work (validation, issuance) runs.
///
/// `post` never blocks. Destruction (or `shutdown`) stops taking jobs, lets
/// running jobs finish, drops the jobs still queued, and joins the threads.
/// An exception escaping a job is logged to `loggerName` and dropped.
class WorkerPool {
public:
    explicit WorkerPool(std::size_t threads, std::string loggerName = "cxxacme.workers");
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Queues `job`; returns false (and drops it) after shutdown.
    bool post(std::function<void()> job);
    void shutdown();
    /// Jobs queued and not yet started.
    std::size_t queued() const;

private:
    void run();

    std::string logger_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace cxxacme
