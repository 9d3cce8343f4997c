#pragma once

// Listening sockets that own their port. Internal.

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

namespace cxxacme::detail {

/// Binds `socket` (a `ServerSocket` or a `SecureServerSocket`) to `address`
/// and listens with `backlog`: SO_REUSEADDR, so that a restart binds at once
/// over connections left in TIME_WAIT, but not SO_REUSEPORT. POCO's
/// `ServerSocket(address, backlog)` and `bind(address, true)` set both, and
/// with SO_REUSEPORT a second process of the same user binds the same port
/// without an error and takes part of its connections: a second server, a
/// CA's validation answered by the wrong process. Throws `ListenError`
/// ("HOST:PORT: cannot listen: Address already in use"), with
/// `addressInUse()` for a port another socket holds.
void listenExclusively(Poco::Net::ServerSocket& socket, const Poco::Net::SocketAddress& address, int backlog);

}  // namespace cxxacme::detail
