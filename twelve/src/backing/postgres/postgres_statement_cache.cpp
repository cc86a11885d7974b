#include "backing/postgres/postgres_statement_cache.hpp"

#include <functional>
#include <utility>

namespace twelve::backing {

std::size_t PostgresStatementCache::Hash::operator()(const KeyView& key) const {
  std::size_t hash = std::hash<std::string_view>()(key.sql);
  for (std::int32_t type : key.types) {
    hash = hash * 31 + static_cast<std::uint32_t>(type);
  }
  return hash;
}

PostgresStatementCache::Use PostgresStatementCache::Prepare(
    std::string_view sql, std::span<const std::int32_t> types) {
  auto it = entries_.find(KeyView{sql, types});
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxStatements) return Use{};
    std::uint64_t id = ++last_id_;
    Key key{std::string(sql),
            std::vector<std::int32_t>(types.begin(), types.end())};
    it = entries_
             .emplace(std::move(key),
                      Entry{"twelve_" + std::to_string(id), id, State::kNo})
             .first;
  }
  Entry& entry = it->second;
  switch (entry.state) {
    case State::kYes:
      return Use{entry.name, entry.id, false};
    case State::kPreparing:
      return Use{};
    case State::kNo:
      entry.state = State::kPreparing;
      return Use{entry.name, entry.id, true};
  }
  return Use{};
}

PostgresStatementCache::Entry* PostgresStatementCache::Find(
    std::string_view sql, std::span<const std::int32_t> types,
    std::uint64_t id) {
  auto it = entries_.find(KeyView{sql, types});
  if (it == entries_.end() || it->second.id != id) return nullptr;
  return &it->second;
}

void PostgresStatementCache::Parsed(std::string_view sql,
                                    std::span<const std::int32_t> types,
                                    std::uint64_t id) {
  if (Entry* entry = Find(sql, types, id)) entry->state = State::kYes;
}

void PostgresStatementCache::ParseFailed(std::string_view sql,
                                         std::span<const std::int32_t> types,
                                         std::uint64_t id) {
  if (Entry* entry = Find(sql, types, id)) entry->state = State::kNo;
}

std::string PostgresStatementCache::Forget(std::string_view sql,
                                           std::span<const std::int32_t> types,
                                           std::uint64_t id) {
  auto it = entries_.find(KeyView{sql, types});
  if (it == entries_.end() || it->second.id != id) return {};
  std::string name = std::move(it->second.name);
  entries_.erase(it);
  return name;
}

}  // namespace twelve::backing
