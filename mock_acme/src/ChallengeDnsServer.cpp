#include "cxxacme/mock_acme/ChallengeDnsServer.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <list>
#include <sstream>
#include <thread>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>

#include "cxxacme/Error.h"
#include "cxxacme/ServerName.h"
#include "cxxacme/detail/DnsWireName.h"
#include "cxxacme/detail/Json.h"
#include "cxxacme/detail/Sockets.h"

namespace cxxacme::mock_acme {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("cxxacme.mock_acme.dns"); }

constexpr std::uint16_t kA = 1, kCname = 5, kTxt = 16, kAaaa = 28, kOpt = 41, kAny = 255, kCaa = 257;
constexpr int kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4;
constexpr std::size_t kPlainUdp = 512, kMaxUdp = 1232, kMaxAliases = 8;
constexpr int kTcpIdleMs = 5000;
constexpr std::size_t kMaxTcpConnections = 32;
constexpr std::size_t kMaxHistory = 10000;

void put16(std::vector<unsigned char>& out, unsigned value) {
    out.push_back(static_cast<unsigned char>(value >> 8));
    out.push_back(static_cast<unsigned char>(value));
}

void putName(std::vector<unsigned char>& out, const std::string& name) {
    const std::string wire = detail::dnsWireName(name);
    out.insert(out.end(), wire.begin(), wire.end());
}

// One resource record of class IN, TTL 0 (tests want nothing cached).
void putRecord(std::vector<unsigned char>& out, const std::string& owner, std::uint16_t type, const std::vector<unsigned char>& data) {
    putName(out, owner);
    put16(out, type);
    put16(out, 1);
    put16(out, 0);
    put16(out, 0);
    put16(out, static_cast<unsigned>(data.size()));
    out.insert(out.end(), data.begin(), data.end());
}

std::vector<unsigned char> nameData(const std::string& name) {
    std::vector<unsigned char> data;
    putName(data, name);
    return data;
}

std::vector<unsigned char> txtData(const std::string& value) {
    std::vector<unsigned char> data;
    std::size_t at = 0;
    do {  // strings of at most 255 bytes; an empty value is one empty string
        const std::size_t n = std::min<std::size_t>(255, value.size() - at);
        data.push_back(static_cast<unsigned char>(n));
        data.insert(data.end(), value.begin() + static_cast<std::ptrdiff_t>(at), value.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
    } while (at < value.size());
    return data;
}

// An A (4 bytes) or AAAA (16) record's data; empty when `address` is not of that family.
std::vector<unsigned char> addressData(const std::string& address, std::uint16_t type) {
    auto bytes = ServerName::addressBytes(address);
    if (bytes.size() != (type == kA ? 4u : 16u)) bytes.clear();
    return bytes;
}

std::vector<unsigned char> caaData(const CaaRecord& record) {
    std::vector<unsigned char> data{record.flags, static_cast<unsigned char>(record.tag.size())};
    data.insert(data.end(), record.tag.begin(), record.tag.end());
    data.insert(data.end(), record.value.begin(), record.value.end());
    return data;
}

// The default SOA of negative answers, as pebble-challtestsrv gives one.
void putDefaultSoa(std::vector<unsigned char>& out) {
    std::vector<unsigned char> data = nameData("ns.mock-acme.invalid");
    const auto mailbox = nameData("hostmaster.mock-acme.invalid");
    data.insert(data.end(), mailbox.begin(), mailbox.end());
    for (int i = 0; i < 5; ++i) {  // serial, refresh, retry, expire, minimum
        put16(data, 0);
        put16(data, 1);
    }
    putRecord(out, "mock-acme.invalid", 6, data);
}

// What a record name's label may hold once in lower case: letters, digits, '-', '_'.
bool isRecordNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; }

// A record name's key: lower case, no root's dot; letters, digits, '-' and '_' (as in
// _acme-challenge) in labels of 1 to 63, 253 in all; the first label may be '*' alone: a
// wildcard (RFC 4592). An asterisk anywhere else is refused.
std::string recordKey(const std::string& name) {
    std::string key = name;
    if (!key.empty() && key.back() == '.') key.pop_back();
    if (key.empty() || key.size() > 253) throw InvalidNameError(name, "is not a DNS name (empty, or longer than 253)");
    const bool wildcard = key.starts_with("*.");
    std::size_t label = 0;
    for (std::size_t i = wildcard ? 2 : 0; i < key.size(); ++i) {
        char& c = key[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c == '.') {
            if (label == 0) throw InvalidNameError(name, "has an empty label");
            label = 0;
            continue;
        }
        if (!isRecordNameChar(c)) throw InvalidNameError(name, "has a character a DNS record name here may not have");
        if (++label > 63) throw InvalidNameError(name, "has a label longer than 63");
    }
    if (label == 0) throw InvalidNameError(name, "has an empty label");
    return key;
}

// The question's name read from a query, as a record key ("" when it cannot be
// one: it can match no record). Moves `at` past it; false when it does not read
// (compression has no place in a question's only name).
bool readQuestionName(const std::vector<unsigned char>& q, std::size_t& at, std::string& key) {
    key.clear();
    bool usable = true;
    std::size_t length = 0;
    while (true) {
        if (at >= q.size()) return false;
        const unsigned n = q[at++];
        if (n == 0) break;
        if (n > 63 || at + n > q.size()) return false;
        length += n + 1;
        if (length > 254) return false;  // 255 bytes at most with the root's (RFC 1035 §3.1)
        if (!key.empty()) key += '.';
        for (unsigned i = 0; i < n; ++i) {
            char c = static_cast<char>(q[at + i]);
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (!isRecordNameChar(c) && (c != '*' || n != 1)) usable = false;  // '*' alone: a wildcard's own name
            key += c;
        }
        at += n;
    }
    if (!usable) key.clear();
    return true;
}

bool parseAddress(const std::string& text, int family) {
    return ServerName::addressBytes(text).size() == (family == AF_INET ? 4u : 16u);
}

HttpResponse plain(int status, const std::string& body) {
    HttpResponse r;
    r.status = status;
    r.contentType = "text/plain";
    r.body = body + "\n";
    return r;
}

}  // namespace

struct ChallengeDnsServer::Sockets {
    struct Connection {
        std::thread thread;
        std::atomic<bool> done{false};
    };
    detail::UniqueFd udp, tcp, wakeRead, wakeWrite;
    std::thread udpThread, tcpThread;
    std::list<Connection> connections;  // the TCP thread's alone until it has ended
};

ChallengeDnsServer::ChallengeDnsServer(const std::string& host, std::uint16_t port)
    : host_(host), sockets_(std::make_unique<Sockets>()) {
    const auto endpoint = [&](std::uint16_t p) {
        auto e = detail::ipEndpoint(host, p);
        if (!e) throw Error("DNS server: \"" + host + "\" is not an IP address");
        return *e;
    };
    const int family = endpoint(port).address.ss_family;
    // a socket bound to `p`; an invalid one when `p` is taken and `orNothing`
    const auto bound = [&](int type, std::uint16_t p, bool orNothing) {
        detail::UniqueFd fd(::socket(family, type | SOCK_CLOEXEC, 0));
        if (fd.get() < 0) throw Error(std::string("DNS server: socket: ") + std::strerror(errno));
        if (type == SOCK_STREAM) {  // a restart may bind the port its TIME_WAIT connections hold; UDP shares nothing
            const int one = 1;
            ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        }
        const auto at = endpoint(p);
        if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&at.address), at.length) != 0) {
            if (orNothing && errno == EADDRINUSE) return detail::UniqueFd();
            throw Error("DNS server: cannot bind " + host + " port " + std::to_string(p) + ": " + std::strerror(errno));
        }
        return fd;
    };
    // UDP and TCP on one port: with port 0, TCP picks a free one, and UDP is bound to it
    // (another pick when some UDP socket has it already)
    for (int tries = 0;; ++tries) {
        sockets_->tcp = bound(SOCK_STREAM, port, false);
        std::uint16_t got = port;
        if (port == 0) {
            sockaddr_storage address{};
            socklen_t length = sizeof address;
            ::getsockname(sockets_->tcp.get(), reinterpret_cast<sockaddr*>(&address), &length);
            got = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&address)->sin_port
                                          : reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
        }
        sockets_->udp = bound(SOCK_DGRAM, got, port == 0 && tries < 20);
        if (sockets_->udp.get() >= 0) {
            port = got;
            break;
        }
    }
    if (::listen(sockets_->tcp.get(), 64) != 0) throw Error(std::string("DNS server: listen: ") + std::strerror(errno));
    port_ = port;
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0) throw Error(std::string("DNS server: pipe: ") + std::strerror(errno));
    sockets_->wakeRead = detail::UniqueFd(pipeFds[0]);
    sockets_->wakeWrite = detail::UniqueFd(pipeFds[1]);
    sockets_->udpThread = std::thread([this] { serveUdp(); });
    sockets_->tcpThread = std::thread([this] { serveTcp(); });
    logger().information("DNS on " + address());
}

ChallengeDnsServer::~ChallengeDnsServer() {
    const char stop = 's';
    (void)!::write(sockets_->wakeWrite.get(), &stop, 1);  // every poll below watches the pipe
    sockets_->udpThread.join();
    sockets_->tcpThread.join();
    for (auto& c : sockets_->connections) c.thread.join();
}

std::string ChallengeDnsServer::address() const {
    return (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

std::string ChallengeDnsServer::key(const std::string& name) { return recordKey(name); }

bool ChallengeDnsServer::holdsRecords(const Node& n) {
    return !n.txt.empty() || !n.a.empty() || !n.aaaa.empty() || !n.caa.empty() || !n.cname.empty() || n.servfail;
}

bool ChallengeDnsServer::existsBelow(const std::string& name) const {
    const std::string below = "." + name;
    return std::any_of(records_.begin(), records_.end(),
                       [&](const auto& r) { return r.first.ends_with(below) && holdsRecords(r.second); });
}

const ChallengeDnsServer::Node* ChallengeDnsServer::wildcardFor(const std::string& owner) const {
    // the wildcard of the nearest ancestor that has one: lookups by name first, the scans for
    // names that exist (records at or below them) only once there is one
    const Node* wildcard = nullptr;
    std::size_t base = owner.find('.');  // the dot before that ancestor
    for (; base != std::string::npos; base = owner.find('.', base + 1))
        if (const auto it = records_.find("*" + owner.substr(base)); it != records_.end() && holdsRecords(it->second)) {
            wildcard = &it->second;
            break;
        }
    if (wildcard == nullptr || existsBelow(owner)) return nullptr;  // an empty non-terminal answers for itself
    // a name between `owner` and that ancestor which exists is the closest encloser, and has no wildcard
    for (std::size_t dot = owner.find('.'); dot != std::string::npos && dot < base; dot = owner.find('.', dot + 1)) {
        const std::string between = owner.substr(dot + 1);
        const auto it = records_.find(between);
        if ((it != records_.end() && holdsRecords(it->second)) || existsBelow(between)) return nullptr;
    }
    return wildcard;
}

void ChallengeDnsServer::addTxt(const std::string& name, const std::string& value) {
    const std::string k = key(name);
    std::lock_guard lock(mutex_);
    records_[k].txt.push_back(value);
}

void ChallengeDnsServer::removeTxt(const std::string& name, const std::string& value) {
    const std::string k = key(name);
    std::lock_guard lock(mutex_);
    if (auto it = records_.find(k); it != records_.end()) std::erase(it->second.txt, value);
}

void ChallengeDnsServer::clearTxt(const std::string& name) {
    const std::string k = key(name);
    std::lock_guard lock(mutex_);
    if (auto it = records_.find(k); it != records_.end()) it->second.txt.clear();
}

void ChallengeDnsServer::addAddresses(const std::string& name, const std::vector<std::string>& addresses) {
    const std::string k = key(name);
    for (const auto& a : addresses)
        if (!parseAddress(a, AF_INET) && !parseAddress(a, AF_INET6)) throw InvalidNameError(a, "is not an IP address");
    std::lock_guard lock(mutex_);
    Node& node = records_[k];
    for (const auto& a : addresses) (parseAddress(a, AF_INET) ? node.a : node.aaaa).push_back(a);
}

void ChallengeDnsServer::clearA(const std::string& name) {
    const std::string k = key(name);
    std::lock_guard lock(mutex_);
    if (auto it = records_.find(k); it != records_.end()) it->second.a.clear();
}

void ChallengeDnsServer::clearAaaa(const std::string& name) {
    const std::string k = key(name);
    std::lock_guard lock(mutex_);
    if (auto it = records_.find(k); it != records_.end()) it->second.aaaa.clear();
}

void ChallengeDnsServer::addCaa(const std::string& name, const std::vector<CaaRecord>& records) {
    const std::string k = key(name);
    for (const auto& r : records)
        if (r.tag.empty() || r.tag.size() > 255) throw InvalidNameError(r.tag, "is not a CAA tag");
    std::lock_guard lock(mutex_);
    auto& caa = records_[k].caa;
    caa.insert(caa.end(), records.begin(), records.end());
}

void ChallengeDnsServer::clearCaa(const std::string& name) {
    const std::string k = key(name);
    std::lock_guard lock(mutex_);
    if (auto it = records_.find(k); it != records_.end()) it->second.caa.clear();
}

void ChallengeDnsServer::setCname(const std::string& name, const std::string& target) {
    const std::string k = key(name), t = key(target);
    std::lock_guard lock(mutex_);
    records_[k].cname = t;
}

void ChallengeDnsServer::clearCname(const std::string& name) {
    const std::string k = key(name);
    std::lock_guard lock(mutex_);
    if (auto it = records_.find(k); it != records_.end()) it->second.cname.clear();
}

void ChallengeDnsServer::setServfail(const std::string& name, bool on) {
    const std::string k = key(name);
    std::lock_guard lock(mutex_);
    records_[k].servfail = on;
}

void ChallengeDnsServer::setDefaultIpv4(const std::string& address) {
    if (!address.empty() && !parseAddress(address, AF_INET)) throw InvalidNameError(address, "is not an IPv4 address");
    std::lock_guard lock(mutex_);
    defaultIpv4_ = address;
}

void ChallengeDnsServer::setDefaultIpv6(const std::string& address) {
    if (!address.empty() && !parseAddress(address, AF_INET6)) throw InvalidNameError(address, "is not an IPv6 address");
    std::lock_guard lock(mutex_);
    defaultIpv6_ = address;
}

std::vector<ChallengeDnsServer::Question> ChallengeDnsServer::requestHistory(const std::string& name) const {
    const std::string k = key(name);
    std::lock_guard lock(mutex_);
    std::vector<Question> out;
    for (std::size_t i = 0; i < history_.size(); ++i) {  // oldest first: from where the next one goes
        const Question& q = history_[(historyNext_ + i) % history_.size()];
        if (q.name == k) out.push_back(q);
    }
    return out;
}

void ChallengeDnsServer::clearRequestHistory(const std::string& name) {
    const std::string k = key(name);
    std::lock_guard lock(mutex_);
    std::vector<Question> kept;
    for (std::size_t i = 0; i < history_.size(); ++i) {
        Question& q = history_[(historyNext_ + i) % history_.size()];
        if (q.name != k) kept.push_back(std::move(q));
    }
    history_ = std::move(kept);
    historyNext_ = history_.size() % kMaxHistory;
}

std::vector<unsigned char> ChallengeDnsServer::answer(const std::vector<unsigned char>& query, std::size_t udpLimit) {
    if (query.size() < 12 || (query[2] & 0x80) != 0) return {};  // no header to answer, or an answer itself
    const unsigned opcode = (query[2] >> 3) & 0x0f;
    const unsigned qdcount = static_cast<unsigned>(query[4] << 8 | query[5]);
    const unsigned ancount = static_cast<unsigned>(query[6] << 8 | query[7]);
    const unsigned nscount = static_cast<unsigned>(query[8] << 8 | query[9]);
    const unsigned arcount = static_cast<unsigned>(query[10] << 8 | query[11]);

    std::size_t at = 12;
    std::string name;
    std::uint16_t qtype = 0, qclass = 0;
    bool readable = qdcount == 1 && ancount == 0 && nscount == 0 && arcount <= 1 && readQuestionName(query, at, name) &&
                    at + 4 <= query.size();
    const std::size_t questionEnd = readable ? at + 4 : 12;
    std::optional<std::size_t> ednsSize;
    if (readable) {
        qtype = static_cast<std::uint16_t>(query[at] << 8 | query[at + 1]);
        qclass = static_cast<std::uint16_t>(query[at + 2] << 8 | query[at + 3]);
        at += 4;
        if (arcount == 1) {  // only an OPT record (RFC 6891) belongs here: its owner the root
            readable = at + 11 <= query.size() && query[at] == 0 && (query[at + 1] << 8 | query[at + 2]) == kOpt;
            if (readable) {
                ednsSize = static_cast<std::size_t>(query[at + 3] << 8 | query[at + 4]);
                const std::size_t rdlength = static_cast<std::size_t>(query[at + 9] << 8 | query[at + 10]);
                readable = at + 11 + rdlength == query.size();
            }
        } else {
            readable = at == query.size();
        }
    }

    std::vector<unsigned char> out(query.begin(), query.begin() + 2);  // the id
    out.push_back(static_cast<unsigned char>(0x80 | (opcode << 3) | 0x04 | (query[2] & 0x01)));  // QR, AA, RD as asked
    out.push_back(0);
    const auto finish = [&](int rcode, unsigned answers, unsigned authority) {
        out[3] = static_cast<unsigned char>(rcode);
        out[4] = 0;
        out[5] = readable ? 1 : 0;
        out[6] = static_cast<unsigned char>(answers >> 8);
        out[7] = static_cast<unsigned char>(answers);
        out[8] = static_cast<unsigned char>(authority >> 8);
        out[9] = static_cast<unsigned char>(authority);
        out[10] = 0;
        out[11] = ednsSize ? 1 : 0;
    };
    out.resize(12);
    if (!readable) {
        ednsSize.reset();
        finish(kFormErr, 0, 0);
        return out;
    }
    out.insert(out.end(), query.begin() + 12, query.begin() + static_cast<std::ptrdiff_t>(questionEnd));
    const std::vector<unsigned char> headAndQuestion = out;
    if (!name.empty()) {
        std::lock_guard lock(mutex_);
        if (history_.size() < kMaxHistory) {
            history_.push_back({name, qtype, qclass});
            historyNext_ = history_.size() % kMaxHistory;
        } else {
            Question& q = history_[historyNext_];
            q.name.assign(name);  // in place: its buffer is reused
            q.type = qtype;
            q.qclass = qclass;
            historyNext_ = (historyNext_ + 1) % kMaxHistory;
        }
    }
    const auto putOpt = [&] {
        if (!ednsSize) return;
        out.push_back(0);
        put16(out, kOpt);
        put16(out, kMaxUdp);
        put16(out, 0);
        put16(out, 0);
        put16(out, 0);
    };
    // a type it holds none of (NS, SOA, MX, ...) is answered as any type a name lacks: NODATA or
    // NXDOMAIN (RFC 2308), which resolvers and zone finders read; NOTIMP is for what it cannot do
    // (ANY, whose records a NODATA would deny, among the latter: RFC 8482 leaves it open)
    if (opcode != 0 || qtype == kAny || (qclass != 1 && qclass != kAny)) {
        finish(kNotImp, 0, 0);
        putOpt();
        return out;
    }

    unsigned answers = 0;
    bool negative = true;  // the last name of the chain has no records of the type asked (RFC 2308)
    int rcode = kNoError;
    {
        std::lock_guard lock(mutex_);
        std::string owner = name;
        for (std::size_t aliases = 0; !owner.empty(); ++aliases) {
            // the name's own records; or, when it has none and nothing below it, a wildcard's
            // (RFC 4592), given under the name asked
            const auto own = records_.find(owner);
            const Node* node = own != records_.end() && holdsRecords(own->second) ? &own->second : wildcardFor(owner);
            if (node != nullptr && node->servfail) {
                rcode = kServFail;
                answers = 0;
                out = headAndQuestion;
                break;
            }
            if (node != nullptr && !node->cname.empty() && qtype != kCname && aliases < kMaxAliases) {
                putRecord(out, owner, kCname, nameData(node->cname));
                ++answers;
                owner = node->cname;
                continue;
            }
            const Node empty;
            const Node& n = node != nullptr ? *node : empty;
            const unsigned before = answers;
            const auto put = [&](std::uint16_t type, const std::vector<unsigned char>& data) {
                putRecord(out, owner, type, data);
                ++answers;
            };
            const auto addresses = [&](const std::vector<std::string>& own, const std::string& fallback, std::uint16_t type) {
                const std::vector<std::string> use = !own.empty() ? own : fallback.empty() ? std::vector<std::string>{}
                                                                                             : std::vector<std::string>{fallback};
                for (const auto& a : use) put(type, addressData(a, type));
            };
            if (qtype == kTxt)
                for (const auto& v : n.txt) put(kTxt, txtData(v));
            if (qtype == kCaa)
                for (const auto& c : n.caa) put(kCaa, caaData(c));
            if (qtype == kCname && !n.cname.empty()) put(kCname, nameData(n.cname));
            if (qtype == kA) addresses(n.a, defaultIpv4_, kA);
            if (qtype == kAaaa) addresses(n.aaaa, defaultIpv6_, kAaaa);
            negative = answers == before;
            // NXDOMAIN for the name the chain ends at (RFC 6604), unless it has records, or a name
            // below it has (an empty non-terminal), or a default address answered for it
            if (node == nullptr && negative && !existsBelow(owner)) rcode = kNxDomain;
            break;
        }
        if (name.empty()) rcode = kNxDomain;  // a name no record can have
    }
    unsigned authority = 0;
    if (negative && rcode != kServFail) {
        putDefaultSoa(out);
        authority = 1;
    }
    finish(rcode, answers, authority);
    putOpt();
    if (udpLimit != 0) {
        const std::size_t limit = ednsSize ? std::clamp(*ednsSize, kPlainUdp, std::min(udpLimit, kMaxUdp)) : kPlainUdp;
        if (out.size() > limit) {  // truncated: the header and question, TC set; the client asks over TCP
            out = headAndQuestion;
            out[2] |= 0x02;
            finish(rcode, 0, 0);
            putOpt();
        }
    }
    return out;
}

std::vector<unsigned char> ChallengeDnsServer::answerOrNothing(const std::vector<unsigned char>& query, std::size_t udpLimit) {
    try {
        return answer(query, udpLimit);
    } catch (const std::exception& e) {  // a fault of this server's: one query goes unanswered, not the server
        logger().error(std::string("DNS: no answer made: ") + e.what());
        return {};
    }
}

void ChallengeDnsServer::serveUdp() {
    std::vector<unsigned char> buf(65535);
    pollfd fds[2] = {{sockets_->udp.get(), POLLIN, 0}, {sockets_->wakeRead.get(), POLLIN, 0}};
    while (::poll(fds, 2, -1) >= 0 || errno == EINTR) {
        if (fds[1].revents != 0) return;
        if ((fds[0].revents & POLLIN) == 0) continue;
        sockaddr_storage from{};
        socklen_t fromLength = sizeof from;
        const ssize_t n = ::recvfrom(sockets_->udp.get(), buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from),
                                     &fromLength);
        if (n <= 0) continue;
        const auto reply = answerOrNothing({buf.begin(), buf.begin() + n}, kMaxUdp);
        if (!reply.empty())
            (void)::sendto(sockets_->udp.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), fromLength);
    }
}

void ChallengeDnsServer::serveTcp() {
    pollfd fds[2] = {{sockets_->tcp.get(), POLLIN, 0}, {sockets_->wakeRead.get(), POLLIN, 0}};
    while (::poll(fds, 2, -1) >= 0 || errno == EINTR) {
        if (fds[1].revents != 0) return;
        if ((fds[0].revents & POLLIN) == 0) continue;
        detail::UniqueFd connection(::accept4(sockets_->tcp.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (connection.get() < 0) continue;
        sockets_->connections.remove_if([](Sockets::Connection& c) {  // the finished ones, joined
            if (!c.done) return false;
            c.thread.join();
            return true;
        });
        if (sockets_->connections.size() >= kMaxTcpConnections) continue;  // closed at once
        auto& entry = sockets_->connections.emplace_back();
        entry.thread = std::thread([this, &done = entry.done, fd = connection.release()] {
            detail::UniqueFd own(fd);
            // reads exactly n bytes, each within the idle limit; false at the end, a stop or a silence
            const auto readFully = [&](unsigned char* into, std::size_t n) {
                for (std::size_t got = 0; got < n;) {
                    pollfd p[2] = {{fd, POLLIN, 0}, {sockets_->wakeRead.get(), POLLIN, 0}};
                    if (::poll(p, 2, kTcpIdleMs) <= 0 || p[1].revents != 0) return false;
                    const ssize_t r = ::read(fd, into + got, n - got);
                    if (r <= 0) return false;
                    got += static_cast<std::size_t>(r);
                }
                return true;
            };
            unsigned char length[2];
            while (readFully(length, 2)) {
                std::vector<unsigned char> query(static_cast<std::size_t>(length[0] << 8 | length[1]));
                if (!readFully(query.data(), query.size())) break;
                auto reply = answerOrNothing(query, 0);
                if (reply.empty()) break;
                reply.insert(reply.begin(), {static_cast<unsigned char>(reply.size() >> 8), static_cast<unsigned char>(reply.size())});
                if (::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(reply.size())) break;
            }
            done = true;
        });
    }
}

std::optional<HttpResponse> ChallengeDnsServer::manage(const HttpRequest& request) {
    static const std::vector<std::string> paths{"/set-txt",  "/clear-txt",    "/add-a",          "/clear-a",
                                                "/add-aaaa", "/clear-aaaa",   "/add-caa",        "/clear-caa",
                                                "/set-cname", "/clear-cname", "/set-servfail",   "/clear-servfail",
                                                "/set-default-ipv4", "/set-default-ipv6", "/dns-request-history",
                                                "/clear-request-history"};
    const std::string& p = request.path;
    if (std::find(paths.begin(), paths.end(), p) == paths.end()) return std::nullopt;
    if (request.method != "POST") {
        HttpResponse r = plain(405, "POST only");
        r.addHeader("Allow", "POST");
        return r;
    }
    try {
        const auto body = detail::parseJsonObject(request.body, std::size_t{64} * 1024, "request");
        const auto host = [&] { return detail::requireString(*body, "host", "request"); };
        const auto strings = [&](const std::string& member) {
            std::vector<std::string> out;
            const auto list = body->getArray(member);
            if (!list) throw JoseError("request: \"" + member + "\" must be an array");
            for (std::size_t i = 0; i < list->size(); ++i) {
                const auto& v = list->get(static_cast<unsigned>(i));
                if (!v.isString()) throw JoseError("request: \"" + member + "\" must hold strings");
                out.push_back(v.extract<std::string>());
            }
            return out;
        };
        if (p == "/dns-request-history") {
            Poco::JSON::Array list;
            for (const auto& q : requestHistory(host())) {
                Poco::JSON::Object question;
                question.set("Name", q.name + ".");
                question.set("Qtype", q.type);
                question.set("Qclass", q.qclass);
                Poco::JSON::Object event;
                event.set("Question", question);
                list.add(event);
            }
            std::ostringstream json;
            list.stringify(json);
            HttpResponse r;
            r.contentType = "application/json";
            r.body = json.str();
            return r;
        }
        if (p == "/clear-request-history") {
            const std::string type = detail::requireString(*body, "type", "request");
            if (type != "dns")
                throw JoseError("request: \"" + type + "\" history is not kept here, only \"dns\"");
            clearRequestHistory(host());
        } else if (p == "/set-txt") addTxt(host(), detail::requireString(*body, "value", "request"));
        else if (p == "/clear-txt") clearTxt(host());
        else if (p == "/add-a" || p == "/add-aaaa") {
            const auto addresses = strings("addresses");
            const int family = p == "/add-a" ? AF_INET : AF_INET6;
            for (const auto& a : addresses)
                if (!parseAddress(a, family))
                    throw InvalidNameError(a, family == AF_INET ? "is not an IPv4 address" : "is not an IPv6 address");
            addAddresses(host(), addresses);
        } else if (p == "/clear-a") clearA(host());
        else if (p == "/clear-aaaa") clearAaaa(host());
        else if (p == "/add-caa") {
            std::vector<CaaRecord> records;
            const auto policies = body->getArray("policies");
            if (!policies) throw JoseError("request: \"policies\" must be an array");
            for (std::size_t i = 0; i < policies->size(); ++i) {
                const auto policy = policies->getObject(static_cast<unsigned>(i));
                if (!policy) throw JoseError("request: each policy must be an object");
                CaaRecord r;
                r.tag = detail::requireString(*policy, "tag", "policy");
                r.value = detail::requireString(*policy, "value", "policy");
                records.push_back(std::move(r));
            }
            addCaa(host(), records);
        } else if (p == "/clear-caa") clearCaa(host());
        else if (p == "/set-cname") setCname(host(), detail::requireString(*body, "target", "request"));
        else if (p == "/clear-cname") clearCname(host());
        else if (p == "/set-servfail") setServfail(host(), true);
        else if (p == "/clear-servfail") setServfail(host(), false);
        else if (p == "/set-default-ipv4") setDefaultIpv4(detail::requireString(*body, "ip", "request"));
        else setDefaultIpv6(detail::requireString(*body, "ip", "request"));
    } catch (const Error& e) {  // JoseError (the body), InvalidNameError (a name or an address)
        return plain(400, e.what());
    } catch (const Poco::Exception& e) {
        return plain(400, e.displayText());
    }
    return plain(200, "");
}

}  // namespace cxxacme::mock_acme
