#include "cxxacme/AtomicFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "cxxacme/Error.h"

namespace cxxacme {
namespace {

std::string errnoText(int err) { return std::strerror(err); }

std::string directoryOf(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

class FdCloser {
public:
    explicit FdCloser(int fd) : fd_(fd) {}
    ~FdCloser() {
        if (fd_ >= 0) ::close(fd_);
    }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    int get() const { return fd_; }

private:
    int fd_;
};

}  // namespace

void AtomicFile::write(const std::string& path, std::string_view content, mode_t mode) { put(path, content, mode, true); }

bool AtomicFile::create(const std::string& path, std::string_view content, mode_t mode) {
    return put(path, content, mode, false);
}

bool AtomicFile::isTemporaryName(std::string_view fileName) {
    constexpr std::string_view kMark = ".tmp-";
    const auto mark = fileName.rfind(kMark);
    if (fileName.size() < 2 || fileName[0] != '.' || mark == std::string_view::npos || mark < 2) return false;
    const std::string_view digits = fileName.substr(mark + kMark.size());
    return !digits.empty() && digits.size() <= 12 &&
           digits.find_first_not_of("0123456789") == std::string_view::npos;
}

bool AtomicFile::put(const std::string& path, std::string_view content, mode_t mode, bool replace) {
    const std::string dir = directoryOf(path);
    const std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    if (base.empty() || base == "." || base == "..") throw FileError(path, "not a file name");

    thread_local std::mt19937_64 random{std::random_device{}()};
    std::string tmp;
    int fd = -1;
    for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
        tmp = dir + "/." + base + ".tmp-" + std::to_string(random() % 1000000000000ULL);
        fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST) throw FileError(path, "cannot create a temporary file: " + errnoText(errno));
    }
    if (fd < 0) throw FileError(path, "cannot create a temporary file: too many collisions");
    FdCloser closer(fd);
    const auto fail = [&](const std::string& what, int err) {
        ::unlink(tmp.c_str());
        throw FileError(path, what + ": " + errnoText(err));
    };
    if (::fchmod(fd, mode) != 0) fail("cannot set the mode", errno);  // umask must not widen or narrow it
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("cannot write", errno);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) fail("cannot fsync", errno);
    if (::close(closer.release()) != 0) fail("cannot close", errno);
    if (replace) {
        if (::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot rename into place", errno);
    } else {
        // link(2) never replaces: of processes creating one file at once, one makes it
        if (::link(tmp.c_str(), path.c_str()) != 0) {
            if (errno != EEXIST) fail("cannot link into place", errno);
            ::unlink(tmp.c_str());
            return false;
        }
        ::unlink(tmp.c_str());
    }
    const int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);  // best effort: some file systems refuse fsync on directories
        ::close(dirFd);
    }
    return true;
}

std::string AtomicFile::read(const std::string& path, std::size_t maxBytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw FileError(path, "cannot open: " + errnoText(errno));
    FdCloser closer(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw FileError(path, "cannot stat: " + errnoText(errno));
    if (!S_ISREG(st.st_mode)) throw FileError(path, "not a regular file");
    if (static_cast<std::size_t>(st.st_size) > maxBytes)
        throw FileError(path, "larger than the limit of " + std::to_string(maxBytes) + " bytes");
    std::string out;
    char buf[16384];
    while (true) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw FileError(path, "cannot read: " + errnoText(errno));
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > maxBytes)
            throw FileError(path, "larger than the limit of " + std::to_string(maxBytes) + " bytes");
    }
    return out;
}

}  // namespace cxxacme
