#include "cli/app.hpp"

#include <CLI/CLI.hpp>

namespace postwork::cli {
int Main(int argc, char** argv) {
  CLI::App app{"postwork: background jobs for an email platform"};
  app.set_version_flag("--version", POSTWORK_VERSION);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
}  // namespace postwork::cli
