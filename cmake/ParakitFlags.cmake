# Compiler flags live on INTERFACE targets, each named for what it carries, never in directory-wide
# flags. parakit_compile_flags(target) links all three PRIVATE:
#   parakit_warnings   -Wall -Wextra ... (and -Werror with PARAKIT_WARNINGS_AS_ERRORS)
#   parakit_native     -march=native with PARAKIT_NATIVE
#   parakit_sanitizers AddressSanitizer + UndefinedBehaviorSanitizer with PARAKIT_SANITIZE
add_library(parakit_warnings INTERFACE)
target_compile_options(parakit_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  $<$<BOOL:${PARAKIT_WARNINGS_AS_ERRORS}>:-Werror>)

add_library(parakit_native INTERFACE)
if(PARAKIT_NATIVE)
  # Every target that computes (kernels, and everything linking them) is built for this CPU.
  target_compile_options(parakit_native INTERFACE -march=native)
endif()

add_library(parakit_sanitizers INTERFACE)
if(PARAKIT_SANITIZE)
  target_compile_options(parakit_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                      -fno-sanitize-recover=undefined)
  target_link_options(parakit_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

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
