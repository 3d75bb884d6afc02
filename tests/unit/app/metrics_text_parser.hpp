// SPDX-License-Identifier: MIT
#pragma once

// A small, strict reader of the Prometheus text exposition format 0.0.4, for tests (the unit tests of
// the renderer and the integration test that scrapes a running sngw). It checks what a scraper relies
// on: every sample line is `name{labels} value`, label values correctly escaped, every family has one
// HELP and one TYPE before its samples, a family's samples are together, no series appears twice.

#include <cctype>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sngw::test {

struct prometheus_sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct prometheus_text {
    std::vector<prometheus_sample> samples;
    std::map<std::string, std::string> help; // family -> docstring (unescaped)
    std::map<std::string, std::string> type; // family -> counter, gauge, ...
    std::vector<std::string> errors;         // "line 12: ...": empty when the text is valid

    /// The value of the series `name{labels}` (exactly these labels), if present.
    std::optional<double> value(const std::string& name,
                                const std::map<std::string, std::string>& labels = {}) const
    {
        for (const auto& s : samples)
            if (s.name == name && s.labels == labels) return s.value;
        return std::nullopt;
    }

    /// The sum over every series of `name` whose labels include `match`.
    double sum(const std::string& name, const std::map<std::string, std::string>& match = {}) const
    {
        double total = 0;
        for (const auto& s : samples) {
            if (s.name != name) continue;
            bool ok = true;
            for (const auto& [k, v] : match) {
                const auto it = s.labels.find(k);
                ok = ok && it != s.labels.end() && it->second == v;
            }
            if (ok) total += s.value;
        }
        return total;
    }

    std::string describe_errors() const
    {
        std::string out;
        for (const auto& e : errors)
            out += e + "\n";
        return out;
    }
};

namespace prometheus_detail {

inline bool name_start(char c)
{
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

inline bool name_char(char c)
{
    return name_start(c) || std::isdigit(static_cast<unsigned char>(c));
}

/// A metric name at the front of `s` (consumed), or "".
inline std::string take_name(std::string_view& s, bool label_name)
{
    std::size_t n = 0;
    while (n < s.size() && (n == 0 ? name_start(s[n]) : name_char(s[n])) && !(label_name && s[n] == ':'))
        ++n;
    std::string out(s.substr(0, n));
    s.remove_prefix(n);
    return out;
}

inline std::optional<double> number(std::string_view s)
{
    if (s == "+Inf") return std::numeric_limits<double>::infinity();
    if (s == "-Inf") return -std::numeric_limits<double>::infinity();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s.empty()) return std::nullopt;
    const std::string text(s);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) return std::nullopt;
    return v;
}

} // namespace prometheus_detail

inline prometheus_text parse_prometheus(std::string_view text)
{
    using namespace prometheus_detail;
    prometheus_text out;
    std::set<std::string> series;
    std::set<std::string> finished_families; // families whose samples ended (another family began)
    std::string current_family;
    std::size_t line_no = 0;
    const auto fail = [&](const std::string& why) {
        out.errors.push_back("line " + std::to_string(line_no) + ": " + why);
    };
    if (!text.empty() && text.back() != '\n') {
        line_no = 0;
        fail("the text does not end with a line feed");
    }
    while (!text.empty()) {
        ++line_no;
        const auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.empty()) continue;
        if (line.front() == '#') {
            std::string_view rest = line.substr(1);
            if (rest.substr(0, 6) == " HELP " || rest.substr(0, 6) == " TYPE ") {
                const bool is_help = rest[1] == 'H';
                rest.remove_prefix(6);
                const auto name = take_name(rest, false);
                if (name.empty() || (!rest.empty() && rest.front() != ' ')) {
                    fail("bad metric name in a HELP/TYPE line");
                    continue;
                }
                if (!rest.empty()) rest.remove_prefix(1);
                auto& table = is_help ? out.help : out.type;
                if (table.count(name))
                    fail("second " + std::string(is_help ? "HELP" : "TYPE") + " for " + name);
                if (finished_families.count(name) || name == current_family)
                    fail("HELP/TYPE for " + name + " after its samples");
                if (is_help) {
                    std::string doc;
                    for (std::size_t i = 0; i < rest.size(); ++i) {
                        if (rest[i] == '\\' && i + 1 < rest.size() &&
                            (rest[i + 1] == '\\' || rest[i + 1] == 'n')) {
                            doc += rest[i + 1] == 'n' ? '\n' : '\\';
                            ++i;
                        } else {
                            doc += rest[i];
                        }
                    }
                    table[name] = doc;
                } else {
                    const std::string type(rest);
                    if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
                        type != "untyped")
                        fail("unknown TYPE " + type);
                    table[name] = type;
                }
            }
            continue; // other comments are allowed
        }
        prometheus_sample s;
        std::string_view rest = line;
        s.name = take_name(rest, false);
        if (s.name.empty()) {
            fail("no metric name: " + std::string(line));
            continue;
        }
        std::string key = s.name + "{";
        if (!rest.empty() && rest.front() == '{') {
            rest.remove_prefix(1);
            bool ok = true;
            while (ok && !rest.empty() && rest.front() != '}') {
                const auto label = take_name(rest, true);
                if (label.empty() || rest.substr(0, 2) != "=\"") {
                    ok = false;
                    break;
                }
                rest.remove_prefix(2);
                std::string value;
                bool closed = false;
                while (!rest.empty()) {
                    const char c = rest.front();
                    rest.remove_prefix(1);
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (c == '\\') {
                        if (rest.empty()) break;
                        const char e = rest.front();
                        rest.remove_prefix(1);
                        if (e == '\\')
                            value += '\\';
                        else if (e == '"')
                            value += '"';
                        else if (e == 'n')
                            value += '\n';
                        else {
                            ok = false;
                            break;
                        }
                    } else {
                        value += c;
                    }
                }
                if (!closed || s.labels.count(label)) ok = false;
                s.labels[label] = value;
                if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
            }
            if (!ok || rest.empty() || rest.front() != '}') {
                fail("bad labels: " + std::string(line));
                continue;
            }
            rest.remove_prefix(1);
        }
        for (const auto& [k, v] : s.labels)
            key += k + "=" + v + "\x1f";
        if (rest.empty() || rest.front() != ' ') {
            fail("no space before the value: " + std::string(line));
            continue;
        }
        rest.remove_prefix(1);
        const auto space = rest.find(' ');
        const auto v = number(rest.substr(0, space));
        if (!v) {
            fail("bad value: " + std::string(line));
            continue;
        }
        if (space != std::string_view::npos && !number(rest.substr(space + 1))) {
            fail("bad timestamp: " + std::string(line));
            continue;
        }
        s.value = *v;
        if (!out.help.count(s.name)) fail("no HELP before the samples of " + s.name);
        if (!out.type.count(s.name)) fail("no TYPE before the samples of " + s.name);
        if (s.name != current_family) {
            if (!current_family.empty()) finished_families.insert(current_family);
            if (finished_families.count(s.name)) fail("the samples of " + s.name + " are not together");
            current_family = s.name;
        }
        if (!series.insert(key).second) fail("series twice: " + std::string(line));
        out.samples.push_back(std::move(s));
    }
    return out;
}

} // namespace sngw::test
