#pragma once
// Notes: the domain of the notes app, on sql::Client. No HTTP here: the
// routes adapt requests to these calls and their answers to responses.
//
// Failures: kInvalidArgument (a text or limit out of bounds, saying what
// was expected), kNotFound (no note has that id), and the database's own
// (kUnavailable, kTimeout, kAmbiguous, kInternal; see twelve/backing/sql.hpp).
// Callbacks run on the caller's loop.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <twelve/backing/sql.hpp>
#include <vector>

namespace notes {

struct Note {
  std::int64_t id = 0;
  std::string text;
  std::string created_at;  // RFC 3339, UTC, milliseconds
};

class Notes {
 public:
  static constexpr std::size_t kMaxTextCharacters = 1000;
  static constexpr int kDefaultLimit = 20;
  static constexpr int kMaxLimit = 100;

  // Move-only, as the database's are: a callback may own a Responder.
  using NoteCallback = twelve::StoreCallback<void(twelve::Result<Note>)>;
  using ListCallback =
      twelve::StoreCallback<void(twelve::Result<std::vector<Note>>)>;
  using StatusCallback = twelve::StoreCallback<void(twelve::Status)>;

  explicit Notes(twelve::sql::Client& db) : db_(db) {}

  // OK when `text` holds 1 to kMaxTextCharacters characters: Unicode code
  // points, not bytes, of UTF-8 text (the JSON parser has checked it).
  static twelve::Status CheckText(std::string_view text);
  // OK when 1 <= limit <= kMaxLimit.
  static twelve::Status CheckLimit(std::int64_t limit);

  // Keeps a new note (CheckText first) and reports it with its id.
  void Create(std::string text, NoteCallback done);
  void Get(std::int64_t id, NoteCallback done);
  // The `limit` newest notes, newest first.
  void Newest(std::int64_t limit, ListCallback done);
  void Delete(std::int64_t id, StatusCallback done);

 private:
  twelve::sql::Client& db_;
};

}  // namespace notes
