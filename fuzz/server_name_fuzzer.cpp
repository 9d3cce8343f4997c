// libFuzzer target for ServerName: names and store keys as users, configuration
// files and peers write them, U-labels and A-labels included (libidn2 does the
// IDNA2008 part). Checks that only InvalidNameError is ever thrown and that its
// message is printable ASCII; that a canonical form is ASCII of the characters a
// name, an address or a wildcard may hold, at most 253 characters, free of path
// tricks, and its own canonical form; that an accepted ASCII DNS name comes back
// as itself in lower case; that isValid agrees with canonical; and that a store
// key's canonical form is stable and splits into canonical names.
// Built with scripts/fuzz.sh (clang only); never run by the test suite.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

using namespace cxxacme;

namespace {

void agree(bool condition) {
    if (!condition) std::abort();
}

bool printableAscii(const std::string& text) {
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
    return true;
}

bool nameCharacter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*' || c == ':';
}

// canonical(name): nullopt-like empty string when refused (a canonical form is never empty)
std::string canonicalOrEmpty(const std::string& name) {
    try {
        std::string out = ServerName::canonical(name);
        agree(!out.empty());
        return out;
    } catch (const InvalidNameError& e) {
        agree(printableAscii(e.what()));
        return {};
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);

    const std::string name = canonicalOrEmpty(input);
    agree(ServerName::isValid(input) == !name.empty());
    if (!name.empty()) {
        agree(name.size() <= ServerName::kMaxNameLength);
        for (char c : name) agree(nameCharacter(c));
        agree(name.find("..") == std::string::npos && name.front() != '.' && name.back() != '.');
        agree(ServerName::canonical(name) == name);
        const bool ascii = printableAscii(input);
        if (ascii && !ServerName::isIpAddress(input)) agree(ServerName::lowerAscii(input) == name);
    }

    try {
        const std::string key = ServerName::canonicalKey(input);
        agree(ServerName::canonicalKey(key) == key);
        for (const auto& part : ServerName::splitKey(key)) agree(ServerName::canonical(part) == part);
    } catch (const InvalidNameError& e) {
        agree(printableAscii(e.what()));
    }
    return 0;
}
