# Compiler flags live on INTERFACE targets, each named for what it carries, never in directory-wide
# flags. parakit_compile_flags(target) links all three PRIVATE:
#   parakit_warnings   -Wall -Wextra ... (and -Werror with PARAKIT_WARNINGS_AS_ERRORS)
#   parakit_native     -march=native with PARAKIT_NATIVE
#   parakit_sanitizers AddressSanitizer + UndefinedBehaviorSanitizer with PARAKIT_SANITIZE,
#                      ThreadSanitizer with PARAKIT_SANITIZE_THREAD
add_library(parakit_warnings INTERFACE)
target_compile_options(parakit_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  $<$<BOOL:${PARAKIT_WARNINGS_AS_ERRORS}>:-Werror>)

add_library(parakit_native INTERFACE)
if(PARAKIT_NATIVE)
  # Every target that computes (kernels, and everything linking them) is built for this CPU.
  target_compile_options(parakit_native INTERFACE -march=native)
endif()

# ThreadSanitizer cannot share a process with AddressSanitizer: a build has one or the other. With GCC,
# TSan cannot see libgomp's barriers (libgomp is not instrumented) and reports every OpenMP region as
# a race; build it with Clang, whose libomp tells TSan about its synchronisation through the Archer
# tool (libarcher.so, which libomp loads by itself into a program built with TSan).
option(PARAKIT_SANITIZE_THREAD "Build with ThreadSanitizer (Clang: OpenMP through libomp and Archer)" OFF)
if(PARAKIT_SANITIZE AND PARAKIT_SANITIZE_THREAD)
  message(FATAL_ERROR "PARAKIT_SANITIZE (ASan + UBSan) and PARAKIT_SANITIZE_THREAD (TSan) exclude each other")
endif()
if(PARAKIT_SANITIZE_THREAD AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(WARNING "PARAKIT_SANITIZE_THREAD with ${CMAKE_CXX_COMPILER_ID}: libgomp is not instrumented, so "
                  "every OpenMP region will be reported as a race; configure with CMAKE_CXX_COMPILER=clang++")
endif()

add_library(parakit_sanitizers INTERFACE)
if(PARAKIT_SANITIZE)
  target_compile_options(parakit_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                      -fno-sanitize-recover=undefined)
  target_link_options(parakit_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(PARAKIT_SANITIZE_THREAD)
  target_compile_options(parakit_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(parakit_sanitizers INTERFACE -fsanitize=thread)
endif()

# Code that runs once per command -- options, reports, studies, processes, the tests themselves -- is
# built with -O2 in Release: -O3 doubles its compile time (a unity chunk of src/study: 37 s against
# 20 s) and gains nothing there; the kernels and the MPI layer, where the time goes, keep -O3.
add_library(parakit_cold INTERFACE)
target_compile_options(parakit_cold INTERFACE $<$<CONFIG:Release>:-O2>)

# parakit_cold_code(target...): build these targets as code that runs once per command (-O2).
function(parakit_cold_code)
  foreach(target IN LISTS ARGN)
    target_link_libraries(${target} PRIVATE parakit_cold)
  endforeach()
endfunction()

function(parakit_compile_flags)
  foreach(target IN LISTS ARGN)
    target_link_libraries(${target} PRIVATE parakit_warnings parakit_native parakit_sanitizers)
  endforeach()
endfunction()

# parakit_sanitizer_support(target...): in the sanitizer build, link the dlclose that keeps MPI's
# components loaded until exit, so that leak reports name (and suppressions match) their libraries.
function(parakit_sanitizer_support)
  if(NOT PARAKIT_SANITIZE)
    return()
  endif()
  foreach(target IN LISTS ARGN)
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src/sanitizer/keep_libraries_loaded.cpp)
    target_link_options(${target} PRIVATE -Wl,--export-dynamic-symbol=dlclose)
  endforeach()
endfunction()
