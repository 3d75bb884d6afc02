// SPDX-License-Identifier: MIT
#pragma once

// Internal to the core: one sensor's topic ids (MQTT-SN v1.2 §6.5, §6.7, §7.3). Not installed.

#include <sngw/core/config.hpp>
#include <sngw/sn/v1_2/messages.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sngw::core::detail {

/// True for an MQTT Topic Name a sensor may publish to or register: not empty, no wildcard, no NUL
/// (MQTT 5.0 §4.7.3, §1.5.4; UTF-8 is checked by the MQTT-SN decoder).
bool is_topic_name(std::string_view name) noexcept;
/// True if a topic filter holds '+' or '#' (MQTT 5.0 §4.7.1).
bool has_wildcard(std::string_view filter) noexcept;

/// The two characters of a short topic name (§6.7) carried in a TopicId field, first in the high
/// octet, and back. short_name_id needs exactly 2 octets.
std::string short_name(std::uint16_t topic_id);
std::uint16_t short_name_id(std::string_view name) noexcept;

/// config::predefined_topics (MQTT-SN v1.2 §6.7) as two hash maps, built once by the gateway and
/// shared by reference with every client: each PUBLISH looks one up. Id 0 is never valid (§5.3.11
/// reserves it); a repeated id or name keeps its first entry.
class predefined_table {
public:
    explicit predefined_table(const std::vector<predefined_topic>& topics);

    /// The name of predefined id `id`, or nullptr.
    const std::string* name(std::uint16_t id) const noexcept;
    /// The predefined id of `name`, if it has one.
    std::optional<std::uint16_t> id(std::string_view name) const noexcept;
    std::size_t size() const noexcept { return by_id_.size(); }

private:
    struct name_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::uint16_t, std::string> by_id_;
    std::unordered_map<std::string, std::uint16_t, name_hash, std::equal_to<>> by_name_;
};

/// One sensor's topic ids, per client as §7.3 recommends (never a shared pool).
///
/// - Normal ids (TopicIdType 0b00) are assigned here, from 1 upward, skipping the predefined ids,
///   for REGISTER from the sensor, SUBSCRIBE by name, and broker messages on topics the sensor has
///   no id for (the gateway then REGISTERs them, §6.10). The same name always gets the same id. At
///   most `max_topics` of them (config::max_topics_per_client).
/// - Predefined ids (0b01) come from config::predefined_topics and are valid for every sensor.
/// - Short names (0b10) need no table.
///
/// Each normal id remembers whether the sensor has been told about it on this connection
/// (REGACK/SUBACK it got, or a REGISTER of ours it accepted), and whether it refused our REGISTER
/// (§6.10: that reads as an unsubscribe from that name).
/// Holds a reference to the predefined table: it must outlive the registry (the gateway's).
/// Normal ids are looked up linearly: a sensor has a handful of topics, and 10,000 sensors must
/// stay small.
class topic_registry {
public:
    enum class outcome : std::uint8_t { ok, limit, invalid_name };
    struct result {
        outcome status = outcome::ok;
        std::uint16_t id = 0;
    };

    topic_registry(const predefined_table& predefined, std::size_t max_topics) noexcept;

    /// The id of `name` (normal), assigning one if needed.
    result register_name(std::string_view name);
    /// The normal id of `name`, if it has one.
    std::optional<std::uint16_t> find(std::string_view name) const noexcept;
    /// The name of normal id `id`, or nullptr.
    const std::string* name_of(std::uint16_t id) const noexcept;

    /// The name behind a TopicId field as a sensor's PUBLISH uses it (§5.3.11): a normal id of this
    /// registry, a predefined id, or a short name. None when unknown.
    std::optional<std::string> resolve(sn::v1_2::topic_id_type type, std::uint16_t id) const;

    const std::string* predefined_name(std::uint16_t id) const noexcept;
    std::optional<std::uint16_t> predefined_id(std::string_view name) const noexcept;

    /// Whether the sensor knows normal id `id` (told by REGACK, SUBACK or our REGISTER).
    bool announced(std::uint16_t id) const noexcept;
    void set_announced(std::uint16_t id, bool known) noexcept;
    /// The sensor refused our REGISTER for it (REGACK 0x02/0x03): its messages are not delivered.
    bool refused(std::uint16_t id) const noexcept;
    void set_refused(std::uint16_t id, bool refused) noexcept;
    /// A new connection: refusals are forgotten (the sensor may accept now).
    void forget_refusals() noexcept;

    /// A CONNECT without CleanSession (§6.5, §6.10): the sensor may have lost its table, so every
    /// normal id is REGISTERed again before its next use (same id).
    void forget_announcements() noexcept;

    /// CleanSession (§6.3): every normal id goes.
    void clear() noexcept;
    std::size_t size() const noexcept { return entries_.size(); }

private:
    struct entry {
        std::uint16_t id = 0;
        bool announced = false;
        bool refused = false;
        std::string name;
    };
    entry* find_entry(std::uint16_t id) noexcept;
    const entry* find_entry(std::uint16_t id) const noexcept;
    std::optional<std::uint16_t> next_free_id() noexcept;

    const predefined_table* predefined_;
    std::size_t max_topics_;
    std::uint16_t next_id_ = 1;
    std::vector<entry> entries_;
};

} // namespace sngw::core::detail
