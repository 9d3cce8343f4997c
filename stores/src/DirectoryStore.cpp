#include "cxxacme/stores/DirectoryStore.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include <Poco/Logger.h>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

namespace cxxacme::stores {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.store.directory"); }

constexpr std::string_view kSuffix = ".pem";

}  // namespace

DirectoryStore::DirectoryStore(std::string directory) : directory_(std::move(directory)) {
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
}

std::string DirectoryStore::pathFor(const std::string& name) const {
    return directory_ + "/" + ServerName::canonicalKey(name) + std::string(kSuffix);
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
        return PemBundle::parse(AtomicFile::read(path, kMaxEntryBytes));
    } catch (const FileError& e) {
        throw StoreError(key, path, e.what());
    } catch (const PemError& e) {
        throw StoreError(key, path, e.what());
    }
}

void DirectoryStore::store(const std::string& name, const PemBundle& entry) {
    const std::string key = ServerName::canonicalKey(name);
    const std::string path = pathFor(key);
    try {
        AtomicFile::write(path, entry.toPem(), 0600);
    } catch (const FileError& e) {
        throw StoreError(key, path, e.what());
    }
}

std::map<std::string, PemBundle> DirectoryStore::asMap() {
    struct DirCloser {
        void operator()(DIR* d) const noexcept { ::closedir(d); }
    };
    std::unique_ptr<DIR, DirCloser> dir(::opendir(directory_.c_str()));
    if (!dir) throw StoreError("", directory_, std::string("cannot list: ") + std::strerror(errno));
    std::map<std::string, PemBundle> out;
    while (const dirent* e = ::readdir(dir.get())) {
        const std::string file = e->d_name;
        if (file.size() <= kSuffix.size() || !file.ends_with(kSuffix) || file.front() == '.') continue;
        const std::string name = file.substr(0, file.size() - kSuffix.size());
        if (!ServerName::isValid(name.substr(0, name.find(','))) || ServerName::canonicalKey(name) != name) {
            try {
                if (ServerName::canonicalKey(name) != name)
                    logger().warning("skipping " + InvalidNameError::printable(file) + ": not a canonical name");
            } catch (const InvalidNameError& err) {
                logger().warning("skipping " + InvalidNameError::printable(file) + ": " + err.what());
            }
            continue;
        }
        try {
            if (auto entry = get(name)) out.emplace(name, std::move(*entry));
        } catch (const StoreError& err) {
            logger().warning(std::string("skipping an entry: ") + err.what());
        }
    }
    return out;
}

}  // namespace cxxacme::stores
