#pragma once
// MoveOnlyFunction<R(Args...), N>: a callable that may own move-only state,
// kept inline when it fits in N bytes. Shaped like C++23's
// std::move_only_function so that it can be replaced by it later, with one
// difference that is the reason it exists: the inline size is the caller's
// choice. A callback that carries a request's answer (a Responder and a
// RequestLog, ~240 bytes) then costs no allocation, where std::function
// needs a copyable target (a Responder is not: it would travel behind a
// shared_ptr) and allocates anything over 16 bytes.
//
// Contract: a callable F is stored inline when StoresInline<F> (it fits, its
// alignment is at most max_align_t's and its move cannot throw), on the heap
// otherwise. A moved-from MoveOnlyFunction is empty. Calling an empty one is
// a bug: it throws std::bad_function_call. Not thread-safe: one owner at a
// time, as any value.

#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace twelve {

template <class Signature, std::size_t kInlineBytes = 2 * sizeof(void*)>
class MoveOnlyFunction;

template <class R, class... Args, std::size_t kInlineBytes>
class MoveOnlyFunction<R(Args...), kInlineBytes> {
 public:
  template <class F>
  static constexpr bool StoresInline = sizeof(F) <= kInlineBytes &&
                                       alignof(F) <=
                                           alignof(std::max_align_t) &&
                                       std::is_nothrow_move_constructible_v<F>;

  MoveOnlyFunction() noexcept = default;
  MoveOnlyFunction(std::nullptr_t) noexcept {}

  template <class F, class D = std::decay_t<F>>
  requires(!std::is_same_v<D, MoveOnlyFunction> &&
           std::is_invocable_r_v<R, D&, Args...>) MoveOnlyFunction(F&& f) {
    if constexpr (std::is_pointer_v<D> || std::is_member_pointer_v<D>) {
      if (f == nullptr) return;  // empty, as std::function from a null one
    }
    if constexpr (StoresInline<D>) {
      ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
    } else {
      *reinterpret_cast<D**>(storage_) = new D(std::forward<F>(f));
    }
    ops_ = &kOps<D>;
  }

  MoveOnlyFunction(MoveOnlyFunction&& other) noexcept { TakeFrom(other); }
  MoveOnlyFunction& operator=(MoveOnlyFunction&& other) noexcept {
    if (this != &other) {
      Reset();
      TakeFrom(other);
    }
    return *this;
  }
  MoveOnlyFunction& operator=(std::nullptr_t) noexcept {
    Reset();
    return *this;
  }
  MoveOnlyFunction(const MoveOnlyFunction&) = delete;
  MoveOnlyFunction& operator=(const MoveOnlyFunction&) = delete;
  ~MoveOnlyFunction() { Reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  R operator()(Args... args) {
    if (ops_ == nullptr) throw std::bad_function_call();
    return ops_->invoke(storage_, std::forward<Args>(args)...);
  }

 private:
  // What the stored type can do, one table per type: call it, move it to
  // other storage (destroying the source) and destroy it.
  struct Ops {
    R (*invoke)(void* storage, Args&&... args);
    void (*relocate)(void* from, void* to) noexcept;
    void (*destroy)(void* storage) noexcept;
  };

  template <class D>
  static D& Target(void* storage) {
    if constexpr (StoresInline<D>) {
      return *std::launder(reinterpret_cast<D*>(storage));
    } else {
      return **reinterpret_cast<D**>(storage);
    }
  }

  template <class D>
  static constexpr Ops kOps = {
      [](void* storage, Args&&... args) -> R {
        return std::invoke(Target<D>(storage), std::forward<Args>(args)...);
      },
      [](void* from, void* to) noexcept {
        if constexpr (StoresInline<D>) {
          D& source = Target<D>(from);
          ::new (to) D(std::move(source));
          source.~D();
        } else {
          *reinterpret_cast<D**>(to) = *reinterpret_cast<D**>(from);
        }
      },
      [](void* storage) noexcept {
        if constexpr (StoresInline<D>) {
          Target<D>(storage).~D();
        } else {
          delete &Target<D>(storage);
        }
      },
  };

  void TakeFrom(MoveOnlyFunction& other) noexcept {
    if (other.ops_ == nullptr) return;
    other.ops_->relocate(other.storage_, storage_);
    ops_ = std::exchange(other.ops_, nullptr);
  }

  void Reset() noexcept {
    if (ops_ == nullptr) return;
    std::exchange(ops_, nullptr)->destroy(storage_);
  }

  // Large enough for a pointer, the form a heap-held target takes.
  alignas(std::max_align_t) unsigned char storage_[kInlineBytes < sizeof(void*)
                                                       ? sizeof(void*)
                                                       : kInlineBytes];
  const Ops* ops_ = nullptr;
};

}  // namespace twelve
