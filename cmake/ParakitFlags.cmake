# Warnings, -march=native and sanitizers live on INTERFACE targets linked PRIVATE, never in
# directory-wide flags.
add_library(parakit_warnings INTERFACE)
target_compile_options(parakit_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  $<$<BOOL:${PARAKIT_WARNINGS_AS_ERRORS}>:-Werror>)

if(PARAKIT_NATIVE)
  # Every target that computes (kernels, and everything linking them) is built for this CPU.
  target_compile_options(parakit_warnings INTERFACE -march=native)
endif()

if(PARAKIT_SANITIZE)
  target_compile_options(parakit_warnings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                    -fno-sanitize-recover=undefined)
  target_link_options(parakit_warnings INTERFACE -fsanitize=address,undefined)
endif()

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
