#pragma once

// Strict JSON reading on top of Poco::JSON, shared by the JOSE code, the
// client and the mock server. Internal.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <Poco/JSON/Object.h>

namespace cxxacme::detail {

/// Parses `text` as one JSON object of at most `maxBytes`. Throws
/// `JoseError` naming `what` for oversized, malformed or non-object input,
/// and for an object (at any depth) that names a member twice.
Poco::JSON::Object::Ptr parseJsonObject(std::string_view text, std::size_t maxBytes, std::string_view what);

/// The string member `name`; throws `JoseError` when it is absent or not a
/// string.
std::string requireString(const Poco::JSON::Object& object, const std::string& name, std::string_view what);

/// The string member `name` if present; throws `JoseError` when it is
/// present but not a string.
std::optional<std::string> optionalString(const Poco::JSON::Object& object, const std::string& name,
                                          std::string_view what);

/// `value` if it is a JSON integer that fits a long long; nothing otherwise
/// (POCO's getValue<int> throws its RangeException on 99999999999).
std::optional<long long> integerValue(const Poco::Dynamic::Var& value);

/// True when `object` has `name` and it is the boolean true; false otherwise
/// (absent, false, or not a boolean: a flag that is not plainly set is not set).
bool isTrue(const Poco::JSON::Object& object, const std::string& name);

/// Compact JSON text of `object`.
std::string toJsonText(const Poco::JSON::Object& object);

}  // namespace cxxacme::detail
