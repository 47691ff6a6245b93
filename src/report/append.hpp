#pragma once
// Private to src/report: the list-joining helper the table, the CSV and the run report share.

#include <string>
#include <string_view>

namespace parakit::report::detail {

// Appends `item` to `list`, separated by `separator` when the list is not empty.
inline void append(std::string& list, std::string_view item, char separator) {
  if (!list.empty()) list += separator;
  list += item;
}

}  // namespace parakit::report::detail
