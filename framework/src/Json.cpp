#include "cxxacme/detail/Json.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "cxxacme/Error.h"

namespace cxxacme::detail {

namespace {

// Poco's handler, refusing an object that names a member twice: RFC 8259
// leaves duplicates open, I-JSON (RFC 7493) forbids them and RFC 7515 §4
// lets a JWS parser refuse them — two readers of one text must not see two
// different values.
class UniqueMembersHandler final : public Poco::JSON::ParseHandler {
public:
    explicit UniqueMembersHandler(std::string what) : what_(std::move(what)) {}
    void reset() override {
        ParseHandler::reset();
        open_.clear();
    }
    void startObject() override {
        ParseHandler::startObject();
        open_.emplace_back();
    }
    void endObject() override {
        ParseHandler::endObject();
        if (!open_.empty()) open_.pop_back();
    }
    void key(const std::string& k) override {
        if (!open_.empty() && !open_.back().insert(k).second)
            throw JoseError(what_ + ": the member \"" + InvalidNameError::printable(k.substr(0, 64)) + "\" appears twice");
        ParseHandler::key(k);
    }

private:
    std::string what_;
    std::vector<std::set<std::string>> open_;
};

}  // namespace

Poco::JSON::Object::Ptr parseJsonObject(std::string_view text, std::size_t maxBytes, std::string_view what) {
    if (text.size() > maxBytes)
        throw JoseError(std::string(what) + ": " + std::to_string(text.size()) + " bytes is over the limit of " +
                        std::to_string(maxBytes));
    if (text.empty()) throw JoseError(std::string(what) + ": empty");
    try {
        Poco::JSON::Parser parser(new UniqueMembersHandler(std::string(what)));
        Poco::Dynamic::Var value = parser.parse(std::string(text));
        if (value.type() != typeid(Poco::JSON::Object::Ptr))
            throw JoseError(std::string(what) + ": not a JSON object");
        auto object = value.extract<Poco::JSON::Object::Ptr>();
        if (!object) throw JoseError(std::string(what) + ": not a JSON object");
        return object;
    } catch (const Poco::Exception&) {
        throw JoseError(std::string(what) + ": malformed JSON");
    } catch (const std::bad_cast&) {
        throw JoseError(std::string(what) + ": not a JSON object");
    }
}

std::optional<std::string> optionalString(const Poco::JSON::Object& object, const std::string& name,
                                          std::string_view what) {
    if (!object.has(name)) return std::nullopt;
    const Poco::Dynamic::Var value = object.get(name);
    if (!value.isString()) throw JoseError(std::string(what) + ": \"" + name + "\" is not a string");
    return value.extract<std::string>();
}

std::string requireString(const Poco::JSON::Object& object, const std::string& name, std::string_view what) {
    auto value = optionalString(object, name, what);
    if (!value) throw JoseError(std::string(what) + ": \"" + name + "\" is missing");
    return *value;
}

bool isTrue(const Poco::JSON::Object& object, const std::string& name) {
    if (!object.has(name)) return false;
    const Poco::Dynamic::Var value = object.get(name);
    return value.isBoolean() && value.extract<bool>();
}

std::optional<long long> integerValue(const Poco::Dynamic::Var& value) {
    if (!value.isInteger()) return std::nullopt;
    try {
        return value.convert<long long>();
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
}

namespace {

void appendValue(std::string& out, const Poco::Dynamic::Var& value);

// The length of the well-formed UTF-8 sequence (RFC 3629 §4) at `at`, or 0.
std::size_t utf8Sequence(const std::string& s, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char lead = byte(at);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) length = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;   // no overlong forms
        if (lead == 0xED) high = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
    } else {
        return 0;
    }
    if (at + length > s.size() || byte(at + 1) < low || byte(at + 1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i)
        if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
    return length;
}

// A JSON string (RFC 8259 §7): quotation mark, reverse solidus and control
// characters escaped, UTF-8 as it is, and a byte that is not well-formed UTF-8
// as U+FFFD, so that the text is always valid JSON.
void appendString(std::string& out, const std::string& s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain = 0;  // start of the run copied as it is
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            ++i;
            continue;
        }
        if (c >= 0x80) {
            if (const std::size_t n = utf8Sequence(s, i)) {
                i += n;
                continue;
            }
        }
        out.append(s, plain, i - plain);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c >= 0x80) {
                out += "\\ufffd";
            } else {
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0xF];
            }
        }
        plain = ++i;
    }
    out.append(s, plain, std::string::npos);
    out += '"';
}

void appendObject(std::string& out, const Poco::JSON::Object& object) {
    if (object.getEscapeUnicode()) {  // asked to escape every non-ASCII character: POCO's own writing
        std::ostringstream text;
        object.stringify(text);
        out += text.str();
        return;
    }
    // The members in the object's order (insertion order when it keeps one):
    // getNames gives that order, the map (sorted by name) the values.
    std::vector<Poco::JSON::Object::ConstIterator> members;
    members.reserve(object.size());
    for (auto it = object.begin(); it != object.end(); ++it) members.push_back(it);
    out += '{';
    bool first = true;
    for (const auto& name : object.getNames()) {
        const auto at = std::lower_bound(members.begin(), members.end(), name,
                                         [](const auto& it, const std::string& n) { return it->first < n; });
        if (at == members.end() || (*at)->first != name) continue;
        if (!first) out += ',';
        first = false;
        appendString(out, name);
        out += ':';
        appendValue(out, (*at)->second);
    }
    out += '}';
}

void appendArray(std::string& out, const Poco::JSON::Array& array) {
    out += '[';
    bool first = true;
    for (const Poco::Dynamic::Var& element : array) {  // in place: Array::get copies each one
        if (!first) out += ',';
        first = false;
        appendValue(out, element);
    }
    out += ']';
}

void appendValue(std::string& out, const Poco::Dynamic::Var& value) {
    if (value.isEmpty()) {
        out += "null";
        return;
    }
    const std::type_info& type = value.type();
    if (type == typeid(std::string)) return appendString(out, value.extract<std::string>());
    if (type == typeid(Poco::JSON::Object::Ptr)) {
        const auto& object = value.extract<Poco::JSON::Object::Ptr>();
        if (object) return appendObject(out, *object);
        out += "null";
        return;
    }
    if (type == typeid(Poco::JSON::Array::Ptr)) {
        const auto& array = value.extract<Poco::JSON::Array::Ptr>();
        if (array) return appendArray(out, *array);
        out += "null";
        return;
    }
    if (type == typeid(Poco::JSON::Object)) return appendObject(out, value.extract<Poco::JSON::Object>());
    if (type == typeid(Poco::JSON::Array)) return appendArray(out, value.extract<Poco::JSON::Array>());
    if (type == typeid(bool)) {
        out += value.extract<bool>() ? "true" : "false";
        return;
    }
    if (value.isInteger()) {
        out += value.isSigned() ? std::to_string(value.convert<long long>()) : std::to_string(value.convert<unsigned long long>());
        return;
    }
    // JSON has no infinity and no NaN (RFC 8259 §6); POCO would write "inf"
    if ((type == typeid(double) || type == typeid(float)) && !std::isfinite(value.convert<double>())) {
        out += "null";
        return;
    }
    // anything else (a number with a fraction, a date, a POCO struct): as POCO writes it
    std::ostringstream text;
    Poco::JSON::Stringifier::condense(value, text);
    out += text.str();
}

}  // namespace

// Written directly into one string: POCO's stringify goes through an ostream a
// token at a time, which was most of the cost of every JWS and every answer.
std::string toJsonText(const Poco::JSON::Object& object) {
    std::string out;
    out.reserve(256);
    appendObject(out, object);
    return out;
}

}  // namespace cxxacme::detail
