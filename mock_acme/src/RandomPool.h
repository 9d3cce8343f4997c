#pragma once

#include <cstddef>
#include <string>

namespace cxxacme::mock_acme {

/// `n` bytes from OpenSSL's CSPRNG for nonces, object ids and challenge
/// tokens, drawn 4 KB at a time into a buffer per thread. OpenSSL 3.0 pays a
/// getpid() system call and its DRBG's lock on every RAND_bytes call, about
/// three per request here; the buffer pays them once per 4 KB. A fork
/// empties every thread's buffer (the child must not repeat the parent's
/// bytes). Not for key material: it lingers in memory until handed out.
std::string pooledRandomBytes(std::size_t n);

}  // namespace cxxacme::mock_acme
