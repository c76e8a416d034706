# postwork: the two commands a new user needs are `make run` and `make test`.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
BUILD_TSAN ?= build-tsan
FUZZ_SECONDS ?= 300
GENERATOR  ?= Ninja
JOBS       ?= $(shell nproc)
CTEST_ARGS ?=

.PHONY: deps configure build run test test-unit test-asan test-tsan fuzz-build fuzz fuzz-ci leakcheck \
        chaos partition bench clean format

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

# libFuzzer targets (fuzz/), built with clang in their own folder; the main
# build stays gcc. `make fuzz` runs each FUZZ_SECONDS (300), CI 30 s each.
$(BUILD_FUZZ)/build.ninja: | deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -G $(GENERATOR) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOSTWORK_FUZZ=ON -DPOSTWORK_TESTS=OFF

fuzz-build: deps $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzzers

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(BUILD_FUZZ)

fuzz-ci: fuzz-build
	FUZZ_SECONDS=30 scripts/fuzz.sh $(BUILD_FUZZ)

# ThreadSanitizer on the engine's concurrency tests: the unit tests and the
# engine and worker-process integration tests, whose workers are the TSan-built
# postwork binary. Every process writes its reports to $(BUILD_TSAN)/tsan-reports/
# (a worker's report would not fail the test that started it): any file there
# fails the target.
$(BUILD_TSAN)/build.ninja: | deps
	cmake -S . -B $(BUILD_TSAN) -G $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOSTWORK_TSAN=ON

TSAN_TESTS ?= ^(unit|engine_test|worker_process_test)$$
test-tsan: deps $(BUILD_TSAN)/build.ninja
	cmake --build $(BUILD_TSAN) -j $(JOBS) --target postwork unit_tests engine_test worker_process_test
	rm -rf $(BUILD_TSAN)/tsan-reports && mkdir -p $(BUILD_TSAN)/tsan-reports
	TSAN_OPTIONS="second_deadlock_stack=1 log_path=$(CURDIR)/$(BUILD_TSAN)/tsan-reports/tsan \
	  suppressions=$(CURDIR)/scripts/tsan.supp" ./$(BUILD_TSAN)/postwork services -- \
	  ctest --test-dir $(BUILD_TSAN) --output-on-failure -j 2 -R '$(TSAN_TESTS)' $(CTEST_ARGS); \
	rc=$$?; if ls $(BUILD_TSAN)/tsan-reports/tsan.* >/dev/null 2>&1; then \
	  head -n 80 $(BUILD_TSAN)/tsan-reports/tsan.*; \
	  echo "test-tsan: ThreadSanitizer reports in $(BUILD_TSAN)/tsan-reports/"; exit 1; fi; exit $$rc

# LeakSanitizer over a 100,000-job run of an ASan-built worker (LEAKCHECK_JOBS).
leakcheck: deps $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS) --target postwork
	scripts/leakcheck.sh $(BUILD_ASAN)

# The full chaos run (20,000 jobs); figures land in build/test-artifacts/chaos.json.
chaos: build
	POSTWORK_CHAOS_JOBS=$${POSTWORK_CHAOS_JOBS:-20000} ./$(BUILD)/tests/chaos_test

# Network partitions and the three-host drain at full size (10,000 jobs);
# needs root for network namespaces (skipped otherwise). make test runs 3,000.
partition: build
	POSTWORK_PARTITION_JOBS=$${POSTWORK_PARTITION_JOBS:-10000} ./$(BUILD)/tests/partition_test

bench: build
	./$(BUILD)/postwork bench

format:
	find src include tests bench fuzz -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) $(BUILD_TSAN)
