# Test registration helpers, included by the top-level CMakeLists.txt when
# KILN_BUILD_TESTS is on.
#
# Every test has a timeout: KILN_TEST_TIMEOUT seconds unless its folder sets
# a longer TIMEOUT, so a hang is a failure in minutes instead of a stalled
# run.  include(CTest) writes it into DartConfiguration.tcl, where ctest
# reads its default; scripts/test passes the same value as --timeout.
# tests_have_timeouts (tests/CMakeLists.txt) checks that this holds.
set(KILN_TEST_TIMEOUT 300 CACHE STRING
  "Seconds a test may run unless it sets its own TIMEOUT (ctest default timeout)")
set(DART_TESTING_TIMEOUT ${KILN_TEST_TIMEOUT})
# No CDash dashboard targets (Experimental, Nightly, ...): kiln submits nowhere.
set_property(GLOBAL PROPERTY CTEST_TARGETS_ADDED 1)
include(CTest)

# kiln_add_output_test(NAME name EXPECT regex [STATUS n] COMMAND program args...)
# A test that passes only when the program exits with STATUS (default 0)
# and its standard output matches EXPECT (cmake/check_output.cmake).
function(kiln_add_output_test)
  cmake_parse_arguments(PARSE_ARGV 0 T "" "NAME;EXPECT;STATUS" "COMMAND")
  if(NOT T_NAME OR NOT DEFINED T_EXPECT OR NOT T_COMMAND)
    message(FATAL_ERROR "kiln_add_output_test: NAME, EXPECT and COMMAND are required")
  endif()
  if(NOT DEFINED T_STATUS)
    set(T_STATUS 0)
  endif()
  add_test(NAME ${T_NAME}
    COMMAND ${CMAKE_COMMAND} "-DEXPECT=${T_EXPECT}" -DSTATUS=${T_STATUS}
            -P ${PROJECT_SOURCE_DIR}/cmake/check_output.cmake -- ${T_COMMAND})
endfunction()
