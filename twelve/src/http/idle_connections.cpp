#include "http/idle_connections.hpp"

#include <algorithm>

#include "http/connection.hpp"

namespace twelve::http {
namespace {

// Candidates kept per search: one walk of the connections serves this many
// evictions.
constexpr std::size_t kCandidates = 64;

}  // namespace

std::optional<IdleConnections::Clock::time_point> IdleConnections::Oldest(
    const List& connections) {
  bool searched = false;
  Candidate* top = Top(connections, searched);
  if (top == nullptr) return std::nullopt;
  return top->since;
}

bool IdleConnections::EvictOldest(const List& connections) {
  bool searched = false;
  while (Candidate* top = Top(connections, searched)) {
    std::shared_ptr<Connection> connection = top->connection.lock();
    candidates_.pop_back();
    if (connection->Evict()) return true;
  }
  return false;
}

void IdleConnections::Forget() {
  candidates_.clear();
  found_none_ = false;
}

// A candidate still counts if it has not been heard from since it was found
// and no request waits unread in its socket. One search per call at most: a
// connection with unread bytes still looks idle to a search.
IdleConnections::Candidate* IdleConnections::Top(const List& connections,
                                                 bool& searched) {
  for (;;) {
    if (candidates_.empty()) {
      if (searched || !Search(connections)) return nullptr;
      searched = true;
    }
    Candidate& top = candidates_.back();
    std::shared_ptr<Connection> connection = top.connection.lock();
    if (connection && connection->IdleSince() == top.since &&
        !connection->HasUnreadBytes()) {
      return &top;
    }
    candidates_.pop_back();
  }
}

// Keeps the kCandidates oldest idle connections in a max-heap on their idle
// time (the youngest on top, replaced by an older one), then sorts them so
// that the oldest is last.
bool IdleConnections::Search(const List& connections) {
  if (found_none_) return false;
  auto younger = [](const Candidate& a, const Candidate& b) {
    return a.since < b.since;
  };
  candidates_.clear();
  for (const std::shared_ptr<Connection>& connection : connections) {
    std::optional<Clock::time_point> since = connection->IdleSince();
    if (!since) continue;
    if (candidates_.size() == kCandidates) {
      if (*since >= candidates_.front().since) continue;
      std::pop_heap(candidates_.begin(), candidates_.end(), younger);
      candidates_.pop_back();
    }
    candidates_.push_back(Candidate{connection, *since});
    std::push_heap(candidates_.begin(), candidates_.end(), younger);
  }
  std::sort(
      candidates_.begin(), candidates_.end(),
      [](const Candidate& a, const Candidate& b) { return a.since > b.since; });
  found_none_ = candidates_.empty();
  return !found_none_;
}

}  // namespace twelve::http
