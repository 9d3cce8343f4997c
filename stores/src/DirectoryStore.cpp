#include "cxxacme/stores/DirectoryStore.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

#include <Poco/Logger.h>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Base64Url.h"
#include "cxxacme/detail/OpenSsl.h"
#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"
#include "ChangeListeners.h"
#include "DirectoryWatch.h"
#include "HolderName.h"

namespace cxxacme::stores {

using detail::ChangeListeners;
using detail::DirectoryWatch;

namespace {

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.store.directory"); }

constexpr std::string_view kSuffix = ".pem";
constexpr std::string_view kLockSuffix = ".lock";

/// `prefix + key + suffix`, or, when that is longer than a file name may be
/// (a lock or an answer of a name of 250 characters), the key's SHA-256 in
/// its place: one file per key all the same.
std::string fileNameFor(const std::string& prefix, const std::string& key, std::string_view suffix) {
    constexpr std::size_t kNameMax = 255;
    if (prefix.size() + key.size() + suffix.size() <= kNameMax) return prefix + key + std::string(suffix);
    return prefix + "sha256-" + Base64Url::encode(cxxacme::detail::sha256(key)) + std::string(suffix);
}

/// Makes `path` a directory (mode 0700) unless it is one; throws `StoreError`
/// for anything else in its place (a file, a link).
void ensureDirectory(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
        throw StoreError("", path, std::string("cannot create the directory: ") + std::strerror(errno));
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw StoreError("", path, "not a directory");
}

/// Whether the board directory `path` is there (a directory, not a link to
/// one: never followed); throws `StoreError` for anything else in its place.
bool boardDirectoryExists(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return false;
        throw StoreError("", path, std::string("cannot stat: ") + std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) throw StoreError("", path, "not a directory");
    return true;
}

/// A held `flock` on a lock file: released, and the file removed, when destroyed.
class FileLock final : public IIssuanceLock::Held {
public:
    FileLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    ~FileLock() override {
        // Removed while still locked: a process that opened this file and
        // locks it after the close finds the path gone or another file
        // there, and opens again (see tryLock).
        ::unlink(path_.c_str());
        ::close(fd_);
    }

private:
    int fd_;
    std::string path_;
};

}  // namespace

DirectoryStore::DirectoryStore(std::string directory, std::shared_ptr<const KeyEncryption> encryption)
    : directory_(std::move(directory)), encryption_(std::move(encryption)) {
    if (directory_.empty()) throw StoreError("", "", "no directory given");
    while (directory_.size() > 1 && directory_.back() == '/') directory_.pop_back();
    struct stat st {};
    if (::stat(directory_.c_str(), &st) != 0) {
        if (errno != ENOENT) throw StoreError("", directory_, std::string("cannot stat: ") + std::strerror(errno));
        std::error_code ec;
        std::filesystem::create_directories(directory_, ec);  // parents as needed
        if (ec) throw StoreError("", directory_, "cannot create the directory: " + ec.message());
        ::chmod(directory_.c_str(), 0700);  // the entries hold private keys
    } else if (!S_ISDIR(st.st_mode)) {
        throw StoreError("", directory_, "not a directory");
    }
    sweepStaleTemporaries();
}

void DirectoryStore::sweepStaleTemporaries() const {
    // A writer killed between creating its temporary file and the rename
    // leaves ".NAME.pem.tmp-N" behind (or ".client.key.tmp-N", or an
    // answer's "..challenge.TYPE.KEY.tmp-N", or one in a board's directory).
    // Writes take milliseconds; one left for an hour is garbage (and may hold
    // a private key): remove it.
    struct DirCloser {
        void operator()(DIR* d) const noexcept { ::closedir(d); }
    };
    const auto now = std::chrono::system_clock::now();
    for (const std::string& where : {directory_, refusalDirectory(), renewalInfoDirectory()}) {
        std::unique_ptr<DIR, DirCloser> dir(::opendir(where.c_str()));
        if (!dir) continue;
        const bool top = where == directory_;
        // Likewise a challenge answer posted by a process that died mid-order: a
        // challenge is answered for minutes, and one a day old is no use to a CA.
        while (const dirent* e = ::readdir(dir.get())) {
            const std::string file = e->d_name;
            const std::string path = where + "/" + file;
            if (top && file.starts_with(kLegacyRefusalPrefix) && !AtomicFile::isTemporaryName(file)) {
                // an earlier version's refusal, beside the entries: into the board's directory
                const std::string scope = file.substr(std::string_view(kLegacyRefusalPrefix).size());
                try {
                    checkRefusal({scope, "{}", 429, {}});
                    ensureDirectory(refusalDirectory());
                    if (::rename(path.c_str(), (refusalDirectory() + "/" + scope).c_str()) != 0 &&
                        errno != ENOENT)  // moved by another store opening the directory at once
                        throw StoreError("", path, std::string("cannot move: ") + std::strerror(errno));
                } catch (const Error& e) {
                    logger().warning("an earlier version's rate-limit refusal " + InvalidNameError::printable(file) +
                                     " is left where it is: " + e.what());
                }
                continue;
            }
            const bool temporary = AtomicFile::isTemporaryName(file);
            const bool challenge = top && file.starts_with(".challenge.");
            if (!temporary && !challenge) continue;
            struct stat st {};
            if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
            const auto modified = std::chrono::system_clock::time_point(
                std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(st.st_mtim.tv_sec)));
            if (modified < now - (temporary ? Duration(kStaleTemporaryAge) : Duration(kStaleChallengeAge)) && ::unlink(path.c_str()) == 0)
                logger().information(std::string("removed a stale ") + (temporary ? "temporary file " : "challenge answer ") +
                                     InvalidNameError::printable(file));
        }
    }
}

std::string DirectoryStore::pathFor(const std::string& name) const {
    return directory_ + "/" + ServerName::canonicalKey(name) + std::string(kSuffix);
}

std::string DirectoryStore::lockPathFor(const std::string& name) const {
    return directory_ + "/" + fileNameFor(".", ServerName::canonicalKey(name), kLockSuffix);
}

std::unique_ptr<IIssuanceLock::Held> DirectoryStore::tryLock(const std::string& name) {
    const std::string key = ServerName::canonicalKey(name);
    const std::string path = lockPathFor(key);
    // A few rounds at most: each one lost means another holder released in between.
    for (int round = 0; round < 16; ++round) {
        // O_NONBLOCK: a FIFO planted under the lock's name must not hang the open
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
        if (fd < 0) throw StoreError(key, path, std::string("cannot open the issuance lock: ") + std::strerror(errno));
        struct stat opened {};
        if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
            ::close(fd);
            throw StoreError(key, path, "the issuance lock is not a regular file");
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int error = errno;
            ::close(fd);
            if (error == EWOULDBLOCK) return nullptr;
            throw StoreError(key, path, std::string("cannot lock: ") + std::strerror(error));
        }
        struct stat atPath {};
        if (::lstat(path.c_str(), &atPath) == 0 && atPath.st_ino == opened.st_ino && atPath.st_dev == opened.st_dev) {
            // who holds it, for an operator who wonders (never read by the store)
            const std::string holder = detail::holderName() + "\n";
            if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, holder.data(), holder.size(), 0) < 0)
                logger().debug("cannot note the holder in " + path + ": " + std::strerror(errno));
            return std::make_unique<FileLock>(fd, path);
        }
        ::close(fd);  // its holder removed it between our open and our lock: that file no longer counts
    }
    throw StoreError(key, path, "the issuance lock file keeps being replaced");
}

std::string DirectoryStore::challengePathFor(const std::string& type, const std::string& key) const {
    check(type, key);
    return directory_ + "/" + fileNameFor(".challenge." + type + ".", key, "");
}

void DirectoryStore::postChallenge(const std::string& type, const std::string& key, const std::string& keyAuthorization) {
    check(type, key, &keyAuthorization);
    const std::string path = challengePathFor(type, key);
    try {
        AtomicFile::write(path, keyAuthorization, 0600);
    } catch (const FileError& e) {
        throw StoreError(key, path, e.what());
    }
}

void DirectoryStore::removeChallenge(const std::string& type, const std::string& key) {
    const std::string path = challengePathFor(type, key);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        throw StoreError(key, path, std::string("cannot remove the challenge: ") + std::strerror(errno));
}

std::optional<std::string> DirectoryStore::challengeAnswer(const std::string& type, const std::string& key) {
    const std::string path = challengePathFor(type, key);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw StoreError(key, path, std::string("cannot stat: ") + std::strerror(errno));
    }
    try {
        std::string answer = AtomicFile::read(path, 512);
        check(type, key, &answer);  // what another hand put there is served to the CA only if it could be an answer
        return answer;
    } catch (const FileError& e) {
        throw StoreError(key, path, e.what());
    } catch (const InvalidNameError& e) {
        throw StoreError(key, path, e.what());
    }
}

// ---- rate-limit board -------------------------------------------------------

void DirectoryStore::postRefusal(const Refusal& refusal) {
    checkRefusal(refusal);
    const std::string path = refusalDirectory() + "/" + refusal.scope;
    ensureDirectory(refusalDirectory());
    try {
        AtomicFile::write(path,
                          std::to_string(untilSeconds(refusal.until)) + " " + std::to_string(refusal.status) + "\n" +
                              refusal.problem,
                          0600);
    } catch (const FileError& e) {
        throw StoreError("", path, e.what());
    }
}

std::vector<IRateLimitBoard::Refusal> DirectoryStore::refusals(TimePoint now) {
    std::vector<Refusal> out;
    struct DirCloser {
        void operator()(DIR* d) const noexcept { ::closedir(d); }
    };
    const std::string where = refusalDirectory();
    if (!boardDirectoryExists(where)) return out;  // none posted yet
    std::unique_ptr<DIR, DirCloser> dir(::opendir(where.c_str()));
    if (!dir) throw StoreError("", where, std::string("cannot read the directory: ") + std::strerror(errno));
    const long long nowSeconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    while (const dirent* e = ::readdir(dir.get())) {
        const std::string file = e->d_name;
        if (file == "." || file == ".." || AtomicFile::isTemporaryName(file)) continue;
        const std::string path = where + "/" + file;
        struct stat before {};
        if (::lstat(path.c_str(), &before) != 0) continue;  // removed meanwhile
        try {
            const std::string text = AtomicFile::read(path, kMaxProblemBytes + 64);
            const auto newline = text.find('\n');
            long long until = 0;
            int status = 0;
            int used = 0;
            if (newline == std::string::npos ||
                std::sscanf(text.substr(0, newline).c_str(), "%lld %d%n", &until, &status, &used) != 2 || static_cast<std::size_t>(used) != newline)
                throw StoreError("", path, "the first line is not \"UNTIL STATUS\"");
            Refusal refusal{file, text.substr(newline + 1), status, {}};
            refusal.until = untilFromSeconds(refusal.scope, until);
            checkRefusal(refusal);
            if (until <= nowSeconds) {
                // over: removed, unless another refusal was posted in its place meanwhile
                struct stat still {};
                if (::lstat(path.c_str(), &still) == 0 && still.st_ino == before.st_ino) ::unlink(path.c_str());
                continue;
            }
            out.push_back(std::move(refusal));
        } catch (const Error& e) {
            logger().warning("skipping the rate-limit refusal " + InvalidNameError::printable(file) + ": " + e.what());
        }
    }
    return out;
}

// ---- renewal-information board ----------------------------------------------

std::string DirectoryStore::renewalInfoPathFor(const std::string& name) const {
    return renewalInfoDirectory() + "/" + fileNameFor("", ServerName::canonicalKey(name), "");
}

void DirectoryStore::postRenewalInfo(const std::string& name, const Answer& answer) {
    const std::string key = ServerName::canonicalKey(name);
    checkAnswer(answer);
    const std::string path = renewalInfoPathFor(key);
    ensureDirectory(renewalInfoDirectory());
    try {
        AtomicFile::write(path,
                          answer.certificate + " " + std::to_string(seconds(answer.until)) + " " +
                              std::to_string(seconds(answer.windowStart)) + " " + std::to_string(seconds(answer.windowEnd)) +
                              "\n" + answer.explanationUrl,
                          0600);
    } catch (const FileError& e) {
        throw StoreError(key, path, e.what());
    }
}

std::optional<IRenewalInfoBoard::Answer> DirectoryStore::renewalInfo(const std::string& name, TimePoint now) {
    const std::string key = ServerName::canonicalKey(name);
    const std::string path = renewalInfoPathFor(key);
    if (!boardDirectoryExists(renewalInfoDirectory())) return std::nullopt;  // none posted yet
    struct stat before {};
    if (::lstat(path.c_str(), &before) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw StoreError(key, path, std::string("cannot stat: ") + std::strerror(errno));
    }
    try {
        const std::string text = AtomicFile::read(path, kMaxExplanationBytes + 256);
        const auto newline = text.find('\n');
        if (newline == std::string::npos) throw StoreError(key, path, "no first line");
        // CERTIFICATE UNTIL START END, one space apart
        std::vector<std::string_view> fields;
        const std::string_view head(text.data(), newline);
        for (std::size_t at = 0; at <= head.size();) {
            const auto space = std::min(head.find(' ', at), head.size());
            fields.push_back(head.substr(at, space - at));
            at = space + 1;
        }
        long long times[3] = {};
        bool numbers = fields.size() == 4;
        for (std::size_t i = 0; numbers && i < 3; ++i) {
            const std::string_view field = fields[i + 1];
            const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), times[i]);
            numbers = !field.empty() && ec == std::errc() && end == field.data() + field.size();
        }
        if (!numbers) throw StoreError(key, path, "the first line is not \"CERTIFICATE UNTIL START END\"");
        Answer answer{std::string(fields[0]), timePointFromUnixSeconds(times[1]), timePointFromUnixSeconds(times[2]),
                      text.substr(newline + 1), timePointFromUnixSeconds(times[0])};
        checkAnswer(answer);
        if (answer.until <= now) {
            // over: removed, unless another answer was posted in its place meanwhile
            struct stat still {};
            if (::lstat(path.c_str(), &still) == 0 && still.st_ino == before.st_ino) ::unlink(path.c_str());
            return std::nullopt;
        }
        return answer;
    } catch (const Error& e) {
        // FileError, InvalidNameError, StoreError: not an answer to use
        logger().warning("skipping the renewal information " + InvalidNameError::printable(path, 300) + ": " + e.what());
        return std::nullopt;
    }
}

void DirectoryStore::removeRenewalInfo(const std::string& name) {
    const std::string key = ServerName::canonicalKey(name);
    const std::string path = renewalInfoPathFor(key);
    if (!boardDirectoryExists(renewalInfoDirectory())) return;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        throw StoreError(key, path, std::string("cannot remove the renewal information: ") + std::strerror(errno));
}

std::optional<PemBundle> DirectoryStore::get(const std::string& name) {
    const std::string key = ServerName::canonicalKey(name);
    const std::string path = pathFor(key);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw StoreError(key, path, std::string("cannot stat: ") + std::strerror(errno));
    }
    try {
        return KeyEncryption::decode(key, AtomicFile::read(path, kMaxEntryBytes), encryption_.get());
    } catch (const FileError& e) {
        throw StoreError(key, path, e.what());
    } catch (const PemError& e) {
        throw StoreError(key, path, e.what());
    } catch (const CryptoError& e) {
        throw StoreError(key, path, e.what());
    }
}

void DirectoryStore::store(const std::string& name, const PemBundle& entry) {
    const std::string key = ServerName::canonicalKey(name);
    const std::string path = pathFor(key);
    try {
        AtomicFile::write(path, KeyEncryption::encode(key, entry, encryption_.get()), 0600);
    } catch (const FileError& e) {
        throw StoreError(key, path, e.what());
    }
}

std::vector<std::string> DirectoryStore::entryNames() const {
    struct DirCloser {
        void operator()(DIR* d) const noexcept { ::closedir(d); }
    };
    std::unique_ptr<DIR, DirCloser> dir(::opendir(directory_.c_str()));
    if (!dir) throw StoreError("", directory_, std::string("cannot list: ") + std::strerror(errno));
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(dir.get())) {
        const std::string file = e->d_name;
        if (file.size() <= kSuffix.size() || !file.ends_with(kSuffix) || file.front() == '.') continue;
        const std::string name = file.substr(0, file.size() - kSuffix.size());
        std::string canonical;  // each file's name checked once: the scan reads every entry's name
        try {
            canonical = ServerName::canonicalKey(name);
        } catch (const InvalidNameError& err) {
            logger().warning("skipping " + InvalidNameError::printable(file) + ": " + err.what());
            continue;
        }
        if (canonical != name) {
            logger().warning("skipping " + InvalidNameError::printable(file) + ": not a canonical name; as an entry it would be " +
                             canonical + std::string(kSuffix));
            continue;
        }
        names.push_back(name);
    }
    return names;
}

std::map<std::string, PemBundle> DirectoryStore::asMap() {
    std::map<std::string, PemBundle> out;
    for (const auto& name : entryNames()) {
        try {
            if (auto entry = get(name)) out.emplace(name, std::move(*entry));
        } catch (const StoreError& err) {
            logger().warning(std::string("skipping an entry: ") + err.what());
        }
    }
    return out;
}

std::vector<std::string> DirectoryStore::expiringBefore(TimePoint time) {
    const std::vector<std::string> names = entryNames();
    std::lock_guard lock(indexMutex_);
    std::map<std::string, IndexedFile> fresh;
    for (const auto& name : names) {
        const std::string path = directory_ + "/" + name + std::string(kSuffix);
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        IndexedFile file{static_cast<std::uint64_t>(st.st_ino), static_cast<std::int64_t>(st.st_size),
                         st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, std::nullopt};
        const auto cached = index_.find(name);
        if (cached != index_.end() && cached->second.inode == file.inode && cached->second.size == file.size &&
            cached->second.mtimeNs == file.mtimeNs) {
            fresh.emplace(name, cached->second);  // unchanged since it was read: no parse
            continue;
        }
        try {
            const auto entry = get(name);
            if (!entry) continue;
            if (!entry->empty()) file.notAfter = entry->notAfter();
            fresh.emplace(name, file);
        } catch (const Error& err) {
            logger().warning(std::string("expiry index skips an entry: ") + err.what());
        }
    }
    index_ = std::move(fresh);
    std::vector<std::pair<TimePoint, std::string>> due;
    for (const auto& [name, file] : index_)
        if (!file.notAfter) due.emplace_back(TimePoint::min(), name);
        else if (*file.notAfter < time) due.emplace_back(*file.notAfter, name);
    std::sort(due.begin(), due.end());
    std::vector<std::string> out;
    out.reserve(due.size());
    for (auto& [when, name] : due) out.push_back(std::move(name));
    return out;
}

}  // namespace cxxacme::stores

// ---- change notification -------------------------------------------------

namespace cxxacme::stores {

struct DirectoryStore::Watcher {
    ChangeListeners listeners;  // declared first: the watch, stopped first, calls into it
    std::unique_ptr<DirectoryWatch> watch;
};

DirectoryStore::~DirectoryStore() = default;

IChangeNotifier::Subscription DirectoryStore::onChange(std::function<void(const std::string& name)> listener) {
    std::lock_guard lock(watcherMutex_);
    if (!watcher_) {
        auto watcher = std::make_shared<Watcher>();
        watcher->watch = std::make_unique<DirectoryWatch>(
            directory_, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE,
            [w = watcher.get()](const std::set<std::string>& files) {
                std::set<std::string> names;  // a burst reports each name once
                for (const auto& file : files) {
                    if (file.starts_with(".") || !file.ends_with(kSuffix) || file.size() == kSuffix.size()) continue;
                    try {
                        names.insert(ServerName::canonicalKey(file.substr(0, file.size() - kSuffix.size())));
                    } catch (const InvalidNameError&) {
                        // not an entry
                    }
                }
                for (const auto& name : names) w->listeners.notify(name);
            });
        watcher_ = std::move(watcher);
    }
    return watcher_->listeners.subscribe(std::move(listener));
}

}  // namespace cxxacme::stores
