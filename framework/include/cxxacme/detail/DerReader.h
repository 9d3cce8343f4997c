#pragma once

// A strict reader of DER (ITU-T X.690) elements, for the few structures
// cxxacme takes apart itself (a CSR's outer layers, a SubjectPublicKeyInfo)
// where OpenSSL 3.0's generic decoders cost more than the rest of the
// request. Internal.

#include <optional>
#include <string>
#include <string_view>

namespace cxxacme::detail {

/// One element: its tag, its contents and the whole encoding (tag, length,
/// contents), all views into the reader's input.
struct DerElement {
    unsigned char tag = 0;
    std::string_view contents;
    std::string_view whole;
};

/// Reads the elements of `input` in order. Only what DER allows: tags of one
/// byte, definite lengths in their shortest form, no element running past
/// the input. Throws `CertificateError` naming `what` otherwise.
class DerReader {
public:
    static constexpr unsigned char kInteger = 0x02, kBitString = 0x03, kOctetString = 0x04, kNull = 0x05,
                                   kObjectId = 0x06, kSequence = 0x30, kSet = 0x31;
    /// [N] IMPLICIT of a constructed type.
    static constexpr unsigned char contextConstructed(unsigned n) { return static_cast<unsigned char>(0xa0 | n); }

    DerReader(std::string_view input, std::string what) : rest_(input), what_(std::move(what)) {}

    bool atEnd() const noexcept { return rest_.empty(); }
    /// The next element's tag; throws at the end.
    unsigned char peekTag() const;
    DerElement next();
    /// The next element, which must have `tag`.
    DerElement next(unsigned char tag);
    /// Throws unless everything was read.
    void expectEnd() const;

private:
    [[noreturn]] void fail(const std::string& why) const;
    std::string_view rest_;
    std::string what_;
};

/// A DER INTEGER's magnitude, big-endian without leading zeros (empty for
/// 0), or nothing when it is negative or has no contents. Throws
/// `CertificateError` naming `what` when it is not in its shortest form.
std::optional<std::string_view> nonNegativeInteger(const DerElement& integer, std::string_view what);

}  // namespace cxxacme::detail
