#include "devenv/server_files.hpp"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace postwork::devenv {
namespace fs = std::filesystem;

std::string ReadTextFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string ReadTail(const fs::path& file) {
  std::string all = ReadTextFile(file);
  return all.size() > 600 ? all.substr(all.size() - 600) : all;
}

void ChownTree(const fs::path& dir, uid_t uid, gid_t gid) {
  if (::chown(dir.c_str(), uid, gid) != 0) {
    throw std::runtime_error("cannot chown " + dir.string());
  }
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (::lchown(entry.path().c_str(), uid, gid) != 0) {
      throw std::runtime_error("cannot chown " + entry.path().string());
    }
  }
}

void WriteTextFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace postwork::devenv
