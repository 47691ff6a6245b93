# The git commit is read at build time (not configure time), so a record names the commit that was
# actually built. The file is rewritten only when its content changes, so nothing relinks needlessly.
set(PARAKIT_VERSION_CPP ${PROJECT_BINARY_DIR}/generated/version.cpp)
add_custom_target(parakit_version
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUT=${PARAKIT_VERSION_CPP}
          -DVERSION=${PROJECT_VERSION} -DBUILD_TYPE=$<CONFIG>
          -DCXX_ID=${CMAKE_CXX_COMPILER_ID} -DCXX_VERSION=${CMAKE_CXX_COMPILER_VERSION}
          -DNATIVE=${PARAKIT_NATIVE}
          -P ${PROJECT_SOURCE_DIR}/cmake/write_version.cmake
  BYPRODUCTS ${PARAKIT_VERSION_CPP}
  COMMENT "Recording parakit's version and git commit")
