#pragma once
/// @file
/// @brief An allocator whose new elements are left uninitialised, for buffers that are written right
/// after they grow: `resize` then costs no memset, and the first write (by the thread that owns the
/// memory) faults its pages in.

#include <memory>
#include <new>
#include <utility>

namespace parakit::kernels {

/// @brief std::allocator, but `construct(p)` default-initialises (nothing, for a number).
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>& /*other*/) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-initialisation: nothing for a double
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

}  // namespace parakit::kernels
