#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cxxacme/Error.h"

namespace cxxacme::endpoints {

/// A malformed endpoint string. `what()` names the bad part and shows the
/// string with a caret under it; `offset()` is that part's byte offset.
class EndpointStringError : public Error {
public:
    EndpointStringError(std::string_view text, std::size_t offset, const std::string& reason);
    std::size_t offset() const noexcept { return offset_; }

private:
    std::size_t offset_;
};

/// txacme's endpoint strings, parsed:
///
///     le:CERTDIR:tcp:PORT[:KEY=VALUE]...      Let's Encrypt
///     lets:CERTDIR:tcp:PORT[:KEY=VALUE]...    Let's Encrypt staging
///     acme:CERTDIR:tcp:PORT:directory=URL[:KEY=VALUE]...   any ACME CA
///
/// `\:` stands for a colon and `\\` for a backslash inside any field.
/// Keyword arguments come after the port in any order, each at most once:
///   interface=ADDR      the address to listen on (default: every address)
///   directory=URL       the CA's https:// directory (`acme:` only, required)
///   ca-bundle=FILE      PEM roots to trust for the CA's HTTPS (default: system)
///   default-name=NAME   the certificate for clients that send no SNI
///                       (default: such handshakes fail)
///   tls-sni-01=on|off   also answer tls-sni-01 challenges (default: off)
///   encryption-key=FILE seal the private keys in the store with this AES-256
///                       key file (see `stores::KeyEncryption`)
///   sqlite=FILE         keep the certificates in this SQLite file
///                       (`stores::SqliteStore`) instead of CERTDIR's files;
///                       CERTDIR still holds the account key
struct EndpointSpec {
    static constexpr const char* kLetsEncryptDirectory = "https://acme-v02.api.letsencrypt.org/directory";
    static constexpr const char* kLetsEncryptStagingDirectory =
        "https://acme-staging-v02.api.letsencrypt.org/directory";

    std::string scheme;       ///< "le", "lets" or "acme"
    std::string certDir;
    std::string interface;    ///< empty: every address
    std::uint16_t port = 0;   ///< 0: a free port
    std::string directoryUrl;
    std::string caBundle;
    std::string defaultName;  ///< canonical, or empty
    bool tlsSni01 = false;
    std::string encryptionKey;  ///< key file, or empty
    std::string sqliteFile;     ///< empty: a DirectoryStore in certDir

    /// Throws `EndpointStringError`.
    static EndpointSpec parse(std::string_view text);
    /// The string form, escaped; `parse(toString())` gives this spec back.
    std::string toString() const;
    /// `value` with `:` and `\` escaped, to put inside an endpoint string.
    static std::string escape(const std::string& value);
};

}  // namespace cxxacme::endpoints
