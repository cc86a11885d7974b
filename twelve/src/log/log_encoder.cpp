// Events to lines, JSON and text, past the usual length: the escaping
// tables, the word-at-a-time copy of plain text and the bounded writers are
// one hot path (every access event passes here), kept together so their
// invariants (a line's bound is computed before it is written) hold in one
// place.

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/log_encoding.hpp"
#include "twelve/log/logger.hpp"

// Both encoders size the output once for the worst case, write through a raw
// pointer and trim: one capacity check per event instead of one per piece,
// which is most of the cost of a short line built with append().
namespace twelve {
namespace {

// Timestamp, level, punctuation and newline of either format.
constexpr std::size_t kMaxLineOverhead = 80;
// Separator, key quotes, '=' or ':' around each field.
constexpr std::size_t kMaxFieldOverhead = 4;
// A rare huge event should not pin its scratch buffer in every thread.
constexpr std::size_t kMaxRetainedScratch = 256 * 1024;

constexpr std::string_view kReplacementEscape = "\\ufffd";

using log_encoding::JsonStringBound;
using log_encoding::kMaxScalarWidth;
using log_encoding::Put;
using log_encoding::PutJsonString;
using log_encoding::PutNumber;
using log_encoding::PutTimestamp;

std::size_t LineBound(std::string_view msg, std::span<const Field> fields) {
  std::size_t bound = kMaxLineOverhead + JsonStringBound(msg);
  for (const Field& field : fields) {
    bound += kMaxFieldOverhead + JsonStringBound(field.key());
    bound += field.kind() == Field::Kind::kString
                 ? JsonStringBound(field.string_value())
                 : kMaxScalarWidth;
  }
  return bound;
}

// Bytes that may appear in a JSON string as they are: printable ASCII other
// than the quote and the backslash. Everything else is escaped or validated.
constexpr std::array<bool, 256> MakePlainTable() {
  std::array<bool, 256> table{};
  for (int c = 0x20; c < 0x7f; ++c) table[c] = true;
  table['"'] = false;
  table['\\'] = false;
  return table;
}
constexpr std::array<bool, 256> kPlain = MakePlainTable();

// Bytes that may stand unquoted in a text-format value: printable ASCII
// without space, quote, backslash or '=', so a value can never look like the
// end of a field or the start of another.
constexpr std::array<bool, 256> MakeBareTable() {
  std::array<bool, 256> table{};
  for (int c = 0x21; c < 0x7f; ++c) table[c] = true;
  table['"'] = false;
  table['\\'] = false;
  table['='] = false;
  return table;
}
constexpr std::array<bool, 256> kBare = MakeBareTable();

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no
// surrogates, nothing past U+10FFFF) that starts at s[i], or 0 if none does.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(s[i + k]);
  };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) second_min = 0xa0;  // overlong
    if (lead == 0xed) second_max = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) second_min = 0x90;  // overlong
    if (lead == 0xf4) second_max = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (s.size() - i < length) return 0;
  if (byte(1) < second_min || byte(1) > second_max) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(k) & 0xc0) != 0x80) return 0;
  }
  return length;
}

char* PutEscapedAscii(char* p, unsigned char c) {
  switch (c) {
    case '"':
      return Put(p, "\\\"");
    case '\\':
      return Put(p, "\\\\");
    case '\b':
      return Put(p, "\\b");
    case '\f':
      return Put(p, "\\f");
    case '\n':
      return Put(p, "\\n");
    case '\r':
      return Put(p, "\\r");
    case '\t':
      return Put(p, "\\t");
    default: {
      constexpr std::string_view kHex = "0123456789abcdef";
      const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
      return Put(p, std::string_view(escape, sizeof escape));
    }
  }
}

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;

template <typename Word>
Word Load(const char* p) {
  Word w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

template <typename Word>
void Store(char* p, Word w) {
  std::memcpy(p, &w, sizeof w);
}

// Whether the 8 bytes of `w` are all plain (kPlain), tested at once: logs
// are mostly plain ASCII, and a byte-by-byte table walk was the largest cost
// of an access event. Each test sets a byte's high bit if the byte passes:
// for b below 0x80, b + 0x60 has it iff b >= 0x20, and (b ^ c) + 0x7f iff
// b != c, and no sum carries into the next byte. A byte from 0x80 up fails
// the last test (~w), whatever carries it caused.
bool PlainWord(std::uint64_t w) {
  constexpr std::uint64_t kHigh = kOnes * 0x80;
  const auto differs = [](std::uint64_t v, unsigned char c) {
    return (v ^ (kOnes * c)) + kOnes * 0x7f;
  };
  const std::uint64_t passed = (w + kOnes * 0x60) & differs(w, 0x7f) &
                               differs(w, '"') & differs(w, '\\') & ~w;
  return (passed & kHigh) == kHigh;
}

bool EightPlain(const char* p) { return PlainWord(Load<std::uint64_t>(p)); }

// Text format: bare when unambiguous, otherwise quoted and escaped exactly
// like JSON. `allow_spaces` is for the message, which is prose.
char* PutTextString(char* p, std::string_view s, bool allow_spaces) {
  const bool bare = !s.empty() && std::all_of(s.begin(), s.end(), [&](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return kBare[c] || (allow_spaces && c == ' ');
  });
  return bare ? Put(p, s) : PutJsonString(p, s);
}

char* PutBool(char* p, bool value) { return Put(p, value ? "true" : "false"); }

char* PutJsonValue(char* p, const Field& field) {
  switch (field.kind()) {
    case Field::Kind::kString:
      return PutJsonString(p, field.string_value());
    case Field::Kind::kInt:
      return PutNumber(p, field.int_value());
    case Field::Kind::kUint:
      return PutNumber(p, field.uint_value());
    case Field::Kind::kDouble:
      // JSON has no NaN or Infinity; null keeps the line parseable.
      return std::isfinite(field.double_value())
                 ? PutNumber(p, field.double_value())
                 : Put(p, "null");
    case Field::Kind::kBool:
      return PutBool(p, field.bool_value());
  }
  return Put(p, "null");
}

char* PutTextValue(char* p, const Field& field) {
  switch (field.kind()) {
    case Field::Kind::kString:
      return PutTextString(p, field.string_value(), /*allow_spaces=*/false);
    case Field::Kind::kInt:
      return PutNumber(p, field.int_value());
    case Field::Kind::kUint:
      return PutNumber(p, field.uint_value());
    case Field::Kind::kDouble:
      return PutNumber(p, field.double_value());  // "nan", "inf" read fine
    case Field::Kind::kBool:
      return PutBool(p, field.bool_value());
  }
  return p;
}

char* PutDigits(char* p, std::int64_t value, int width) {
  for (int k = width - 1; k >= 0; --k) {
    p[k] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + width;
}

// "YYYY-MM-DDTHH:MM:SS" for a second since the epoch. Pure arithmetic on the
// C++20 calendar: no time zone, no locale, no libc lock.
void FormatSecond(std::int64_t second, char (&text)[19]) {
  const std::chrono::sys_seconds instant{std::chrono::seconds(second)};
  const auto day = std::chrono::floor<std::chrono::days>(instant);
  const std::chrono::year_month_day date{day};
  const std::int64_t second_of_day = (instant - day).count();
  // RFC 3339 has four-digit years; clamp rather than overflow the buffer.
  const int year = std::clamp(static_cast<int>(date.year()), 0, 9999);
  char* p = PutDigits(text, year, 4);
  *p++ = '-';
  p = PutDigits(p, static_cast<unsigned>(date.month()), 2);
  *p++ = '-';
  p = PutDigits(p, static_cast<unsigned>(date.day()), 2);
  *p++ = 'T';
  p = PutDigits(p, second_of_day / 3600, 2);
  *p++ = ':';
  p = PutDigits(p, second_of_day / 60 % 60, 2);
  *p++ = ':';
  PutDigits(p, second_of_day % 60, 2);
}

// Fixed width so messages line up in a terminal.
std::string_view TextLevelLabel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO ";
    case LogLevel::kWarn:
      return "WARN ";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?????";
}

// Grows `out` by the worst case, lets `write` fill it from the old end, and
// trims to what was written.
template <typename Writer>
void AppendBounded(std::string& out, std::size_t bound, Writer write) {
  // Encoded into a per-thread scratch buffer rather than a resized `out`:
  // std::string::resize would zero the whole worst-case bound (six times
  // the line) on every event. The scratch buffer is zeroed only as it grows.
  thread_local std::vector<char> scratch;
  if (scratch.size() < bound) scratch.resize(bound);
  char* const first = scratch.data();
  const char* const last = write(first);
  out.append(first, static_cast<std::size_t>(last - first));
  if (scratch.size() > kMaxRetainedScratch) {
    std::vector<char>().swap(scratch);
  }
}

// Copies `s` (shorter than eight bytes) to `out` if it is all plain. Its
// bytes are gathered into one word in registers, the rest spaces, with
// overlapping loads: padding a word in memory and reading it back stalled on
// store forwarding, and "GET" and "/" are in every access event.
char* CopyShortIfPlain(char* out, const char* in, std::size_t n) {
  constexpr std::uint64_t kSpaces = kOnes * ' ';
  if (n >= 4) {
    const auto head = Load<std::uint32_t>(in);
    const auto tail = Load<std::uint32_t>(in + n - 4);
    if (!PlainWord(head | std::uint64_t{tail} << 32)) return nullptr;
    Store(out, head);
    Store(out + n - 4, tail);
  } else if (n != 0) {  // 1 to 3 bytes: first, middle and last cover them
    const auto first = static_cast<unsigned char>(in[0]);
    const auto middle = static_cast<unsigned char>(in[n / 2]);
    const auto last = static_cast<unsigned char>(in[n - 1]);
    if (!PlainWord(first | middle << 8 | last << 16 | kSpaces << 24)) {
      return nullptr;
    }
    out[0] = static_cast<char>(first);
    out[n / 2] = static_cast<char>(middle);
    out[n - 1] = static_cast<char>(last);
  }
  return out + n;
}

// Copies `s` to `out` and returns its end if every byte of it is plain, or
// returns nullptr (having written up to s.size() bytes). Each word is tested
// as it is copied, the tail as the last eight bytes (overlapping): one pass,
// no call to memcpy for the short strings logs are made of.
char* CopyIfPlain(char* out, std::string_view s) {
  const char* const in = s.data();
  const std::size_t n = s.size();
  if (n < 8) return CopyShortIfPlain(out, in, n);
  for (std::size_t i = 0; i + 8 < n; i += 8) {
    const auto word = Load<std::uint64_t>(in + i);
    if (!PlainWord(word)) return nullptr;
    Store(out + i, word);
  }
  const auto tail = Load<std::uint64_t>(in + n - 8);
  if (!PlainWord(tail)) return nullptr;
  Store(out + n - 8, tail);
  return out + n;
}

// The escaping pass, for strings that are not all plain.
char* PutEscapedJsonString(char* p, std::string_view s) {
  std::size_t run_start = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s.size() - i >= 8 && EightPlain(s.data() + i)) {
      i += 8;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (kPlain[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t length = Utf8SequenceLength(s, i);
      if (length != 0) {
        i += length;
        continue;
      }
    }
    p = Put(p, s.substr(run_start, i - run_start));
    p = c >= 0x80 ? Put(p, kReplacementEscape) : PutEscapedAscii(p, c);
    run_start = ++i;
  }
  return Put(p, s.substr(run_start));
}

}  // namespace

namespace log_encoding {

// Writes `s` quoted and escaped per RFC 8259. Plain runs are copied whole;
// each byte that is not part of well-formed UTF-8 becomes \ufffd, so the
// output is valid JSON whatever the input held.
char* PutJsonString(char* p, std::string_view s) {
  *p++ = '"';
  char* end = CopyIfPlain(p, s);  // most strings: one pass, no byte loop
  if (end == nullptr) end = PutEscapedJsonString(p, s);
  *end++ = '"';
  return end;
}

// Writes "YYYY-MM-DDTHH:MM:SS.<fraction>Z" with 6 (JSON) or 3 (text)
// fractional digits. The date part changes once a second, so each thread
// formats it once a second and only the fraction on every call.
char* PutTimestamp(char* p, std::chrono::system_clock::time_point now,
                   int fraction_digits) {
  struct SecondCache {
    std::int64_t second = std::numeric_limits<std::int64_t>::min();
    char text[19];
  };
  thread_local SecondCache cache;

  const auto micros =
      std::chrono::floor<std::chrono::microseconds>(now.time_since_epoch());
  const auto second = std::chrono::floor<std::chrono::seconds>(micros);
  if (cache.second != second.count()) {
    FormatSecond(second.count(), cache.text);
    cache.second = second.count();
  }
  p = Put(p, std::string_view(cache.text, sizeof cache.text));
  std::int64_t fraction = (micros - second).count();
  if (fraction_digits == 3) fraction /= 1000;
  *p++ = '.';
  p = PutDigits(p, fraction, fraction_digits);
  *p++ = 'Z';
  return p;
}

}  // namespace log_encoding

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

void EncodeJsonLine(std::string& out, std::chrono::system_clock::time_point now,
                    LogLevel level, std::string_view msg,
                    std::span<const Field> fields) {
  AppendBounded(out, LineBound(msg, fields), [&](char* p) {
    p = Put(p, R"({"ts":")");
    p = PutTimestamp(p, now, 6);
    p = Put(p, R"(","level":")");
    p = Put(p, LogLevelName(level));
    p = Put(p, R"(","msg":)");
    p = PutJsonString(p, msg);
    for (const Field& field : fields) {
      *p++ = ',';
      p = PutJsonString(p, field.key());
      *p++ = ':';
      p = PutJsonValue(p, field);
    }
    return Put(p, "}\n");
  });
}

void EncodeTextLine(std::string& out, std::chrono::system_clock::time_point now,
                    LogLevel level, std::string_view msg,
                    std::span<const Field> fields) {
  AppendBounded(out, LineBound(msg, fields), [&](char* p) {
    p = PutTimestamp(p, now, 3);
    *p++ = ' ';
    p = Put(p, TextLevelLabel(level));
    *p++ = ' ';
    p = PutTextString(p, msg, /*allow_spaces=*/true);
    for (const Field& field : fields) {
      *p++ = ' ';
      p = PutTextString(p, field.key(), /*allow_spaces=*/false);
      *p++ = '=';
      p = PutTextValue(p, field);
    }
    *p++ = '\n';
    return p;
  });
}

}  // namespace twelve
