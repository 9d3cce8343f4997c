#include "cxxacme/detail/ExclusiveListen.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "cxxacme/Error.h"

namespace cxxacme::detail {

void listenExclusively(Poco::Net::ServerSocket& socket, const Poco::Net::SocketAddress& address, int backlog) {
    try {
        socket.bind(address, /*reuseAddress=*/true, /*reusePort=*/false);
        socket.listen(backlog);
    } catch (const Poco::Exception& e) {
        // the system's reason alone: POCO's message repeats the address after it
        const std::string reason = e.code() > 0 ? std::strerror(e.code()) : e.displayText();
        throw ListenError(address.toString(), "cannot listen: " + reason, e.code() == EADDRINUSE);
    }
}

}  // namespace cxxacme::detail
