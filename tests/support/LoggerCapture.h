#pragma once

// The messages a named Poco logger receives while this lives, at
// information level and above; the logger's channel and level are restored
// after.

#include <algorithm>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

namespace cxxacme::test {

class LoggerCapture {
public:
    explicit LoggerCapture(const std::string& name)
        : logger_(Poco::Logger::get(name)), previous_(logger_.getChannel()), previousLevel_(logger_.getLevel()) {
        logger_.setChannel(lines_);
        logger_.setLevel(Poco::Message::PRIO_INFORMATION);
    }
    ~LoggerCapture() {
        logger_.setChannel(previous_);
        logger_.setLevel(previousLevel_);
        // a message another thread was logging into it ends before it goes (and ThreadSanitizer
        // sees the order: a server thread's last line was seen through a socket it cannot see)
        std::lock_guard lock(lines_->mutex);
    }
    LoggerCapture(const LoggerCapture&) = delete;
    LoggerCapture& operator=(const LoggerCapture&) = delete;

    std::size_t count(const std::function<bool(const std::string&)>& matches) {
        std::lock_guard lock(lines_->mutex);
        return static_cast<std::size_t>(std::count_if(lines_->lines.begin(), lines_->lines.end(), matches));
    }
    std::vector<std::string> lines() {
        std::lock_guard lock(lines_->mutex);
        return lines_->lines;
    }
    void clear() {
        std::lock_guard lock(lines_->mutex);
        lines_->lines.clear();
    }

private:
    struct Lines final : Poco::Channel {
        void log(const Poco::Message& message) override {
            std::lock_guard lock(mutex);
            lines.push_back(message.getText());
        }
        std::mutex mutex;
        std::vector<std::string> lines;
    };
    Poco::Logger& logger_;
    Poco::Channel::Ptr previous_;
    int previousLevel_;
    Poco::AutoPtr<Lines> lines_{new Lines};
};

}  // namespace cxxacme::test
