#include "notes.hpp"

#include <utility>

namespace notes {
namespace {

constexpr char kColumns[] = "id, text, created_at";

// A row of (id, text, created_at) as a Note; kInternal if it is not one.
twelve::Result<Note> ToNote(const twelve::sql::Row& row) {
  std::optional<std::int64_t> id = row.Int(0);
  std::optional<std::string_view> text = row.Text(1);
  std::optional<std::string_view> created_at = row.Text(2);
  if (!id || !text || !created_at) {
    return twelve::Status::Internal("notes: a row is not a note");
  }
  return Note{*id, std::string(*text), std::string(*created_at)};
}

// The database refused a query: for this app's own SQL that is a bug (or a
// schema not migrated), not the client's mistake, so never a 4xx.
twelve::Status DatabaseFailure(const twelve::Status& status) {
  if (twelve::sql::IsMissingTable(status)) {
    return twelve::Status::Internal(
        status.message() +
        "; the notes table does not exist: run the migrate task (`notes "
        "migrate`)");
  }
  if (status.code() == twelve::StatusCode::kInvalidArgument ||
      status.code() == twelve::StatusCode::kNotFound) {
    return twelve::Status::Internal(status.message());
  }
  return status;
}

twelve::Status NoSuchNote(std::int64_t id) {
  return twelve::Status::NotFound("no note has id " + std::to_string(id));
}

// The code points of UTF-8 `text`: its bytes that do not continue one.
std::size_t CountCharacters(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

}  // namespace

twelve::Status Notes::CheckText(std::string_view text) {
  const std::size_t characters = CountCharacters(text);
  if (characters < 1 || characters > kMaxTextCharacters) {
    return twelve::Status::InvalidArgument("text: expected a string of 1 to " +
                                           std::to_string(kMaxTextCharacters) +
                                           " characters, got " +
                                           std::to_string(characters));
  }
  return twelve::Status::Ok();
}

twelve::Status Notes::CheckLimit(std::int64_t limit) {
  if (limit >= 1 && limit <= kMaxLimit) return twelve::Status::Ok();
  return twelve::Status::InvalidArgument(
      "limit: expected an integer from 1 to " + std::to_string(kMaxLimit));
}

void Notes::Create(std::string text, NoteCallback done) {
  if (twelve::Status status = CheckText(text); !status.ok()) {
    done(std::move(status));
    return;
  }
  db_.Query(
      std::string("INSERT INTO notes (text) VALUES ($1) RETURNING ") + kColumns,
      {std::move(text)},
      [done = std::move(done)](
          twelve::Result<twelve::sql::ResultSet> rows) mutable {
        if (!rows.ok()) return done(DatabaseFailure(rows.status()));
        if (rows->empty()) {
          return done(twelve::Status::Internal("notes: no id returned"));
        }
        done(ToNote((*rows)[0]));
      });
}

void Notes::Get(std::int64_t id, NoteCallback done) {
  db_.Query(std::string("SELECT ") + kColumns + " FROM notes WHERE id = $1",
            {id},
            [id, done = std::move(done)](
                twelve::Result<twelve::sql::ResultSet> rows) mutable {
              if (!rows.ok()) return done(DatabaseFailure(rows.status()));
              if (rows->empty()) return done(NoSuchNote(id));
              done(ToNote((*rows)[0]));
            });
}

void Notes::Newest(std::int64_t limit, ListCallback done) {
  if (twelve::Status status = CheckLimit(limit); !status.ok()) {
    done(std::move(status));
    return;
  }
  db_.Query(std::string("SELECT ") + kColumns +
                " FROM notes ORDER BY id DESC LIMIT $1",
            {limit},
            [done = std::move(done)](
                twelve::Result<twelve::sql::ResultSet> rows) mutable {
              if (!rows.ok()) return done(DatabaseFailure(rows.status()));
              std::vector<Note> notes;
              notes.reserve(rows->size());
              for (const twelve::sql::Row& row : *rows) {
                twelve::Result<Note> note = ToNote(row);
                if (!note.ok()) return done(note.status());
                notes.push_back(std::move(*note));
              }
              done(std::move(notes));
            });
}

void Notes::Delete(std::int64_t id, StatusCallback done) {
  db_.Query(
      "DELETE FROM notes WHERE id = $1", {id},
      [id, done = std::move(done)](
          twelve::Result<twelve::sql::ResultSet> rows) mutable {
        if (!rows.ok()) return done(DatabaseFailure(rows.status()));
        done(rows->affected() == 0 ? NoSuchNote(id) : twelve::Status::Ok());
      });
}

}  // namespace notes
