#pragma once
/// @file
/// @brief Writing a report into a file: checked before the run, written whole or not at all after it.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parakit::report {

/// @brief Writes @p content to @p path whole or not at all: a temporary file in the same directory,
/// then an atomic rename; an existing file keeps its old content if anything fails, and its
/// permissions otherwise. A symbolic link to a file is followed (the link stays); an existing device
/// or FIFO (`/dev/null`, `/dev/stdout`) is written in place.
/// @param option The option that named the file, for messages.
/// @throws parakit::Error naming the option, the path and the system's reason (a runtime failure: the run
/// itself was fine).
void write_file_atomically(const std::string& path, std::string_view content,
                           std::string_view option = "--output");

/// @brief Checks now that @p path can be written later (creates and removes a temporary file beside
/// it), so that a long run does not end in an unwritable output. @throws parakit::UsageError for an
/// empty path, a directory, a missing or unwritable directory, or an existing file without write
/// permission.
void check_writable(const std::string& path, std::string_view option = "--output");

/// @brief Checks that no two of @p files ({option, path}; empty paths are left out) are one file
/// (sys::same_file: by identity, not by name), so that no output replaces an input or another output.
/// @throws parakit::UsageError "--json 'x' is the same file as --output 'x' (accepted: a different file
/// for each)".
void check_distinct_files(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace parakit::report
