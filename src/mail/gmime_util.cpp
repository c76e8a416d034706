#include "mail/gmime_util.hpp"

#include <mutex>

namespace postwork::mail::gmime {
namespace {

std::string DrainMemStream(GMimeStream* stream) {
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

}  // namespace

void EnsureInit() {
  static std::once_flag once;
  // Never paired with g_mime_shutdown(): other threads may still be using GMime
  // while the process exits.
  std::call_once(once, [] { g_mime_init(); });
}

std::string TakeString(char* s) {
  CString owned(s);
  return Str(owned.get());
}

std::string PartContentBytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return {};
  Ptr<GMimeStream> stream(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, stream.get());
  return DrainMemStream(stream.get());
}

std::string Serialize(GMimeObject* object, GMimeFormatOptions* options) {
  Ptr<GMimeStream> stream(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, options, stream.get());
  return DrainMemStream(stream.get());
}

}  // namespace postwork::mail::gmime
