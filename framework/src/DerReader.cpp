#include "cxxacme/detail/DerReader.h"

#include "cxxacme/Error.h"

namespace cxxacme::detail {

void DerReader::fail(const std::string& why) const { throw CertificateError(what_ + ": " + why); }

unsigned char DerReader::peekTag() const {
    if (rest_.empty()) fail("ends early");
    return static_cast<unsigned char>(rest_[0]);
}

DerElement DerReader::next() {
    if (rest_.size() < 2) fail("ends early");
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(rest_[i]); };
    const unsigned char tag = byte(0);
    if ((tag & 0x1f) == 0x1f) fail("multi-byte tags are not used here");
    std::size_t length = byte(1), header = 2;
    if (length == 0x80) fail("indefinite length (BER, not DER)");
    if (length > 0x80) {
        const std::size_t octets = length & 0x7f;
        if (octets > 4) fail("length too large");
        if (rest_.size() < 2 + octets) fail("ends early");
        if (byte(2) == 0) fail("length not in its shortest form");
        length = 0;
        for (std::size_t i = 0; i < octets; ++i) length = (length << 8) | byte(2 + i);
        if (length < 0x80) fail("length not in its shortest form");
        header += octets;
    }
    if (length > rest_.size() - header) fail("element runs past the end");
    DerElement e{tag, rest_.substr(header, length), rest_.substr(0, header + length)};
    rest_.remove_prefix(header + length);
    return e;
}

DerElement DerReader::next(unsigned char tag) {
    if (peekTag() != tag) fail("unexpected element");
    return next();
}

void DerReader::expectEnd() const {
    if (!rest_.empty()) fail("trailing bytes");
}

std::optional<std::string_view> nonNegativeInteger(const DerElement& integer, std::string_view what) {
    std::string_view v = integer.contents;
    if (v.empty() || (static_cast<unsigned char>(v[0]) & 0x80)) return std::nullopt;
    if (v.size() > 1 && v[0] == 0 && !(static_cast<unsigned char>(v[1]) & 0x80))
        throw CertificateError(std::string(what) + ": INTEGER not in its shortest form");
    while (!v.empty() && v[0] == 0) v.remove_prefix(1);
    return v;
}

}  // namespace cxxacme::detail
