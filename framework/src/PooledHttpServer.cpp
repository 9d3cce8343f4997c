#include "cxxacme/detail/PooledHttpServer.h"

#include <Poco/Net/HTTPServer.h>

namespace cxxacme::detail {

PooledHttpServer::PooledHttpServer(Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                                   const Poco::Net::ServerSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                                   int maxConnections)
    : threads_(1, maxConnections) {
    if (!params) params = new Poco::Net::HTTPServerParams;
    if (params->getMaxThreads() <= 0 || params->getMaxThreads() > maxConnections) params->setMaxThreads(maxConnections);
    server_ = std::make_unique<Poco::Net::HTTPServer>(factory, threads_, socket, params);
    server_->start();
}

PooledHttpServer::~PooledHttpServer() { server_->stopAll(true); }

}  // namespace cxxacme::detail
