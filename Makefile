# postwork: the two commands a new user needs are `make run` and `make test`.
BUILD      ?= build
BUILD_ASAN ?= build-asan
GENERATOR  ?= Ninja
JOBS       ?= $(shell nproc)
CTEST_ARGS ?=

.PHONY: deps configure build run test test-unit test-asan chaos bench clean format

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/postwork dev

# Starts a private Redis and PostgreSQL, runs every test, stops the servers
# (also when a test fails).
test: build
	./$(BUILD)/postwork services -- ctest --test-dir $(BUILD) --output-on-failure -j 2 $(CTEST_ARGS)

test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -L unit

$(BUILD_ASAN)/build.ninja: | deps
	cmake -S . -B $(BUILD_ASAN) -G $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug -DPOSTWORK_SANITIZE=ON

test-asan: deps $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ./$(BUILD_ASAN)/postwork services -- ctest --test-dir $(BUILD_ASAN) --output-on-failure -j 2 $(CTEST_ARGS)

# The full chaos run (20,000 jobs); figures land in build/test-artifacts/chaos.json.
chaos: build
	POSTWORK_CHAOS_JOBS=$${POSTWORK_CHAOS_JOBS:-20000} ./$(BUILD)/tests/chaos_test

bench: build
	./$(BUILD)/postwork bench

format:
	find src include tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
