#pragma once

#include <stdexcept>
#include <string>

namespace cxxacme {

/// The root of every exception cxxacme throws on purpose.
///
/// Catch `cxxacme::Error` to handle any failure of the library; catch a
/// subclass to handle one kind. Messages are meant for humans and never carry
/// key material.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A server name or store key broke the naming rules (see `ServerName`).
class InvalidNameError : public Error {
public:
    InvalidNameError(std::string name, const std::string& reason)
        : Error("invalid name \"" + printable(name) + "\": " + reason), name_(std::move(name)) {}

    /// The rejected input, as given (it may hold bytes unfit to print).
    const std::string& name() const noexcept { return name_; }

    /// `text` with control and non-ASCII bytes shown as `\xNN`, cut at
    /// `maxBytes` bytes (then "..." follows).
    static std::string printable(const std::string& text, std::size_t maxBytes = 80);

private:
    std::string name_;
};

/// PEM text that could not be parsed, or a bundle that breaks the entry rules.
class PemError : public Error {
public:
    using Error::Error;
};

/// An OpenSSL operation failed; the message carries OpenSSL's own reason.
class CryptoError : public Error {
public:
    using Error::Error;
};

/// A certificate chain that does not verify, or a certificate that lacks what
/// is asked of it.
class CertificateError : public Error {
public:
    using Error::Error;
};

/// Malformed or unverifiable JOSE input: base64url, JSON, JWK or JWS.
class JoseError : public Error {
public:
    using Error::Error;
};

/// A file-system operation failed. `path()` names the file.
class FileError : public Error {
public:
    FileError(std::string path, const std::string& reason)
        : Error(path + ": " + reason), path_(std::move(path)) {}

    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

/// A request to a server failed below the protocol: no connection, a TLS
/// failure, a timeout, a truncated or oversized response. `url()` names it.
/// `transient()`: the connection was refused or broke before the answer was
/// whole, or could not be made in time, so the same request may well succeed
/// if sent again. `timedOut()`: no answer came in time to a request that went
/// out; the server may have acted on it or still be at it, so it is not one to
/// send again blindly. `requestSent()`: false when the request never wholly
/// left this machine (no connection, no TLS, or it broke while being
/// written): the server cannot have acted on it, and sending it again does
/// nothing twice. Whether a server acted on a request that was sent is
/// unknown whenever no whole answer came.
class NetworkError : public Error {
public:
    NetworkError(std::string url, const std::string& reason, bool transient = false, bool timedOut = false,
                 bool requestSent = true)
        : Error(url + ": " + reason),
          url_(std::move(url)),
          reason_(reason),
          transient_(transient),
          timedOut_(timedOut),
          requestSent_(requestSent) {}

    const std::string& url() const noexcept { return url_; }
    /// What went wrong, without the URL (for a log that must not show it).
    const std::string& reason() const noexcept { return reason_; }
    bool transient() const noexcept { return transient_; }
    bool timedOut() const noexcept { return timedOut_; }
    bool requestSent() const noexcept { return requestSent_; }

private:
    std::string url_;
    std::string reason_;
    bool transient_;
    bool timedOut_;
    bool requestSent_;
};

/// A server socket could not listen: `url()` is the address (HOST:PORT).
/// `addressInUse()`: another socket holds the port (EADDRINUSE), as when a
/// second server is started on it.
class ListenError : public NetworkError {
public:
    ListenError(std::string address, const std::string& reason, bool addressInUse)
        : NetworkError(std::move(address), reason, false, false, false), addressInUse_(addressInUse) {}

    bool addressInUse() const noexcept { return addressInUse_; }

private:
    bool addressInUse_;
};

/// A DNS query or update failed, or a DNS provider refused: `server()`
/// names where (an ADDR:PORT, or the provider's command).
class DnsError : public Error {
public:
    /// What kept a lookup from its answer, where the server gave no
    /// response code: it did not answer by the deadline, its address
    /// refused the query (ICMP, or a TCP connection refused), or another
    /// cause (an answer that does not read, a loop of aliases, ...).
    enum class Cause { Other, TimedOut, Unreachable };

    DnsError(std::string server, const std::string& reason, int rcode = -1, Cause cause = Cause::Other)
        : Error(server + ": " + reason), server_(std::move(server)), rcode_(rcode), cause_(cause) {}

    const std::string& server() const noexcept { return server_; }
    /// The server's response code (RFC 1035 §4.1.1: 2 SERVFAIL, 5 REFUSED, ...)
    /// when it answered with an error; -1 when it did not answer or the
    /// failure was another.
    int rcode() const noexcept { return rcode_; }
    Cause cause() const noexcept { return cause_; }

private:
    std::string server_;
    int rcode_;
    Cause cause_;
};

/// A certificate store could not read or write an entry.
class StoreError : public Error {
public:
    StoreError(std::string name, std::string path, const std::string& reason)
        : Error("store entry \"" + InvalidNameError::printable(name) + "\"" +
                (path.empty() ? std::string() : " (" + path + ")") + ": " + reason),
          name_(std::move(name)),
          path_(std::move(path)) {}

    /// The entry's name (store key).
    const std::string& name() const noexcept { return name_; }
    /// Where the entry lives, if the store has paths; empty otherwise.
    const std::string& path() const noexcept { return path_; }

private:
    std::string name_;
    std::string path_;
};

}  // namespace cxxacme
