#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cxxacme/CaaRecord.h"
#include "cxxacme/IDnsProvider.h"
#include "cxxacme/mock_acme/HttpExchange.h"

namespace cxxacme::mock_acme {

/// A small authoritative DNS server for tests, as pebble-challtestsrv's DNS
/// part: over UDP and TCP on one address (loopback unless told), it answers
/// A, AAAA, TXT, CAA and CNAME queries from records set while it runs, so
/// that dns-01 (and CAA, CNAME delegation, `--resolve-through-dns`) can be
/// tested with nothing else running.
///
/// Answers are authoritative (AA); a name in any case is the same name; a
/// CNAME is followed within the records (eight at most) and the chain given
/// with the answer; a name with no record at all (nor any below it) is
/// NXDOMAIN, one without records of the type asked NODATA, both with a
/// default SOA in the authority section, as pebble-challtestsrv gives it
/// (for the last name of a CNAME chain, RFC 6604). A record's name may be
/// a wildcard, "*.NAME" (which pebble-challtestsrv's are not): it answers
/// as RFC 4592 has it for a name that does not exist, if NAME is its
/// closest encloser, under the name asked.
/// An A query for a name without A records gets the default IPv4 address
/// (127.0.0.1 unless set; "" turns it off), an AAAA query the default IPv6
/// one (none unless set). Other query types are NOTIMP, another opcode too;
/// a query that does not read is FORMERR (or, too short to answer, dropped).
/// EDNS(0) is understood: a UDP answer is at most 512 bytes, or what the
/// query's OPT record allows up to 1232, else it comes truncated (TC) and
/// the client asks again over TCP. A name set to SERVFAIL answers so.
///
/// Every question it reads is kept, by name, so that a test can see what
/// a CA asked (the TXT record of dns-01, the CAA records up the tree): the
/// last 10,000 questions, as pebble-challtestsrv's request history.
///
/// As an `IDnsProvider`, `present` adds a TXT value and `cleanup` removes
/// it, and `nameServers()` is this server: a `Dns01Responder` publishes and
/// checks here.
class ChallengeDnsServer final : public IDnsProvider {
public:
    /// One question asked: its name (lower case, without the root's dot),
    /// type and class, as numbers (16 TXT, 257 CAA; class 1 IN).
    struct Question {
        std::string name;
        std::uint16_t type = 0;
        std::uint16_t qclass = 0;
        bool operator==(const Question&) const = default;
    };

    /// Binds UDP and TCP on `host` (an IPv4 or IPv6 address) and `port` (0:
    /// a free one, the same for both) and starts answering. Throws `Error`.
    explicit ChallengeDnsServer(const std::string& host = "127.0.0.1", std::uint16_t port = 0);
    ~ChallengeDnsServer() override;
    ChallengeDnsServer(const ChallengeDnsServer&) = delete;
    ChallengeDnsServer& operator=(const ChallengeDnsServer&) = delete;

    /// "IPv4:PORT" or "[IPv6]:PORT", as `DnsTxtLookup` and `--dns-server` take it.
    std::string address() const;
    std::uint16_t port() const noexcept { return port_; }

    /// Names are taken in any case, with or without the root's dot, and may
    /// begin with the wildcard label "*."; a name that is not a DNS name (an
    /// asterisk elsewhere among them) throws `InvalidNameError`.
    void addTxt(const std::string& name, const std::string& value);
    /// Removes one TXT value (all its copies); the others stay.
    void removeTxt(const std::string& name, const std::string& value);
    void clearTxt(const std::string& name);
    /// Adds A or AAAA records, by each address's family (an address that is
    /// neither throws `InvalidNameError`).
    void addAddresses(const std::string& name, const std::vector<std::string>& addresses);
    void clearA(const std::string& name);
    void clearAaaa(const std::string& name);
    void addCaa(const std::string& name, const std::vector<CaaRecord>& records);
    void clearCaa(const std::string& name);
    void setCname(const std::string& name, const std::string& target);
    void clearCname(const std::string& name);
    void setServfail(const std::string& name, bool on);
    /// "" answers nothing for names without records of their own.
    void setDefaultIpv4(const std::string& address);
    void setDefaultIpv6(const std::string& address);

    /// The questions asked about `name` (any case, with or without the
    /// root's dot), oldest first; `clearRequestHistory` forgets them.
    std::vector<Question> requestHistory(const std::string& name) const;
    void clearRequestHistory(const std::string& name);

    /// pebble-challtestsrv's management requests for its DNS records, by
    /// the same paths and JSON: POST /set-txt {"host","value"}, /clear-txt
    /// {"host"}, /add-a and /add-aaaa {"host","addresses"}, /clear-a,
    /// /clear-aaaa, /add-caa {"host","policies":[{"tag","value"}]},
    /// /clear-caa, /set-cname {"host","target"}, /clear-cname,
    /// /set-servfail, /clear-servfail {"host"}, /set-default-ipv4 and
    /// /set-default-ipv6 {"ip"}; and its history: POST /dns-request-history
    /// {"host"} answers `[{"Question":{"Name":"NAME.","Qtype":16,"Qclass":1}}]`,
    /// /clear-request-history {"host","type":"dns"} forgets (other types are
    /// challtestsrv's own servers', which this has not: 400). 200 when done,
    /// 400 for a body that does not read; nullopt for a path that is none of
    /// these.
    std::optional<HttpResponse> manage(const HttpRequest& request);

    // IDnsProvider
    void present(const std::string& fqdn, const std::string& value) override { addTxt(fqdn, value); }
    void cleanup(const std::string& fqdn, const std::string& value) override { removeTxt(fqdn, value); }
    std::vector<std::string> nameServers() const override { return {address()}; }

    /// The answer to one query message (what goes back over TCP; over UDP
    /// cut to `udpLimit` when that is not 0); empty when there is none to
    /// give. A question read goes into the history. Public for the fuzzer
    /// and the tests.
    std::vector<unsigned char> answer(const std::vector<unsigned char>& query, std::size_t udpLimit);

private:
    struct Node {
        std::vector<std::string> txt, a, aaaa;
        std::vector<CaaRecord> caa;
        std::string cname;
        bool servfail = false;
    };
    struct Sockets;

    static std::string key(const std::string& name);
    static bool holdsRecords(const Node& node);
    /// Whether a name below `name` holds records (`name` exists, if only as an empty non-terminal).
    bool existsBelow(const std::string& name) const;
    /// The wildcard whose records answer for `owner`, a name without records of its own
    /// (RFC 4592 §3.3.1): `*.ENCLOSER`, for ENCLOSER the nearest ancestor that exists; nullptr
    /// when that has no wildcard, or `owner` exists itself. Under the lock.
    const Node* wildcardFor(const std::string& owner) const;
    /// `answer`, or nothing when it throws (logged): the serving threads' call.
    std::vector<unsigned char> answerOrNothing(const std::vector<unsigned char>& query, std::size_t udpLimit);
    void serveUdp();
    void serveTcp();

    std::string host_;
    std::uint16_t port_ = 0;
    mutable std::mutex mutex_;
    std::map<std::string, Node> records_;
    std::string defaultIpv4_ = "127.0.0.1";
    std::string defaultIpv6_;
    // The questions asked, a ring of at most kMaxHistory: each new one is written over
    // the oldest in place, so that a server under a stream of queries neither allocates
    // nor frees for its history once the ring is full. historyNext_: where the next goes.
    std::vector<Question> history_;
    std::size_t historyNext_ = 0;
    std::unique_ptr<Sockets> sockets_;
};

}  // namespace cxxacme::mock_acme
