#include "cxxacme/AcmeProblem.h"

#include <Poco/JSON/Array.h>

#include "cxxacme/detail/Json.h"

namespace cxxacme {

namespace {

std::string fullType(const std::string& type) {
    return type.find(':') == std::string::npos ? AcmeProblem::kPrefix + type : type;
}

// A type without the ACME prefix ("badNonce"), or the whole type if it has another.
std::string withoutPrefix(const std::string& type) {
    return type.starts_with(AcmeProblem::kPrefix) ? type.substr(AcmeProblem::kPrefix.size()) : type;
}

// What the problem says, and each subproblem after it (RFC 8555 §6.7.1: a CA names there which
// identifier failed and why, and its detail may only point to them), at most kShown of them.
std::string describe(const std::string& type, const std::string& detail, int status,
                     const std::vector<AcmeProblem::Subproblem>& subproblems) {
    constexpr std::size_t kShown = 20;
    std::string text = "ACME problem " + type + " (HTTP " + std::to_string(status) + "): " + InvalidNameError::printable(detail, 2048);
    if (subproblems.empty()) return text;
    text += " [";
    for (std::size_t i = 0; i < subproblems.size() && i < kShown; ++i) {
        const auto& sub = subproblems[i];
        text += (i == 0 ? "" : "; ") + InvalidNameError::printable(sub.identifier.value, 256) + ": " +
                InvalidNameError::printable(withoutPrefix(sub.type), 128) + ": " + InvalidNameError::printable(sub.detail, 512);
    }
    if (subproblems.size() > kShown) text += "; and " + std::to_string(subproblems.size() - kShown) + " more";
    return text + "]";
}

}  // namespace

AcmeProblem::AcmeProblem(const std::string& shortType, std::string detail, int status,
                         std::vector<Subproblem> subproblems)
    : Error(describe(fullType(shortType), detail, status, subproblems)),
      type_(fullType(shortType)),
      detail_(std::move(detail)),
      status_(status),
      subproblems_(std::move(subproblems)) {}

std::string AcmeProblem::shortType() const { return withoutPrefix(type_); }

AcmeProblem& AcmeProblem::withExtra(const std::string& name, const Poco::Dynamic::Var& value) {
    extra_->set(name, value);
    return *this;
}

AcmeProblem AcmeProblem::fromJson(const std::string& body, int status) {
    try {
        const auto json = detail::parseJsonObject(body, std::size_t{64} * 1024, "problem document");
        const std::string type = detail::optionalString(*json, "type", "problem document").value_or("about:blank");
        const std::string text = detail::optionalString(*json, "detail", "problem document").value_or("");
        std::vector<Subproblem> subs;
        if (auto array = json->getArray("subproblems")) {
            for (std::size_t i = 0; i < array->size(); ++i) {
                auto sub = array->getObject(static_cast<unsigned>(i));
                if (!sub) continue;
                Subproblem s;
                s.type = detail::optionalString(*sub, "type", "subproblem").value_or("");
                s.detail = detail::optionalString(*sub, "detail", "subproblem").value_or("");
                if (auto id = sub->getObject("identifier")) {
                    s.identifier.type = detail::optionalString(*id, "type", "identifier").value_or("dns") == "ip"
                                            ? Identifier::Type::Ip
                                            : Identifier::Type::Dns;
                    s.identifier.value = detail::optionalString(*id, "value", "identifier").value_or("");
                }
                subs.push_back(std::move(s));
            }
        }
        // the document's status when it is one an HTTP response can have (RFC 9110 §15), else the response's
        const auto docStatus = detail::integerValue(json->get("status"));
        AcmeProblem problem(type, text, docStatus && *docStatus >= 100 && *docStatus <= 599 ? static_cast<int>(*docStatus) : status,
                            std::move(subs));
        for (const auto& name : json->getNames())
            if (name != "type" && name != "detail" && name != "status" && name != "subproblems")
                problem.withExtra(name, json->get(name));
        return problem;
    } catch (const Error&) {
        return AcmeProblem("about:blank", "unreadable error response (HTTP " + std::to_string(status) + ")", status);
    } catch (const Poco::Exception&) {
        return AcmeProblem("about:blank", "unreadable error response (HTTP " + std::to_string(status) + ")", status);
    }
}

std::string AcmeProblem::toJson() const {
    Poco::JSON::Object object(Poco::JSON_PRESERVE_KEY_ORDER);
    object.set("type", type_);
    object.set("detail", detail_);
    object.set("status", status_);
    if (!subproblems_.empty()) {
        Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
        for (const auto& s : subproblems_) {
            Poco::JSON::Object::Ptr sub = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
            sub->set("type", fullType(s.type));
            sub->set("detail", s.detail);
            Poco::JSON::Object::Ptr id = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
            id->set("type", s.identifier.typeName());
            id->set("value", s.identifier.value);
            sub->set("identifier", id);
            array->add(sub);
        }
        object.set("subproblems", array);
    }
    for (const auto& name : extra_->getNames()) object.set(name, extra_->get(name));
    return detail::toJsonText(object);
}

}  // namespace cxxacme
