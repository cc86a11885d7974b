// The codec's contract is the wire format, message by message: each
// message it writes or reads has its tests here (encoded bytes, the decoder
// on well-formed, truncated and hostile bodies), 50 in all, past the usual
// length because they mirror postgres_protocol.cpp one for one.

#include "backing/postgres/postgres_protocol.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace twelve::backing::pg {
namespace {

using namespace std::string_literals;

// Expected bytes are written out by hand from the protocol's message
// formats; adjacent literals keep "\x.." and "\0" escapes from swallowing
// the characters after them.

void ExpectMalformed(const Status& status, std::string_view message) {
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.message().rfind(
                "postgres: malformed " + std::string(message) + ": ", 0),
            0u)
      << status.message();
}

// ---- Frontend messages.

TEST(PostgresProtocol, SslRequest) {
  std::string out;
  AppendSslRequest(out);
  EXPECT_EQ(out,
            "\0\0\0\x08"
            "\x04\xd2\x16\x2f"s);
}

TEST(PostgresProtocol, StartupWithParameters) {
  std::string out;
  std::vector<std::pair<std::string, std::string>> parameters = {
      {"user", "u"}, {"database", "d"}};
  AppendStartup(out, parameters);
  EXPECT_EQ(out,
            "\0\0\0\x1b"
            "\0\x03\0\0"
            "user\0u\0"
            "database\0d\0"
            "\0"s);
}

TEST(PostgresProtocol, StartupWithoutParameters) {
  std::string out;
  AppendStartup(out, {});
  EXPECT_EQ(out,
            "\0\0\0\x09"
            "\0\x03\0\0"
            "\0"s);
}

TEST(PostgresProtocol, Password) {
  std::string out;
  AppendPassword(out, "pw");
  EXPECT_EQ(out,
            "p\0\0\0\x07"
            "pw\0"s);
}

TEST(PostgresProtocol, SaslInitialResponse) {
  std::string out;
  AppendSaslInitialResponse(out, "SCRAM-SHA-256", "n,,n=,r=abc");
  EXPECT_EQ(out,
            "p\0\0\0\x21"
            "SCRAM-SHA-256\0"
            "\0\0\0\x0b"
            "n,,n=,r=abc"s);
}

TEST(PostgresProtocol, SaslResponse) {
  std::string out;
  AppendSaslResponse(out, "c=biws");
  EXPECT_EQ(out,
            "p\0\0\0\x0a"
            "c=biws"s);
}

TEST(PostgresProtocol, Query) {
  std::string out;
  AppendQuery(out, "SELECT 1");
  EXPECT_EQ(out,
            "Q\0\0\0\x0d"
            "SELECT 1\0"s);
}

TEST(PostgresProtocol, Parse) {
  std::string out;
  AppendParse(out, "s1", "SELECT $1");
  EXPECT_EQ(out,
            "P\0\0\0\x13"
            "s1\0"
            "SELECT $1\0"
            "\0\0"s);
}

TEST(PostgresProtocol, ParseUnnamed) {
  std::string out;
  AppendParse(out, "", "BEGIN");
  EXPECT_EQ(out,
            "P\0\0\0\x0d"
            "\0"
            "BEGIN\0"
            "\0\0"s);
}

TEST(PostgresProtocol, BindWithParameters) {
  std::string out;
  std::vector<std::optional<std::string>> parameters = {"42", ""};
  AppendBind(out, "s1", parameters);
  EXPECT_EQ(out,
            "B\0\0\0\x18"
            "\0"          // unnamed portal
            "s1\0"        // statement
            "\0\0"        // no parameter format codes
            "\0\x02"      // two parameters
            "\0\0\0\x02"  // "42": 2 bytes
            "42"
            "\0\0\0\0"  // "": 0 bytes, not null
            "\0\0"s);   // no result format codes
}

TEST(PostgresProtocol, BindWithoutParameters) {
  std::string out;
  AppendBind(out, "", {});
  EXPECT_EQ(out,
            "B\0\0\0\x0c"
            "\0"
            "\0"
            "\0\0"
            "\0\0"
            "\0\0"s);
}

TEST(PostgresProtocol, BindLengthsAreBigEndian) {
  std::string out;
  std::vector<std::optional<std::string>> parameters = {std::string(300, 'x')};
  AppendBind(out, "", parameters);
  ASSERT_EQ(out.size(), 317u);
  EXPECT_EQ(out.substr(0, 5), "B\0\0\x01\x3c"s);  // 316
  EXPECT_EQ(out.substr(5, 6),
            "\0\0"
            "\0\0"
            "\0\x01"s);
  EXPECT_EQ(out.substr(11, 4), "\0\0\x01\x2c"s);  // 300
  EXPECT_EQ(out.substr(15, 300), std::string(300, 'x'));
  EXPECT_EQ(out.substr(315), "\0\0"s);
}

TEST(PostgresProtocol, Execute) {
  std::string out;
  AppendExecute(out);
  EXPECT_EQ(out,
            "E\0\0\0\x09"
            "\0"
            "\0\0\0\0"s);
}

TEST(PostgresProtocol, SyncAndTerminate) {
  std::string out;
  AppendSync(out);
  EXPECT_EQ(out, "S\0\0\0\x04"s);
  out.clear();
  AppendTerminate(out);
  EXPECT_EQ(out, "X\0\0\0\x04"s);
}

TEST(PostgresProtocol, AppendsAfterWhatIsThere) {
  std::string out = "already";
  AppendParse(out, "", "SELECT 1");
  AppendSync(out);
  EXPECT_EQ(out,
            "already"
            "P\0\0\0\x10"
            "\0"
            "SELECT 1\0"
            "\0\0"
            "S\0\0\0\x04"s);
}

// ---- Authentication.

TEST(PostgresProtocol, AuthenticationOk) {
  const std::string body = "\0\0\0\0"s;
  Result<Authentication> auth = DecodeAuthentication(body);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ(auth->code, static_cast<std::int32_t>(AuthCode::kOk));
  EXPECT_TRUE(auth->data.empty());
}

TEST(PostgresProtocol, AuthenticationOkWithTrailingBytesIsMalformed) {
  ExpectMalformed(DecodeAuthentication("\0\0\0\0"
                                       "x"s)
                      .status(),
                  "Authentication");
  ExpectMalformed(DecodeAuthentication("\0\0\0\x03"
                                       "x"s)
                      .status(),
                  "Authentication");
}

TEST(PostgresProtocol, AuthenticationShorterThanCodeIsMalformed) {
  ExpectMalformed(DecodeAuthentication("").status(), "Authentication");
  ExpectMalformed(DecodeAuthentication("\0\0\0"s).status(), "Authentication");
}

TEST(PostgresProtocol, AuthenticationMd5CarriesItsSalt) {
  const std::string body =
      "\0\0\0\x05"
      "abcd"s;
  Result<Authentication> auth = DecodeAuthentication(body);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ(auth->code, static_cast<std::int32_t>(AuthCode::kMd5Password));
  EXPECT_EQ(auth->data, "abcd");
}

TEST(PostgresProtocol, AuthenticationMd5WithWrongSaltIsMalformed) {
  ExpectMalformed(DecodeAuthentication("\0\0\0\x05"
                                       "abc"s)
                      .status(),
                  "AuthenticationMD5Password");
  ExpectMalformed(DecodeAuthentication("\0\0\0\x05"
                                       "abcde"s)
                      .status(),
                  "AuthenticationMD5Password");
}

TEST(PostgresProtocol, AuthenticationSaslContinueAndFinalCarryData) {
  const std::string first =
      "\0\0\0\x0b"
      "r=xyz"s;
  Result<Authentication> next = DecodeAuthentication(first);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->code, static_cast<std::int32_t>(AuthCode::kSaslContinue));
  EXPECT_EQ(next->data, "r=xyz");
  const std::string second =
      "\0\0\0\x0c"
      "v=abc"s;
  Result<Authentication> last = DecodeAuthentication(second);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->code, static_cast<std::int32_t>(AuthCode::kSaslFinal));
  EXPECT_EQ(last->data, "v=abc");
}

TEST(PostgresProtocol, AuthenticationUnknownCodeIsPassedOn) {
  const std::string body =
      "\0\0\x01\x00"
      "zz"s;
  Result<Authentication> auth = DecodeAuthentication(body);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->code, 256);
  EXPECT_EQ(auth->data, "zz");
}

TEST(PostgresProtocol, SaslMechanismsInServerOrder) {
  const std::string body =
      "\0\0\0\x0a"
      "SCRAM-SHA-256-PLUS\0"
      "SCRAM-SHA-256\0"
      "\0"s;
  Result<Authentication> auth = DecodeAuthentication(body);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->code, static_cast<std::int32_t>(AuthCode::kSasl));
  Result<std::vector<std::string_view>> mechanisms =
      DecodeSaslMechanisms(auth->data);
  ASSERT_TRUE(mechanisms.ok()) << mechanisms.status().ToString();
  EXPECT_EQ(*mechanisms, (std::vector<std::string_view>{"SCRAM-SHA-256-PLUS",
                                                        "SCRAM-SHA-256"}));
}

TEST(PostgresProtocol, SaslMechanismsEmptyList) {
  Result<std::vector<std::string_view>> mechanisms =
      DecodeSaslMechanisms("\0"s);
  ASSERT_TRUE(mechanisms.ok());
  EXPECT_TRUE(mechanisms->empty());
}

TEST(PostgresProtocol, SaslMechanismsMalformed) {
  ExpectMalformed(DecodeSaslMechanisms("").status(), "AuthenticationSASL");
  ExpectMalformed(DecodeSaslMechanisms("SCRAM-SHA-256\0"s).status(),
                  "AuthenticationSASL");
  ExpectMalformed(DecodeSaslMechanisms("SCRAM-SHA-256").status(),
                  "AuthenticationSASL");
  ExpectMalformed(DecodeSaslMechanisms("SCRAM-SHA-256\0"
                                       "\0"
                                       "x"s)
                      .status(),
                  "AuthenticationSASL");
}

// ---- ErrorResponse / NoticeResponse.

TEST(PostgresProtocol, ErrorKeepsTheFieldsTheDriverUses) {
  Result<ServerError> error = DecodeError(
      "SERROR\0"
      "VERROR\0"
      "C23505\0"
      "Mduplicate key value violates unique constraint \"k\"\0"
      "DKey (id)=(1) already exists.\0"
      "Hdrop it\0"
      "P15\0"
      "Fnbtinsert.c\0"
      "L664\0"
      "\0"s);
  ASSERT_TRUE(error.ok()) << error.status().ToString();
  EXPECT_EQ(error->severity, "ERROR");
  EXPECT_EQ(error->sqlstate, "23505");
  EXPECT_EQ(error->message,
            "duplicate key value violates unique constraint \"k\"");
  EXPECT_EQ(error->detail, "Key (id)=(1) already exists.");
  EXPECT_EQ(error->hint, "drop it");
}

TEST(PostgresProtocol, ErrorPrefersTheUnlocalizedSeverity) {
  Result<ServerError> before = DecodeError(
      "SFEHLER\0"
      "VERROR\0"
      "\0"s);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->severity, "ERROR");
  Result<ServerError> after = DecodeError(
      "VFATAL\0"
      "SFATAL-LOCAL\0"
      "\0"s);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->severity, "FATAL");
  Result<ServerError> only_s = DecodeError(
      "SNOTICE\0"
      "\0"s);
  ASSERT_TRUE(only_s.ok());
  EXPECT_EQ(only_s->severity, "NOTICE");
}

TEST(PostgresProtocol, ErrorMalformed) {
  const char* kName = "ErrorResponse/NoticeResponse";
  ExpectMalformed(DecodeError("").status(), kName);           // nothing
  ExpectMalformed(DecodeError("SERROR\0"s).status(), kName);  // no end
  ExpectMalformed(DecodeError("SERROR").status(), kName);     // unterminated
  ExpectMalformed(DecodeError("SERROR\0"
                              "M"s)
                      .status(),
                  kName);
  ExpectMalformed(DecodeError("SERROR\0"
                              "\0"
                              "x"s)
                      .status(),
                  kName);
}

TEST(PostgresProtocol, DescribeWithDetailAndHint) {
  ServerError error{"ERROR", "42P01", "relation \"x\" does not exist",
                    "it was dropped", "create it"};
  EXPECT_EQ(Describe(error),
            "ERROR 42P01: relation \"x\" does not exist (detail: it was "
            "dropped) (hint: create it)");
}

TEST(PostgresProtocol, DescribeWithoutDetailOrHint) {
  ServerError error{"ERROR", "42P01", "relation \"x\" does not exist", "", ""};
  EXPECT_EQ(Describe(error), "ERROR 42P01: relation \"x\" does not exist");
  error.hint = "create it";
  EXPECT_EQ(Describe(error),
            "ERROR 42P01: relation \"x\" does not exist (hint: create it)");
}

TEST(PostgresProtocol, DescribeMakesOneLine) {
  ServerError error{"ERROR", "P0001", "first\nsecond", "a\nb\r\nc", "h\n"};
  EXPECT_EQ(Describe(error),
            "ERROR P0001: first second (detail: a b  c) (hint: h )");
}

// ---- Other backend messages.

TEST(PostgresProtocol, ParameterStatus) {
  const std::string body =
      "client_encoding\0"
      "UTF8\0"s;
  auto status = DecodeParameterStatus(body);
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(status->first, "client_encoding");
  EXPECT_EQ(status->second, "UTF8");
}

TEST(PostgresProtocol, ParameterStatusMalformed) {
  ExpectMalformed(DecodeParameterStatus("").status(), "ParameterStatus");
  ExpectMalformed(DecodeParameterStatus("client_encoding").status(),
                  "ParameterStatus");
  ExpectMalformed(DecodeParameterStatus("client_encoding\0"
                                        "UTF8"s)
                      .status(),
                  "ParameterStatus");
  ExpectMalformed(DecodeParameterStatus("client_encoding\0"
                                        "UTF8\0"
                                        "x"s)
                      .status(),
                  "ParameterStatus");
}

TEST(PostgresProtocol, ReadyForQuery) {
  for (char status : {'I', 'T', 'E'}) {
    Result<char> ready = DecodeReadyForQuery(std::string(1, status));
    ASSERT_TRUE(ready.ok());
    EXPECT_EQ(*ready, status);
  }
}

TEST(PostgresProtocol, ReadyForQueryMalformed) {
  ExpectMalformed(DecodeReadyForQuery("").status(), "ReadyForQuery");
  ExpectMalformed(DecodeReadyForQuery("II").status(), "ReadyForQuery");
  ExpectMalformed(DecodeReadyForQuery("X").status(), "ReadyForQuery");
}

TEST(PostgresProtocol, DataRowWithNullAndEmptyValues) {
  std::vector<std::optional<std::string>> row;
  Status status = DecodeDataRow(
      "\0\x03"
      "\0\0\0\x02"
      "42"
      "\xff\xff\xff\xff"
      "\0\0\0\0"s,
      row);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(row.size(), 3u);
  EXPECT_EQ(row[0], "42");
  EXPECT_EQ(row[1], std::nullopt);
  EXPECT_EQ(row[2], "");
}

TEST(PostgresProtocol, DataRowReplacesThePreviousRow) {
  std::vector<std::optional<std::string>> row = {"old", std::nullopt, "x"};
  ASSERT_TRUE(DecodeDataRow("\0\x02"
                            "\xff\xff\xff\xff"
                            "\0\0\0\x01"
                            "y"s,
                            row)
                  .ok());
  EXPECT_EQ(row, (std::vector<std::optional<std::string>>{std::nullopt, "y"}));
}

TEST(PostgresProtocol, DataRowWithNoColumns) {
  std::vector<std::optional<std::string>> row = {"old"};
  ASSERT_TRUE(DecodeDataRow("\0\0"s, row).ok());
  EXPECT_TRUE(row.empty());
}

TEST(PostgresProtocol, DataRowNegativeLengthOtherThanNullIsMalformed) {
  std::vector<std::optional<std::string>> row;
  ExpectMalformed(DecodeDataRow("\0\x01"
                                "\xff\xff\xff\xfe"s,
                                row),
                  "DataRow");
  ExpectMalformed(DecodeDataRow("\0\x01"
                                "\x80\0\0\0"s,
                                row),
                  "DataRow");
  EXPECT_TRUE(row.empty());
}

TEST(PostgresProtocol, DataRowTruncatedOrOverlongIsMalformed) {
  std::vector<std::optional<std::string>> row;
  ExpectMalformed(DecodeDataRow("", row), "DataRow");
  ExpectMalformed(DecodeDataRow("\0"s, row), "DataRow");
  // A value shorter than its length.
  ExpectMalformed(DecodeDataRow("\0\x01"
                                "\0\0\0\x05"
                                "42"s,
                                row),
                  "DataRow");
  // Fewer columns than the count.
  ExpectMalformed(DecodeDataRow("\0\x02"
                                "\0\0\0\x02"
                                "42"s,
                                row),
                  "DataRow");
  // A length cut short.
  ExpectMalformed(DecodeDataRow("\0\x01"
                                "\0\0\0"s,
                                row),
                  "DataRow");
  // Bytes after the last column.
  ExpectMalformed(DecodeDataRow("\0\x01"
                                "\0\0\0\x02"
                                "42"
                                "x"s,
                                row),
                  "DataRow");
  // A huge count in a short body.
  ExpectMalformed(DecodeDataRow("\xff\xff"
                                "\0\0\0\0"s,
                                row),
                  "DataRow");
}

TEST(PostgresProtocol, CommandComplete) {
  const std::string body = "INSERT 0 1\0"s;
  Result<std::string_view> tag = DecodeCommandComplete(body);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(*tag, "INSERT 0 1");
}

TEST(PostgresProtocol, CommandCompleteMalformed) {
  ExpectMalformed(DecodeCommandComplete("").status(), "CommandComplete");
  ExpectMalformed(DecodeCommandComplete("INSERT 0 1").status(),
                  "CommandComplete");
  ExpectMalformed(DecodeCommandComplete("INSERT 0 1\0"
                                        "x"s)
                      .status(),
                  "CommandComplete");
}

TEST(PostgresProtocol, NegotiateProtocolVersion) {
  const std::string body =
      "\0\0\0\0"
      "\0\0\0\x02"
      "_pq_.a\0"
      "_pq_.b\0"s;
  Result<ProtocolNegotiation> negotiation =
      DecodeNegotiateProtocolVersion(body);
  ASSERT_TRUE(negotiation.ok()) << negotiation.status().ToString();
  EXPECT_EQ(negotiation->newest_minor, 0);
  EXPECT_EQ(negotiation->unrecognized,
            (std::vector<std::string_view>{"_pq_.a", "_pq_.b"}));
}

TEST(PostgresProtocol, NegotiateProtocolVersionWithoutOptions) {
  Result<ProtocolNegotiation> negotiation = DecodeNegotiateProtocolVersion(
      "\0\0\0\x01"
      "\0\0\0\0"s);
  ASSERT_TRUE(negotiation.ok());
  EXPECT_EQ(negotiation->newest_minor, 1);
  EXPECT_TRUE(negotiation->unrecognized.empty());
}

TEST(PostgresProtocol, NegotiateProtocolVersionMalformed) {
  const char* kName = "NegotiateProtocolVersion";
  ExpectMalformed(DecodeNegotiateProtocolVersion("\0\0\0\0"s).status(), kName);
  ExpectMalformed(DecodeNegotiateProtocolVersion("\0\0\0\0"
                                                 "\xff\xff\xff\xff"s)
                      .status(),
                  kName);
  ExpectMalformed(DecodeNegotiateProtocolVersion("\0\0\0\0"
                                                 "\0\0\0\x02"
                                                 "_pq_.a\0"s)
                      .status(),
                  kName);
  ExpectMalformed(DecodeNegotiateProtocolVersion("\0\0\0\0"
                                                 "\0\0\0\x01"
                                                 "_pq_.a"s)
                      .status(),
                  kName);
  ExpectMalformed(DecodeNegotiateProtocolVersion("\0\0\0\0"
                                                 "\0\0\0\x01"
                                                 "_pq_.a\0"
                                                 "x"s)
                      .status(),
                  kName);
}

TEST(PostgresProtocol, ParseWithParameterTypes) {
  std::string out;
  std::vector<std::int32_t> types = {20, 0};
  AppendParse(out, "", "SELECT $1, $2", types);
  EXPECT_EQ(out,
            "P\0\0\0\x1d"
            "\0"
            "SELECT $1, $2\0"
            "\0\x02"       // two types
            "\0\0\0\x14"   // int8
            "\0\0\0\0"s);  // inferred
}

TEST(PostgresProtocol, DescribePortal) {
  std::string out;
  AppendDescribePortal(out);
  EXPECT_EQ(out,
            "D\0\0\0\x06"
            "P\0"s);
}

TEST(PostgresProtocol, BindNullIsLengthMinusOne) {
  std::string out;
  std::vector<std::optional<std::string>> parameters = {std::nullopt, "7"};
  AppendBind(out, "", parameters);
  EXPECT_EQ(out,
            "B\0\0\0\x15"
            "\0"
            "\0"
            "\0\0"
            "\0\x02"
            "\xff\xff\xff\xff"  // NULL: no bytes follow
            "\0\0\0\x01"
            "7"
            "\0\0"s);
}

// One field: its name, then table OID, column, type OID, size, modifier,
// format (18 bytes).
std::string Field(std::string_view name) {
  return std::string(name) + '\0' + std::string(18, '\x01');
}

TEST(PostgresProtocol, DecodesRowDescriptionNames) {
  std::string body = "\0\x02"s + Field("id") + Field("text");
  std::vector<std::string> names;
  ASSERT_TRUE(DecodeRowDescription(body, names).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"id", "text"}));
}

TEST(PostgresProtocol, RefusesMalformedRowDescription) {
  std::vector<std::string> names = {"stale"};
  ExpectMalformed(DecodeRowDescription("", names), "RowDescription");
  EXPECT_TRUE(names.empty());
  // More fields announced than the bytes can hold.
  ExpectMalformed(DecodeRowDescription("\xff\xff" + Field("a"), names),
                  "RowDescription");
  // A field cut short, an unterminated name, bytes after the end.
  std::string cut = "\0\x02"s + Field("a") + Field("b");
  cut.resize(cut.size() - 1);
  ExpectMalformed(DecodeRowDescription(cut, names), "RowDescription");
  ExpectMalformed(DecodeRowDescription("\0\x01"s + std::string(30, 'x'), names),
                  "RowDescription");
  ExpectMalformed(DecodeRowDescription("\0\x01"s + Field("a") + "z", names),
                  "RowDescription");
  EXPECT_TRUE(names.empty());
}

}  // namespace
}  // namespace twelve::backing::pg
