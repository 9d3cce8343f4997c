#include "cxxacme/endpoints/EndpointString.h"

#include <charconv>
#include <set>
#include <vector>

#include <Poco/Net/IPAddress.h>

#include "cxxacme/ServerName.h"

namespace cxxacme::endpoints {

namespace {

struct Field {
    std::string value;   // unescaped
    std::size_t offset;  // where it starts in the text
};

std::vector<Field> splitFields(std::string_view text) {
    std::vector<Field> fields{{"", 0}};
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\') {
            if (i + 1 == text.size()) throw EndpointStringError(text, i, "a backslash at the end escapes nothing");
            const char next = text[i + 1];
            if (next != ':' && next != '\\')
                throw EndpointStringError(text, i, "only \\: and \\\\ are escapes; write a backslash as \\\\");
            fields.back().value += next;
            ++i;
        } else if (c == ':') {
            fields.push_back({"", i + 1});
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            throw EndpointStringError(text, i, "control characters are not allowed");
        } else {
            fields.back().value += c;
        }
    }
    return fields;
}

}  // namespace

EndpointStringError::EndpointStringError(std::string_view text, std::size_t offset, const std::string& reason)
    : Error("bad endpoint string at offset " + std::to_string(offset) + ": " + reason + "\n  " +
            InvalidNameError::printable(std::string(text), 200) + "\n  " + std::string(std::min<std::size_t>(offset, 200), ' ') + "^"),
      offset_(offset) {}

EndpointSpec EndpointSpec::parse(std::string_view text) {
    if (text.empty()) throw EndpointStringError(text, 0, "empty; expected le:, lets: or acme:");
    if (text.size() > 4096) throw EndpointStringError(text, 4096, "longer than 4096 bytes");
    const std::vector<Field> fields = splitFields(text);
    EndpointSpec spec;

    const Field& scheme = fields[0];
    if (scheme.value != "le" && scheme.value != "lets" && scheme.value != "acme")
        throw EndpointStringError(text, 0, "unknown kind \"" + InvalidNameError::printable(scheme.value, 20) +
                                               "\"; expected le, lets or acme");
    spec.scheme = scheme.value;
    if (fields.size() < 2 || fields[1].value.empty())
        throw EndpointStringError(text, fields.size() < 2 ? text.size() : fields[1].offset,
                                  "missing the certificate directory (" + spec.scheme + ":CERTDIR:tcp:PORT)");
    spec.certDir = fields[1].value;
    if (fields.size() < 3) throw EndpointStringError(text, text.size(), "missing \":tcp:PORT\" after the directory");
    if (fields[2].value != "tcp")
        throw EndpointStringError(text, fields[2].offset, "expected \"tcp\", the only transport");
    if (fields.size() < 4 || fields[3].value.empty())
        throw EndpointStringError(text, fields.size() < 4 ? text.size() : fields[3].offset, "missing the port");
    {
        const std::string& port = fields[3].value;
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value > 65535 || port.size() > 5)
            throw EndpointStringError(text, fields[3].offset,
                                      "port \"" + InvalidNameError::printable(port, 20) + "\" is not a number from 0 to 65535");
        spec.port = static_cast<std::uint16_t>(value);
    }

    std::set<std::string> seen;
    for (std::size_t i = 4; i < fields.size(); ++i) {
        const Field& field = fields[i];
        const auto eq = field.value.find('=');
        if (eq == std::string::npos || eq == 0)
            throw EndpointStringError(text, field.offset, "expected KEY=VALUE after the port");
        const std::string key = field.value.substr(0, eq);
        const std::string value = field.value.substr(eq + 1);
        const std::size_t valueOffset = field.offset + eq + 1;
        if (!seen.insert(key).second) throw EndpointStringError(text, field.offset, "\"" + key + "\" given twice");
        if (value.empty()) throw EndpointStringError(text, valueOffset, "\"" + key + "\" has an empty value");
        if (key == "interface") {
            Poco::Net::IPAddress address;
            if (!Poco::Net::IPAddress::tryParse(value, address))
                throw EndpointStringError(text, valueOffset, "interface must be an IP address, like 127.0.0.1 or \\:\\:1");
            spec.interface = address.toString();
        } else if (key == "directory") {
            if (spec.scheme != "acme")
                throw EndpointStringError(text, field.offset, spec.scheme + ": always uses Let's Encrypt's directory; use acme: for another CA");
            if (!value.starts_with("https://") || value.size() <= 8)
                throw EndpointStringError(text, valueOffset, "the directory must be an https:// URL (RFC 8555 requires HTTPS)");
            spec.directoryUrl = value;
        } else if (key == "ca-bundle") {
            spec.caBundle = value;
        } else if (key == "default-name") {
            try {
                spec.defaultName = ServerName::canonical(value);
            } catch (const InvalidNameError& e) {
                throw EndpointStringError(text, valueOffset, e.what());
            }
        } else if (key == "encryption-key") {
            spec.encryptionKey = value;
        } else if (key == "sqlite") {
            spec.sqliteFile = value;
        } else if (key == "tls-sni-01") {
            if (value != "on" && value != "off") throw EndpointStringError(text, valueOffset, "tls-sni-01 takes on or off");
            spec.tlsSni01 = value == "on";
        } else {
            throw EndpointStringError(text, field.offset,
                                      "unknown keyword \"" + InvalidNameError::printable(key, 40) +
                                          "\"; known: interface, directory, ca-bundle, default-name, tls-sni-01, encryption-key, sqlite");
        }
    }
    if (spec.scheme == "le") spec.directoryUrl = kLetsEncryptDirectory;
    if (spec.scheme == "lets") spec.directoryUrl = kLetsEncryptStagingDirectory;
    if (spec.directoryUrl.empty())
        throw EndpointStringError(text, text.size(), "acme: needs directory=URL, the CA's directory");
    return spec;
}

std::string EndpointSpec::escape(const std::string& value) {
    std::string out;
    for (const char c : value) {
        if (c == ':' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::string EndpointSpec::toString() const {
    std::string out = scheme + ":" + escape(certDir) + ":tcp:" + std::to_string(port);
    if (!interface.empty()) out += ":interface=" + escape(interface);
    if (scheme == "acme") out += ":directory=" + escape(directoryUrl);
    if (!caBundle.empty()) out += ":ca-bundle=" + escape(caBundle);
    if (!defaultName.empty()) out += ":default-name=" + escape(defaultName);
    if (tlsSni01) out += ":tls-sni-01=on";
    if (!encryptionKey.empty()) out += ":encryption-key=" + escape(encryptionKey);
    if (!sqliteFile.empty()) out += ":sqlite=" + escape(sqliteFile);
    return out;
}

}  // namespace cxxacme::endpoints
