#include "DemoCommand.h"

#include <sys/stat.h>

#include <filesystem>

#include "cxxacme/AtomicFile.h"
#include "cxxacme/Base64Url.h"
#include "cxxacme/CertificateBuilder.h"
#include "cxxacme/CertificateSigningRequest.h"
#include "cxxacme/Error.h"
#include "cxxacme/FlattenedJws.h"
#include "cxxacme/KeySigner.h"
#include "cxxacme/PemBundle.h"
#include "cxxacme/ServerName.h"

namespace cxxacme::cli {

namespace fs = std::filesystem;
using namespace std::chrono;

namespace {

constexpr auto kReissueWithin = hours(24 * 30);  // txacme's reissue interval
constexpr std::size_t kMaxPemBytes = 1024 * 1024;

std::string day(TimePoint t) {
    const auto days = floor<std::chrono::days>(t);
    const year_month_day ymd{days};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

PrivateKey loadOrCreateAccountKey(const fs::path& dir, std::ostream& out) {
    const fs::path path = dir / "client.key";
    if (fs::exists(path)) {
        out << "  account key: " << path.string() << " (existing)\n";
        return PrivateKey::fromPem(AtomicFile::read(path.string(), kMaxPemBytes));
    }
    PrivateKey key = PrivateKey::generate(KeyType::EcP256);
    AtomicFile::write(path.string(), key.toPem(), 0600);
    out << "  account key: " << path.string() << " (created, mode 0600)\n";
    return key;
}

}  // namespace

int runDemo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    fs::path dir = "demo-certs";
    std::vector<std::string> names;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--dir" && i + 1 < args.size()) dir = args[++i];
        else if (args[i].starts_with("-")) {
            err << "cxxacme demo: unknown option " << args[i] << "\n";
            return 2;
        } else names.push_back(args[i]);
    }
    if (names.empty()) names = {"example.test", "www.example.test"};

    try {
        for (auto& name : names) name = ServerName::canonicalKey(name);
        fs::create_directories(dir);
        fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
        out << "cxxacme demo: certificate directory " << dir.string() << "\n";

        const KeySigner account(loadOrCreateAccountKey(dir, out));
        out << "  account JWK thumbprint (RFC 7638): " << account.publicJwk().thumbprint() << "\n";

        // Until mock-acme exists (issue: mock-acme), a throwaway local CA stands
        // in for the ACME server; it is made anew on every run and says so.
        const PrivateKey rootKey = PrivateKey::generate(KeyType::EcP256);
        const Certificate root = CertificateBuilder().commonName("cxxacme demo root (local stand-in CA)")
                                     .certificateAuthority(0)
                                     .selfSign(rootKey);
        out << "  CA: a local stand-in (\"" << root.commonName() << "\"); the ACME flow arrives with mock-acme\n";

        for (const auto& name : names) {
            const fs::path path = dir / (name + ".pem");
            if (!fs::exists(path)) {
                AtomicFile::write(path.string(), "", 0600);
                out << "  " << name << ": created an empty entry (\"issue me\")\n";
            }
            const PemBundle entry = PemBundle::parse(AtomicFile::read(path.string(), kMaxPemBytes));
            const TimePoint now = system_clock::now();
            if (!entry.empty() && entry.notAfter() - now > kReissueWithin) {
                out << "  " << name << ": valid until " << day(entry.notAfter()) << ", nothing to do\n";
                continue;
            }
            out << "  " << name << ": " << (entry.empty() ? "empty entry" : "expires within 30 days")
                << ", issuing\n";

            std::vector<Identifier> ids;
            for (const auto& n : ServerName::splitKey(name)) ids.push_back(Identifier::fromName(n));
            const PrivateKey key = PrivateKey::generate(KeyType::EcP256);
            const auto csr = CertificateSigningRequest::create(key, ids);
            if (!csr.verifySignature() || csr.identifiers() != ids) throw Error("CSR self-check failed");

            // The finalize request an ACME client would send, signed and checked.
            const auto finalize = FlattenedJws::signAcmeRequest(
                account, "https://ca.invalid/finalize/1", "demo-nonce", "https://ca.invalid/acct/1",
                R"({"csr":")" + Base64Url::encode(csr.toDer()) + R"("})");
            if (!FlattenedJws::parse(finalize.toJson()).verify(account.publicJwk().publicKey()))
                throw Error("JWS self-check failed");
            out << "    CSR for " << ids.size() << " identifier(s), finalize JWS " << toString(account.algorithm())
                << " (" << finalize.toJson().size() << " bytes) signed and verified\n";

            const Certificate leaf = CertificateBuilder()
                                         .subjectAltNames(csr.identifiers())
                                         .validity(now - hours(1), now + hours(24 * 90))
                                         .sign(csr.publicKey(), root, rootKey);
            const PemBundle issued = PemBundle::make(key, leaf, {root});
            leaf.verifyChain({}, {root});
            AtomicFile::write(path.string(), issued.toPem(), 0600);
            out << "    wrote " << path.string() << " (key, certificate, chain; mode 0600), valid until "
                << day(leaf.notAfter()) << ", chain verified\n";
        }
        out << "done: " << names.size() << " entr" << (names.size() == 1 ? "y" : "ies") << " checked\n";
        return 0;
    } catch (const Error& e) {
        err << "cxxacme demo: " << e.what() << "\n";
        return 1;
    } catch (const fs::filesystem_error& e) {
        err << "cxxacme demo: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace cxxacme::cli
