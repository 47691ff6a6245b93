#pragma once
/// @file
/// @brief HDF5 identifiers that close themselves, HDF5's error printing switched off for a while, and the
/// error stack as one line (internal to src/mpi).

#include <string>
#include <utility>
#include <vector>

#include <hdf5.h>

namespace parakit::mpi::detail {

/// @brief An HDF5 identifier, closed by its own close function when it goes. Where a close is collective
/// (datasets, a file opened with the MPI-IO driver), every rank must reach it together: close it with
/// close() where the ranks agree, not by leaving a scope one rank may leave alone.
class Handle {
 public:
  Handle() = default;
  /// @brief Owns @p id (invalid when negative), closed with @p closer (H5Fclose, H5Dclose, ...).
  Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), close_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
  Handle& operator=(Handle&& other) noexcept {
    std::swap(id_, other.id_);
    std::swap(close_, other.close_);
    return *this;
  }
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }
  /// @brief Closes now; false when HDF5 reports an error (or there was nothing to close).
  bool close() { return close_(std::exchange(id_, H5I_INVALID_HID)) >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

/// @brief HDF5 prints its error stack to stderr by default; code that turns HDF5 errors into exceptions
/// holds one of these, which switches the printing off and restores it when it goes.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

/// @brief The outermost and the innermost descriptions on HDF5's error stack (what failed, and the most
/// specific reason: "unable to create dataset: name already exists"), or "unknown HDF5 error"; the stack is
/// cleared.
inline std::string hdf5_message() {
  std::vector<std::string> lines;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned /*n*/, const H5E_error2_t* error, void* data) -> herr_t {
        if (error->desc != nullptr) static_cast<std::vector<std::string>*>(data)->emplace_back(error->desc);
        return 0;
      },
      &lines);
  H5Eclear2(H5E_DEFAULT);
  if (lines.empty()) return "unknown HDF5 error";
  return lines.size() == 1 ? lines.front() : lines.front() + ": " + lines.back();
}

}  // namespace parakit::mpi::detail
