#pragma once
// JSON text into nlohmann::json, faster for the common case. Every job's queue
// entry is parsed once by the worker's fetch thread, and nlohmann's lexer takes
// about 10 ns per byte of a string (a 2 kB payload: half the worker's CPU,
// docs/benchmarks.md). The fast path copies each string in one run and checks
// UTF-8 as it goes; it accepts only what nlohmann::json would accept with the
// same value and the same number types, and hands anything else (errors,
// nesting deeper than 128, a byte-order mark, numbers out of range) to
// nlohmann::json, which has the last word. fuzz/envelope_fuzzer.cpp checks the
// two agree on every input the fast path accepts.
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

namespace postwork::core {

// Parses `text` as one JSON value into `out`. false: not taken by the fast path
// (`out` is then unspecified); it never decides that an input is invalid.
bool TryParseJsonFast(std::string_view text, nlohmann::json& out);

// The same for a JSON object whose members are wanted one by one (a job's
// envelope): the object itself is never built. For each member, in text order,
// `want(key)` says whether its value is needed; if so `take(key, value)` gets
// it (a repeated key comes again: the last wins, as in nlohmann::json). Every
// other value is checked as strictly and dropped. false: not taken by the fast
// path (not an object, or what TryParseJsonFast would not take), and `take` may
// have been called for members before the point of failure.
bool TryParseJsonMembersFast(std::string_view text,
                             const std::function<bool(std::string_view)>& want,
                             const std::function<void(std::string_view, nlohmann::json&&)>& take);

// nlohmann::json::parse(text, nullptr, false) with the fast path first: a
// discarded value when the text is not JSON.
nlohmann::json ParseJson(std::string_view text);

// value.dump(-1, ' ', false, handler), byte for byte, faster for long strings:
// nlohmann writes a string one character at a time, a third of a producer's
// CPU per 2 kB payload (docs/benchmarks.md). Plain runs are appended whole and
// UTF-8 is checked as it goes; a string that is not valid UTF-8, or a binary
// value, goes to nlohmann::json, whose handler decides (strict: it throws).
std::string DumpJson(const nlohmann::json& value, nlohmann::json::error_handler_t handler =
                                                      nlohmann::json::error_handler_t::strict);

}  // namespace postwork::core
