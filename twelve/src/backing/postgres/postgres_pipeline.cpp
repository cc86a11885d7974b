#include "backing/postgres/postgres_pipeline.hpp"

#include <cstring>
#include <utility>

namespace twelve::backing {
namespace {

bool IsError(const Libpq& pq, const PGresult* result) {
  switch (pq.PQresultStatus(result)) {
    case PGRES_FATAL_ERROR:
    case PGRES_NONFATAL_ERROR:
    case PGRES_BAD_RESPONSE:
    case PGRES_PIPELINE_ABORTED:
      return true;
    default:
      return false;
  }
}

// An error that says the session is ending (admin shutdown, connection
// failure, or one libpq made up because the socket broke: no SQLSTATE).
bool EndsSession(const Libpq& pq, const PGresult* result) {
  const char* state = pq.PQresultErrorField(result, PG_DIAG_SQLSTATE);
  if (state == nullptr) {
    return pq.PQresultStatus(result) != PGRES_PIPELINE_ABORTED;
  }
  return std::strncmp(state, "08", 2) == 0 ||
         std::strncmp(state, "57P", 3) == 0;
}

}  // namespace

PostgresPipeline::PostgresPipeline(
    const Libpq* pq, bool pipeline,
    std::span<const PostgresStatement> statements,
    std::chrono::milliseconds timeout)
    : pq_(pq),
      pipeline_(pipeline),
      statements_(statements),
      timeout_(timeout),
      prepared_(statements.size(), Prepared::kNo) {}

void PostgresPipeline::Hold(Call call) { held_.push_back(std::move(call)); }

bool PostgresPipeline::CanSend() const {
  return !held_.empty() && (pipeline_ || sent_.empty());
}

bool PostgresPipeline::SendNext(PGconn* conn) {
  Call call = std::move(held_.front());
  held_.pop_front();
  // One sync point per query: its own implicit transaction, and an error
  // aborts nothing else.
  bool ok = Dispatch(conn, call) && (!pipeline_ || pq_->PQpipelineSync(conn));
  call.deadline = Clock::now() + timeout_;
  sent_.push_back(std::move(call));
  return ok;
}

bool PostgresPipeline::Dispatch(PGconn* conn, Call& call) {
  const PostgresQuery& query = call.query;
  std::vector<const char*> params(query.params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    params[i] = query.params[i].c_str();
  }
  int n = static_cast<int>(params.size());
  if (query.script) return pq_->PQsendQuery(conn, query.sql.c_str()) == 1;
  if (query.statement < 0 || !pipeline_) {
    const char* sql = query.statement < 0 ? query.sql.c_str()
                                          : statements_[query.statement].sql;
    return pq_->PQsendQueryParams(conn, sql, n, nullptr, params.data(), nullptr,
                                  nullptr, 0) == 1;
  }
  const PostgresStatement& statement = statements_[query.statement];
  switch (prepared_[query.statement]) {
    case Prepared::kYes:
      return pq_->PQsendQueryPrepared(conn, statement.name, n, params.data(),
                                      nullptr, nullptr, 0) == 1;
    case Prepared::kPreparing:
      // Its Prepare is not answered yet, and might fail: run it unnamed.
      return pq_->PQsendQueryParams(conn, statement.sql, n, nullptr,
                                    params.data(), nullptr, nullptr, 0) == 1;
    case Prepared::kNo:
      break;
  }
  prepared_[query.statement] = Prepared::kPreparing;
  call.prepares = true;
  return pq_->PQsendPrepare(conn, statement.name, statement.sql, n, nullptr) ==
             1 &&
         pq_->PQsendQueryPrepared(conn, statement.name, n, params.data(),
                                  nullptr, nullptr, 0) == 1;
}

PostgresPipeline::Step PostgresPipeline::Next(PGconn* conn) {
  bool after_null = false;
  while (!sent_.empty() && !pq_->PQisBusy(conn)) {
    PgResult result(pq_->PQgetResult(conn), PgResultDeleter{pq_});
    if (!result) {
      // Without a pipeline, a query's results end with a null.
      if (!pipeline_) return Answer();
      // Two nulls in a row: libpq has nothing queued that we wait for.
      if (after_null) return Step{std::nullopt, "pipeline out of step"};
      after_null = true;
      continue;
    }
    after_null = false;
    // In a pipeline, a query's results end with its sync.
    if (pq_->PQresultStatus(result.get()) == PGRES_PIPELINE_SYNC) {
      return Answer();
    }
    Take(sent_.front(), std::move(result));
  }
  return {};
}

void PostgresPipeline::Take(Call& call, PgResult result) {
  bool error = IsError(*pq_, result.get());
  if (call.prepares && ++call.results == 1) {
    prepared_[call.query.statement] = error ? Prepared::kNo : Prepared::kYes;
  }
  if (call.failed) return;  // the first error is the one that matters
  call.failed = error;
  call.result = std::move(result);
}

PostgresPipeline::Step PostgresPipeline::Answer() {
  Call& front = sent_.front();
  if (front.failed && EndsSession(*pq_, front.result.get())) {
    return Step{std::nullopt, pq_->PQresultErrorMessage(front.result.get())};
  }
  Step step;
  step.answered = std::move(front);
  sent_.pop_front();
  return step;
}

std::deque<PostgresPipeline::Call> PostgresPipeline::TakeSent() {
  return std::exchange(sent_, {});
}

std::deque<PostgresPipeline::Call> PostgresPipeline::TakeHeld() {
  return std::exchange(held_, {});
}

void PostgresPipeline::Reset() {
  prepared_.assign(prepared_.size(), Prepared::kNo);
}

}  // namespace twelve::backing
