#include "cxxacme/KeyType.h"

#include <array>
#include <string>
#include <utility>

#include "cxxacme/Error.h"

namespace cxxacme {
namespace {
constexpr std::array<std::pair<KeyType, std::string_view>, 6> kNames{{
    {KeyType::EcP256, "ec256"},
    {KeyType::EcP384, "ec384"},
    {KeyType::Rsa2048, "rsa2048"},
    {KeyType::Rsa3072, "rsa3072"},
    {KeyType::Rsa4096, "rsa4096"},
    {KeyType::Ed25519, "ed25519"},
}};
}  // namespace

std::string_view toString(KeyType type) noexcept {
    for (const auto& [t, name] : kNames)
        if (t == type) return name;
    return "unknown";
}

KeyType keyTypeFromString(std::string_view text) {
    for (const auto& [t, name] : kNames)
        if (name == text) return t;
    std::string accepted;
    for (const auto& [t, name] : kNames) accepted += (accepted.empty() ? "" : ", ") + std::string(name);
    throw Error("unknown key type \"" + std::string(text) + "\" (accepted: " + accepted + ")");
}

}  // namespace cxxacme
