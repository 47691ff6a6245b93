// write_hdf5 (parakit/mpi/write.hpp): one dataset per column, written with parallel HDF5 in rounds.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <hdf5.h>

#include "parakit/error.hpp"
#include "parakit/kernels/generate.hpp"
#include "parakit/mpi/write.hpp"

#include "hdf5_handle.hpp"
#include "write_detail.hpp"

namespace parakit::mpi {
namespace {

using detail::Handle;
using detail::Target;

// Records the first failure of an HDF5 call on this rank.
void note_hdf5(bool ok, const char* call, const std::string& detail, const Target& t,
               std::optional<Failure>& failure) {
  if (ok || failure) return;
  std::string where = call;
  if (!detail.empty()) where += " '" + detail + "'";
  failure = Failure{false, t.cannot_write(where + ": " + detail::hdf5_message())};
}

struct PropertyLists {
  Handle fapl;  // file access: the MPI-IO driver over the communicator
  Handle lcpl;  // link creation: missing groups are created
  Handle dcpl;  // dataset creation
  Handle dxpl;  // transfer: collective
};

// Property lists are local: a failure there is the same on every rank, and is agreed on by the caller.
PropertyLists property_lists(const boost::mpi::communicator& comm, const Target& t,
                             std::optional<Failure>& failure) {
  PropertyLists p;
  p.fapl = Handle(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  note_hdf5(p.fapl.valid() && H5Pset_fapl_mpio(p.fapl.get(), comm, MPI_INFO_NULL) >= 0, "H5Pset_fapl_mpio",
            "", t, failure);
  p.lcpl = Handle(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  note_hdf5(p.lcpl.valid() && H5Pset_create_intermediate_group(p.lcpl.get(), 1) >= 0,
            "H5Pset_create_intermediate_group", "", t, failure);
  // Every element is written, so the fill value would only be written first and overwritten later.
  p.dcpl = Handle(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  note_hdf5(p.dcpl.valid() && H5Pset_fill_time(p.dcpl.get(), H5D_FILL_TIME_NEVER) >= 0, "H5Pset_fill_time",
            "", t, failure);
  // Without timestamps the file's bytes depend on the arguments alone, like those of the other writers.
  note_hdf5(p.dcpl.valid() && H5Pset_obj_track_times(p.dcpl.get(), 0) >= 0, "H5Pset_obj_track_times", "", t,
            failure);
  p.dxpl = Handle(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  note_hdf5(p.dxpl.valid() && H5Pset_dxpl_mpio(p.dxpl.get(), H5FD_MPIO_COLLECTIVE) >= 0, "H5Pset_dxpl_mpio",
            "", t, failure);
  return p;
}

// The file and its datasets. Members close in reverse order: the datasets before the file.
struct Hdf5File {
  Handle file;
  Handle file_space;  // the 1-D extent of every dataset
  std::vector<Handle> datasets;
};

// Creates the file and one dataset per name, all ranks together; throws on every rank at the first
// failure (file and dataset creation are collective).
Hdf5File create_file(const boost::mpi::communicator& comm, const std::string& name,
                     const std::vector<std::string>& names, std::uint64_t rows, Dtype dtype,
                     const PropertyLists& p, const Target& t) {
  std::optional<Failure> failure;
  Hdf5File f;
  f.file = Handle(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, p.fapl.get()), H5Fclose);
  note_hdf5(f.file.valid(), "H5Fcreate", "", t, failure);
  raise_if_any(comm, failure);
  const hsize_t extent = rows;
  f.file_space = Handle(H5Screate_simple(1, &extent, nullptr), H5Sclose);
  note_hdf5(f.file_space.valid(), "H5Screate_simple", "", t, failure);
  raise_if_any(comm, failure);
  const hid_t file_type = dtype == Dtype::kF64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE;
  for (const auto& dataset_name : names) {
    Handle dataset(H5Dcreate2(f.file.get(), dataset_name.c_str(), file_type, f.file_space.get(), p.lcpl.get(),
                              p.dcpl.get(), H5P_DEFAULT),
                   H5Dclose);
    note_hdf5(dataset.valid(), "H5Dcreate2", dataset_name, t, failure);
    raise_if_any(comm, failure);  // stop at the first that fails
    f.datasets.push_back(std::move(dataset));
  }
  return f;
}

// Writes this rank's rows @p range to every dataset (collective: every rank calls it, with or without
// rows); a failure is kept in @p failure and the rank still takes part in every write.
void write_round(const Hdf5File& f, const std::vector<std::string>& names,
                 const kernels::generate::Spec& spec, kernels::Range range, const PropertyLists& p,
                 std::vector<double>& values, const Target& t, std::optional<Failure>& failure) {
  const hsize_t start = range.first, count = range.size();
  // A rank without rows still takes part, with an empty selection on both sides.
  const hsize_t memory_extent = std::max<hsize_t>(count, 1);
  Handle memory_space(H5Screate_simple(1, &memory_extent, nullptr), H5Sclose);
  note_hdf5(memory_space.valid(), "H5Screate_simple", "", t, failure);
  if (count == 0) {
    note_hdf5(memory_space.valid() && H5Sselect_none(memory_space.get()) >= 0 &&
                  H5Sselect_none(f.file_space.get()) >= 0,
              "H5Sselect_none", "", t, failure);
  } else {
    note_hdf5(H5Sselect_hyperslab(f.file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr) >= 0,
              "H5Sselect_hyperslab", "", t, failure);
  }
  for (std::size_t c = 0; c < f.datasets.size(); ++c) {
    try {
      values.resize(static_cast<std::size_t>(memory_extent));
      kernels::generate::fill(spec, c, range.first,
                              std::span<double>(values).first(static_cast<std::size_t>(count)));
    } catch (...) {
      if (!failure) failure = detail::current_failure(t);
    }
    note_hdf5(H5Dwrite(f.datasets[c].get(), H5T_NATIVE_DOUBLE, memory_space.get(), f.file_space.get(),
                       p.dxpl.get(), values.data()) >= 0,
              "H5Dwrite", names[c], t, failure);
  }
}

}  // namespace

std::uint64_t write_hdf5(const boost::mpi::communicator& comm, const std::string& path,
                         const std::vector<std::string>& names, const kernels::generate::Spec& spec,
                         std::uint64_t rows, Dtype dtype, const WriteOptions& options) {
  PARAKIT_REQUIRE(!names.empty(), "no dataset names");
  for (const auto& name : names)
    PARAKIT_REQUIRE(!name.empty(), "an empty dataset name");
  if (dtype != Dtype::kF64 && dtype != Dtype::kF32) {
    throw UsageError("--dtype: HDF5 files hold f64 or f32 here, not " + std::string(dtype_name(dtype)) +
                     " (accepted: f64, f32)");
  }
  const Target t = detail::prepare(comm, path, options);
  const detail::ThreadCount threads(options.threads);
  const detail::QuietHdf5 quiet;
  const detail::Rounds rounds = detail::plan(comm, rows, 1);
  detail::TempFile temp(comm, t);
  std::optional<Failure> failure;
  const PropertyLists lists = property_lists(comm, t, failure);
  raise_if_any(comm, failure);
  Hdf5File f = create_file(comm, temp.name(), names, rows, dtype, lists, t);
  std::vector<double> values;
  for (std::uint64_t r = 0; r < rounds.count && !failure; ++r) {
    write_round(f, names, spec, rounds.round(r), lists, values, t, failure);
    if (const auto agreed = agree_on_failure(comm, failure)) failure = agreed;
  }
  // Collective closes, in the same order on every rank, failed or not.
  for (std::size_t c = 0; c < f.datasets.size(); ++c)
    note_hdf5(f.datasets[c].close(), "H5Dclose", names[c], t, failure);
  note_hdf5(f.file.close(), "H5Fclose", "", t, failure);
  raise_if_any(comm, failure);
  const std::uint64_t bytes = temp.size(comm, t);
  temp.commit(comm, t);
  return bytes;
}

}  // namespace parakit::mpi
