// SPDX-License-Identifier: MIT
// Issue #4: the UDP transport (being written).
#include <sngw/transport/datagram_transport.hpp>
