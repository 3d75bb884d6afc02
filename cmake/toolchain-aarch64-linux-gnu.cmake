# SPDX-License-Identifier: MIT
# Cross build for arm64 (Raspberry Pi OS bookworm 64-bit, Debian 12 arm64) on a Debian 12 machine,
# with Debian's cross compiler and the arm64 libraries installed side by side (multiarch):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install g++-aarch64-linux-gnu libboost1.81-dev:arm64 \
#       libboost-program-options1.81-dev:arm64 libssl-dev:arm64 doctest-dev qemu-user
#   cmake -S . -B build-arm64 -G Ninja --toolchain cmake/toolchain-aarch64-linux-gnu.cmake
# `make arm64` / `make test-arm64` do exactly this.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# No sysroot: multiarch puts the arm64 libraries and CMake package files in
# /usr/lib/aarch64-linux-gnu, which CMake searches for this library architecture, while the
# headers (Boost, doctest) are shared with the host in /usr/include, and OpenSSL's
# arch-specific header is in /usr/include/aarch64-linux-gnu. The cross toolchain's own libc and
# libstdc++ are in /usr/aarch64-linux-gnu.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# pkg-config (used by FindOpenSSL for hints) must see the arm64 .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")

# Test executables (and doctest_discover_tests, which lists the test cases at build time) run
# under qemu-user with the multiarch arm64 loader and libc (libc6:arm64, as on the target); all
# libraries come from /usr/lib/aarch64-linux-gnu. Not -L /usr/aarch64-linux-gnu: that loader is the
# cross package's (2.36-8cross1) and would load libc6:arm64's newer libc.so.6, whose view of the
# loader's private data differs: the first pthread_create loops for ever (issue 8).
# "-L /" means no prefix (and overrides a QEMU_LD_PREFIX in the environment).
find_program(SNGW_QEMU_AARCH64 qemu-aarch64)
if(SNGW_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${SNGW_QEMU_AARCH64};-L;/")
endif()

# CPack DEB: the package's architecture, and dpkg-shlibdeps must resolve arm64 libraries.
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
