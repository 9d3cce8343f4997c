#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace cxxacme {

/// Wall-clock instants, as certificates and ACME speak of them.
using TimePoint = std::chrono::system_clock::time_point;
/// Lengths of time; any `std::chrono::duration` converts to it.
using Duration = std::chrono::system_clock::duration;

/// Seconds since 1970-01-01T00:00:00Z of the earliest and the latest instant
/// read from outside (1950-01-01 and 2200-01-01).
inline constexpr std::int64_t kEarliestUnixSeconds = -631152000;
inline constexpr std::int64_t kLatestUnixSeconds = 7258118400;

/// The instant `seconds` after 1970-01-01T00:00:00Z, held to 1950..2200.
/// A TimePoint counts nanoseconds and spans only 1677..2262, while
/// certificates and servers may name any year up to 9999 (RFC 5280
/// §4.1.2.5's 99991231235959Z means "no well-defined expiration"). Instants
/// outside read as the nearer end, a range in which the difference of any two
/// and a lifetime added to either still fit.
constexpr TimePoint timePointFromUnixSeconds(std::int64_t seconds) {
    return TimePoint(std::chrono::duration_cast<Duration>(
        std::chrono::seconds(std::clamp(seconds, kEarliestUnixSeconds, kLatestUnixSeconds))));
}

}  // namespace cxxacme
