#include "cxxacme/detail/PooledHttpServer.h"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Thread.h>

namespace cxxacme::detail {

PooledHttpServer::PooledHttpServer(Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                                   const Poco::Net::ServerSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                                   int maxConnections)
    : threads_(1, maxConnections) {
    if (!params) params = new Poco::Net::HTTPServerParams;
    if (params->getMaxThreads() <= 0 || params->getMaxThreads() > maxConnections) params->setMaxThreads(maxConnections);
    server_ = std::make_unique<Poco::Net::HTTPServer>(std::move(factory), threads_, socket, params);
    server_->start();
}

PooledHttpServer::~PooledHttpServer() {
    server_->stopAll(true);
    // Every connection thread returns before the server goes: each keeps the
    // server's dispatcher alive, and one still running when the pool was
    // destroyed kept it forever (a leak LeakSanitizer saw in about one run in
    // four). Bounded as POCO's own wait for a pool thread is, so that a
    // handler that never returns delays the stop by 10 s instead of hanging it.
    for (int waited = 0; threads_.used() > 0 && waited < 10000; ++waited) Poco::Thread::sleep(1);
}

}  // namespace cxxacme::detail
