// SPDX-License-Identifier: MIT
// How failed CHECKs print MQTT 5 values: packets through operator<<, results as the value or the
// error message (Boost's own operator<< for result needs a printable value; byte vectors are not).
#pragma once

#include <sngw/mqtt5/io.hpp>

#include <boost/system/result.hpp>

#include <doctest/doctest.h>

#include <sstream>

namespace doctest {

template <class T> struct StringMaker<boost::system::result<T>> {
    static String convert(const boost::system::result<T>& r)
    {
        if (!r) return ("error: " + r.error().message()).c_str();
        if constexpr (requires(std::ostream & os) { os << *r; }) {
            std::ostringstream os;
            os << *r;
            return os.str().c_str();
        } else {
            return "ok";
        }
    }
};

} // namespace doctest
