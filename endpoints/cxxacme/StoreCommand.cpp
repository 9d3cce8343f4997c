#include "StoreCommand.h"

#include "CommandLine.h"
#include "cxxacme/Error.h"
#include "cxxacme/stores/DirectoryStore.h"
#include "cxxacme/stores/SqliteStore.h"

namespace cxxacme::cli {

const char* const kStoreUsage =
    "cxxacme store copy SRC DST [--from-key FILE] [--to-key FILE]\n"
    "    Copies every entry of store SRC into store DST (replacing entries of the same\n"
    "    name) and reads each back. SRC, DST: dir:PATH or sqlite:FILE. --from-key and\n"
    "    --to-key are the entry encryption key files of SRC and DST, when they have one.\n"
    "cxxacme store keygen FILE\n"
    "    Writes a new entry encryption key (AES-256) to FILE, mode 0600.\n";

std::unique_ptr<ICertificateStore> openStore(const std::string& spec, const std::string& keyFile) {
    std::shared_ptr<const stores::KeyEncryption> encryption;
    if (!keyFile.empty()) encryption = stores::KeyEncryption::fromKeyFile(keyFile);
    if (spec.starts_with("dir:") && spec.size() > 4) return std::make_unique<stores::DirectoryStore>(spec.substr(4), encryption);
    if (spec.starts_with("sqlite:") && spec.size() > 7) return std::make_unique<stores::SqliteStore>(spec.substr(7), encryption);
    throw UsageError("unsupported store \"" + InvalidNameError::printable(spec) + "\" (supported: dir:PATH, sqlite:FILE)");
}

int runStoreCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        const CommandLine cl(args, {"from-key", "to-key"}, {});
        const auto& words = cl.positional();
        if (words.empty()) throw UsageError("which store command? copy or keygen");
        if (words[0] == "keygen") {
            if (words.size() != 2) throw UsageError("keygen takes one FILE");
            stores::KeyEncryption::generateKeyFile(words[1]);
            out << "wrote a new entry encryption key to " << words[1] << " (mode 0600); keep a copy: without it the\n"
                << "sealed private keys cannot be read\n";
            return 0;
        }
        if (words[0] != "copy") throw UsageError("unknown store command \"" + words[0] + "\"");
        if (words.size() != 3) throw UsageError("copy takes SRC and DST");
        if (words[1] == words[2]) throw UsageError("SRC and DST are the same store");
        auto source = openStore(words[1], cl.get("from-key", ""));
        auto target = openStore(words[2], cl.get("to-key", ""));
        const auto entries = source->asMap();  // unreadable entries are logged and left out
        std::size_t copied = 0, empty = 0;
        for (const auto& [name, entry] : entries) {
            target->store(name, entry);
            const auto back = target->get(name);
            if (!back || !(*back == entry)) throw StoreError(name, words[2], "the copy does not read back equal");
            ++copied;
            empty += entry.empty() ? 1 : 0;
        }
        out << "copied " << copied << " entries (" << empty << " empty) from " << words[1] << " to " << words[2]
            << ", each read back equal\n";
        return 0;
    } catch (const UsageError& e) {
        err << "cxxacme store: " << e.what() << "\n" << kStoreUsage;
        return 2;
    } catch (const Error& e) {
        err << "cxxacme store: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace cxxacme::cli
