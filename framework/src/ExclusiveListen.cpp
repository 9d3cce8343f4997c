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
        // POCO's message repeats the address after the system's reason
        throw ListenError(address.toString(), "cannot listen: " + (e.code() > 0 ? std::string(std::strerror(e.code())) : e.displayText()),
                          e.code() == EADDRINUSE);
    }
}

}  // namespace cxxacme::detail
