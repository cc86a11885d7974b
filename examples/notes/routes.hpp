#pragma once
// notes' HTTP routes: thin adapters from JSON requests to Notes and back.
//
//   POST   /notes        {"text": "..."} -> 201 {"id", "text", "created_at"}
//   GET    /notes/{id}   -> 200 the note, or 404
//   GET    /notes?limit=N -> 200 {"notes": [...]}, newest first (default 20,
//                          1 to 100)
//   DELETE /notes/{id}   -> 204, or 404
//
// Every error is JSON, {"error": "..."}, naming the field and what was
// expected: 400 for a body or limit that is not what is expected (not
// application/json, malformed, not an object, "text" missing, not a string,
// empty or over 1000 characters); 404 for an id that names no note,
// including one that is not a positive integer up to 2^63-1 (such a path
// names no resource, so it is not found rather than bad); 503 with
// Retry-After when the database is unavailable; 500 otherwise (logged).

#include <twelve/http/router.hpp>
#include <twelve/log/logger.hpp>

#include "notes.hpp"

namespace notes {

void AddRoutes(twelve::Router& router, Notes& notes, const twelve::Logger& log);

}  // namespace notes
