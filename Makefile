# The front door. `make run` builds everything and starts mailprobe;
# `make test` builds everything and runs every suite; `make package` builds
# the .deb and the npm package into $(BUILD)/packages. All install missing
# Debian packages first (as root; otherwise they print the apt-get line).
BUILD      ?= build
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
ifdef CI
CMAKE_ARGS += -DMP_WERROR=ON
endif
export NODE_PATH := /usr/share/nodejs

.PHONY: all deps test-deps package-deps build run package test test-native test-asan test-fuzz bench clean

all: build

deps:
	@tools/install-deps.sh build

test-deps:
	@tools/install-deps.sh test

package-deps:
	@tools/install-deps.sh package

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@tools/run.sh $(BUILD)

# mailprobe_<version>_<arch>.deb (CPack + dpkg-shlibdeps) and
# mailprobe-mailcheck-<version>.tgz (npm pack); see packaging/CMakeLists.txt.
package: build package-deps
	cmake --build $(BUILD) --target packages
	@ls -1 $(BUILD)/packages/*.deb $(BUILD)/packages/*.tgz

# Every suite: the full build under ctest, the unit tests again under
# ASan+UBSan, and the fuzzers for a bounded time.
test: test-deps test-native test-asan test-fuzz

test-native: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: test-deps
	cmake -S . -B $(BUILD)-asan -DMP_SANITIZE=ON -DMP_BUILD_WASM=OFF -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)
	cmake --build $(BUILD)-asan -j $(JOBS)
	ctest --test-dir $(BUILD)-asan --output-on-failure -j $(JOBS) -L 'unit|cli|integration'

FUZZ_SECONDS ?= 60
test-fuzz: test-deps
	CC=clang cmake -S . -B $(BUILD)-fuzz -DMP_BUILD_FUZZ=ON -DMP_BUILD_WASM=OFF -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)
	cmake --build $(BUILD)-fuzz -j $(JOBS)
	MP_FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --test-dir $(BUILD)-fuzz --output-on-failure -L fuzz

bench: build
	bench/run-all.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz
