# Test helpers: every MPI test runs through mpiexec at several rank counts, with a TIMEOUT so that a
# hang fails fast instead of stalling CI.
include(GoogleTest)

set(PARAKIT_MPIEXEC_FLAGS "")
execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE _mpiexec_version ERROR_QUIET)
if(_mpiexec_version MATCHES "Open MPI|OpenRTE")
  # More ranks than cores is the point of a 4-rank test on a 2-core machine.
  set(PARAKIT_MPIEXEC_FLAGS --oversubscribe)
endif()

# Environment of every test: Open MPI refuses to run as root without these (CI runs as root), and
# the sanitizer preset needs its leak suppressions (the MPI libraries keep global allocations).
set(PARAKIT_TEST_ENV
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  # No network interfaces are needed between ranks on one host; this keeps start-up quick and quiet
  # (ob1 without UCX: 0.12 s instead of 0.35 s per mpiexec here, the profile of `compare --fast-launch`).
  OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_pml=ob1 OMPI_MCA_osc=^ucx
  # Open MPI resolves host names at start-up; where /etc/hosts lacks them (minimal containers) a DNS
  # server that does not answer would stall every process by glibc's default 5 s timeout.
  "RES_OPTIONS=timeout:1 attempts:1"
  # 4 ranks x 2 threads on 2 cores: OpenMP threads that spin between parallel regions starve the ranks
  # they wait for (a heat test with a barrier every step took minutes instead of a second); sleeping
  # threads keep oversubscribed tests quick. Nothing measured here depends on it.
  OMP_WAIT_POLICY=passive)
# The sanitizer preset's part of it, for tests that take no other part (docs/course.md's commands).
set(PARAKIT_SANITIZER_ENV "")
if(PARAKIT_SANITIZE)
  set(PARAKIT_SANITIZER_ENV
    "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0"
    "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  list(APPEND PARAKIT_TEST_ENV ${PARAKIT_SANITIZER_ENV})
endif()

# parakit_add_mpi_test(NAME FILES f.cpp... RANKS 1 2 3 4): one executable, one ctest entry per rank
# count (NAME.mpi.N), each with TIMEOUT ${PARAKIT_TEST_TIMEOUT} and LABELS mpi.
function(parakit_add_mpi_test name)
  cmake_parse_arguments(ARG "" "" "FILES;RANKS" ${ARGN})
  set(target ${name}_mpi_test)
  add_executable(${target} ${ARG_FILES} ${PROJECT_SOURCE_DIR}/tests/mpi_main.cpp)
  target_link_libraries(${target} PRIVATE parakit::mpi GTest::gtest)
  parakit_compile_flags(${target})
  parakit_sanitizer_support(${target})
  foreach(ranks IN LISTS ARG_RANKS)
    if(ranks GREATER PARAKIT_TEST_MAX_RANKS)
      continue()
    endif()
    add_test(NAME ${name}.mpi.${ranks}
             COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${ranks} ${PARAKIT_MPIEXEC_FLAGS}
                     ${MPIEXEC_PREFLAGS} $<TARGET_FILE:${target}> ${MPIEXEC_POSTFLAGS})
    set_tests_properties(${name}.mpi.${ranks} PROPERTIES
      TIMEOUT ${PARAKIT_TEST_TIMEOUT} LABELS mpi PROCESSORS ${ranks} ENVIRONMENT "${PARAKIT_TEST_ENV}")
  endforeach()
endfunction()

# parakit_add_gtests(TARGET LABELS l...): one ctest entry per GoogleTest test of TARGET (found in its
# sources at configure time), each with the test environment and TIMEOUT ${PARAKIT_TEST_TIMEOUT}.
# (gtest_discover_tests cannot carry a list-valued ENVIRONMENT in CMake 3.25.)
function(parakit_add_gtests target)
  cmake_parse_arguments(ARG "" "" "LABELS" ${ARGN})
  gtest_add_tests(TARGET ${target} TEST_LIST tests)
  set_tests_properties(${tests} PROPERTIES
    TIMEOUT ${PARAKIT_TEST_TIMEOUT} LABELS "${ARG_LABELS}" ENVIRONMENT "${PARAKIT_TEST_ENV}")
endfunction()
