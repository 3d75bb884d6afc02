// SPDX-License-Identifier: MIT
#include "topic_registry.hpp"

#include <algorithm>

namespace sngw::core::detail {

bool is_topic_name(std::string_view name) noexcept
{
    // MQTT 5.0 §4.7.3: at least one character; §4.7.1: wildcards only in filters; §1.5.4: no U+0000.
    return !name.empty() && name.find_first_of(std::string_view("+#\0", 3)) == std::string_view::npos;
}

bool has_wildcard(std::string_view filter) noexcept
{
    return filter.find_first_of("+#") != std::string_view::npos;
}

std::string short_name(std::uint16_t topic_id)
{
    // MQTT-SN v1.2 §5.3.11: a short topic name fills the 2-octet TopicId field.
    std::string s(2, '\0');
    s[0] = static_cast<char>(topic_id >> 8);
    s[1] = static_cast<char>(topic_id & 0xFF);
    return s;
}

std::uint16_t short_name_id(std::string_view name) noexcept
{
    if (name.size() != 2) return 0;
    return static_cast<std::uint16_t>((static_cast<unsigned char>(name[0]) << 8) |
                                      static_cast<unsigned char>(name[1]));
}

predefined_table::predefined_table(const std::vector<predefined_topic>& topics)
{
    by_id_.reserve(topics.size());
    by_name_.reserve(topics.size());
    for (const auto& t : topics) {
        if (t.id == 0) continue; // §5.3.11: 0x0000 is reserved
        // A repeated id is ignored whole, so a name never maps to an id that names another topic.
        if (by_id_.try_emplace(t.id, t.name).second) by_name_.try_emplace(t.name, t.id);
    }
}

const std::string* predefined_table::name(std::uint16_t id) const noexcept
{
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second;
}

std::optional<std::uint16_t> predefined_table::id(std::string_view name) const noexcept
{
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
}

topic_registry::topic_registry(const predefined_table& predefined, std::size_t max_topics) noexcept
    : predefined_(&predefined), max_topics_(max_topics)
{}

topic_registry::entry* topic_registry::find_entry(std::uint16_t id) noexcept
{
    for (auto& e : entries_)
        if (e.id == id) return &e;
    return nullptr;
}

const topic_registry::entry* topic_registry::find_entry(std::uint16_t id) const noexcept
{
    for (const auto& e : entries_)
        if (e.id == id) return &e;
    return nullptr;
}

std::optional<std::uint16_t> topic_registry::next_free_id() noexcept
{
    // Ids count up from 1 and wrap after 65535; a predefined id (§6.7) or one in use is skipped, so
    // a normal id never collides with a predefined one in either direction.
    for (std::uint32_t tries = 0; tries < 65535; ++tries) {
        const auto id = next_id_;
        next_id_ = next_id_ == 65535 ? std::uint16_t{1} : static_cast<std::uint16_t>(next_id_ + 1);
        if (!predefined_name(id) && !find_entry(id)) return id;
    }
    return std::nullopt;
}

topic_registry::result topic_registry::register_name(std::string_view name)
{
    if (!is_topic_name(name)) return {outcome::invalid_name, 0};
    if (const auto id = find(name)) return {outcome::ok, *id};
    if (entries_.size() >= max_topics_) return {outcome::limit, 0};
    const auto id = next_free_id();
    if (!id) return {outcome::limit, 0};
    entries_.push_back(entry{*id, false, false, std::string(name)});
    return {outcome::ok, *id};
}

std::optional<std::uint16_t> topic_registry::find(std::string_view name) const noexcept
{
    for (const auto& e : entries_)
        if (e.name == name) return e.id;
    return std::nullopt;
}

const std::string* topic_registry::name_of(std::uint16_t id) const noexcept
{
    const auto* e = find_entry(id);
    return e ? &e->name : nullptr;
}

std::optional<std::string> topic_registry::resolve(sn::v1_2::topic_id_type type, std::uint16_t id) const
{
    switch (type) {
    case sn::v1_2::topic_id_type::normal:
        if (const auto* name = name_of(id)) return *name;
        return std::nullopt;
    case sn::v1_2::topic_id_type::predefined:
        if (const auto* name = predefined_name(id)) return *name;
        return std::nullopt;
    case sn::v1_2::topic_id_type::short_name:
        return short_name(id);
    }
    return std::nullopt;
}

const std::string* topic_registry::predefined_name(std::uint16_t id) const noexcept
{
    return predefined_->name(id);
}

std::optional<std::uint16_t> topic_registry::predefined_id(std::string_view name) const noexcept
{
    return predefined_->id(name);
}

bool topic_registry::announced(std::uint16_t id) const noexcept
{
    const auto* e = find_entry(id);
    return e && e->announced;
}

void topic_registry::set_announced(std::uint16_t id, bool known) noexcept
{
    if (auto* e = find_entry(id)) e->announced = known;
}

bool topic_registry::refused(std::uint16_t id) const noexcept
{
    const auto* e = find_entry(id);
    return e && e->refused;
}

void topic_registry::set_refused(std::uint16_t id, bool refused) noexcept
{
    if (auto* e = find_entry(id)) e->refused = refused;
}

void topic_registry::forget_refusals() noexcept
{
    for (auto& e : entries_)
        e.refused = false;
}

void topic_registry::forget_announcements() noexcept
{
    for (auto& e : entries_)
        e.announced = false;
}

void topic_registry::clear() noexcept
{
    entries_.clear();
    next_id_ = 1;
}

} // namespace sngw::core::detail
