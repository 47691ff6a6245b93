#pragma once
/// @file
/// @brief Which Open MPI transports a run starts with. Open MPI's defaults probe every network it might
/// use, which is most of the cost of a short run on one host; when every rank is on one host and the user
/// chose no transport, parakit asks for shared memory (pml ob1, btl self,vader, osc ^ucx: the profile the
/// studies use) before MPI_Init. Under Slurm, on several hosts, or with any choice of the user's, nothing
/// changes.

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace parakit::mpi {

/// @brief The decision, and why.
struct TransportChoice {
  bool fast = false;   ///< the fast single-host profile is set
  std::string reason;  ///< in words, e.g. "every rank on one host and no transport chosen"
  std::vector<std::pair<std::string, std::string>> settings;  ///< the variables to set (when fast)

  /// @brief For the record: "fast single-host (pml ob1, btl self,vader, osc ^ucx): REASON" or
  /// "default: REASON".
  [[nodiscard]] std::string describe() const;
};

/// @brief Looks up an environment variable (nullptr when unset).
using EnvLookup = std::function<const char*(const char*)>;
/// @brief The text of a file ("" when it cannot be read).
using FileReader = std::function<std::string(const std::string&)>;

/// @brief Decides from the environment alone (no MPI): PARAKIT_FAST_LAUNCH=off (or 0, no) turns the
/// profile off; Slurm (SLURM_JOB_ID), ranks on more than one host (OMPI_COMM_WORLD_SIZE is not
/// OMPI_COMM_WORLD_LOCAL_SIZE), a launcher that is not Open MPI's mpirun, or a transport of the user's
/// (OMPI_MCA_pml, _btl, _osc, or pml/btl/osc in the user's MCA parameter file $HOME/.openmpi/mca-params.conf
/// or the files OMPI_MCA_mca_base_param_files names) keep Open MPI's defaults.
TransportChoice choose_transports(const EnvLookup& env, const FileReader& read);

/// @brief choose_transports on this process's environment; sets the variables when fast. Call it before
/// MPI_Init (guarded_main does), once.
const TransportChoice& choose_transports_before_init();

/// @brief What choose_transports_before_init decided in this process (default, "not chosen", before).
const TransportChoice& chosen_transports();

}  // namespace parakit::mpi
