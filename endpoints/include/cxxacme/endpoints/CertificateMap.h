#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cxxacme/PemBundle.h"

typedef struct ssl_st SSL;

namespace cxxacme::endpoints {

/// The certificates a TLS endpoint serves, by server name: every DNS name in
/// every certificate of a store, ready to hand to OpenSSL.
///
/// `find` takes the exact name first, then the wildcard one level up
/// (`a.example.com` → `*.example.com`). When two entries cover a name, the
/// certificate that expires later wins. Lookups never block on I/O and see
/// either the whole old map or the whole new one; updates build a new
/// snapshot and swap it in. Thread-safe.
class CertificateMap {
public:
    /// One servable certificate: key, leaf and chain, prepared for OpenSSL.
    /// Holds only the parsed objects (no PEM text); chain certificates equal
    /// across entries are shared, so 10 000 sites under one intermediate
    /// hold one copy of it.
    class Entry {
    public:
        Entry(std::string storeName, const PemBundle& bundle, std::map<std::string, Certificate>& intermediates);
        ~Entry();
        const std::string& storeName() const noexcept { return storeName_; }
        const Certificate& certificate() const noexcept { return leaf_; }
        const std::vector<std::string>& serverNames() const noexcept { return serverNames_; }
        TimePoint notAfter() const noexcept { return notAfter_; }
        /// Puts key, certificate and chain on a handshake. False on failure.
        bool applyTo(SSL* ssl) const;

    private:
        struct Native;
        std::string storeName_;
        PrivateKey key_;
        Certificate leaf_;
        std::vector<std::string> serverNames_;  // the DNS names of the leaf
        TimePoint notAfter_;
        std::unique_ptr<Native> native_;
    };

    CertificateMap();
    ~CertificateMap();

    /// Replaces everything with the entries of a store's `asMap()`; empty
    /// entries are skipped.
    void replaceAll(const std::map<std::string, PemBundle>& entries);
    /// Replaces (or, with nothing or an empty bundle, removes) one store entry.
    void update(const std::string& storeName, const std::optional<PemBundle>& entry);

    /// The certificate for an SNI name, or null.
    std::shared_ptr<const Entry> find(std::string_view serverName) const;
    /// The certificate stored under a store entry name, or null.
    std::shared_ptr<const Entry> findByStoreName(const std::string& storeName) const;

    /// How many store entries are loaded.
    std::size_t size() const;
    /// Every server name served, sorted.
    std::vector<std::string> serverNames() const;

private:
    struct Snapshot {
        std::map<std::string, std::shared_ptr<const Entry>> byStoreName;
        std::unordered_map<std::string, std::shared_ptr<const Entry>> byServerName;
    };
    static std::shared_ptr<const Snapshot> index(std::map<std::string, std::shared_ptr<const Entry>> byStoreName);
    std::shared_ptr<const Snapshot> snapshot() const;

    mutable std::mutex mutex_;       // guards snapshot_ (the pointer only)
    std::mutex writeMutex_;          // one update at a time; guards intermediates_
    std::map<std::string, Certificate> intermediates_;  // DER -> the one shared copy
    std::shared_ptr<const Snapshot> snapshot_;
};

}  // namespace cxxacme::endpoints
