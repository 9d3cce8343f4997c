#pragma once

#include <chrono>

namespace cxxacme {

/// Wall-clock instants, as certificates and ACME speak of them.
using TimePoint = std::chrono::system_clock::time_point;
/// Lengths of time; any `std::chrono::duration` converts to it.
using Duration = std::chrono::system_clock::duration;

}  // namespace cxxacme
