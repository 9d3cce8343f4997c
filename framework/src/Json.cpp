#include "cxxacme/detail/Json.h"

#include <sstream>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include "cxxacme/Error.h"

namespace cxxacme::detail {

Poco::JSON::Object::Ptr parseJsonObject(std::string_view text, std::size_t maxBytes, std::string_view what) {
    if (text.size() > maxBytes)
        throw JoseError(std::string(what) + ": " + std::to_string(text.size()) + " bytes is over the limit of " +
                        std::to_string(maxBytes));
    if (text.empty()) throw JoseError(std::string(what) + ": empty");
    try {
        Poco::JSON::Parser parser;
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

std::string toJsonText(const Poco::JSON::Object& object) {
    std::ostringstream out;
    object.stringify(out);
    return out.str();
}

}  // namespace cxxacme::detail
