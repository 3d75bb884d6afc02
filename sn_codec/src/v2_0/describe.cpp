// SPDX-License-Identifier: MIT
// PLACEHOLDER
#include <sngw/sn/v2_0/codec.hpp>
#include <ostream>
namespace sngw::sn::v2_0 {
std::string_view type_name(const message&) noexcept { return "PLACEHOLDER"; }
void visit_fields(const message& m, field_sink& sink) { sink.type(type_name(m)); }
std::ostream& operator<<(std::ostream& os, const message& m) { text_sink s; visit_fields(m, s); return os << s.str(); }
std::string to_json(const message& m) { json_sink s; visit_fields(m, s); return s.str(); }
}
