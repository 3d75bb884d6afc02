// SPDX-License-Identifier: MIT
// Boost.JSON's implementation, compiled once for the control library (and whoever links it):
// header-only use, from libboost1.81-dev, no compiled Boost.JSON library needed.
#include <boost/json/src.hpp>
