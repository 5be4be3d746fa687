# The two commands: `make run` and `make test`. Both install what they need first.
JOBS      ?= 2
RELEASE   := build/release
TESTBUILD := build/asan
TSANBUILD := build/tsan
CLANGBUILD:= build/clang
FUZZBUILD := build/fuzz
BENCHBUILD:= build/bench
FUZZ_SECONDS ?= 30
TSANTESTS := engine_test scan_cli_test scan_rules_cli_test store_test vault_storage_test \
             vault_lifecycle_test server_test identity_test ingest_test prefetch_test outbox_test monitor_test \
             pipeline_test delivery_test
space := $(subst ,, )

.PHONY: all setup build run test unit tsan clang fuzz fuzz-build bench format format-check clean

all: build

setup:
	@scripts/setup

$(RELEASE)/build.ninja:
	cmake -S . -B $(RELEASE) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAILWATCH_BUILD_TESTS=OFF

build: setup $(RELEASE)/build.ninja
	cmake --build $(RELEASE) -j $(JOBS)

# The main job on embedded defaults: `trailwatch demo` starts the whole stack on a temporary
# data dir, makes real signed calls (an allowed reader, a denied intruder, a burst) and prints
# each alert as it arrives. `make run ARGS=--keep` leaves it running.
run: build
	$(RELEASE)/src/app/trailwatch demo $(ARGS)

$(TESTBUILD)/build.ninja:
	cmake -S . -B $(TESTBUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DTRAILWATCH_SANITIZE="address;undefined" -DCMAKE_CXX_FLAGS_DEBUG="-g -O1"

unit: setup $(TESTBUILD)/build.ninja
	cmake --build $(TESTBUILD) -j $(JOBS)
	cd $(TESTBUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# ThreadSanitizer over the tests of threaded code: the scan engine and command, the store's
# group-commit writer, the vault, the HTTP server and the identity cache.
$(TSANBUILD)/build.ninja:
	cmake -S . -B $(TSANBUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DTRAILWATCH_SANITIZE=thread -DCMAKE_CXX_FLAGS_DEBUG="-g -O1"

tsan: setup $(TSANBUILD)/build.ninja
	cmake --build $(TSANBUILD) -j $(JOBS) --target trailwatch $(TSANTESTS)
	cd $(TSANBUILD) && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -R '^($(subst $(space),|,$(TSANTESTS)))$$'

# Everything (tests and benchmarks too) must also build warning-free with clang 14.
$(CLANGBUILD)/build.ninja:
	CXX=clang++ cmake -S . -B $(CLANGBUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DTRAILWATCH_BUILD_BENCHMARKS=ON

clang: setup $(CLANGBUILD)/build.ninja
	cmake --build $(CLANGBUILD) -j $(JOBS)
	cd $(CLANGBUILD) && ctest --output-on-failure -j $(JOBS)

test: unit tsan clang format-check

$(FUZZBUILD)/build.ninja:
	CXX=clang++ cmake -S . -B $(FUZZBUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DTRAILWATCH_BUILD_TESTS=OFF -DTRAILWATCH_BUILD_FUZZERS=ON \
	  -DTRAILWATCH_SANITIZE="address;undefined"

fuzz-build: setup $(FUZZBUILD)/build.ninja
	cmake --build $(FUZZBUILD) -j $(JOBS)

# A short run of every fuzz target over its seed corpus (FUZZ_SECONDS each).
fuzz: fuzz-build
	scripts/fuzz $(FUZZBUILD) $(FUZZ_SECONDS)

$(BENCHBUILD)/build.ninja:
	cmake -S . -B $(BENCHBUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DTRAILWATCH_BUILD_TESTS=OFF -DTRAILWATCH_BUILD_BENCHMARKS=ON

bench: setup
	scripts/bench pattern
	scripts/bench scan

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	@git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build
