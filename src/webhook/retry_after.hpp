#pragma once

// Parsing of the HTTP Retry-After response header (RFC 9110 section 10.2.3).

#include <chrono>
#include <optional>
#include <string_view>

namespace postwork::webhook {

// Longest delay reported. Larger values are clamped rather than dropped (the
// receiver clearly wants a long pause) and the bound keeps `now + delay`
// far from overflowing a nanosecond time_point.
inline constexpr std::chrono::seconds kMaxRetryAfter = std::chrono::hours(24 * 365);

// `value` is either delta-seconds ("120") or an HTTP-date in any of the three
// formats HTTP allows (IMF-fixdate, RFC 850, asctime). Returns the delay from
// `now`: zero for a date in the past, nullopt when the value is neither form.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now);

}  // namespace postwork::webhook
