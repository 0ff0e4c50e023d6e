# Makefile - front door: installs what is missing, then drives CMake and CTest
# SPDX-License-Identifier: MIT
#
# Each target first installs the Debian packages it needs and lacks
# (scripts/deps.sh PROFILE, as root, through sudo -n, or it prints the
# apt-get command): demo for build/demo/bench, check for check/fuzz.
#
#   make demo    install deps, build, write a real report from demo/sample
#                offline; the last line printed is the report's path
#   make check   install deps, build with ASan+UBSan into build-check/, run
#                a short fuzz of every harness (scripts/fuzz.sh --smoke),
#                then every test (ctest starts its own redis-server and
#                services)
#   make fresh   run `make demo` then `make check` as root in a clean Debian
#                12 container (only git, make and ca-certificates) on the
#                committed tree (scripts/fresh.sh; needs root or Docker)
#   make e2e-docker  build the images on a local Debian 12 base, run the
#                compose stack (deploy/compose.host.yml) against the GitHub
#                stand-in, ask it for two windows with a service killed
#                between them, tear it down (scripts/e2e-docker.sh; needs
#                root or Docker)
#   make fuzz    build the libFuzzer harnesses of fuzz/ with clang into
#                build-fuzz/ and run each for 60 s (scripts/fuzz.sh)
#   make build   RelWithDebInfo build into build/ (binaries in build/bin)
#   make bench   build, then run every build/bin/bench_*; prints each
#                figure (name: value unit) and writes bench/results.json
#   make format  clang-format --dry-run --Werror on all C sources
#   make lint    format + scripts/checksrc.sh (banned calls, file headers)
#   make tidy    clang-tidy over the sources, using build/compile_commands.json
#   make deps    only install the Debian packages that are missing (all a
#                developer needs: the check profile); deps-demo, deps-check,
#                deps-valgrind and deps-fresh install one profile
#   make clean   remove build/ and build-check/

SHELL := /bin/bash
NPROC := $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake
CTEST ?= ctest
CLANG_FORMAT ?= clang-format
CLANG_TIDY ?= clang-tidy

BUILD_DIR := build
CHECK_DIR := build-check
SRC_DIRS := common proto services tests bench
# Evaluated when a recipe uses it, so files written since make started count.
SOURCES = $(shell find $(SRC_DIRS) -type f \( -name '*.c' -o -name '*.h' \) \
                   2>/dev/null | sort)

DEPS_PROFILES := demo check valgrind fresh

.PHONY: all deps build demo check fresh e2e-docker fuzz bench format format-fix lint \
        tidy clean valgrind $(addprefix deps-,$(DEPS_PROFILES))

all: build

deps: deps-check

$(addprefix deps-,$(DEPS_PROFILES)): deps-%:
	@bash scripts/deps.sh $*

# CMake is re-run every time: the tree uses file(GLOB), so new sources and
# tests are picked up without a manual re-configure.
build: deps-demo
	$(CMAKE) -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	$(CMAKE) --build $(BUILD_DIR) -j$(NPROC)

demo: build
	@bash scripts/demo.sh

check: deps-check
	$(CMAKE) -S . -B $(CHECK_DIR) -DCMAKE_BUILD_TYPE=Debug \
	    -DDP_ASAN=ON -DDP_UBSAN=ON
	$(CMAKE) --build $(CHECK_DIR) -j$(NPROC)
	bash scripts/fuzz.sh --smoke
	$(CTEST) --test-dir $(CHECK_DIR) --output-on-failure -j2 --timeout 600

# The README's two commands in a clean Debian 12 container, on HEAD.
fresh:
	@bash scripts/fresh.sh

# The images and the compose stack, end to end, in Docker.
e2e-docker:
	@bash scripts/e2e-docker.sh

fuzz: deps-check
	bash scripts/fuzz.sh 60

# An optimized build without sanitizers (RelWithDebInfo: -O2 -g, even in a
# build/ once configured otherwise), then
# bench/run.sh: every bench_*, its figures printed and written to
# bench/results.json. BENCH_SKIP="bench_x ..." leaves some out;
# BENCH_REDIS_YEAR=1 lets bench_redis_size simulate the year (~90 s).
bench: deps-demo
	$(CMAKE) -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DDP_ASAN=OFF -DDP_UBSAN=OFF
	$(CMAKE) --build $(BUILD_DIR) -j$(NPROC)
	@bash bench/run.sh $(BUILD_DIR)/bin bench/results.json

format:
	$(CLANG_FORMAT) --dry-run --Werror $(SOURCES)

format-fix:
	$(CLANG_FORMAT) -i $(SOURCES)

lint: format
	bash scripts/checksrc.sh

tidy: build
	$(CLANG_TIDY) -p $(BUILD_DIR) --quiet $(filter %.c,$(SOURCES))

clean:
	rm -rf $(BUILD_DIR) $(CHECK_DIR)

# The end-to-end report under valgrind (a build without sanitizers).
valgrind: deps-valgrind
	$(CMAKE) -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo
	$(CMAKE) --build build-valgrind -j$(NPROC)
	bash scripts/valgrind.sh build-valgrind
