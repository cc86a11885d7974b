#pragma once
// The PostgreSQL frontend/backend protocol, version 3.0: the messages the
// driver sends, each appended whole to a byte buffer, and the messages the
// server sends, cut out of the received bytes and decoded. No I/O and no
// state beyond the bytes: PostgresConnection moves them and decides.
// https://www.postgresql.org/docs/15/protocol-message-formats.html
//
// Every decoder checks every length against the message it reads: a
// message that does not hold what its type promises is an error value
// (kUnavailable, "postgres: malformed <message>: <what>"), never a read past
// its end. The driver drops a connection that sends one.
//
// Threading: none. The received bytes are cut into messages by
// InputBuffer (postgres_input_buffer.hpp).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backing/postgres/postgres_input_buffer.hpp"
#include "twelve/status.hpp"

namespace twelve::backing::pg {

// ---- Frontend messages: each call appends one whole message to `out`.

// Asks the server whether it will speak TLS; it answers one byte, 'S' or
// 'N', before any message.
void AppendSslRequest(std::string& out);
// The first message of a session (protocol 3.0): `parameters` in order, such
// as {"user", ...}, {"database", ...}, {"application_name", ...}.
void AppendStartup(
    std::string& out,
    std::span<const std::pair<std::string, std::string>> parameters);
// A password: cleartext, or an MD5 response (see postgres_auth.hpp).
void AppendPassword(std::string& out, std::string_view password);
void AppendSaslInitialResponse(std::string& out, std::string_view mechanism,
                               std::string_view data);
void AppendSaslResponse(std::string& out, std::string_view data);
// A simple query: one or more statements, no parameters.
void AppendQuery(std::string& out, std::string_view sql);
// Prepares `sql` as `statement` ("" is the unnamed statement). `types`
// gives the type OIDs of the first parameters (0: the server infers it);
// the others are inferred too.
void AppendParse(std::string& out, std::string_view statement,
                 std::string_view sql,
                 std::span<const std::int32_t> types = {});
// Binds `statement` to the unnamed portal: every parameter is text (nullopt:
// NULL), every result column is text.
void AppendBind(std::string& out, std::string_view statement,
                std::span<const std::optional<std::string>> parameters);
// Closes the prepared statement `statement`; the server answers
// CloseComplete, also when no such statement exists.
void AppendCloseStatement(std::string& out, std::string_view statement);
// Asks for the unnamed portal's RowDescription (or NoData), which the
// extended protocol sends only when asked.
void AppendDescribePortal(std::string& out);
// Runs the unnamed portal to completion.
void AppendExecute(std::string& out);
void AppendSync(std::string& out);
void AppendTerminate(std::string& out);

// ---- Backend messages.

// Authentication request codes ('R' messages).
enum class AuthCode : std::int32_t {
  kOk = 0,
  kKerberosV5 = 2,
  kCleartextPassword = 3,
  kMd5Password = 5,
  kGss = 7,
  kGssContinue = 8,
  kSspi = 9,
  kSasl = 10,
  kSaslContinue = 11,
  kSaslFinal = 12,
};
struct Authentication {
  std::int32_t code = 0;  // an AuthCode, or a code this driver does not know
  std::string_view data;  // what follows the code: the MD5 salt (4 bytes),
                          // the SASL mechanisms, the SASL server data
};
Result<Authentication> DecodeAuthentication(std::string_view body);
// The mechanisms an AuthenticationSASL offers, in the server's order.
Result<std::vector<std::string_view>> DecodeSaslMechanisms(
    std::string_view data);

// The fields of an ErrorResponse ('E') or NoticeResponse ('N') the driver
// uses; the others are skipped.
struct ServerError {
  std::string severity;  // 'V' (never localized), else 'S'
  std::string sqlstate;  // 'C'
  std::string message;   // 'M'
  std::string detail;    // 'D'
  std::string hint;      // 'H'
};
Result<ServerError> DecodeError(std::string_view body);
// One line for logs and Status messages: "ERROR 42P01: relation "x" does
// not exist" followed by " (detail: ...)" and " (hint: ...)" when present.
// Newlines in the server's text become spaces.
std::string Describe(const ServerError& error);

// ParameterStatus ('S'): a server setting's name and value.
Result<std::pair<std::string_view, std::string_view>> DecodeParameterStatus(
    std::string_view body);
// ReadyForQuery ('Z'): 'I' (idle), 'T' (in a transaction) or 'E' (in a
// failed transaction).
Result<char> DecodeReadyForQuery(std::string_view body);
// DataRow ('D'): the row's values, null as nullopt; replaces `row`.
Status DecodeDataRow(std::string_view body,
                     std::vector<std::optional<std::string>>& row);
// RowDescription ('T'): the names of the result's columns, in order;
// replaces `names` (empty on failure).
Status DecodeRowDescription(std::string_view body,
                            std::vector<std::string>& names);
// CommandComplete ('C'): the command tag, such as "INSERT 0 1".
Result<std::string_view> DecodeCommandComplete(std::string_view body);
// NegotiateProtocolVersion ('v'): the newest minor version the server
// speaks and the startup options it did not recognise.
struct ProtocolNegotiation {
  std::int32_t newest_minor = 0;
  std::vector<std::string_view> unrecognized;
};
Result<ProtocolNegotiation> DecodeNegotiateProtocolVersion(
    std::string_view body);

}  // namespace twelve::backing::pg
