# Flags live on INTERFACE targets that every project target links, never in CMAKE_CXX_FLAGS.
add_library(trailwatch_flags INTERFACE)
target_compile_features(trailwatch_flags INTERFACE cxx_std_20)
target_compile_options(trailwatch_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${TRAILWATCH_WERROR}>:-Werror>)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(trailwatch_flags INTERFACE -Wthread-safety)
endif()
# GCC 12 at -O2/-O3 reports -Wrestrict on libstdc++'s own std::string code when it is inlined
# (GCC bug 105329, fixed in GCC 13): false positives that no change on our side avoids.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(trailwatch_flags INTERFACE -Wno-restrict)
endif()

if(TRAILWATCH_SANITIZE)
  string(REPLACE ";" "," _tw_san "${TRAILWATCH_SANITIZE}")
  target_compile_options(trailwatch_flags INTERFACE
    -fsanitize=${_tw_san} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(trailwatch_flags INTERFACE -fsanitize=${_tw_san})
endif()

# Fuzz builds instrument every project library for coverage; only fuzzer executables link the
# libFuzzer runtime (-fsanitize=fuzzer, see fuzz/CMakeLists.txt).
if(TRAILWATCH_BUILD_FUZZERS AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(trailwatch_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()
