#include "twelve/config/settings.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

namespace twelve {
namespace {

using std::chrono::milliseconds;
using Env = std::map<std::string, std::string>;

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;
constexpr std::int64_t kGiB = 1024 * kMiB;

Status RejectOther(std::string_view text) {
  return text == "ok" ? Status::Ok() : Status::InvalidArgument("the word ok");
}

SettingsTable TestTable() {
  SettingsTable table;
  table.Add({.name = "PORT",
             .type = SettingType::kInteger,
             .default_value = "5000",
             .min = 1,
             .max = 65535,
             .doc = "Port to listen on."});
  table.Add({.name = "TIMEOUT",
             .type = SettingType::kDuration,
             .default_value = "10s",
             .min = 100,
             .max = 3'600'000,
             .doc = "How long to wait."});
  table.Add({.name = "BODY",
             .type = SettingType::kBytes,
             .default_value = "1MiB",
             .min = 0,
             .max = kGiB,
             .doc = "Largest body."});
  table.Add({.name = "FORMAT",
             .type = SettingType::kChoice,
             .default_value = "json",
             .choices = {"json", "text"},
             .doc = "Log format."});
  table.Add(
      {.name = "WORD", .doc = "An optional word.", .validate = RejectOther});
  table.Add({.name = "API_KEY",
             .secrecy = Secrecy::kSecret,
             .doc = "Key for the API.",
             .validate = RejectOther});
  table.Add({.name = "DB_URL",
             .secrecy = Secrecy::kUrlPassword,
             .doc = "Database.",
             .validate = RejectOther});
  return table;
}

std::string Describe(const std::vector<SettingError>& errors) {
  std::string text;
  for (const SettingError& error : errors) text += error.ToString() + "\n";
  return text;
}

// Throws (failing the test with the errors) when the environment is invalid.
Settings MustParse(const Env& env, const SettingsTable& table = TestTable()) {
  auto result = table.Parse(Environment(env));
  if (const auto* errors = std::get_if<std::vector<SettingError>>(&result)) {
    throw std::runtime_error("unexpected errors:\n" + Describe(*errors));
  }
  return std::get<Settings>(std::move(result));
}

std::vector<SettingError> MustFail(const Env& env,
                                   const SettingsTable& table = TestTable()) {
  auto result = table.Parse(Environment(env));
  if (std::holds_alternative<Settings>(result)) {
    throw std::runtime_error("parsed, but errors were expected");
  }
  return std::get<std::vector<SettingError>>(std::move(result));
}

// The single error for one bad variable, as printed.
std::string OnlyError(const std::string& name, const std::string& value) {
  const std::vector<SettingError> errors = MustFail({{name, value}});
  if (errors.size() != 1) return "errors: " + Describe(errors);
  return errors[0].ToString();
}

bool Rejects(const std::string& name, const std::string& value) {
  return std::holds_alternative<std::vector<SettingError>>(
      TestTable().Parse(Environment({{name, value}})));
}

const Settings::Shown& ShownFor(const Settings& settings,
                                const std::string& name) {
  for (const Settings::Shown& shown : settings.Effective()) {
    if (shown.name == name) return shown;
  }
  throw std::runtime_error(name + " not shown");
}

TEST(Environment, TreatsEmptyValueAsUnset) {
  const Environment env({{"PORT", ""}, {"BIND", "::"}});
  EXPECT_EQ(env.Get("PORT"), std::nullopt);
  EXPECT_EQ(env.Get("MISSING"), std::nullopt);
  EXPECT_EQ(env.Get("BIND"), "::");
}

TEST(Environment, FromProcessReadsTheEnvironment) {
  ASSERT_EQ(setenv("TWELVE_SETTINGS_TEST", "a=b", 1), 0);
  EXPECT_EQ(Environment::FromProcess().Get("TWELVE_SETTINGS_TEST"), "a=b");
  unsetenv("TWELVE_SETTINGS_TEST");
}

TEST(Settings, UsesDefaultsWhenUnset) {
  const Settings settings = MustParse({});
  EXPECT_EQ(settings.Integer("PORT"), 5000);
  EXPECT_EQ(settings.Duration("TIMEOUT"), milliseconds(10'000));
  EXPECT_EQ(settings.Bytes("BODY"), 1u << 20);
  EXPECT_EQ(settings.String("FORMAT"), "json");
}

TEST(Settings, TreatsEmptyValueAsUnset) {
  const Settings settings = MustParse({{"PORT", ""}, {"WORD", ""}});
  EXPECT_EQ(settings.Integer("PORT"), 5000);
  EXPECT_FALSE(settings.Has("WORD"));
}

TEST(Settings, ReadsIntegerFromEnvironment) {
  EXPECT_EQ(MustParse({{"PORT", "8080"}}).Integer("PORT"), 8080);
}

TEST(Settings, AcceptsIntegerBounds) {
  EXPECT_EQ(MustParse({{"PORT", "1"}}).Integer("PORT"), 1);
  EXPECT_EQ(MustParse({{"PORT", "65535"}}).Integer("PORT"), 65535);
}

TEST(Settings, RejectsPortOutOfRange) {
  EXPECT_EQ(OnlyError("PORT", "70000"),
            "PORT=\"70000\": expected an integer from 1 to 65535");
  EXPECT_TRUE(Rejects("PORT", "0"));
  EXPECT_TRUE(Rejects("PORT", "65536"));
  EXPECT_TRUE(Rejects("PORT", "-1"));
}

TEST(Settings, RejectsMalformedIntegers) {
  for (const char* bad : {"+80", "80x", " 80", "80 ", "0x50", "8 0", "-", "1e3",
                          "99999999999999999999", "--1"}) {
    EXPECT_TRUE(Rejects("PORT", bad)) << bad;
  }
}

TEST(Settings, ParsesDurationUnits) {
  const auto parse = [](const std::string& text) {
    return MustParse({{"TIMEOUT", text}}).Duration("TIMEOUT");
  };
  EXPECT_EQ(parse("250ms"), milliseconds(250));
  EXPECT_EQ(parse("10s"), milliseconds(10'000));
  EXPECT_EQ(parse("2m"), milliseconds(120'000));
  EXPECT_EQ(parse("1h"), milliseconds(3'600'000));
}

TEST(Settings, ReadsBareDurationAsSeconds) {
  EXPECT_EQ(MustParse({{"TIMEOUT", "3"}}).Duration("TIMEOUT"),
            milliseconds(3000));
}

TEST(Settings, RejectsMalformedDurations) {
  for (const char* bad :
       {"-1s", "1.5s", "10 s", "s", "ms", "10sec", "1S", "+5s", "5s ", "1d",
        "9223372036854775807s", "99999999999999999999ms"}) {
    EXPECT_TRUE(Rejects("TIMEOUT", bad)) << bad;
  }
}

TEST(Settings, RejectsDurationOutOfRange) {
  EXPECT_EQ(OnlyError("TIMEOUT", "50ms"),
            "TIMEOUT=\"50ms\": expected a duration such as 500ms, 10s or 2m, "
            "from 100ms to 1h");
  EXPECT_TRUE(Rejects("TIMEOUT", "61m"));
  EXPECT_FALSE(Rejects("TIMEOUT", "100ms"));
  EXPECT_FALSE(Rejects("TIMEOUT", "60m"));
}

TEST(Settings, ParsesByteSuffixes) {
  const auto parse = [](const std::string& text) {
    return MustParse({{"BODY", text}}).Bytes("BODY");
  };
  EXPECT_EQ(parse("65536"), 65536u);
  EXPECT_EQ(parse("64KiB"), 65536u);
  EXPECT_EQ(parse("2MiB"), 2u << 20);
  EXPECT_EQ(parse("1GiB"), 1u << 30);
  EXPECT_EQ(parse("0"), 0u);
}

TEST(Settings, RejectsMalformedBytes) {
  for (const char* bad : {"1KB", "1kib", "1K", "-1", "1.5MiB", "KiB", "1 KiB",
                          "99999999999GiB", "1B"}) {
    EXPECT_TRUE(Rejects("BODY", bad)) << bad;
  }
}

TEST(Settings, RejectsBytesOutOfRange) {
  EXPECT_EQ(OnlyError("BODY", "2GiB"),
            "BODY=\"2GiB\": expected a size in bytes such as 65536, 64KiB or "
            "1MiB, from 0 to 1GiB");
}

TEST(Settings, AcceptsListedChoice) {
  EXPECT_EQ(MustParse({{"FORMAT", "text"}}).String("FORMAT"), "text");
}

TEST(Settings, RejectsUnlistedChoice) {
  EXPECT_EQ(OnlyError("FORMAT", "yaml"),
            "FORMAT=\"yaml\": expected one of: json, text");
  EXPECT_TRUE(Rejects("FORMAT", "JSON"));
}

TEST(Settings, ReportsValidatorExpectation) {
  EXPECT_EQ(OnlyError("WORD", "nope"), "WORD=\"nope\": expected the word ok");
}

TEST(Settings, OptionalUnsetSettingIsAbsent) {
  const Settings settings = MustParse({});
  EXPECT_FALSE(settings.Has("WORD"));
  EXPECT_THROW(settings.String("WORD"), std::logic_error);
}

TEST(Settings, OptionalSetSettingIsPresent) {
  const Settings settings = MustParse({{"WORD", "ok"}});
  EXPECT_TRUE(settings.Has("WORD"));
  EXPECT_EQ(settings.String("WORD"), "ok");
}

TEST(Settings, ReportsEveryErrorAtOnce) {
  const std::vector<SettingError> errors = MustFail({{"PORT", "70000"},
                                                     {"TIMEOUT", "soon"},
                                                     {"FORMAT", "xml"},
                                                     {"BODY", "1"}});
  ASSERT_EQ(errors.size(), 3u) << Describe(errors);
  EXPECT_EQ(errors[0].name, "PORT");  // table order, not environment order
  EXPECT_EQ(errors[1].name, "TIMEOUT");
  EXPECT_EQ(errors[2].name, "FORMAT");
}

TEST(SettingError, NamesAnUnsetVariable) {
  const SettingError error{"REDIS_URL", "", "a URL such as redis://host:6379"};
  EXPECT_EQ(error.ToString(),
            "REDIS_URL is not set: expected a URL such as redis://host:6379");
}

TEST(SettingError, EscapesQuotesAndControlCharacters) {
  const SettingError error{"WORD", "a\"b\\c\nd", "the word ok"};
  EXPECT_EQ(error.ToString(),
            "WORD=\"a\\\"b\\\\c\\x0ad\": expected the word ok");
}

TEST(SettingError, CutsVeryLongValues) {
  const SettingError error{"WORD", std::string(5000, 'x'), "the word ok"};
  EXPECT_LT(error.ToString().size(), 200u);
  EXPECT_NE(error.ToString().find("\"...: expected"), std::string::npos);
}

TEST(SettingError, CutsLongValuesBetweenCharacters) {
  std::string value = std::string(99, 'x') + "\xc3\xa9" + std::string(50, 'y');
  EXPECT_EQ(SettingError({"WORD", value, "the word ok"}).ToString(),
            "WORD=\"" + std::string(99, 'x') + "\"...: expected the word ok");
}

TEST(Settings, MasksSecretInErrors) {
  const std::string error = OnlyError("API_KEY", "hunter2");
  EXPECT_EQ(error, "API_KEY=\"********\": expected the word ok");
}

TEST(Settings, MasksSecretInEffective) {
  const Settings settings = MustParse({{"API_KEY", "ok"}});
  EXPECT_EQ(ShownFor(settings, "API_KEY").value, "********");
  EXPECT_EQ(settings.String("API_KEY"), "ok");  // the program still gets it
}

TEST(Settings, MasksUrlPasswordInErrors) {
  EXPECT_EQ(OnlyError("DB_URL", "postgres://me:hunter2@db/app"),
            "DB_URL=\"postgres://me:********@db/app\": expected the word ok");
}

TEST(Settings, EffectiveListsEverySettingInTableOrder) {
  const Settings settings = MustParse({{"PORT", "80"}, {"FORMAT", "text"}});
  std::vector<std::string> names;
  for (const auto& shown : settings.Effective()) names.push_back(shown.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"PORT", "TIMEOUT", "BODY", "FORMAT",
                                      "WORD", "API_KEY", "DB_URL"}));
}

TEST(Settings, EffectiveMarksDefaults) {
  const Settings settings = MustParse({{"PORT", "80"}});
  EXPECT_EQ(ShownFor(settings, "PORT").value, "80");
  EXPECT_FALSE(ShownFor(settings, "PORT").is_default);
  EXPECT_EQ(ShownFor(settings, "TIMEOUT").value, "10s");
  EXPECT_TRUE(ShownFor(settings, "TIMEOUT").is_default);
  EXPECT_EQ(ShownFor(settings, "WORD").value, "");
}

TEST(Settings, AccessorThrowsForUnknownName) {
  const Settings settings = MustParse({});
  EXPECT_THROW(settings.Integer("PROT"), std::logic_error);
  EXPECT_THROW(settings.Has("PROT"), std::logic_error);
}

TEST(Settings, AccessorThrowsForWrongType) {
  const Settings settings = MustParse({});
  EXPECT_THROW(settings.Integer("FORMAT"), std::logic_error);
  EXPECT_THROW(settings.Duration("PORT"), std::logic_error);
  EXPECT_THROW(settings.Bytes("TIMEOUT"), std::logic_error);
  EXPECT_THROW(settings.String("PORT"), std::logic_error);
}

TEST(Settings, WrongTypeErrorNamesTheSetting) {
  try {
    MustParse({}).Integer("FORMAT");
    FAIL() << "no exception";
  } catch (const std::logic_error& error) {
    EXPECT_NE(std::string(error.what()).find("FORMAT"), std::string::npos);
  }
}

// A table with a store URL setting of the given kinds.
SettingsTable StoreUrlTable(std::vector<StoreUrl::Kind> kinds) {
  SettingsTable table;
  table.Add({.name = "STORE",
             .type = SettingType::kStoreUrl,
             .store_kinds = std::move(kinds),
             .secrecy = Secrecy::kUrlPassword,
             .doc = "The store."});
  return table;
}

TEST(Settings, StoreUrlIsParsedOnceAndReadBackWhole) {
  const Settings settings = MustParse(
      {{"STORE", "postgres://u:pw@db.example:6543/app?sslmode=require"}},
      StoreUrlTable({StoreUrl::Kind::kPostgres}));
  const StoreUrl& url = settings.Url("STORE");
  EXPECT_EQ(url.kind, StoreUrl::Kind::kPostgres);
  EXPECT_EQ(url.host, "db.example");
  EXPECT_EQ(url.port, 6543);
  EXPECT_EQ(url.path, "app");
  EXPECT_EQ(url.password, "pw");
  // The driver's reading rides along, so nothing parses the text again.
  EXPECT_NE(url.driver_settings, nullptr);
  EXPECT_THROW(settings.String("STORE"), std::logic_error);
}

TEST(Settings, StoreUrlOfAnotherKindNamesTheFormsAllowed) {
  const std::vector<SettingError> errors = MustFail(
      {{"STORE", "redis://:hunter2@cache:6379"}},
      StoreUrlTable({StoreUrl::Kind::kPostgres, StoreUrl::Kind::kSqlite}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(),
            "STORE=\"redis://:********@cache:6379\": expected "
            "postgres://user:password@host[:port]/database or "
            "sqlite:///absolute/path/to/file.db (got a redis URL)");
}

TEST(Settings, MalformedStoreUrlGetsTheParsersWords) {
  const std::vector<SettingError> errors =
      MustFail({{"STORE", "redis://:hunter2@cache:99999"}},
               StoreUrlTable({StoreUrl::Kind::kRedis}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].expected.find("the port must be a number"),
            std::string::npos);
  EXPECT_EQ(errors[0].ToString().find("hunter2"), std::string::npos);
}

// Found by fuzz/settings_fuzzer.cpp: a URL's parameter named "%00" came
// back decoded, a NUL in the middle of the printed error.
TEST(Settings, AnErrorPrintsOnOneLineWhateverTheValidatorSays) {
  SettingsTable table;
  table.Add({.name = "WORD", .doc = "A word.", .validate = [](auto) {
               return Status::InvalidArgument("a word,\nnot \"this\"\x01");
             }});
  const std::vector<SettingError> errors = MustFail({{"WORD", "x"}}, table);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(),
            "WORD=\"x\": expected a word,\\x0anot \"this\"\\x01");
}

TEST(Settings, StoreUrlParameterIsNamedAsWritten) {
  const std::vector<SettingError> errors =
      MustFail({{"STORE", "redis://cache/0?%00x%0A%25=1"}},
               StoreUrlTable({StoreUrl::Kind::kRedis}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].ToString().find("unknown parameter \"%00x%0A%25\""),
            std::string::npos)
      << errors[0].ToString();
}

TEST(Settings, StoreUrlOfAnyKindWhenNoneIsNamed) {
  const SettingsTable table = StoreUrlTable({});
  EXPECT_EQ(
      MustParse({{"STORE", "sqlite:///tmp/a.db"}}, table).Url("STORE").kind,
      StoreUrl::Kind::kSqlite);
  EXPECT_EQ(MustParse({{"STORE", "redis://cache"}}, table).Url("STORE").kind,
            StoreUrl::Kind::kRedis);
  EXPECT_NE(table.RenderMarkdown().find("redis://[user][:password@]host"),
            std::string::npos);
}

TEST(SettingsTable, PublicStoreUrlIsABug) {
  SettingsTable table;
  EXPECT_THROW(table.Add({.name = "STORE", .type = SettingType::kStoreUrl}),
               std::logic_error);
}

TEST(SettingsTable, DuplicateAddThrows) {
  SettingsTable table = TestTable();
  EXPECT_THROW(table.Add({.name = "PORT"}), std::logic_error);
}

TEST(SettingsTable, InvalidDefaultThrows) {
  SettingsTable table;
  EXPECT_THROW(table.Add({.name = "N",
                          .type = SettingType::kInteger,
                          .default_value = "0",
                          .min = 1,
                          .max = 9}),
               std::logic_error);
  EXPECT_THROW(
      table.Add(
          {.name = "C", .type = SettingType::kChoice, .default_value = "a"}),
      std::logic_error);
}

TEST(SettingsTable, RenderMarkdownListsEverySetting) {
  const std::string markdown = TestTable().RenderMarkdown();
  EXPECT_EQ(markdown.rfind("# Configuration\n", 0), 0u);
  EXPECT_NE(markdown.find("| Variable | Default | Allowed | Description |"),
            std::string::npos);
  EXPECT_NE(markdown.find("| `PORT` | `5000` | an integer from 1 to 65535 | "
                          "Port to listen on. |\n"),
            std::string::npos);
  const SettingsTable table = TestTable();
  for (const Setting& setting : table.settings()) {
    EXPECT_NE(markdown.find("| `" + setting.name + "` |"), std::string::npos)
        << setting.name;
  }
}

TEST(SettingsTable, RenderIsDeterministic) {
  EXPECT_EQ(TestTable().RenderMarkdown(), TestTable().RenderMarkdown());
  EXPECT_EQ(TestTable().RenderEnvExample(), TestTable().RenderEnvExample());
}

TEST(SettingsTable, RenderShowsDefaultDocInsteadOfComputedValue) {
  SettingsTable table;
  table.Add({.name = "THREADS",
             .type = SettingType::kInteger,
             .default_value = "7",
             .min = 1,
             .max = 9,
             .doc = "Threads.",
             .default_doc = "the CPUs this process may use"});
  EXPECT_NE(table.RenderMarkdown().find(
                "| `THREADS` | the CPUs this process may use |"),
            std::string::npos);
  EXPECT_NE(table.RenderEnvExample().find(
                "# Threads. (allowed: an integer from 1 to 9; default: the "
                "CPUs this process may use)\n#THREADS=\n"),
            std::string::npos);
}

TEST(SettingsTable, RenderMarkdownEscapesPipes) {
  SettingsTable table;
  table.Add({.name = "A", .doc = "left | right"});
  EXPECT_NE(table.RenderMarkdown().find("left \\| right"), std::string::npos);
}

TEST(SettingsTable, RenderEnvExampleCommentsOutDefaults) {
  const std::string env = TestTable().RenderEnvExample();
  EXPECT_NE(env.find("\n# Port to listen on. (allowed: an integer from 1 to "
                     "65535)\n#PORT=5000\n"),
            std::string::npos);
  EXPECT_NE(env.find("#WORD=\n"), std::string::npos);
  const SettingsTable table = TestTable();
  for (const Setting& setting : table.settings()) {
    EXPECT_NE(env.find("\n#" + setting.name + "="), std::string::npos)
        << setting.name;
  }
}

TEST(SettingsTable, RenderEnvExampleMarksOptionalSettingUnset) {
  EXPECT_NE(TestTable().RenderEnvExample().find(
                "\n# An optional word. (default: unset)\n#WORD=\n"),
            std::string::npos);
}

TEST(MaskUrlPassword, MasksThePassword) {
  EXPECT_EQ(MaskUrlPassword("redis://user:pw@host:6379/0"),
            "redis://user:********@host:6379/0");
}

TEST(MaskUrlPassword, MasksPasswordWithoutUser) {
  EXPECT_EQ(MaskUrlPassword("redis://:pw@host"), "redis://:********@host");
}

TEST(MaskUrlPassword, KeepsUrlWithoutPassword) {
  for (const char* url :
       {"redis://host:6379/0", "redis://user@host", "sqlite:///var/lib/app.db",
        "redis://[::1]:6379", "postgres://host/db?user=a@b", ""}) {
    EXPECT_EQ(MaskUrlPassword(url), url);
  }
}

TEST(MaskUrlPassword, UsesLastAtOfTheAuthority) {
  EXPECT_EQ(MaskUrlPassword("postgres://u:p@ss:w@host/db"),
            "postgres://u:********@host/db");
}

TEST(MaskUrlPassword, KeepsAtInQueryAfterUserinfo) {
  EXPECT_EQ(MaskUrlPassword("postgres://u:pw@host/db?x=a@b"),
            "postgres://u:********@host/db?x=a@b");
}

TEST(MaskUrlPassword, MasksPasswordHoldingUnencodedSlash) {
  EXPECT_EQ(MaskUrlPassword("postgres://u:pa/ss@host/db"),
            "postgres://u:********@host/db");
}

TEST(MaskUrlPassword, NeverReturnsThePassword) {
  for (const char* url :
       {"redis://u:S3CRET@h", "u:S3CRET@h", "redis://u:S3CRET@h/S",
        "redis://u:S3CRET@@h", "postgres://u:S3CRET#x@h", "x://:S3CRET@",
        "redis://u:S3CRET@[::1]:6379"}) {
    EXPECT_EQ(MaskUrlPassword(url).find("S3CRET"), std::string::npos) << url;
  }
}

}  // namespace
}  // namespace twelve
