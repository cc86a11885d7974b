#pragma once
// W3C Trace Context (level 1): the `traceparent` request header that ties
// this server's log events to a distributed trace.
//
//   traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//                ^^ version  ^^ trace-id (32 hex)    ^^ parent-id   ^^ flags
//
// The model (the spec's): the caller's span is the parent; this server's
// handling of the request is a new span with an id of its own. So a request
// with a valid traceparent logs trace_id (the caller's), span_id (this
// server's, generated) and parent_span_id (the caller's parent-id). An
// invalid or absent header is ignored: the request is served as any other,
// with its request_id only.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace twelve {

// A parsed traceparent header.
struct TraceParent {
  std::uint8_t version = 0;
  std::array<char, 32> trace_id{};   // lowercase hex, not all zeros
  std::array<char, 16> parent_id{};  // lowercase hex, not all zeros
  std::uint8_t flags = 0;            // bit 0: sampled
};

// Parses `value` strictly, as the spec asks of a receiver: lowercase hex
// only; version ff is invalid; version 00 is exactly 55 characters; a higher
// (future) version is read as 00's fields and may carry more after a '-'
// (its own fields, ignored); all-zero trace-id or parent-id is invalid.
// nullopt when invalid.
std::optional<TraceParent> ParseTraceparent(std::string_view value);

// The trace a request belongs to and this server's span in it. Plain bytes,
// so copying one costs no allocation.
struct TraceContext {
  std::array<char, 32> trace_id{};
  std::array<char, 16> span_id{};         // this server's span
  std::array<char, 16> parent_span_id{};  // the caller's span

  std::string_view trace_id_view() const { return {trace_id.data(), 32}; }
  std::string_view span_id_view() const { return {span_id.data(), 16}; }
  std::string_view parent_span_id_view() const {
    return {parent_span_id.data(), 16};
  }
};

}  // namespace twelve
