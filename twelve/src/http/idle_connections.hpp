#pragma once
// IdleConnections: which of a worker's connections has been idle the
// longest, for making room at HTTP_MAX_CONNECTIONS.
//
// "Idle the longest" is "its client heard from the longest ago"
// (Connection::IdleSince). Nothing is tracked on the request path: the
// times are read when a search runs. A search walks the worker's
// connections once and keeps the kCandidates oldest idle ones; each is
// checked again before it is used (a connection that was busy meanwhile has
// a newer idle time and is skipped), so candidates come out in the exact
// order of idleness. A search that finds none is not repeated until the
// next Forget() (the worker's sweep), so a flood of connections while every
// connection is busy costs no walk per connection.
//
// Used from the worker's thread only.

#include <chrono>
#include <list>
#include <memory>
#include <optional>
#include <vector>

namespace twelve::http {

class Connection;

class IdleConnections {
 public:
  using Clock = std::chrono::steady_clock;
  using List = std::list<std::shared_ptr<Connection>>;

  // When the connection of `connections` idle the longest became idle, or
  // nullopt when none is idle.
  std::optional<Clock::time_point> Oldest(const List& connections);
  // Closes the connection idle the longest; false when none could be.
  bool EvictOldest(const List& connections);
  // Drops what the last search found, so the next one looks afresh.
  void Forget();

 private:
  struct Candidate {
    std::weak_ptr<Connection> connection;
    Clock::time_point since;
  };

  bool Search(const List& connections);
  // The top candidate, after dropping those no longer idle since the time
  // they were found at; nullptr when none is left. Searches if there are no
  // candidates, unless `searched` says this call already did.
  Candidate* Top(const List& connections, bool& searched);

  std::vector<Candidate> candidates_;  // the oldest last
  bool found_none_ = false;
};

}  // namespace twelve::http
