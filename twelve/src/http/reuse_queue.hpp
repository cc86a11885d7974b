#pragma once
// ReuseQueue: a FIFO of a connection's pending answers whose elements are
// reused, not destroyed. PushBack() hands out the element after the last,
// still holding what it held when it was popped: assigning over it keeps the
// capacity of its strings, so a pipelined connection stops allocating once
// its queue has grown to its depth.
//
// Why not std::deque: with elements of a few hundred bytes it allocates a
// node per two of them, and one more per popped element's strings; it also
// allocates a map and a node as soon as it is constructed, for every
// connection, even one that never waits for an answer (sync handlers).
//
// The storage grows by one element when full and is released by Clear().

#include <algorithm>
#include <cstddef>
#include <vector>

namespace twelve::http {

template <typename T>
class ReuseQueue {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // How many elements are kept, in use or not.
  std::size_t capacity() const { return items_.size(); }

  T& front() { return items_[head_]; }
  T& back() { return (*this)[size_ - 1]; }
  // The element `index` places behind the front (index < size()).
  T& operator[](std::size_t index) { return items_[Wrap(head_ + index)]; }

  // Appends the element after the last and returns it: a reused one holds
  // the values it had when popped; the caller assigns every field.
  T& PushBack() {
    if (size_ == items_.size()) {
      // Full: make the front the first element, then grow at the end.
      std::rotate(items_.begin(), items_.begin() + static_cast<long>(head_),
                  items_.end());
      head_ = 0;
      items_.emplace_back();
    }
    return items_[Wrap(head_ + size_++)];
  }
  // Removes the front element (kept for reuse).
  void PopFront() {
    head_ = Wrap(head_ + 1);
    --size_;
  }
  // Removes every element and releases the storage.
  void Clear() {
    std::vector<T>().swap(items_);
    head_ = 0;
    size_ = 0;
  }

 private:
  std::size_t Wrap(std::size_t index) const {
    return index >= items_.size() ? index - items_.size() : index;
  }

  std::vector<T> items_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace twelve::http
