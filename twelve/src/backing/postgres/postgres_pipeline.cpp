#include "backing/postgres/postgres_pipeline.hpp"

#include <utility>

namespace twelve::backing {
namespace {

// An error after which the server ends the session (FATAL, PANIC), or one
// that says the session is going away (connection exception, operator
// intervention such as an administrator's shutdown).
bool EndsSession(const pg::ServerError& error) {
  return error.severity == "FATAL" || error.severity == "PANIC" ||
         error.sqlstate.starts_with("08") || error.sqlstate.starts_with("57P");
}

// A message that means the connection cannot go on.
PostgresPipeline::Step Broken(Status status) {
  return PostgresPipeline::Step{std::nullopt, std::move(status)};
}

PostgresPipeline::Step Unexpected(char type) {
  return Broken(Status::Unavailable(
      std::string("the server sent an unexpected message '") + type +
      "' (not the PostgreSQL protocol this driver speaks)"));
}

// Errors that say a prepared statement cannot run as prepared any more:
// "cached plan must not change result type" (a schema change, such as a
// column added under SELECT *), or the statement is gone (someone ran
// DEALLOCATE ALL or DISCARD ALL in the session).
bool InvalidatesStatement(const pg::ServerError& error) {
  return error.sqlstate == "0A000" || error.sqlstate == "26000";
}

}  // namespace

PostgresPipeline::PostgresPipeline(std::chrono::milliseconds timeout)
    : timeout_(timeout) {}

void PostgresPipeline::Hold(Call call) { held_.push_back(std::move(call)); }

void PostgresPipeline::SendHeld(std::string& out) {
  Clock::time_point deadline = Clock::now() + timeout_;
  while (!held_.empty()) {
    Call call = std::move(held_.front());
    held_.pop_front();
    Encode(call, out);
    call.deadline = deadline;
    sent_.push_back(std::move(call));
  }
}

void PostgresPipeline::Encode(Call& call, std::string& out) {
  const PostgresQuery& query = call.query;
  if (query.script) {
    pg::AppendQuery(out, query.sql);  // answered by its own ReadyForQuery
    return;
  }
  for (const std::string& name : to_close_) {
    pg::AppendCloseStatement(out, name);
  }
  to_close_.clear();
  PostgresStatementCache::Use use;  // unnamed
  if (query.then.empty()) {
    use = statements_.Prepare(query.sql, query.param_types);
  }
  if (use.parse) pg::AppendParse(out, use.name, query.sql, query.param_types);
  call.statement = use.id;
  call.prepares = use.parse && use.id != 0;
  pg::AppendBind(out, use.name, query.params);
  if (query.describe) pg::AppendDescribePortal(out);
  pg::AppendExecute(out);
  for (const PostgresQuery& next : query.then) EncodeThen(next, out);
  pg::AppendSync(out);
}

void PostgresPipeline::EncodeThen(const PostgresQuery& query,
                                  std::string& out) {
  pg::AppendParse(out, "", query.sql, query.param_types);
  pg::AppendBind(out, "", query.params);
  if (query.describe) pg::AppendDescribePortal(out);
  pg::AppendExecute(out);
}

PostgresPipeline::Step PostgresPipeline::Take(const pg::Message& message) {
  if (message.type == 'E') return TakeError(message.body);
  if (sent_.empty()) return Unexpected(message.type);
  Call& call = sent_.front();
  switch (message.type) {
    case '1': {  // ParseComplete
      if (call.prepares && !call.parsed) {
        call.parsed = true;
        statements_.Parsed(call.query.sql, call.query.param_types,
                           call.statement);
      }
      return {};
    }
    case '2':  // BindComplete
    case '3':  // CloseComplete
    case 'n':  // NoData
      return {};
    case 'T': {  // RowDescription (asked by describe): every column is
                 // text, as Bind asked
      if (!call.query.describe) return {};
      Status status = pg::DecodeRowDescription(message.body, call.columns);
      if (!status.ok()) return Broken(status);
      return {};
    }
    case 'D':  // DataRow
      return TakeRow(call, message.body);
    case 'C': {  // CommandComplete: a statement is done
      Result<std::string_view> tag = pg::DecodeCommandComplete(message.body);
      if (!tag.ok()) return Broken(tag.status());
      if (call.query.describe) {
        call.result.statements.push_back({std::exchange(call.columns, {}),
                                          std::exchange(call.rows, {}),
                                          std::string(*tag)});
        return {};
      }
      call.result.command = std::string(*tag);
      call.result.rows = std::exchange(call.rows, {});
      return {};
    }
    case 'I':  // EmptyQueryResponse
      call.result.rows.clear();
      call.result.command.clear();
      return {};
    case 'Z': {  // ReadyForQuery: the call is answered in full
      Result<char> state = pg::DecodeReadyForQuery(message.body);
      if (!state.ok()) return Broken(state.status());
      return Answer();
    }
    default:
      return Unexpected(message.type);
  }
}

PostgresPipeline::Step PostgresPipeline::TakeRow(Call& call,
                                                 std::string_view body) {
  if (!call.too_large.empty()) return {};  // dropped as it comes
  if (++call.result_rows > kMaxResultRows) {
    call.too_large = std::to_string(kMaxResultRows) + " rows";
  } else {
    PostgresResult::Row row;
    if (Status status = pg::DecodeDataRow(body, row); !status.ok()) {
      return Broken(status);
    }
    call.result_bytes += body.size() + sizeof(PostgresResult::Row) +
                         row.size() * sizeof(PostgresResult::Row::value_type);
    if (call.result_bytes <= kMaxResultBytes) {
      call.rows.push_back(std::move(row));
      return {};
    }
    call.too_large = std::to_string(kMaxResultBytes) + " bytes of rows";
  }
  // Given back now: the call will never use them.
  std::vector<PostgresResult::Row>().swap(call.rows);
  std::vector<PostgresResult::Row>().swap(call.result.rows);
  std::vector<PostgresResult::Statement>().swap(call.result.statements);
  return {};
}

Result<PostgresResult> PostgresPipeline::Call::Outcome() && {
  if (!too_large.empty()) {
    return Status::Internal(
        "postgres: the query's result passed the limit of " + too_large +
        " (the rest was read and dropped; ask for fewer rows, with LIMIT or "
        "a cursor)");
  }
  return std::move(result);
}

PostgresPipeline::Step PostgresPipeline::TakeError(std::string_view body) {
  Result<pg::ServerError> error = pg::DecodeError(body);
  if (!error.ok()) return Broken(error.status());
  if (EndsSession(*error) || sent_.empty()) {
    return Broken(Status::Unavailable(pg::Describe(*error)));
  }
  Call& call = sent_.front();
  // The server skips the call's other messages up to its sync; the first
  // error is the one that matters.
  if (!call.result.error) call.result.error = std::move(*error);
  return {};
}

PostgresPipeline::Step PostgresPipeline::Answer() {
  Call& call = sent_.front();
  if (call.statement != 0) Settle(call);
  Step step;
  step.answered = std::move(call);
  sent_.pop_front();
  return step;
}

void PostgresPipeline::Settle(const Call& call) {
  const PostgresQuery& query = call.query;
  if (call.prepares && !call.parsed) {  // retried next time
    statements_.ParseFailed(query.sql, query.param_types, call.statement);
  } else if (call.result.error && InvalidatesStatement(*call.result.error)) {
    std::string name =
        statements_.Forget(query.sql, query.param_types, call.statement);
    if (!name.empty()) to_close_.push_back(std::move(name));
  }
}

std::deque<PostgresPipeline::Call> PostgresPipeline::TakeSent() {
  return std::exchange(sent_, {});
}

std::deque<PostgresPipeline::Call> PostgresPipeline::TakeHeld() {
  return std::exchange(held_, {});
}

void PostgresPipeline::Reset() {
  statements_.Clear();
  to_close_.clear();
}

}  // namespace twelve::backing
