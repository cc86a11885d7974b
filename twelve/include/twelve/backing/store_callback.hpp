#pragma once
// StoreCallback<R(Args...)>: how every backing-service client (redis::Client,
// sql::Client) hands back an answer. Move-only, so that a callback may own
// what answers the caller (a Responder travels in it, no shared_ptr), and
// called exactly once, on the loop that made the call.
//
// Up to kStoreCallbackInlineBytes of captured state are kept inline: a
// Responder and a pointer or two (a handler's usual capture) cost no
// allocation; a larger capture is held on the heap, as std::function would.

#include <cstddef>

#include "twelve/move_only_function.hpp"

namespace twelve {

inline constexpr std::size_t kStoreCallbackInlineBytes = 64;

template <class Signature>
using StoreCallback = MoveOnlyFunction<Signature, kStoreCallbackInlineBytes>;

}  // namespace twelve
