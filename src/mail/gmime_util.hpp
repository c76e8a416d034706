#pragma once
// RAII and setup helpers for GMime 3 / GLib handles, shared by the builder and
// the parser.
#include <gmime/gmime.h>

#include <memory>
#include <string>

namespace postwork::mail::gmime {

// Initializes GMime once per process (thread-safe). Every entry point calls it.
void EnsureInit();

struct GObjectUnref {
  void operator()(gpointer p) const noexcept {
    if (p != nullptr) g_object_unref(p);
  }
};
template <class T>
using Ptr = std::unique_ptr<T, GObjectUnref>;

struct GFreeDeleter {
  void operator()(gpointer p) const noexcept { g_free(p); }
};
using CString = std::unique_ptr<char, GFreeDeleter>;

struct DateTimeUnref {
  void operator()(GDateTime* p) const noexcept {
    if (p != nullptr) g_date_time_unref(p);
  }
};
using DateTime = std::unique_ptr<GDateTime, DateTimeUnref>;

struct FormatOptionsFree {
  void operator()(GMimeFormatOptions* p) const noexcept {
    if (p != nullptr) g_mime_format_options_free(p);
  }
};
using FormatOptions = std::unique_ptr<GMimeFormatOptions, FormatOptionsFree>;

struct ReferencesFree {
  void operator()(GMimeReferences* p) const noexcept {
    if (p != nullptr) g_mime_references_free(p);
  }
};
using References = std::unique_ptr<GMimeReferences, ReferencesFree>;

// A g_free'd C string as std::string ("" for null).
std::string TakeString(char* s);
// A borrowed C string as std::string ("" for null).
inline std::string Str(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

// Writes the (transfer-decoded) content of a leaf part as raw bytes.
std::string PartContentBytes(GMimePart* part);
// Serializes any object with the given options (default: as parsed).
std::string Serialize(GMimeObject* object, GMimeFormatOptions* options);

}  // namespace postwork::mail::gmime
