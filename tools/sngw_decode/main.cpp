// SPDX-License-Identifier: MIT
// sngw-decode: reads MQTT-SN packets as hex and prints each decoded on one line.
#include <sngw/sn/classify.hpp>
#include <sngw/sn/describe.hpp>
#include <sngw/sn/v1_2/codec.hpp>
#include <sngw/sn/v2_0/codec.hpp>

#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace po = boost::program_options;
using namespace sngw;

namespace {

enum class version_choice { v1_2, v2_0, automatic };

struct options {
    version_choice version = version_choice::automatic;
    bool json = false;
};

/// Hex digits with optional separators (spaces, ':', '-', ',') and an optional 0x prefix per
/// octet group, so that captures pasted from Wireshark or a serial monitor work as they are.
std::optional<std::vector<std::byte>> parse_hex(std::string_view text)
{
    std::vector<std::byte> out;
    int high = -1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == ':' || c == '-' || c == ',' || c == '\r')
            continue;
        if (c == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X') && high < 0) {
            ++i;
            continue;
        }
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        if (v < 0)
            return std::nullopt;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::byte>(high * 16 + v));
            high = -1;
        }
    }
    if (high >= 0)
        return std::nullopt;
    return out;
}

/// The packet inside a forwarder or connection encapsulation (both versions name it `message`),
/// or nullptr. The codec has already checked that it decodes.
template <class Message>
const std::vector<std::byte>* encapsulated_packet(const Message& m)
{
    return std::visit(
        [](const auto& msg) -> const std::vector<std::byte>* {
            if constexpr (requires { msg.message; })
                return &msg.message;
            else
                return nullptr;
        },
        m);
}

std::string describe_bytes(std::span<const std::byte> bytes, bool json, sn::protocol_version preferred);

/// One packet and, for encapsulations, the packet inside: `ENCAPSULATED{...} => PINGREQ{...}` /
/// `{"type":"ENCAPSULATED",...,"inner":{"type":"PINGREQ",...}}`. Functions found by ADL in the
/// message's version namespace.
template <class Message>
std::string describe(const Message& m, bool json, sn::protocol_version version)
{
    std::ostringstream text;
    std::string out = json ? to_json(m) : (text << m, text.str());
    if (const auto* inner = encapsulated_packet(m)) {
        const std::string inner_text = describe_bytes(*inner, json, version);
        if (json)
            out.insert(out.size() - 1, ",\"inner\":" + inner_text);
        else
            out += " => " + inner_text;
    }
    return out;
}

/// The packet inside an encapsulation: a forwarder's node may speak either version, so the
/// outer packet's version is tried first, then the other one (named, then, in the output).
std::string describe_bytes(std::span<const std::byte> bytes, bool json, sn::protocol_version preferred)
{
    const auto other = preferred == sn::protocol_version::v1_2 ? sn::protocol_version::v2_0
                                                               : sn::protocol_version::v1_2;
    for (const auto v : {preferred, other}) {
        std::string out;
        if (v == sn::protocol_version::v1_2) {
            if (auto m = sn::v1_2::decode(bytes))
                out = describe(*m, json, v);
        } else if (auto m = sn::v2_0::decode(bytes)) {
            out = describe(*m, json, v);
        }
        if (out.empty())
            continue;
        if (v == preferred)
            return out;
        if (json) {
            out.insert(out.size() - 1, ",\"sn_version\":\"" + std::string(sn::to_string(v)) + "\"");
            return out;
        }
        return 'v' + std::string(sn::to_string(v)) + ' ' + out;
    }
    return json ? "{\"error\":\"does not decode\"}" : "(does not decode)";
}

template <class Message>
std::string render(const Message& m, bool json, sn::protocol_version v, bool ambiguous)
{
    std::string out = describe(m, json, v);
    if (!json) {
        out = 'v' + std::string(sn::to_string(v)) + ' ' + out;
        if (ambiguous)
            out += " (ambiguous without a session; pass --sn-version to choose)";
        return out;
    }
    // The version (and the ambiguity) become keys of the same object.
    std::string extra = ",\"sn_version\":\"" + std::string(sn::to_string(v)) + "\"";
    if (ambiguous)
        extra += ",\"ambiguous\":true";
    out.insert(out.size() - 1, extra);
    return out;
}

std::string render_error(const std::string& what, std::string_view input, bool json)
{
    if (json)
        return "{\"error\":" + sn::json_quote(what) + ",\"input\":" + sn::json_quote(input) + "}";
    return "error: " + what + " (input " + std::string(input) + ")";
}

/// Decodes one packet. Returns the line to print and whether it decoded.
std::pair<std::string, bool> decode_line(std::string_view input, const options& opt)
{
    const auto bytes = parse_hex(input);
    if (!bytes)
        return {render_error("not a hex string", input, opt.json), false};

    auto as_v1 = [&](bool ambiguous) -> std::pair<std::string, bool> {
        auto m = sn::v1_2::decode(*bytes);
        if (!m)
            return {render_error("v1.2: " + m.error().message(), input, opt.json), false};
        return {render(*m, opt.json, sn::protocol_version::v1_2, ambiguous), true};
    };
    auto as_v2 = [&](bool ambiguous) -> std::pair<std::string, bool> {
        auto m = sn::v2_0::decode(*bytes);
        if (!m)
            return {render_error("v2.0: " + m.error().message(), input, opt.json), false};
        return {render(*m, opt.json, sn::protocol_version::v2_0, ambiguous), true};
    };

    switch (opt.version) {
    case version_choice::v1_2: return as_v1(false);
    case version_choice::v2_0: return as_v2(false);
    case version_choice::automatic: break;
    }
    // design.md §2: the first-contact rules decide where they can.
    if (const auto contact = sn::classify_first_contact(*bytes); contact.version)
        return *contact.version == sn::protocol_version::v1_2 ? as_v1(false) : as_v2(false);
    // Otherwise the packet belongs to a session whose version we do not know: take the version
    // that decodes it, and say so when both do.
    const bool v1_ok = sn::v1_2::decode(*bytes).has_value();
    const bool v2_ok = sn::v2_0::decode(*bytes).has_value();
    if (v1_ok && v2_ok)
        return as_v1(true);
    if (v2_ok)
        return as_v2(false);
    if (v1_ok)
        return as_v1(false);
    const auto e1 = sn::v1_2::decode(*bytes).error().message();
    const auto e2 = sn::v2_0::decode(*bytes).error().message();
    return {render_error("v1.2: " + e1 + "; v2.0: " + e2, input, opt.json), false};
}

bool is_blank_or_comment(std::string_view line)
{
    const auto first = line.find_first_not_of(" \t\r");
    return first == std::string_view::npos || line[first] == '#';
}

} // namespace

int main(int argc, char** argv)
{
    options opt;
    std::string version = "auto";
    std::vector<std::string> packets;

    po::options_description visible(
        "Usage: sngw-decode [OPTIONS] [HEX ...]\n"
        "Decodes MQTT-SN packets given as hex and prints each on one line. One packet per\n"
        "argument (arguments that are all single octets form one packet), or one per line\n"
        "on stdin when there are no arguments ('#' starts a comment line).\n"
        "Exit status: 0 all decoded, 1 a packet was malformed, 2 bad options.\n\nOptions");
    visible.add_options()
        ("help,h", "show this help")
        ("sn-version,V", po::value(&version)->default_value("auto"),
         "1.2, 2.0 or auto (auto: the gateway's first-contact rules, then whichever version decodes)")
        ("json,j", po::bool_switch(&opt.json), "one JSON object per line, with a \"type\" key");
    po::options_description hidden;
    hidden.add_options()("packet", po::value(&packets));
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description positional;
    positional.add("packet", -1);

    try {
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << visible << "\nExamples:\n"
                      << "  sngw-decode 04 0E 04 8B\n"
                      << "  sngw-decode --sn-version 1.2 --json '09 0c 20 00 01 00 02 68 69'\n"
                      << "  printf '02 16\\n03 01 00\\n' | sngw-decode\n";
            return 0;
        }
        if (version == "1.2")
            opt.version = version_choice::v1_2;
        else if (version == "2.0")
            opt.version = version_choice::v2_0;
        else if (version != "auto")
            throw po::error("--sn-version must be 1.2, 2.0 or auto");
    } catch (const po::error& e) {
        std::cerr << "sngw-decode: " << e.what() << "\n" << visible;
        return 2;
    }

    bool all_ok = true;
    auto handle = [&](std::string_view input) {
        const auto [line, ok] = decode_line(input, opt);
        std::cout << line << '\n';
        all_ok = all_ok && ok;
    };
    if (!packets.empty()) {
        // Each argument is one packet, except when every argument is a single octet:
        // `sngw-decode 04 0E 04 8B` is one packet, `sngw-decode 020e 0316` two.
        bool single_octets = true;
        for (const auto& p : packets) {
            const auto b = parse_hex(p);
            single_octets = single_octets && b && b->size() == 1;
        }
        if (single_octets) {
            std::string joined;
            for (const auto& p : packets)
                joined += (joined.empty() ? "" : " ") + p;
            handle(joined);
        } else {
            for (const auto& p : packets)
                handle(p);
        }
    } else {
        std::string line;
        while (std::getline(std::cin, line))
            if (!is_blank_or_comment(line))
                handle(line);
    }
    return all_ok ? 0 : 1;
}
