#pragma once
/// @file
/// @brief The checks `parakit stats` makes on its input file before anyone reads it: one clear message
/// naming the file for each way it can be unusable. MPI-free (the reader runs them on rank 0).

#include <cstdint>
#include <string>
#include <string_view>

#include "parakit/format/file_format.hpp"

namespace parakit::format {

/// @brief The size in bytes of @p path, a regular, readable file (it may be empty). Every message starts
/// with @p label and the path (`--graph PATH: ...`; without a label, `PATH: ...`) and says what is
/// accepted with @p noun (`"graph file"`: `(accepted: a readable graph file)`).
/// @throws parakit::UsageError `LABEL: an empty path ...` (`FILE: ...` without a label), `... cannot open:
/// REASON ...`, `... is a directory ...`, `... not a regular file ...` (a FIFO, whose open would block,
/// or a device such as /dev/zero) or `... cannot read: REASON`.
std::uint64_t check_regular_file(const std::string& path, std::string_view label, std::string_view noun);

/// @brief The size in bytes of @p path, a regular, readable, non-empty file (check_regular_file).
/// @throws parakit::UsageError `FILE: an empty path ...`, `PATH: cannot open: ...`, `PATH: is a directory
/// ...`, `PATH: not a regular file ...`, `PATH: cannot read: ...` or `PATH: the file is empty ...`.
std::uint64_t check_input_file(const std::string& path);

/// @brief The values in a raw binary file of @p bytes bytes holding values of @p dtype.
/// @throws parakit::UsageError unless @p bytes is a whole number of values.
std::uint64_t binary_rows(const std::string& path, std::uint64_t bytes, Dtype dtype);

}  // namespace parakit::format
