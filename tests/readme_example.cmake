# ctest driver: the README shows an example of apps/examples/ (EXAMPLE) in full; fail when the two drift apart.
file(READ ${README} readme)
file(READ ${EXAMPLE} example)
string(FIND "${readme}" "```cpp\n${example}```" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not show ${EXAMPLE} verbatim in a ```cpp block")
endif()
