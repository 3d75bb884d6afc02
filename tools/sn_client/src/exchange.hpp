// SPDX-License-Identifier: MIT
// The request/answer machinery the v1.2 and v2.0 clients share: the bounded inbox of messages that
// came while an answer was awaited, the wait for a matching answer, and the resend loop. The
// version-specific parts (what a stray message does, how a resend is marked DUP) are hooks.
#pragma once

#include <sngw/sn_client/errc.hpp>

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace sngw::sn_client::detail {

/// Queues `m`; past `max` the oldest messages are dropped (and counted).
template <class Message>
void push_bounded(std::deque<Message>& inbox, Message m, std::size_t max, std::uint64_t& dropped)
{
    inbox.push_back(std::move(m));
    while (inbox.size() > max && !inbox.empty()) {
        inbox.pop_front();
        ++dropped;
    }
}

/// The oldest queued message, else one received: `receive_one()` gives
/// result<optional<Message>>, nothing meaning the deadline passed.
template <class Message, class ReceiveOne>
boost::system::result<Message> next_message(std::deque<Message>& inbox, ReceiveOne&& receive_one)
{
    if (!inbox.empty()) {
        Message m = std::move(inbox.front());
        inbox.pop_front();
        return m;
    }
    auto got = receive_one();
    if (!got) return got.error();
    if (!*got) return make_error_code(errc::timeout);
    return std::move(**got);
}

/// The first message `matches` accepts: a queued one (oldest first), else the next received.
/// Every other message goes to `stray`, which returns an error code to end the wait with (a
/// DISCONNECT) or an empty one to keep waiting.
template <class Message, class Predicate, class ReceiveOne, class Stray>
boost::system::result<Message> await_match(std::deque<Message>& inbox, const Predicate& matches,
                                           ReceiveOne&& receive_one, Stray&& stray)
{
    for (auto it = inbox.begin(); it != inbox.end(); ++it) {
        if (matches(*it)) {
            Message m = std::move(*it);
            inbox.erase(it);
            return m;
        }
    }
    for (;;) {
        auto got = receive_one();
        if (!got) return got.error();
        if (!*got) return make_error_code(errc::timeout);
        if (matches(**got)) return std::move(**got);
        if (auto ended = stray(std::move(**got)); ended) return ended;
    }
}

/// Sends `request` and awaits the answer; after a timeout it is re-sent, marked by `set_dup`, up
/// to `retries` times. `transmissions` (if given) gets the number of sends.
template <class Message, class Send, class Await, class SetDup>
boost::system::result<Message> exchange_loop(Message request, unsigned retries, unsigned* transmissions,
                                             std::uint64_t& retransmissions, Send&& send,
                                             Await&& await_answer, SetDup&& set_dup)
{
    for (unsigned attempt = 0;; ++attempt) {
        if (attempt > 0) {
            set_dup(request);
            ++retransmissions;
        }
        if (auto sent = send(request); !sent) return sent.error();
        if (transmissions) *transmissions = attempt + 1;
        auto answer = await_answer();
        if (answer || answer.error() != errc::timeout || attempt >= retries) return answer;
    }
}

} // namespace sngw::sn_client::detail
