// The bytes of every frontend message the driver sends and every backend
// message it reads (PostgreSQL's protocol 3.0, "Message Formats"), past the
// usual length: one short encoder or decoder per message, each checked the
// same way, and one place to compare with the protocol's documentation.

#include "backing/postgres/postgres_protocol.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>

namespace twelve::backing::pg {
namespace {

constexpr std::int32_t kProtocolVersion = 196608;   // 3.0: 3 << 16 | 0
constexpr std::int32_t kSslRequestCode = 80877103;  // 1234 << 16 | 5679

// ---- Writing.

void PutInt16(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value & 0xff));
}

void PutInt32(std::string& out, std::int32_t value) {
  auto bits = static_cast<std::uint32_t>(value);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((bits >> shift) & 0xff));
  }
}

// A C string: the caller's text must not hold a NUL, which would end it
// early (the server then rejects the message; the framing stays intact).
void PutString(std::string& out, std::string_view text) {
  out.append(text);
  out.push_back('\0');
}

// Reserves the length field; Finish fills it once the body is written.
std::size_t Start(std::string& out) {
  std::size_t at = out.size();
  out.append(4, '\0');
  return at;
}

std::size_t Start(std::string& out, char type) {
  out.push_back(type);
  return Start(out);
}

void Finish(std::string& out, std::size_t at) {
  std::size_t length = out.size() - at;  // includes the length field itself
  assert(length <=
         static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()));
  for (int i = 0; i < 4; ++i) {
    out[at + i] = static_cast<char>((length >> (24 - 8 * i)) & 0xff);
  }
}

// ---- Reading.

std::int32_t Int32At(const char* p) {
  auto byte = [p](int i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i]));
  };
  return static_cast<std::int32_t>(byte(0) << 24 | byte(1) << 16 |
                                   byte(2) << 8 | byte(3));
}

// Reads a message body front to back; every read checks what is left and
// consumes nothing when it fails.
class Reader {
 public:
  explicit Reader(std::string_view body) : rest_(body) {}

  bool Uint16(std::uint16_t& value) {
    if (rest_.size() < 2) return false;
    value =
        static_cast<std::uint16_t>(static_cast<unsigned char>(rest_[0]) << 8 |
                                   static_cast<unsigned char>(rest_[1]));
    rest_.remove_prefix(2);
    return true;
  }

  bool Int32(std::int32_t& value) {
    if (rest_.size() < 4) return false;
    value = Int32At(rest_.data());
    rest_.remove_prefix(4);
    return true;
  }

  bool Byte(char& value) {
    if (rest_.empty()) return false;
    value = rest_.front();
    rest_.remove_prefix(1);
    return true;
  }

  bool Bytes(std::size_t n, std::string_view& bytes) {
    if (rest_.size() < n) return false;
    bytes = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }

  // A C string, without its terminator.
  bool String(std::string_view& text) {
    std::size_t end = rest_.find('\0');
    if (end == std::string_view::npos) return false;
    text = rest_.substr(0, end);
    rest_.remove_prefix(end + 1);
    return true;
  }

  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

Status Malformed(std::string_view message, std::string_view what) {
  return Status::Unavailable("postgres: malformed " + std::string(message) +
                             ": " + std::string(what));
}

Status Trailing(std::string_view message, const Reader& in) {
  return Malformed(message,
                   std::to_string(in.rest().size()) + " bytes after the end");
}

// Error fields the driver keeps; 'V' is the unlocalized severity, so it
// wins over 'S' whatever their order.
void Keep(char code, std::string_view value, bool& have_v, ServerError& error) {
  switch (code) {
    case 'V':
      have_v = true;
      error.severity = value;
      break;
    case 'S':
      if (!have_v) error.severity = value;
      break;
    case 'C':
      error.sqlstate = value;
      break;
    case 'M':
      error.message = value;
      break;
    case 'D':
      error.detail = value;
      break;
    case 'H':
      error.hint = value;
      break;
    default:
      break;
  }
}

Status ReadColumns(Reader& in, std::vector<std::optional<std::string>>& row) {
  std::uint16_t count = 0;
  if (!in.Uint16(count)) return Malformed("DataRow", "no column count");
  // Every column takes at least its Int32 length: check before resizing.
  if (in.rest().size() / 4 < count) {
    return Malformed("DataRow", std::to_string(count) + " columns in " +
                                    std::to_string(in.rest().size()) +
                                    " bytes");
  }
  row.resize(count);
  for (std::size_t i = 0; i < row.size(); ++i) {
    std::int32_t length = 0;
    std::string_view bytes;
    if (!in.Int32(length)) {
      return Malformed("DataRow",
                       "column " + std::to_string(i) + " has no length");
    }
    if (length == -1) {  // NULL
      row[i].reset();
      continue;
    }
    if (length < 0 || !in.Bytes(static_cast<std::size_t>(length), bytes)) {
      return Malformed("DataRow",
                       "column " + std::to_string(i) + " has a length of " +
                           std::to_string(length) + " with " +
                           std::to_string(in.rest().size()) + " bytes left");
    }
    // Reuses the strings of the previous row: no allocation per value.
    if (row[i]) {
      row[i]->assign(bytes);
    } else {
      row[i].emplace(bytes);
    }
  }
  if (!in.rest().empty()) return Trailing("DataRow", in);
  return Status::Ok();
}

// The server's text may run to several lines (DETAIL often does); a log
// line must not.
void AppendOneLine(std::string& out, std::string_view text) {
  for (char c : text) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
}

}  // namespace

// ---- Frontend messages.

void AppendSslRequest(std::string& out) {
  std::size_t at = Start(out);
  PutInt32(out, kSslRequestCode);
  Finish(out, at);
}

void AppendStartup(
    std::string& out,
    std::span<const std::pair<std::string, std::string>> parameters) {
  std::size_t at = Start(out);
  PutInt32(out, kProtocolVersion);
  for (const auto& [name, value] : parameters) {
    PutString(out, name);
    PutString(out, value);
  }
  out.push_back('\0');
  Finish(out, at);
}

void AppendPassword(std::string& out, std::string_view password) {
  std::size_t at = Start(out, 'p');
  PutString(out, password);
  Finish(out, at);
}

void AppendSaslInitialResponse(std::string& out, std::string_view mechanism,
                               std::string_view data) {
  std::size_t at = Start(out, 'p');
  PutString(out, mechanism);
  PutInt32(out, static_cast<std::int32_t>(data.size()));
  out.append(data);
  Finish(out, at);
}

void AppendSaslResponse(std::string& out, std::string_view data) {
  std::size_t at = Start(out, 'p');
  out.append(data);
  Finish(out, at);
}

void AppendQuery(std::string& out, std::string_view sql) {
  std::size_t at = Start(out, 'Q');
  PutString(out, sql);
  Finish(out, at);
}

void AppendParse(std::string& out, std::string_view statement,
                 std::string_view sql, std::span<const std::int32_t> types) {
  assert(types.size() <= std::numeric_limits<std::uint16_t>::max());
  std::size_t at = Start(out, 'P');
  PutString(out, statement);
  PutString(out, sql);
  PutInt16(out, static_cast<std::uint16_t>(types.size()));
  for (std::int32_t type : types) PutInt32(out, type);
  Finish(out, at);
}

void AppendBind(std::string& out, std::string_view statement,
                std::span<const std::optional<std::string>> parameters) {
  // The server reads the count as unsigned 16 bits.
  assert(parameters.size() <= std::numeric_limits<std::uint16_t>::max());
  std::size_t at = Start(out, 'B');
  PutString(out, "");  // the unnamed portal
  PutString(out, statement);
  PutInt16(out, 0);  // no parameter format codes: all text
  PutInt16(out, static_cast<std::uint16_t>(parameters.size()));
  for (const std::optional<std::string>& value : parameters) {
    if (!value) {
      PutInt32(out, -1);  // NULL
      continue;
    }
    PutInt32(out, static_cast<std::int32_t>(value->size()));
    out.append(*value);
  }
  PutInt16(out, 0);  // no result format codes: all text
  Finish(out, at);
}

void AppendDescribePortal(std::string& out) {
  std::size_t at = Start(out, 'D');
  out.push_back('P');
  PutString(out, "");  // the unnamed portal
  Finish(out, at);
}

void AppendExecute(std::string& out) {
  std::size_t at = Start(out, 'E');
  PutString(out, "");  // the unnamed portal
  PutInt32(out, 0);    // no row limit
  Finish(out, at);
}

void AppendCloseStatement(std::string& out, std::string_view statement) {
  std::size_t at = Start(out, 'C');
  out.push_back('S');  // a prepared statement, not a portal
  PutString(out, statement);
  Finish(out, at);
}

void AppendSync(std::string& out) { Finish(out, Start(out, 'S')); }

void AppendTerminate(std::string& out) { Finish(out, Start(out, 'X')); }

// ---- Backend messages.

Result<Authentication> DecodeAuthentication(std::string_view body) {
  Reader in(body);
  Authentication auth;
  if (!in.Int32(auth.code)) {
    return Malformed("Authentication", "no request code");
  }
  auth.data = in.rest();
  switch (static_cast<AuthCode>(auth.code)) {
    case AuthCode::kMd5Password:
      if (auth.data.size() != 4) {
        return Malformed(
            "AuthenticationMD5Password",
            "a salt of " + std::to_string(auth.data.size()) + " bytes, not 4");
      }
      break;
    case AuthCode::kOk:
    case AuthCode::kKerberosV5:
    case AuthCode::kCleartextPassword:
    case AuthCode::kGss:
    case AuthCode::kSspi:
      if (!auth.data.empty()) {
        return Malformed("Authentication", std::to_string(auth.data.size()) +
                                               " bytes after request code " +
                                               std::to_string(auth.code) +
                                               ", which has none");
      }
      break;
    default:  // data of any length, or a code the caller will refuse
      break;
  }
  return auth;
}

Result<std::vector<std::string_view>> DecodeSaslMechanisms(
    std::string_view data) {
  Reader in(data);
  std::vector<std::string_view> mechanisms;
  while (true) {
    std::string_view name;
    if (!in.String(name)) {
      return Malformed("AuthenticationSASL", "unterminated mechanism list");
    }
    if (name.empty()) break;  // the zero byte that ends the list
    mechanisms.push_back(name);
  }
  if (!in.rest().empty()) return Trailing("AuthenticationSASL", in);
  return mechanisms;
}

Result<ServerError> DecodeError(std::string_view body) {
  constexpr std::string_view kName = "ErrorResponse/NoticeResponse";
  Reader in(body);
  ServerError error;
  bool have_v = false;
  while (true) {
    char code = 0;
    if (!in.Byte(code)) return Malformed(kName, "no terminator after fields");
    if (code == '\0') break;
    std::string_view value;
    if (!in.String(value)) {
      return Malformed(kName, std::string("unterminated field '") + code + "'");
    }
    Keep(code, value, have_v, error);
  }
  if (!in.rest().empty()) return Trailing(kName, in);
  return error;
}

std::string Describe(const ServerError& error) {
  std::string line;
  AppendOneLine(line, error.severity);
  if (!error.sqlstate.empty()) {
    if (!line.empty()) line.push_back(' ');
    AppendOneLine(line, error.sqlstate);
  }
  if (!line.empty()) line += ": ";
  AppendOneLine(line, error.message);
  if (!error.detail.empty()) {
    line += " (detail: ";
    AppendOneLine(line, error.detail);
    line.push_back(')');
  }
  if (!error.hint.empty()) {
    line += " (hint: ";
    AppendOneLine(line, error.hint);
    line.push_back(')');
  }
  return line;
}

Result<std::pair<std::string_view, std::string_view>> DecodeParameterStatus(
    std::string_view body) {
  Reader in(body);
  std::string_view name;
  std::string_view value;
  if (!in.String(name)) {
    return Malformed("ParameterStatus", "unterminated name");
  }
  if (!in.String(value)) {
    return Malformed("ParameterStatus", "unterminated value");
  }
  if (!in.rest().empty()) return Trailing("ParameterStatus", in);
  return std::pair(name, value);
}

Result<char> DecodeReadyForQuery(std::string_view body) {
  if (body.size() != 1) {
    return Malformed("ReadyForQuery",
                     std::to_string(body.size()) + " bytes, not 1");
  }
  char status = body.front();
  if (status != 'I' && status != 'T' && status != 'E') {
    return Malformed("ReadyForQuery",
                     "unknown transaction status " +
                         std::to_string(static_cast<unsigned char>(status)));
  }
  return status;
}

Status DecodeDataRow(std::string_view body,
                     std::vector<std::optional<std::string>>& row) {
  Reader in(body);
  Status status = ReadColumns(in, row);
  if (!status.ok()) row.clear();  // never half a row
  return status;
}

Status DecodeRowDescription(std::string_view body,
                            std::vector<std::string>& names) {
  constexpr std::string_view kName = "RowDescription";
  names.clear();
  Reader in(body);
  std::uint16_t count = 0;
  if (!in.Uint16(count)) return Malformed(kName, "no field count");
  // A field takes at least its terminator and 18 bytes: check before
  // reserving.
  if (in.rest().size() / 19 < count) {
    return Malformed(kName, std::to_string(count) + " fields in " +
                                std::to_string(in.rest().size()) + " bytes");
  }
  names.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string_view name;
    std::string_view attributes;  // table, column, type, size, modifier,
                                  // format: not used
    if (!in.String(name) || !in.Bytes(18, attributes)) {
      names.clear();
      return Malformed(kName, "field " + std::to_string(i) + " of " +
                                  std::to_string(count) + " is cut short");
    }
    names.emplace_back(name);
  }
  if (!in.rest().empty()) {
    names.clear();
    return Trailing(kName, in);
  }
  return Status::Ok();
}

Result<std::string_view> DecodeCommandComplete(std::string_view body) {
  Reader in(body);
  std::string_view tag;
  if (!in.String(tag)) return Malformed("CommandComplete", "unterminated tag");
  if (!in.rest().empty()) return Trailing("CommandComplete", in);
  return tag;
}

Result<ProtocolNegotiation> DecodeNegotiateProtocolVersion(
    std::string_view body) {
  constexpr std::string_view kName = "NegotiateProtocolVersion";
  Reader in(body);
  ProtocolNegotiation negotiation;
  std::int32_t count = 0;
  if (!in.Int32(negotiation.newest_minor) || !in.Int32(count)) {
    return Malformed(kName, "shorter than its version and option count");
  }
  if (count < 0) {
    return Malformed(kName, "an option count of " + std::to_string(count));
  }
  for (std::int32_t i = 0; i < count; ++i) {
    std::string_view option;
    if (!in.String(option)) {
      return Malformed(kName, "option " + std::to_string(i) + " of " +
                                  std::to_string(count) +
                                  " missing or unterminated");
    }
    negotiation.unrecognized.push_back(option);
  }
  if (!in.rest().empty()) return Trailing(kName, in);
  return negotiation;
}

}  // namespace twelve::backing::pg
