#include "cli/app.hpp"

int main(int argc, char** argv) { return postwork::cli::Main(argc, argv); }
