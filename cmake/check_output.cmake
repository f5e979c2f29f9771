# cmake -DEXPECT=REGEX [-DSTATUS=N] -P check_output.cmake -- PROGRAM [ARGS...]
#
# Runs PROGRAM and passes only when it exits with STATUS (default 0) and its
# standard output matches REGEX.  ctest's PASS_REGULAR_EXPRESSION alone
# ignores the exit status: a program printing the expected line and then
# exiting 3 would pass.  kiln_add_output_test (KilnTesting.cmake) runs this.
cmake_minimum_required(VERSION 3.25)
if(NOT DEFINED EXPECT)
  message(FATAL_ERROR "check_output: -DEXPECT=REGEX is required")
endif()
if(NOT DEFINED STATUS)
  set(STATUS 0)
endif()
set(cmd)
set(after_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_dashes)
    list(APPEND cmd "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(after_dashes TRUE)
  endif()
endforeach()
if(NOT cmd)
  message(FATAL_ERROR "check_output: no program after --")
endif()
execute_process(COMMAND ${cmd} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}${err}")
if(NOT rc STREQUAL "${STATUS}")
  message(FATAL_ERROR "check_output: exit status ${rc}, expected ${STATUS}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "check_output: the output does not match '${EXPECT}'")
endif()
