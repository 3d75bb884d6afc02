// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

/// One description mechanism for every message of both versions: each codec walks a message's
/// fields into a field_sink (`visit_fields`), and the sinks below turn that into the readable line
/// used by operator<< and `sngw-decode`, or into one JSON object. Adding a field to a message
/// means adding one line to its visit_fields, and both outputs follow.
namespace sngw::sn {

class field_sink {
public:
    virtual ~field_sink() = default;
    /// The message's name as the spec writes it: "PUBLISH", "SLEEPREQ", ...
    virtual void type(std::string_view name) = 0;
    virtual void number(std::string_view name, std::uint64_t value) = 0;
    virtual void flag(std::string_view name, bool value) = 0;
    /// A coded value with its meaning, e.g. return_code 0x02 "rejected: invalid topic id".
    virtual void code(std::string_view name, std::uint64_t value, std::string_view meaning) = 0;
    /// A UTF-8 / ASCII field: client id, topic name, reason string.
    virtual void text(std::string_view name, std::string_view value) = 0;
    /// Opaque octets: payload, wireless node id, encapsulated packet.
    virtual void octets(std::string_view name, std::span<const std::byte> value) = 0;
};

/// `PUBLISH{dup:0,qos:1,...,data:"hi"}`: one line, printable characters only.
class text_sink final : public field_sink {
public:
    void type(std::string_view name) override;
    void number(std::string_view name, std::uint64_t value) override;
    void flag(std::string_view name, bool value) override;
    void code(std::string_view name, std::uint64_t value, std::string_view meaning) override;
    void text(std::string_view name, std::string_view value) override;
    void octets(std::string_view name, std::span<const std::byte> value) override;
    /// The finished line.
    std::string str() const;

private:
    void key(std::string_view name);
    std::string type_;
    std::string fields_;
};

/// `{"type":"PUBLISH","dup":false,"qos":1,...}`: one JSON object. Codes are numbers with a sibling
/// `<name>_text` key holding the meaning; octets are lower-case hex strings.
class json_sink final : public field_sink {
public:
    void type(std::string_view name) override;
    void number(std::string_view name, std::uint64_t value) override;
    void flag(std::string_view name, bool value) override;
    void code(std::string_view name, std::uint64_t value, std::string_view meaning) override;
    void text(std::string_view name, std::string_view value) override;
    void octets(std::string_view name, std::span<const std::byte> value) override;
    std::string str() const;

private:
    void key(std::string_view name);
    std::string body_;
};

/// JSON string literal with quotes; control and non-ASCII octets escaped as \u00XX.
std::string json_quote(std::string_view s);
/// Lower-case hex, no separators.
std::string to_hex(std::span<const std::byte> bytes);

} // namespace sngw::sn
