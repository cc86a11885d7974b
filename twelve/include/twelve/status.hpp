#pragma once
// Status and Result<T>: how the kit reports expected failures.
//
// Contract: a function that can fail in an expected way (bad input, a backing
// service down, a timeout) returns a Status or a Result<T>; it never throws for
// those. Exceptions are reserved for bugs and are caught at the process edge.
// Result<T> is shaped like std::expected<T, Status> (C++23) so that it can be
// replaced by it later without touching callers.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace twelve {

enum class StatusCode {
  kOk,
  kInvalidArgument,  // the caller's input is wrong; retrying will not help
  kNotFound,
  kUnavailable,  // a dependency cannot be reached now; retrying may help
  kTimeout,      // no answer in time; if it was sent, it may have taken
                 // effect: never retry a write blindly
  kAmbiguous,    // sent, but the outcome is unknown; never retry blindly
  kInternal,     // a bug or an invariant broken
};

// Returns a stable lower-case name such as "unavailable", for logs.
const char* StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }
  static Status Timeout(std::string message) {
    return Status(StatusCode::kTimeout, std::move(message));
  }
  static Status Ambiguous(std::string message) {
    return Status(StatusCode::kAmbiguous, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "unavailable: connection refused"; "ok" when ok().
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a T or the Status saying why there is none. A Result built from a
// Status must not be built from an OK status.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(state_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The failure; OK when this Result holds a value.
  Status status() const { return ok() ? Status() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace twelve
