# One helper per kind of target, so every target gets the same flags and include root.

# trailwatch_library(NAME SOURCES ... DEPS ...): a component library under src/NAME.
function(trailwatch_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(tw_${name} STATIC ${ARG_SOURCES})
  target_include_directories(tw_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(tw_${name} PUBLIC trailwatch_flags ${ARG_DEPS})
endfunction()

# trailwatch_test(NAME SOURCES ... DEPS ...): one GoogleTest binary registered with CTest.
function(trailwatch_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE trailwatch_flags ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    TRAILWATCH_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TRAILWATCH_BINARY="$<TARGET_FILE:trailwatch>")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "TRAILWATCH_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared")
endfunction()
