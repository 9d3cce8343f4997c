#include "WeakRsaKey.h"

#include <array>
#include <vector>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "cxxacme/Error.h"
#include "cxxacme/detail/OpenSsl.h"

namespace cxxacme::mock_acme {

namespace {

using cxxacme::detail::BignumPtr;
using cxxacme::detail::BnCtxPtr;
using cxxacme::detail::checked;
using cxxacme::detail::checkOne;

BignumPtr newBn() { return BignumPtr(checked(BN_new(), "BN_new")); }

// The odd primes below 752 (Let's Encrypt's bound) in groups whose product
// fits a word: one division of the modulus per group. Made once.
struct PrimeGroup {
    BN_ULONG product = 1;
    std::vector<BN_ULONG> primes;
};

const std::vector<PrimeGroup>& smallPrimeGroups() {
    static const std::vector<PrimeGroup> groups = [] {
        constexpr std::size_t kBound = 752;
        constexpr BN_ULONG kLimit = static_cast<BN_ULONG>(1) << 52;  // product * next prime < 2^62
        std::array<bool, kBound> composite{};
        std::vector<PrimeGroup> out(1);
        for (std::size_t i = 3; i < kBound; i += 2) {
            if (composite[i]) continue;
            for (std::size_t j = i * i; j < kBound; j += 2 * i) composite[j] = true;
            if (out.back().product > kLimit) out.emplace_back();
            out.back().product *= i;
            out.back().primes.push_back(i);
        }
        return out;
    }();
    return groups;
}

// floor(sqrt(n)) for n ≥ 0, by Newton's method from above.
BignumPtr isqrt(const BIGNUM* n, BN_CTX* ctx) {
    BignumPtr x = newBn();
    if (BN_is_zero(n)) return x;
    checkOne(BN_set_bit(x.get(), (BN_num_bits(n) + 1) / 2), "BN_set_bit");  // ≥ sqrt(n)
    BignumPtr y = newBn();
    for (;;) {
        checkOne(BN_div(y.get(), nullptr, n, x.get(), ctx), "BN_div");  // y = (x + n/x) / 2
        checkOne(BN_add(y.get(), y.get(), x.get()), "BN_add");
        checkOne(BN_rshift1(y.get(), y.get()), "BN_rshift1");
        if (BN_cmp(y.get(), x.get()) >= 0) return x;
        std::swap(x, y);
    }
}

// The squares modulo m: squareModulo<m>()[r] is true when some k² ≡ r (mod m).
template <std::size_t m>
const std::array<bool, m>& squaresModulo() {
    static const std::array<bool, m> table = [] {
        std::array<bool, m> t{};
        for (std::size_t k = 0; k < m; ++k) t[k * k % m] = true;
        return t;
    }();
    return table;
}

// Squares mod 64, 63, 65 and 11 first (all but about 1 in 160 non-squares stop
// there; one division of v, by their product), then the root.
bool isSquare(const BIGNUM* v, BN_CTX* ctx) {
    if (BN_is_negative(v)) return false;
    const BN_ULONG r = BN_mod_word(v, static_cast<BN_ULONG>(64) * 63 * 65 * 11);
    if (r == static_cast<BN_ULONG>(-1)) throw CryptoError("BN_mod_word failed");
    if (!squaresModulo<64>()[r % 64] || !squaresModulo<63>()[r % 63] || !squaresModulo<65>()[r % 65] ||
        !squaresModulo<11>()[r % 11])
        return false;
    BignumPtr root = isqrt(v, ctx);
    BignumPtr back = newBn();
    checkOne(BN_sqr(back.get(), root.get(), ctx), "BN_sqr");
    return BN_cmp(back.get(), v) == 0;
}

// ROCA (CVE-2017-15361): a modulus made by the flawed Infineon library is
// 65537^a mod M plus a multiple of M, M the product of the primes up to 167,
// so modulo each of those primes it lies in the subgroup that 65537 generates.
// A random modulus does so for all 38 primes with a probability near 2^-150.
constexpr unsigned kRocaLargestPrime = 167;

// inSubgroup[p][r]: r ≡ 65537^k (mod p) for some k, for the odd primes p ≤ 167.
const std::array<std::array<bool, kRocaLargestPrime + 1>, kRocaLargestPrime + 1>& rocaSubgroups() {
    static const auto table = [] {
        std::array<std::array<bool, kRocaLargestPrime + 1>, kRocaLargestPrime + 1> t{};
        for (const PrimeGroup& group : smallPrimeGroups())
            for (const BN_ULONG p : group.primes) {
                if (p > kRocaLargestPrime) continue;
                BN_ULONG power = 1;
                do {
                    t[p][power] = true;
                    power = power * (65537 % p) % p;
                } while (power != 1);
            }
        return t;
    }();
    return table;
}

// The key's modulus or exponent, or null when OpenSSL cannot give it.
BignumPtr rsaParam(const PublicKey& key, const char* name) {
    BIGNUM* out = nullptr;
    if (EVP_PKEY_get_bn_param(key.native(), name, &out) != 1) {
        ERR_clear_error();
        BN_free(out);
        return nullptr;
    }
    return BignumPtr(out);
}

}  // namespace

std::optional<std::string> weakRsaKeyReason(const PublicKey& key, int fermatRounds) {
    if (key.algorithm() != "RSA") return std::nullopt;
    const BignumPtr n = rsaParam(key, OSSL_PKEY_PARAM_RSA_N);
    const BignumPtr e = rsaParam(key, OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e || BN_is_negative(n.get()) || BN_is_zero(n.get()))
        return "the RSA modulus and exponent must be positive numbers";
    if (!BN_is_word(e.get(), 65537)) return "the RSA public exponent must be 65537";
    if (!BN_is_odd(n.get())) return "the RSA modulus is even";
    bool rocaFingerprint = true;
    for (const PrimeGroup& group : smallPrimeGroups()) {
        const BN_ULONG r = BN_mod_word(n.get(), group.product);
        if (r == static_cast<BN_ULONG>(-1)) throw CryptoError("BN_mod_word failed");
        for (const BN_ULONG p : group.primes) {
            if (r % p == 0) return "the RSA modulus has a small prime factor (" + std::to_string(p) + ")";
            if (p <= kRocaLargestPrime) rocaFingerprint = rocaFingerprint && rocaSubgroups()[p][r % p];
        }
    }
    if (rocaFingerprint) return "the RSA key has the ROCA fingerprint (CVE-2017-15361: made by a flawed Infineon library)";

    // Fermat: n = a² - b² = (a - b)(a + b) for some a just above sqrt(n) when the primes are close.
    const BnCtxPtr ctx(checked(BN_CTX_new(), "BN_CTX_new"));
    BignumPtr a = isqrt(n.get(), ctx.get());
    BignumPtr b2 = newBn();
    checkOne(BN_sqr(b2.get(), a.get(), ctx.get()), "BN_sqr");
    if (BN_cmp(b2.get(), n.get()) < 0) {  // a = ceil(sqrt(n))
        checkOne(BN_add_word(a.get(), 1), "BN_add_word");
        checkOne(BN_sqr(b2.get(), a.get(), ctx.get()), "BN_sqr");
    }
    checkOne(BN_sub(b2.get(), b2.get(), n.get()), "BN_sub");  // b² = a² - n
    BignumPtr step = newBn();
    for (int round = 0; round < fermatRounds; ++round) {
        if (isSquare(b2.get(), ctx.get())) return "the RSA modulus's two primes are too close together (Fermat's method factors it)";
        // (a + 1)² - n = b² + 2a + 1
        checkOne(BN_lshift1(step.get(), a.get()), "BN_lshift1");
        checkOne(BN_add_word(step.get(), 1), "BN_add_word");
        checkOne(BN_add(b2.get(), b2.get(), step.get()), "BN_add");
        checkOne(BN_add_word(a.get(), 1), "BN_add_word");
    }
    return std::nullopt;
}

}  // namespace cxxacme::mock_acme
