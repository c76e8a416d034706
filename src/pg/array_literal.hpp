#pragma once
// A PostgreSQL array literal ({"a","b",NULL}) built element by element. A
// batch travels as one such text parameter per column, cast in SQL
// ($1::text[], $2::bigint[]) and zipped with unnest(): PostgreSQL parses it
// several times faster than the same rows as one JSON document (measured in
// docs/benchmarks.md), and the worker builds it without a JSON tree per row.
#include <cstdint>
#include <string>
#include <string_view>

namespace postwork::pg {

class ArrayLiteral {
 public:
  ArrayLiteral() { text_.push_back('{'); }

  // Quoted and escaped. A NUL byte (PostgreSQL text cannot hold one) becomes U+FFFD.
  ArrayLiteral& Add(std::string_view value);
  ArrayLiteral& Add(int64_t value);
  ArrayLiteral& AddNull();
  // NULL for an empty string.
  ArrayLiteral& AddOrNull(std::string_view value) { return value.empty() ? AddNull() : Add(value); }

  size_t size() const { return size_; }
  // The literal; the builder is empty afterwards.
  std::string Take();

 private:
  void Separator();

  std::string text_;
  size_t size_ = 0;
};

// Rows for COPY ... FROM STDIN in PostgreSQL's text format: fields separated
// by tabs, rows ended by a newline, NULL as \N. Loading a batch this way skips
// the array parsing and per-row projection of INSERT ... SELECT FROM unnest(),
// and PostgreSQL writes the heap tuples in multi-row WAL records.
class CopyRows {
 public:
  // Escaped (backslash, tab, newline, carriage return). A NUL byte becomes U+FFFD.
  CopyRows& Add(std::string_view value);
  CopyRows& Add(int64_t value);
  CopyRows& AddNull();
  // NULL for an empty string.
  CopyRows& AddOrNull(std::string_view value) { return value.empty() ? AddNull() : Add(value); }
  // Ends the current row.
  CopyRows& EndRow();

  size_t rows() const { return rows_; }
  const std::string& text() const { return text_; }

 private:
  void Separator();

  std::string text_;
  size_t rows_ = 0;
  bool row_open_ = false;
};

// A time in milliseconds since the epoch as timestamptz input text, UTC
// ("2026-12-07 10:35:00.123+00").
std::string TimestampText(int64_t epoch_ms);

// JSON text for a jsonb column: jsonb cannot hold U+0000, so an escaped NUL
// becomes U+FFFD (the text stays, visibly).
std::string JsonbText(std::string json_text);

}  // namespace postwork::pg
