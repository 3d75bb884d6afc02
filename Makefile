# SPDX-License-Identifier: MIT
# Thin wrapper: the two set-up commands of the README, and the pieces they are made of.
#   make test   install what is missing, build (g++ -Werror, clang ASan/UBSan), run every test
#   make build  g++ build only          make fuzz   libFuzzer build (clang), FUZZ_SECONDS per target
#   make run    build sngw, start a private mosquitto on 127.0.0.1:1883 unless a broker answers at
#               --broker, run sngw in the foreground with RUN_ARGS
#   make package      the Debian package build/sngw_<version>_<arch>.deb (CPack)
#   make arm64        cross build for arm64 (Raspberry Pi OS 64-bit) in build-arm64/, installing the
#                     cross compiler and arm64 libraries (multiarch) first
#   make test-arm64   the arm64 unit tests and fuzz replays under qemu-user
#   make package-arm64  build/sngw_<version>_arm64.deb
.DEFAULT_GOAL := test
.PHONY: deps build test test-gcc test-sanitize check-purity fuzz clean run \
        package check-service deps-arm64 arm64 test-arm64 package-arm64

# Debian 12 packages the build and the tests need. Say why in README.md when adding one.
PACKAGES := cmake ninja-build g++ clang libclang-rt-14-dev \
            libboost1.81-dev libboost-program-options1.81-dev libssl-dev \
            doctest-dev mosquitto mosquitto-clients openssl socat \
            systemd dpkg-dev file
# The arm64 cross build (make arm64): not needed by make test.
ARM64_PACKAGES := g++-aarch64-linux-gnu libboost1.81-dev:arm64 libboost-program-options1.81-dev:arm64 \
                  libssl-dev:arm64 doctest-dev qemu-user

BUILD_DIR    ?= build
SANITIZE_DIR ?= build-asan
FUZZ_DIR     ?= build-fuzz
RUN_DIR      ?= build-run
PACKAGE_DIR  ?= build-package
ARM64_DIR    ?= build-arm64
# Parallel compile jobs: one per core, but at most one per 700 MB available (g++ -O2 on the larger
# files needs about that), and at least one.
JOBS         ?= $(shell m=$$(awk '/^MemAvailable:/ {print int($$2 / 716800)}' /proc/meminfo 2>/dev/null); \
                  n=$$(nproc); [ -n "$$m" ] && [ "$$m" -lt "$$n" ] && n=$$m; [ "$$n" -ge 1 ] || n=1; echo $$n)
FUZZ_SECONDS ?= 60
RUN_ARGS     ?= --udp 0.0.0.0:1883 --log-level info
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
WERROR_ON := -DSNGW_WERROR=ON
# Debug info of the two test builds: line tables only (file:line and function names in backtraces and
# sanitizer reports; no variables or types for a debugger). g++ -O2 compiles a file in a fifth to a third
# less CPU time than with -g, clang ASan/UBSan in up to a quarter less. TEST_DEBUG_INFO=-g for the full kind.
TEST_DEBUG_INFO ?= -g1

# Installs the packages of $(1) that are missing (apt-get only for those).
define install_missing
	missing=$$(for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    if [ -n "$(SUDO)" ] && ! command -v sudo >/dev/null; then \
	        echo "make: missing packages; run as root or install sudo: apt-get install sudo" >&2; \
	        exit 1; \
	    fi; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

deps:
	@$(call install_missing,$(PACKAGES))

# Configured every time (cheap) so that -Werror is on here whatever an earlier cmake run set: CI strict.
# SNGW_PCH: the test executables share a precompiled header (tests/CMakeLists.txt; about a tenth less
# CPU time per test file), here only: the sanitizer phase compiles the unit tests without it.
build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ $(WERROR_ON) \
	    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 $(TEST_DEBUG_INFO) -DNDEBUG" -DSNGW_PCH=ON
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Only what the daemon needs, in its own directory without -Werror (another g++ may warn where ours
# does not; a user running the gateway should not fail on that); gateway/app/run.sh finds or starts
# the broker and runs it.
run: deps
	cmake -S . -B $(RUN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ \
	    -DSNGW_WERROR=OFF -DBUILD_TESTING=OFF
	cmake --build $(RUN_DIR) -j $(JOBS) --target sngw
	@bash gateway/app/run.sh $(RUN_DIR)/gateway/app/sngw $(RUN_ARGS)

test-gcc: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# Unit tests and fuzz replays under ASan/UBSan (clang): the sanitizers see every decoder path. Only what
# they run is built (target sngw_unit_tests, tests/CMakeLists.txt): no sngw, tools or benchmarks.
test-sanitize: deps
	cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
	    -DSNGW_SANITIZE=address,undefined -DSNGW_INTEGRATION_TESTS=OFF $(WERROR_ON) \
	    -DCMAKE_CXX_FLAGS_DEBUG="$(TEST_DEBUG_INFO)"
	cmake --build $(SANITIZE_DIR) -j $(JOBS) --target sngw_unit_tests
	ctest --test-dir $(SANITIZE_DIR) --output-on-failure -j $(JOBS) -L 'unit|fuzz-replay'

check-purity:
	tools/check_purity.sh
	tools/check_test_names.sh

test: check-purity test-gcc test-sanitize

# libFuzzer under ASan/UBSan: each target for FUZZ_SECONDS, seeded with the unit-test vectors.
fuzz: deps
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	    -DSNGW_FUZZ=ON -DSNGW_SANITIZE=address,undefined -DBUILD_TESTING=ON -DSNGW_INTEGRATION_TESTS=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_sn_decode sn_vectors_dump
	mkdir -p $(FUZZ_DIR)/corpus/sn_decode
	$(FUZZ_DIR)/tests/vectors/sn_vectors_dump 1.2 --seeds $(FUZZ_DIR)/corpus/sn_decode
	$(FUZZ_DIR)/tests/vectors/sn_vectors_dump 2.0 --seeds $(FUZZ_DIR)/corpus/sn_decode
	$(FUZZ_DIR)/tests/fuzz/fuzz_sn_decode -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $(FUZZ_DIR)/corpus/sn_decode
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_mqtt5_decode mqtt5_vectors_dump
	mkdir -p $(FUZZ_DIR)/corpus/mqtt5_decode
	$(FUZZ_DIR)/tests/vectors/mqtt5/mqtt5_vectors_dump --seeds $(FUZZ_DIR)/corpus/mqtt5_decode
	$(FUZZ_DIR)/tests/fuzz/fuzz_mqtt5_decode -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $(FUZZ_DIR)/corpus/mqtt5_decode

# The Debian package: a build without tests in its own directory (no -Werror, as for make run),
# only the binaries the package holds, then CPack; the .deb is copied to $(BUILD_DIR)/.
package: deps
	cmake -S . -B $(PACKAGE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++ \
	    -DSNGW_WERROR=OFF -DBUILD_TESTING=OFF
	cmake --build $(PACKAGE_DIR) -j $(JOBS) --target sngw_package_binaries
	rm -f $(PACKAGE_DIR)/deb/*.deb
	cd $(PACKAGE_DIR) && cpack -G DEB -B deb
	mkdir -p $(BUILD_DIR)
	cp $(PACKAGE_DIR)/deb/*.deb $(BUILD_DIR)/
	@ls -l $(BUILD_DIR)/sngw_*.deb

# arm64 (Raspberry Pi OS bookworm 64-bit): Debian's cross compiler, the arm64 libraries beside the
# host's (multiarch), qemu-user for the tests. cmake/toolchain-aarch64-linux-gnu.cmake.
deps-arm64: deps
	@dpkg --print-foreign-architectures | grep -qx arm64 || \
	    { echo "adding the arm64 architecture (dpkg --add-architecture arm64)"; $(SUDO) dpkg --add-architecture arm64; \
	      $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q; }
	@$(call install_missing,$(ARM64_PACKAGES))

# Unit tests, fuzz replays, sngw and the tools; no integration tests (they need an arm64 mosquitto).
# doctest lists each test executable's cases at build time, under qemu (CMAKE_CROSSCOMPILING_EMULATOR).
arm64: deps-arm64
	cmake -S . -B $(ARM64_DIR) -G Ninja --toolchain cmake/toolchain-aarch64-linux-gnu.cmake \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo $(WERROR_ON) -DSNGW_INTEGRATION_TESTS=OFF
	cmake --build $(ARM64_DIR) -j $(JOBS)

# Left out under qemu-user: qemu 7.2 does not emulate setsockopt(IP_MULTICAST_IF) (QEMU issue 1837);
# the sn_client tests that start the arm64 sngw-pub / sngw-sub binaries as child processes need
# qemu registered with binfmt_misc (exit 127 without it).
ARM64_EXCLUDE ?= ^app: ?with a multicast group|^sn_client: ?sngw-(pub|sub) -V 2.0

test-arm64: arm64
	ctest --test-dir $(ARM64_DIR) --output-on-failure -j $(JOBS) -L 'unit|fuzz-replay' --timeout 120 \
	    -E '$(ARM64_EXCLUDE)'

# The package under a real systemd: packaging/check-service.sh boots a minimal Debian 12 root
# (debootstrap into CONTAINER_DIR on first use, ~250 MB download) with systemd-nspawn and checks
# dpkg -i, the service, sngwctl, reload/restart/stop, purge. Not part of make test. Needs root.
CONTAINER_DIR ?= build-container
check-service: package
	@$(call install_missing,systemd-container debootstrap)
	$(SUDO) bash packaging/check-service.sh $(BUILD_DIR)/sngw_$$(sed -n 's/^project(sngw VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)_$$(dpkg --print-architecture).deb $(CONTAINER_DIR)/bookworm

package-arm64: arm64
	rm -f $(ARM64_DIR)/deb/*.deb
	cd $(ARM64_DIR) && cpack -G DEB -B deb
	mkdir -p $(BUILD_DIR)
	cp $(ARM64_DIR)/deb/*.deb $(BUILD_DIR)/
	@ls -l $(BUILD_DIR)/sngw_*_arm64.deb

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(FUZZ_DIR) $(RUN_DIR) $(PACKAGE_DIR) $(ARM64_DIR)
