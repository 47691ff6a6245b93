#pragma once
/// @file
/// @brief parakit::quoted under the name the reports and studies use: the one quoting function of every
/// layer lives in parakit/quote.hpp.

#include "parakit/quote.hpp"

namespace parakit::report {

using parakit::quoted;

}  // namespace parakit::report
