#pragma once
// PostgresStatementCache: the statements one PostgreSQL session has
// prepared by name, so that a statement the connection runs again is
// Bound and Executed without another Parse (the server neither parses nor
// plans it again).
//
// A statement is its SQL text and the type OIDs its Parse declares: the same
// text with other types is another statement (the server would infer other
// parameter types). Each gets a name unique in the connection's life
// ("twelve_1", "twelve_2", ...): a forgotten name is never reused, so a
// late answer about it cannot be mistaken for its successor's.
//
// The cache is bounded (kMaxStatements): past it, statements run unnamed,
// as every statement did before. Nothing is evicted, so an app that builds
// SQL text from values (instead of parameters) fills it once and then runs
// unnamed; an app's distinct statements are a few dozen.
//
// Threading: the connection's loop only.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace twelve::backing {

class PostgresStatementCache {
 public:
  static constexpr std::size_t kMaxStatements = 256;

  // How a call runs its statement.
  struct Use {
    std::string_view name;  // "" (the unnamed statement) or the cached name
    std::uint64_t id = 0;   // the cached statement's id; 0 when unnamed
    bool parse = true;      // a Parse of `name` precedes the call's Bind
  };

  // Whether this session has prepared `sql` with `types`: the name to run
  // it by, and whether to Parse it first. The first use of a statement
  // prepares it under a new name (unless the cache is full); while that
  // Parse is unanswered (it may fail), other uses parse it unnamed.
  // `name` stays valid until the next call that changes the cache.
  Use Prepare(std::string_view sql, std::span<const std::int32_t> types);
  // The Parse of statement `id` succeeded: later uses skip it.
  void Parsed(std::string_view sql, std::span<const std::int32_t> types,
              std::uint64_t id);
  // The Parse of statement `id` failed: the next use parses it again.
  void ParseFailed(std::string_view sql, std::span<const std::int32_t> types,
                   std::uint64_t id);
  // The server no longer runs statement `id` as prepared (its plan was
  // invalidated by a schema change, or it is gone): forgets it, so that the
  // next use prepares it again under a new name. Returns the name the
  // server may still hold (the caller closes it), or "" if `id` was
  // already forgotten.
  std::string Forget(std::string_view sql, std::span<const std::int32_t> types,
                     std::uint64_t id);
  // The session is gone: nothing is prepared any more.
  void Clear() { entries_.clear(); }

  std::size_t size() const { return entries_.size(); }

 private:
  enum class State { kNo, kPreparing, kYes };
  struct Entry {
    std::string name;
    std::uint64_t id = 0;
    State state = State::kNo;
  };
  // A key to look an entry up by, without copying the query's text.
  struct KeyView {
    std::string_view sql;
    std::span<const std::int32_t> types;
  };
  struct Key {
    std::string sql;
    std::vector<std::int32_t> types;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(const KeyView& key) const;
    std::size_t operator()(const Key& key) const {
      return (*this)(KeyView{key.sql, key.types});
    }
  };
  struct Equal {
    using is_transparent = void;
    static KeyView View(const Key& key) { return {key.sql, key.types}; }
    static KeyView View(const KeyView& key) { return key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      KeyView x = View(a);
      KeyView y = View(b);
      return x.sql == y.sql && std::equal(x.types.begin(), x.types.end(),
                                          y.types.begin(), y.types.end());
    }
  };
  using Map = std::unordered_map<Key, Entry, Hash, Equal>;

  // The entry of `id`, or null if it was forgotten.
  Entry* Find(std::string_view sql, std::span<const std::int32_t> types,
              std::uint64_t id);

  Map entries_;
  std::uint64_t last_id_ = 0;
};

}  // namespace twelve::backing
