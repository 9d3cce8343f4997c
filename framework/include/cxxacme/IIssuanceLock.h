#pragma once

#include <memory>
#include <string>

namespace cxxacme {

/// An optional ability of a certificate store (found with `dynamic_cast`):
/// one lock per entry, held across every process and machine that shares
/// the store, so that a fleet of issuing services over one store asks the
/// CA once for each certificate (certmagic's `Locker`).
///
/// `AcmeIssuingService` takes the lock of an entry before it orders, reads
/// the entry again once it has the lock, and releases it after storing the
/// result: the instance that comes second finds the certificate renewed and
/// sends nothing.
class IIssuanceLock {
public:
    /// A lock taken: destroying it releases it.
    class Held {
    public:
        virtual ~Held() = default;
        Held() = default;
        Held(const Held&) = delete;
        Held& operator=(const Held&) = delete;
    };

    virtual ~IIssuanceLock() = default;
    IIssuanceLock() = default;
    IIssuanceLock(const IIssuanceLock&) = delete;
    IIssuanceLock& operator=(const IIssuanceLock&) = delete;

    /// Takes `name`'s lock when nobody holds it (another process or machine,
    /// or another `tryLock` of this one) and returns it; nullptr when it is
    /// held. Never waits. A holder that dies loses its lock: at once where
    /// the store can tell (a file lock), otherwise when its lease runs out
    /// (each store says which). Names are checked as `ServerName::canonicalKey`
    /// checks them (`InvalidNameError`); a failure to ask throws `StoreError`.
    /// Thread-safe.
    [[nodiscard]] virtual std::unique_ptr<Held> tryLock(const std::string& name) = 0;
};

}  // namespace cxxacme
