# SPDX-License-Identifier: MIT
# The proxy's codec and link (proxy/wire.c, proxy/link.c) under libFuzzer,
# built like lwip_fuzz: Debian's clang with -fsanitize=fuzzer,address,
# undefined, the seed inputs written by the codec itself at build time
# (proxy_seeds.c). Two runs:
#   fuzz.proxy_wire        UK_PROXY_FUZZ_SECONDS (20) from the seeds and the
#                          corpus it keeps in the build folder (prints its
#                          libFuzzer seed, so a failure can be replayed)
#   bench.fuzz_proxy_wire  UK_PROXY_FUZZ_BENCH_RUNS (10,000,000) inputs,
#                          labelled bench; its final stats give inputs/s
# Included from tests/fuzz/CMakeLists.txt, which has found UK_CLANG.
set(proxy_fuzz_ok FALSE)
if(UK_CLANG)
  set(probe ${CMAKE_CURRENT_BINARY_DIR}/proxy_probe.c)
  file(WRITE ${probe} "#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
  execute_process(COMMAND ${UK_CLANG} -fsanitize=fuzzer,address,undefined ${probe}
                  -o ${CMAKE_CURRENT_BINARY_DIR}/proxy_probe
                  RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_QUIET)
  if(probe_rc EQUAL 0)
    set(proxy_fuzz_ok TRUE)
  endif()
endif()
if(NOT proxy_fuzz_ok)
  message(WARNING "fuzz: clang with libFuzzer not found; fuzz.proxy_wire is not built. "
          "Run `sudo ./cluster/install-deps` (clang, libclang-rt-14-dev).")
  return()
endif()

set(UK_PROXY_FUZZ_SECONDS 20 CACHE STRING "How long ctest fuzz.proxy_wire runs the fuzzer")
set(UK_PROXY_FUZZ_BENCH_RUNS 10000000 CACHE STRING
    "Inputs bench.fuzz_proxy_wire runs")
set(proxy_dir ${CMAKE_SOURCE_DIR}/proxy)
set(proxy_fuzz_flags -g -O1 -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=undefined -Wall -Wextra -Werror
    -Wno-unused-parameter -I${proxy_dir})
set(proxy_fuzz_bin ${CMAKE_CURRENT_BINARY_DIR}/proxy_wire_fuzz)
set(proxy_fuzz_sources ${CMAKE_CURRENT_SOURCE_DIR}/proxy_wire_fuzz.c
    ${proxy_dir}/wire.c ${proxy_dir}/link.c)
add_custom_command(OUTPUT ${proxy_fuzz_bin}
  COMMAND ${UK_CLANG} ${proxy_fuzz_flags} ${proxy_fuzz_sources} -o ${proxy_fuzz_bin}
  DEPENDS ${proxy_fuzz_sources} ${proxy_dir}/wire.h ${proxy_dir}/link.h
  COMMENT "fuzz: proxy_wire_fuzz" VERBATIM)

add_executable(proxy_fuzz_seeds proxy_seeds.c ${proxy_dir}/wire.c)
target_include_directories(proxy_fuzz_seeds PRIVATE ${proxy_dir})
target_compile_options(proxy_fuzz_seeds PRIVATE -Wall -Wextra -Werror)
set(proxy_seeds ${CMAKE_CURRENT_BINARY_DIR}/proxy-seeds)
add_custom_command(OUTPUT ${proxy_seeds}/stream
  COMMAND ${CMAKE_COMMAND} -E make_directory ${proxy_seeds}
  COMMAND proxy_fuzz_seeds ${proxy_seeds}
  DEPENDS proxy_fuzz_seeds COMMENT "fuzz: proxy seed inputs" VERBATIM)
add_custom_target(proxy_wire_fuzz ALL DEPENDS ${proxy_fuzz_bin} ${proxy_seeds}/stream)

set(proxy_corpus ${CMAKE_CURRENT_BINARY_DIR}/proxy-corpus)
file(MAKE_DIRECTORY ${proxy_corpus})
set(proxy_fuzz_common -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/proxy-crash-)
add_test(NAME fuzz.proxy_wire COMMAND ${proxy_fuzz_bin}
         -max_total_time=${UK_PROXY_FUZZ_SECONDS} ${proxy_fuzz_common}
         ${proxy_corpus} ${proxy_seeds})
set_tests_properties(fuzz.proxy_wire PROPERTIES LABELS fuzz TIMEOUT 300)
add_test(NAME bench.fuzz_proxy_wire COMMAND ${proxy_fuzz_bin}
         -runs=${UK_PROXY_FUZZ_BENCH_RUNS} ${proxy_fuzz_common}
         ${proxy_corpus} ${proxy_seeds})
# Eight minutes on 2 cores: labelled long, which ./tests/run leaves out
# unless UK_TESTS_LONG=1 (README.md, "Tests").
set_tests_properties(bench.fuzz_proxy_wire PROPERTIES LABELS "bench;long" TIMEOUT 3600)
