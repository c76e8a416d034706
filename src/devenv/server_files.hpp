#pragma once
// File chores shared by the private servers of src/devenv/.
#include <sys/types.h>

#include <filesystem>
#include <string>

namespace postwork::devenv {

// The whole file ("" when it cannot be read).
std::string ReadTextFile(const std::filesystem::path& path);
// The end of a server's log, for an error message.
std::string ReadTail(const std::filesystem::path& file);
// Gives `dir` and everything under it to uid:gid (a server that drops root).
void ChownTree(const std::filesystem::path& dir, uid_t uid, gid_t gid);
// Replaces `path` with `text`; throws std::runtime_error when it cannot.
void WriteTextFile(const std::filesystem::path& path, const std::string& text);

}  // namespace postwork::devenv
