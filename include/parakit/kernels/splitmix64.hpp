#pragma once
/// @file
/// @brief SplitMix64 used as a counter-based generator: output i of seed s is a pure function of (s, i).
///
/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) is a
/// Weyl sequence `state += gamma` passed through a 64-bit finaliser (Stafford's "Mix13" variant of
/// MurmurHash3's). Its output passes TestU01's BigCrush; it is the generator Vigna recommends for
/// seeding the xoshiro family. Because the state after i steps is simply `seed + (i + 1) * gamma`, any
/// output can be computed directly from its index. That is what makes Monte Carlo results identical for
/// every partition of the indices over ranks and threads: nobody keeps a stream, everybody computes
/// the numbers of the indices they own. The loop over i vectorises (one 64-bit lane per index).

#include <cstdint>

namespace parakit::kernels {

/// @brief The golden-ratio increment of SplitMix64.
inline constexpr std::uint64_t kSplitMix64Gamma = 0x9e3779b97f4a7c15ULL;

/// @brief SplitMix64's output function (a bijection on 64-bit words).
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// @brief Output number @p index (0-based) of the SplitMix64 stream seeded with @p seed: the value the
/// reference implementation returns on its (index + 1)-th call after `state = seed`.
constexpr std::uint64_t splitmix64(std::uint64_t seed, std::uint64_t index) {
  return splitmix64_mix(seed + (index + 1) * kSplitMix64Gamma);
}

}  // namespace parakit::kernels
