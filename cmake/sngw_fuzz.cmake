# SPDX-License-Identifier: MIT
# sngw_add_fuzz_target(NAME SOURCES... LIBS ... SEEDS_FROM target)
#
# With SNGW_FUZZ=ON (clang only) NAME is a libFuzzer binary. With it OFF, NAME links
# tests/fuzz/replay_main.cpp instead: it runs LLVMFuzzerTestOneInput over the built-in seed
# corpus (the unit-test vectors) and over any files named on its command line, so every g++
# build exercises the harness under CTest (Beast's FUZZER_ADD_TO_CTEST idea).
function(sngw_add_fuzz_target name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBS} sngw::warnings)
  if(SNGW_FUZZ)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    add_test(NAME ${name}_replay COMMAND ${name})
    set_tests_properties(${name}_replay PROPERTIES LABELS "fuzz-replay" TIMEOUT 120)
  endif()
endfunction()
