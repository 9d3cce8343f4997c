#pragma once

#include <memory>

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

namespace Poco::Net {
class HTTPServer;
}

namespace cxxacme::detail {

/// A started POCO `HTTPServer` on a thread pool of its own. POCO serves a
/// kept-alive connection on one pool thread for its whole life; on POCO's
/// shared default pool (16 threads, shared by every server of the process)
/// the 17th connection waits until another idles out. Here up to
/// `maxConnections` are served at once; `params->getMaxThreads()` is capped
/// to that. The destructor stops the server (closing its connections)
/// before the pool goes.
class PooledHttpServer {
public:
    PooledHttpServer(Poco::Net::HTTPRequestHandlerFactory::Ptr factory, const Poco::Net::ServerSocket& socket,
                     Poco::Net::HTTPServerParams::Ptr params, int maxConnections);
    ~PooledHttpServer();
    PooledHttpServer(const PooledHttpServer&) = delete;
    PooledHttpServer& operator=(const PooledHttpServer&) = delete;

private:
    Poco::ThreadPool threads_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace cxxacme::detail
