// Fuzz target (b): the PostgreSQL driver's reading of what a server sends.
// The fuzzer plays the server: its bytes are cut into messages by the
// driver's InputBuffer (fed in pieces, as TCP delivers them), every decoder
// of postgres_protocol.hpp runs on every message, and the messages drive
// what PostgresConnection drives with them: the login (PostgresLogin, with
// cleartext, MD5 or SCRAM-SHA-256[-PLUS] from postgres_auth.hpp), the
// startup's parameters and target_session_attrs, then the query pipeline
// (PostgresPipeline) with calls in flight.
//
// Input: byte 0 cuts the stream (fuzz_support.hpp); byte 1 sets the
// client's side (kFlag* below); the rest is the server's byte stream.
//
// The harness stands in for what a fuzzer cannot guess: with kFlagEchoNonce
// a SASL continuation starting "r=" gets the client's random nonce put in
// front of the rest, and with kFlagHonestFinal a SASL final message is
// replaced by the server signature an honest server would compute
// (scram_server.hpp), so that the exchange can succeed. Iteration counts
// above kMaxFuzzIterations (but within the driver's limit) end the input:
// PBKDF2 would only burn time.
//
// Invariants, beyond the sanitizers: no error the driver makes up holds the
// password; Describe() gives one line; every call in flight is answered at
// most once and the pipeline never answers a call it was not sent.

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backing/postgres/postgres_input_buffer.hpp"
#include "backing/postgres/postgres_login.hpp"
#include "backing/postgres/postgres_pipeline.hpp"
#include "backing/postgres/postgres_protocol.hpp"
#include "backing/postgres/postgres_settings.hpp"
#include "fuzz/fuzz_support.hpp"
#include "fuzz/scram_server.hpp"

namespace twelve::fuzz {
namespace {

using backing::PostgresLogin;
using backing::PostgresPipeline;
using backing::PostgresSettings;

constexpr std::string_view kUser = "fuzz";
// Unlikely to come out of the fuzzer, so that finding it in an error means
// the driver put it there.
constexpr std::string_view kPassword = "pw-3e9f1c77";
constexpr long kMaxFuzzIterations = 64;

constexpr std::uint8_t kFlagBinding = 3;  // 0 disable, 1 prefer, 2 require
constexpr std::uint8_t kFlagTls = 1 << 2;
constexpr std::uint8_t kFlagHashFails = 1 << 3;
constexpr std::uint8_t kFlagEchoNonce = 1 << 4;
constexpr std::uint8_t kFlagHonestFinal = 1 << 5;
constexpr std::uint8_t kFlagNoPassword = 1 << 6;
constexpr std::uint8_t kFlagReadWrite = 1 << 7;  // else target any

constexpr const char* kStatements[] = {
    "INSERT INTO counters VALUES ($1, $2) RETURNING value",
    "SELECT value FROM counters WHERE name = $1",
};

std::string Int32(std::int32_t value) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<char>(
        (static_cast<std::uint32_t>(value) >> (24 - 8 * i)) & 0xff);
  }
  return out;
}

// Whether `server_first`'s iteration count is cheap, or so large that the
// driver refuses it before any PBKDF2.
bool CheapIterations(std::string_view server_first) {
  for (std::string_view rest = server_first; !rest.empty();) {
    std::size_t comma = rest.find(',');
    std::string_view field = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    if (!field.starts_with("i=")) continue;
    std::string_view digits = field.substr(2);
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    if (digits.empty() || digits.size() > 8) continue;  // refused or huge
    long value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return true;  // refused: not a number
      value = value * 10 + (c - '0');
    }
    if (value > kMaxFuzzIterations &&
        value <= backing::pg::ScramSha256::kMaxIterations) {
      return false;
    }
  }
  return true;
}

// Every decoder on every message, whatever its type: none may read past
// the body, whatever the body holds.
void DecodeAll(const backing::pg::Message& message) {
  namespace pg = backing::pg;
  std::string_view body = message.body;
  if (auto auth = pg::DecodeAuthentication(body); auth.ok()) {
    (void)pg::DecodeSaslMechanisms(auth->data);
  }
  if (auto error = pg::DecodeError(body); error.ok()) {
    Require(pg::Describe(*error).find('\n') == std::string::npos,
            "Describe() gives one line");
  }
  (void)pg::DecodeParameterStatus(body);
  (void)pg::DecodeReadyForQuery(body);
  std::vector<std::optional<std::string>> row;
  if (pg::DecodeDataRow(body, row).ok()) {
    std::size_t bytes = 0;
    for (const auto& value : row) bytes += value ? value->size() : 0;
    Require(bytes + 4 * row.size() + 2 <= body.size(),
            "a DataRow's values fit in its body");
  }
  std::vector<std::string> names;
  if (pg::DecodeRowDescription(body, names).ok()) {
    std::size_t bytes = 0;
    for (const std::string& name : names) bytes += name.size();
    Require(bytes + 19 * names.size() + 2 == body.size(),
            "a RowDescription's fields fill its body");
  }
  (void)pg::DecodeCommandComplete(body);
  (void)pg::DecodeNegotiateProtocolVersion(body);
}

class Session {
 public:
  explicit Session(std::uint8_t flags)
      : flags_(flags),
        login_(std::string(kUser),
               flags & kFlagNoPassword ? "" : std::string(kPassword),
               static_cast<PostgresSettings::ChannelBinding>(
                   (flags & kFlagBinding) % 3),
               EndPointHash(flags)),
        pipeline_(std::chrono::seconds(10)) {
    Hold(0, {"visits", "1"});
    Hold(1, {"visits"});
    Hold(0, {"visits", "2"});  // unnamed, while the first Parse is pending
    PostgresPipeline::Call raw;
    raw.query.sql = "SELECT 1";
    Hold(std::move(raw));
    PostgresPipeline::Call script;
    script.query.sql = "CREATE TABLE a (b int); INSERT INTO a VALUES (1)";
    script.query.script = true;
    Hold(std::move(script));
  }

  // False once the session is over (refused, broken or cut short).
  bool Receive(std::string_view piece) {
    std::span<char> room = input_.Prepare(piece.size());
    std::memcpy(room.data(), piece.data(), piece.size());
    input_.Commit(piece.size());
    for (;;) {
      auto message = input_.Next();
      if (!message.ok()) return Over(message.status().message());
      if (!*message) return true;
      DecodeAll(**message);
      if (!Take(**message)) return false;
    }
  }

  void Finish() {
    std::size_t left = pipeline_.TakeSent().size();
    Require(answered_ + left == sent_ && delivered_ == answered_,
            "a call is answered at most once");
    pipeline_.TakeHeld();
  }

  void set_password_in_input(bool in_input) { password_in_input_ = in_input; }

 private:
  static PostgresLogin::EndPointHash EndPointHash(std::uint8_t flags) {
    if (!(flags & kFlagTls)) return {};
    if (flags & kFlagHashFails) {
      return [] { return Result<std::string>(Status::Unavailable("no hash")); };
    }
    return [] { return Result<std::string>(std::string(32, '\x5a')); };
  }

  void Hold(int statement, std::vector<std::string> params) {
    PostgresPipeline::Call call;
    call.query.sql = kStatements[statement];  // prepared on first use
    call.query.params.assign(params.begin(), params.end());
    Hold(std::move(call));
  }
  void Hold(PostgresPipeline::Call call) {
    call.done = [this](const Result<backing::PostgresResult>&) {
      ++delivered_;
    };
    pipeline_.Hold(std::move(call));
    ++held_;
  }

  bool Over(const std::string& why) {
    Require(password_in_input_ || why.find(kPassword) == std::string::npos,
            "no error holds the password");
    return false;
  }

  // As PostgresConnection::HandMessage: the asynchronous messages at any
  // time, then by phase.
  bool Take(const backing::pg::Message& message) {
    switch (message.type) {
      case 'N':
      case 'A':
        return true;
      case 'S': {
        auto parameter = backing::pg::DecodeParameterStatus(message.body);
        if (!parameter.ok()) return Over(parameter.status().message());
        parameters_.insert_or_assign(std::string(parameter->first),
                                     std::string(parameter->second));
        return true;
      }
      default:
        return ready_ ? TakeReady(message) : TakeStartup(message);
    }
  }

  bool TakeStartup(const backing::pg::Message& message) {
    switch (message.type) {
      case 'R':
        return Authenticate(message.body);
      case 'K':
        return true;
      case 'E': {
        auto error = backing::pg::DecodeError(message.body);
        return Over(error.ok() ? backing::pg::Describe(*error)
                               : error.status().message());
      }
      case 'Z': {
        if (!login_.done()) return Over("started without authenticating");
        Status target = backing::CheckTargetSession(
            flags_ & kFlagReadWrite
                ? PostgresSettings::TargetSession::kReadWrite
                : PostgresSettings::TargetSession::kAny,
            parameters_);
        if (!target.ok()) return Over(target.message());
        ready_ = true;
        std::string out;
        pipeline_.SendHeld(out);
        sent_ = held_;
        return true;
      }
      default:
        return Over("unexpected message");
    }
  }

  bool TakeReady(const backing::pg::Message& message) {
    PostgresPipeline::Step step = pipeline_.Take(message);
    if (!step.broken.ok()) return Over(step.broken.message());
    if (step.answered) {
      ++answered_;
      Require(answered_ <= sent_, "only calls sent are answered");
      step.answered->done(std::move(step.answered->result));
    }
    return true;
  }

  bool Authenticate(std::string_view body) {
    std::string patched;
    auto auth = backing::pg::DecodeAuthentication(body);
    if (auth.ok() && auth->code == 11) {  // SASLContinue: server-first
      std::string_view data = auth->data;
      if ((flags_ & kFlagEchoNonce) && data.starts_with("r=") &&
          !nonce_.empty()) {
        patched = Int32(11) + "r=" + nonce_ + std::string(data.substr(2));
        body = patched;
        data = std::string_view(patched).substr(4);
      }
      if (!CheapIterations(data)) return false;
      server_first_ = std::string(data);
    } else if (auth.ok() && auth->code == 12 && (flags_ & kFlagHonestFinal)) {
      if (auto final_message = ScramServerFinal(kPassword, client_first_bare_,
                                                server_first_, client_final_)) {
        patched = Int32(12) + *final_message;
        body = patched;
      }
    }
    std::string out;
    Status answered = login_.Answer(body, out);
    if (!answered.ok()) return Over(answered.message());
    RememberClientMessage(out);
    return true;
  }

  // What the client said in a SASL exchange, for the harness's server side:
  // its first message's nonce and bare part, its final message without the
  // proof. Both are 'p' messages whose SASL data ends the message.
  void RememberClientMessage(std::string_view out) {
    if (out.empty() || out[0] != 'p') return;
    std::size_t bare = out.find("n=,r=");
    if (bare != std::string_view::npos) {
      client_first_bare_ = std::string(out.substr(bare));
      nonce_ = client_first_bare_.substr(5);
      return;
    }
    std::string_view data = out.substr(5);
    std::size_t proof = data.find(",p=");
    if (data.starts_with("c=") && proof != std::string_view::npos) {
      client_final_ = std::string(data.substr(0, proof));
    }
  }

  std::uint8_t flags_;
  PostgresLogin login_;
  PostgresPipeline pipeline_;
  backing::pg::InputBuffer input_;
  backing::ServerParameters parameters_;
  bool ready_ = false;
  bool password_in_input_ = false;
  std::size_t held_ = 0, sent_ = 0, answered_ = 0, delivered_ = 0;
  std::string nonce_, client_first_bare_, server_first_, client_final_;
};

}  // namespace
}  // namespace twelve::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size < 2) return 0;
  std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);
  twelve::fuzz::Session session(data[1]);
  session.set_password_in_input(stream.find(twelve::fuzz::kPassword) !=
                                stream.npos);
  for (std::string_view piece : twelve::fuzz::Splitter(data[0]).Cut(stream)) {
    if (!session.Receive(piece)) break;
  }
  session.Finish();
  return 0;
}
