#include "parakit/error.hpp"

namespace parakit::detail {

void throw_requirement(const char* file, int line, const char* condition, const std::string& message) {
  throw Error(std::string(file) + ":" + std::to_string(line) + ": " + condition + ": " + message);
}

}  // namespace parakit::detail
