#include "cxxacme/detail/Json.h"

#include <set>
#include <sstream>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

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

std::optional<long long> integerValue(const Poco::Dynamic::Var& value) {
    if (!value.isInteger()) return std::nullopt;
    try {
        return value.convert<long long>();
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
}

std::string toJsonText(const Poco::JSON::Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

}  // namespace cxxacme::detail
