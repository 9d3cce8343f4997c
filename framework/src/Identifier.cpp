#include "cxxacme/Identifier.h"

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"

namespace cxxacme {

Identifier Identifier::dns(std::string_view name) {
    if (ServerName::isIpAddress(name))
        throw InvalidNameError(std::string(name), "is an IP address, not a DNS name");
    return Identifier{Type::Dns, ServerName::canonical(name)};
}

Identifier Identifier::ip(std::string_view address) {
    if (!ServerName::isIpAddress(address))
        throw InvalidNameError(std::string(address), "is not an IP address");
    return Identifier{Type::Ip, ServerName::canonical(address)};
}

Identifier Identifier::fromName(std::string_view name) {
    return ServerName::isIpAddress(name) ? ip(name) : dns(name);
}

std::string Identifier::typeName() const { return type == Type::Ip ? "ip" : "dns"; }

}  // namespace cxxacme
