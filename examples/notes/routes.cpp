#include "routes.hpp"

#include <charconv>
#include <twelve/http/json.hpp>

namespace notes {
namespace {

namespace json = boost::json;

json::object ToJson(const Note& note) {
  return {
      {"id", note.id}, {"text", note.text}, {"created_at", note.created_at}};
}

// A note id from the path: a positive decimal integer that fits in int64.
std::optional<std::int64_t> ParseId(std::optional<std::string_view> text) {
  std::int64_t id = 0;
  if (!text || text->empty() || (*text)[0] == '+' || (*text)[0] == '-') {
    return std::nullopt;
  }
  const char* end = text->data() + text->size();
  auto [at, ec] = std::from_chars(text->data(), end, id);
  if (ec != std::errc() || at != end || id < 1) return std::nullopt;
  return id;
}

twelve::Result<std::int64_t> ParseLimit(std::optional<std::string> text) {
  if (!text) return std::int64_t{Notes::kDefaultLimit};
  std::int64_t limit = 0;
  const char* end = text->data() + text->size();
  auto [at, ec] = std::from_chars(text->data(), end, limit);
  if (text->empty() || ec != std::errc() || at != end) limit = 0;
  if (twelve::Status status = Notes::CheckLimit(limit); !status.ok()) {
    return status;
  }
  return limit;
}

// {"text": "..."}: the text, or kInvalidArgument naming what was expected.
twelve::Result<std::string> TextOf(const twelve::Request& request) {
  twelve::Result<json::value> body = twelve::ParseJsonBody(request);
  if (!body.ok()) return body.status();
  const json::object* object = body->if_object();
  if (object == nullptr) {
    return twelve::Status::InvalidArgument(
        "body: expected a JSON object {\"text\": \"...\"}");
  }
  const json::value* text = object->if_contains("text");
  if (text == nullptr) {
    return twelve::Status::InvalidArgument(
        "text: expected a string of 1 to 1000 characters, got nothing");
  }
  if (!text->is_string()) {
    return twelve::Status::InvalidArgument(
        "text: expected a string of 1 to 1000 characters, got " +
        std::string(json::to_string(text->kind())));
  }
  return std::string(text->get_string());
}

twelve::Response Failure(const twelve::Status& status,
                         const twelve::Logger& log) {
  switch (status.code()) {
    case twelve::StatusCode::kInvalidArgument:
      return twelve::JsonError(400, status.message());
    case twelve::StatusCode::kNotFound:
      return twelve::JsonError(404, status.message());
    case twelve::StatusCode::kUnavailable:
    case twelve::StatusCode::kTimeout:
    case twelve::StatusCode::kAmbiguous:
      log.Warn("database unavailable", {{"error", status.ToString()}});
      return twelve::JsonError(503, "database unavailable, retry shortly")
          .With("Retry-After", "1");
    default:
      log.Error("request failed", {{"error", status.ToString()}});
      return twelve::JsonError(500, "internal error");
  }
}

// Sends the note as JSON with `code`, or the failure.
Notes::NoteCallback SendNote(twelve::Responder responder,
                             const twelve::Logger& log, int code) {
  return [responder = std::move(responder), &log,
          code](twelve::Result<Note> note) mutable {
    responder.Send(note.ok() ? twelve::JsonResponse(ToJson(*note), code)
                             : Failure(note.status(), log));
  };
}

twelve::Response NoSuchId(std::optional<std::string_view> id) {
  return twelve::JsonError(404, "no note has id '" +
                                    std::string(id.value_or("")) +
                                    "' (expected a positive integer)");
}

// POST /notes {"text": "..."}: 201 and the note.
twelve::AsyncHandler CreateNote(Notes& notes, const twelve::Logger& log) {
  return [&notes, &log](const twelve::Request& request,
                        twelve::Responder responder) {
    twelve::Result<std::string> text = TextOf(request);
    if (!text.ok()) return responder.Send(Failure(text.status(), log));
    notes.Create(std::move(*text), SendNote(std::move(responder), log, 201));
  };
}

// GET /notes/{id}: 200 and the note.
twelve::AsyncHandler ReadNote(Notes& notes, const twelve::Logger& log) {
  return [&notes, &log](const twelve::Request& request,
                        twelve::Responder responder) {
    std::optional<std::int64_t> id = ParseId(request.Param("id"));
    if (!id) return responder.Send(NoSuchId(request.Param("id")));
    notes.Get(*id, SendNote(std::move(responder), log, 200));
  };
}

// GET /notes?limit=N: 200 and {"notes": [...]}, newest first.
twelve::AsyncHandler ListNotes(Notes& notes, const twelve::Logger& log) {
  return [&notes, &log](const twelve::Request& request,
                        twelve::Responder responder) {
    twelve::Result<std::int64_t> limit =
        ParseLimit(request.QueryParam("limit"));
    if (!limit.ok()) return responder.Send(Failure(limit.status(), log));
    notes.Newest(*limit, [responder = std::move(responder),
                          &log](twelve::Result<std::vector<Note>> all) mutable {
      if (!all.ok()) return responder.Send(Failure(all.status(), log));
      json::array list;
      for (const Note& note : *all) list.push_back(ToJson(note));
      responder.Send(twelve::JsonResponse(json::object{{"notes", list}}));
    });
  };
}

// DELETE /notes/{id}: 204.
twelve::AsyncHandler DeleteNote(Notes& notes, const twelve::Logger& log) {
  return [&notes, &log](const twelve::Request& request,
                        twelve::Responder responder) {
    std::optional<std::int64_t> id = ParseId(request.Param("id"));
    if (!id) return responder.Send(NoSuchId(request.Param("id")));
    notes.Delete(*id, [responder = std::move(responder),
                       &log](twelve::Status status) mutable {
      twelve::Response gone;
      gone.status = 204;
      responder.Send(status.ok() ? std::move(gone) : Failure(status, log));
    });
  };
}

}  // namespace

void AddRoutes(twelve::Router& router, Notes& notes,
               const twelve::Logger& log) {
  router.HandleAsync("POST", "/notes", CreateNote(notes, log));
  router.GetAsync("/notes/{id}", ReadNote(notes, log));
  router.GetAsync("/notes", ListNotes(notes, log));
  router.HandleAsync("DELETE", "/notes/{id}", DeleteNote(notes, log));
}

}  // namespace notes
