#include "app/module_loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/digest.hpp"

namespace postwork {
namespace {

std::string LoadError(const std::filesystem::path& path) {
  try {
    app::SharedModule module(path, "postwork_test", POSTWORK_MODULE_ABI("test"));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(SharedModule, AMissingFileIsAnErrorNamingItsPath) {
  auto path = std::filesystem::temp_directory_path() / "postwork-no-such-module.so";
  std::string error = LoadError(path);
  EXPECT_NE(error.find("postwork-no-such-module.so is missing"), std::string::npos) << error;
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
}

TEST(SharedModule, AFileThatIsNoLibraryIsRefused) {
  auto path = std::filesystem::temp_directory_path() / "postwork-not-a-module.so";
  std::ofstream(path) << "not an ELF file";
  std::string error = LoadError(path);
  std::filesystem::remove(path);
  EXPECT_NE(error.find("cannot be loaded"), std::string::npos) << error;
}

TEST(SharedModule, ALibraryWithoutTheAbiSymbolIsRefused) {
  // Any shared library that is no postwork module: libc's.
  std::string error = LoadError("/lib/x86_64-linux-gnu/libc.so.6");
  if (!std::filesystem::exists("/lib/x86_64-linux-gnu/libc.so.6"))
    GTEST_SKIP() << "no libc.so.6 there";
  EXPECT_NE(error.find("is from another build"), std::string::npos) << error;
  EXPECT_NE(error.find(POSTWORK_MODULE_ABI("test")), std::string::npos) << error;
}

TEST(SharedModule, TheExecutableDirectoryHoldsTheRunningBinary) {
  EXPECT_TRUE(std::filesystem::exists(app::ExecutableDirectory() / "unit_tests"));
}

TEST(Digest, KnownAnswers) {
  EXPECT_EQ(core::Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(core::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(core::Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(core::Sha256(std::string(1000, 'a')).size(), 32u);
}

}  // namespace
}  // namespace postwork
