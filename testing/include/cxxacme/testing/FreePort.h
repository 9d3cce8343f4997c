#pragma once

#include <cstdint>

namespace cxxacme::testing {

/// A port free on 127.0.0.1 for TCP and UDP, for a server to bind a moment
/// later (a test's, or the demo's own site).
///
/// Picked at random below the kernel's ephemeral range
/// (`/proc/sys/net/ipv4/ip_local_port_range`): a port from bind(0) lies
/// inside it, where any outgoing connection, UDP query or bind(0) of a
/// parallel process may take it before the server binds it (and a probe of
/// it may connect to itself). Never a port this process was given before, so
/// that two servers of one fixture are not told the same one. Falls back to
/// bind(0) when the range leaves no room below it.
std::uint16_t freeLoopbackPort();

}  // namespace cxxacme::testing
