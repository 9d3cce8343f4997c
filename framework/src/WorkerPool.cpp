#include "cxxacme/WorkerPool.h"

#include <exception>

#include <Poco/Logger.h>

namespace cxxacme {

WorkerPool::WorkerPool(std::size_t threads, std::string loggerName) : logger_(std::move(loggerName)) {
    if (threads == 0) threads = 1;
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() { shutdown(); }

bool WorkerPool::post(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void WorkerPool::shutdown() {
    std::deque<std::function<void()>> dropped;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
        dropped.swap(jobs_);
    }
    wake_.notify_all();
    for (auto& t : threads_)
        if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
    std::lock_guard lock(mutex_);
    threads_.clear();
}

std::size_t WorkerPool::queued() const {
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

void WorkerPool::run() {
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            job();
        } catch (const std::exception& e) {
            Poco::Logger::get(logger_).error(std::string("job failed: ") + e.what());
        } catch (...) {
            Poco::Logger::get(logger_).error("job failed with an unknown exception");
        }
    }
}

}  // namespace cxxacme
