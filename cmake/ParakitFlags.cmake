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
