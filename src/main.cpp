#include "cli/app.hpp"
#include "core/malloc_tuning.hpp"

int main(int argc, char** argv) {
  postwork::core::KeepLargeBlocksInTheHeap();
  return postwork::cli::Main(argc, argv);
}
