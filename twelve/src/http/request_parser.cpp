#include "http/request_parser.hpp"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "http/http_version.hpp"

namespace twelve::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

// True when `part` lies within `whole` (not a literal such as "/").
bool InTarget(std::string_view part, std::string_view whole) {
  return std::less_equal<const char*>()(whole.data(), part.data()) &&
         std::less_equal<const char*>()(part.data() + part.size(),
                                        whole.data() + whole.size());
}

// What each of Beast's errors says was wrong, for the client and the log.
std::string_view ReasonFor(const beast::error_code& ec) {
  if (ec == bhttp::error::bad_method) {
    return "malformed method (expected a token and one space)";
  }
  if (ec == bhttp::error::bad_target) {
    return "malformed request target (expected one, then one space)";
  }
  if (ec == bhttp::error::bad_field) {
    return "malformed header field name (expected a token and a colon)";
  }
  if (ec == bhttp::error::bad_value) {
    return "malformed header field value (control character or bare LF)";
  }
  if (ec == bhttp::error::bad_line_ending) {
    return "malformed line ending (expected CRLF)";
  }
  if (ec == bhttp::error::bad_content_length) {
    return "malformed Content-Length (expected a decimal number, and no "
           "Transfer-Encoding)";
  }
  if (ec == bhttp::error::multiple_content_length) {
    return "conflicting Content-Length values";
  }
  if (ec == bhttp::error::bad_transfer_encoding) {
    return "conflicting Transfer-Encoding (repeated, or with Content-Length)";
  }
  return "malformed request";
}

bool IsWhitespace(char c) { return c == ' ' || c == '\t'; }

}  // namespace

RequestParser::RequestParser(std::uint64_t max_header_bytes,
                             std::uint64_t max_body_bytes,
                             std::vector<FieldSpan>& fields)
    : fields_(fields),
      max_header_bytes_(max_header_bytes),
      max_body_bytes_(max_body_bytes) {
  fields_.clear();
  header_limit(static_cast<std::uint32_t>(max_header_bytes));
  body_limit(max_body_bytes);
  // put() stops after the header: a chunked body goes to our decoder, and a
  // bodiless request (most of a pipelined batch) is still one put().
  eager(false);
}

RequestParser::State RequestParser::Feed(const char* request,
                                         std::size_t size) {
  base_ = request;
  end_ = request + size;
  if (!chunked_body_) {
    // One byte looked at per request when no empty line comes first.
    if (!got_some() && consumed_ < size && request[consumed_] == '\r') {
      State skipped = SkipEmptyLines(request, size);
      if (skipped != State::kDone) return skipped;
    }
    State state = Put(request, size);
    if (state != State::kNeedMore || !is_header_done()) return state;
    if (!chunked_) {
      // A Content-Length body that came with the header: put() again.
      return consumed_ < size ? Put(request, size) : State::kNeedMore;
    }
    body_offset_ = static_cast<std::uint32_t>(consumed_);
    chunked_body_.emplace(max_body_bytes_);
  }
  return DecodeChunkedBody(request, size);
}

// RFC 9112 section 2.2: a server expecting a request line SHOULD ignore at
// least one empty line (CRLF) received before it. A bare LF ends no line
// here (Beast refuses it after a request line too), so it is no empty line.
// kDone: the request line starts at consumed_.
RequestParser::State RequestParser::SkipEmptyLines(const char* request,
                                                   std::size_t size) {
  while (consumed_ < size && request[consumed_] == '\r') {
    if (consumed_ + 1 == size) return State::kNeedMore;  // its LF may follow
    if (request[consumed_ + 1] != '\n') break;  // Beast names the error
    if (empty_lines_ == kMaxEmptyLines) {
      static_assert(kMaxEmptyLines == 4, "the reason names the bound");
      error_status_ = 400;
      error_reason_ =
          "too many empty lines before the request line (at most 4)";
      return State::kError;
    }
    ++empty_lines_;
    consumed_ += 2;
  }
  return consumed_ < size ? State::kDone : State::kNeedMore;
}

// One put() of what Beast has not read yet.
RequestParser::State RequestParser::Put(const char* request, std::size_t size) {
  beast::error_code ec;
  consumed_ +=
      put(boost::asio::const_buffer(request + consumed_, size - consumed_), ec);
  if (!ec) return is_done() ? State::kDone : State::kNeedMore;
  return AfterPutError(request, size, ec);
}

// Kept out of Put(), which a request without an error runs twice at most:
// small, it stays inlined on the hot path.
RequestParser::State RequestParser::AfterPutError(const char* request,
                                                  std::size_t size,
                                                  beast::error_code& ec) {
  if (ec == bhttp::error::bad_version) PutAsHttp11(request, size, ec);
  if (ec == bhttp::error::need_more) return State::kNeedMore;
  if (ec) {
    SetError(ec);
    return State::kError;
  }
  return is_done() ? State::kDone : State::kNeedMore;
}

// RFC 9110 section 2.5: a recipient that implements a major version and
// receives a higher minor one SHOULD process the message as if it were in
// the highest minor version it conforms to, here HTTP/1.1. Beast 1.81 refuses
// every version but 1.0 and 1.1 (bad_version), before it has consumed or
// recorded anything of the request line, so the line is put again from a
// copy that says HTTP/1.1. The copy holds the request's bytes from its
// first to the end of its header (or all that came of it, within the header
// limit, all that Beast reads of a header), so offsets into it are offsets
// into the request, Beast sees what it would have seen, and a pipelined
// batch costs a copy of each header, not of the rest of the batch. Called on
// bad_version only: a supported version costs nothing.
void RequestParser::PutAsHttp11(const char* request, std::size_t size,
                                beast::error_code& ec) {
  const std::string_view line(request + consumed_, size - consumed_);
  const std::string_view version = VersionOf(line);
  if (!IsHigherMinorVersion(version)) return;  // a 400 or a 505
  if (version.size() < 10) {
    ec = bhttp::error::need_more;  // the CRLF after it has not come yet
    return;
  }
  const std::size_t limit =
      std::min<std::size_t>(size, consumed_ + max_header_bytes_);
  const std::size_t header_end =
      std::string_view(request + consumed_, limit - consumed_).find("\r\n\r\n");
  std::string copy(request, header_end == std::string_view::npos
                                ? limit
                                : consumed_ + header_end + 4);
  // Beast read the version within the header limit, so the copy holds it.
  copy[static_cast<std::size_t>(version.data() - request) + 7] = '1';
  base_ = copy.data();
  end_ = copy.data() + copy.size();
  ec = {};
  consumed_ += put(boost::asio::const_buffer(copy.data() + consumed_,
                                             copy.size() - consumed_),
                   ec);
  base_ = request;
  end_ = request + size;
}

RequestParser::State RequestParser::DecodeChunkedBody(const char* request,
                                                      std::size_t size) {
  ChunkedBodyDecoder::State state = chunked_body_->Feed(
      std::string_view(request + body_offset_, size - body_offset_));
  consumed_ = body_offset_ + chunked_body_->consumed();
  switch (state) {
    case ChunkedBodyDecoder::State::kDone:
      return State::kDone;
    case ChunkedBodyDecoder::State::kNeedMore:
      return State::kNeedMore;
    case ChunkedBodyDecoder::State::kError:
      break;
  }
  error_status_ = chunked_body_->error_status();
  error_reason_ = chunked_body_->error_reason();
  return State::kError;
}

void RequestParser::SetError(const beast::error_code& ec) {
  if (error_status_ != 0) return;  // our own check failed first
  error_status_ = 400;
  if (ec == bhttp::error::header_limit) {
    // Beast counts the request line in the header; the line alone too long
    // is the target's fault (no method is that long).
    bool in_request_line = method_size_ == 0;
    error_status_ = in_request_line ? 414 : 431;
    error_reason_ =
        in_request_line ? "request line too long" : "request header too large";
  } else if (ec == bhttp::error::body_limit) {
    error_status_ = 413;
    error_reason_ = "request body too large";
  } else if (ec == bhttp::error::bad_version) {
    bool unsupported = IsWellFormedVersion(VersionOf(
        std::string_view(base_ + consumed_,
                         static_cast<std::size_t>(end_ - base_) - consumed_)));
    error_status_ = unsupported ? 505 : 400;
    error_reason_ = unsupported
                        ? "only HTTP/1.x is supported"
                        : "malformed HTTP version (expected HTTP/1.1 and CRLF)";
  } else {
    error_reason_ = ReasonFor(ec);
  }
}

void RequestParser::Fail(int status, std::string_view reason,
                         beast::error_code& ec) {
  error_status_ = status;
  error_reason_ = reason;
  ec = bhttp::error::bad_value;  // stops Beast; our status and reason stand
}

std::uint32_t RequestParser::Offset(std::string_view view) const {
  return static_cast<std::uint32_t>(view.data() - base_);
}

// Whether `view` lies in the request's bytes (Beast builds a folded field
// value in a buffer of its own).
bool RequestParser::InRequest(std::string_view view) const {
  auto address = [](const char* p) {
    return reinterpret_cast<std::uintptr_t>(p);
  };
  return address(view.data()) >= address(base_) &&
         address(view.data()) + view.size() <= address(end_);
}

void RequestParser::on_request_impl(bhttp::verb, BeastView method,
                                    BeastView target, int version,
                                    beast::error_code&) {
  // Beast has checked that the version is 1.0 or 1.1 (1.2 and up were put
  // again as 1.1: PutAsHttp11).
  facts_.version = version;
  method_offset_ = Offset(std::string_view(method));
  method_size_ = static_cast<std::uint32_t>(method.size());
  target_offset_ = Offset(std::string_view(target));
  target_size_ = static_cast<std::uint32_t>(target.size());
}

void RequestParser::on_response_impl(int, BeastView, int,
                                     beast::error_code& ec) {
  ec = bhttp::error::bad_method;  // never called for a request parser
}

void RequestParser::on_field_impl(bhttp::field name, BeastView name_text,
                                  BeastView value, beast::error_code& ec) {
  // RFC 9112 section 5.2 lets a server reject obs-fold or unfold it; Beast
  // unfolds into a buffer of its own, which offsets cannot point into.
  // Unfolded, the value follows the colon after optional whitespace only.
  const char* after_colon = name_text.data() + name_text.size() + 1;
  if (!InRequest(std::string_view(value)) || value.data() < after_colon ||
      !std::all_of(after_colon, value.data(), IsWhitespace)) {
    Fail(400, "obsolete line folding is not allowed", ec);
    return;
  }
  switch (name) {
    case bhttp::field::host:
      ++facts_.host_headers;
      break;
    case bhttp::field::content_length:
      ++facts_.content_length_headers;
      // Beast takes "5, 5" as 5; an intermediary may not: refuse the list.
      if (value.find(',') != BeastView::npos) {
        Fail(400, "Content-Length must be one decimal number", ec);
        return;
      }
      break;
    case bhttp::field::transfer_encoding:
      AddTransferCodings(std::string_view(value), facts_);
      break;
    case bhttp::field::expect:
      // An HTTP/1.0 client does not know 100 Continue (RFC 9110 10.1.1).
      expects_continue_ =
          facts_.version == 11 && beast::iequals(value, "100-continue");
      break;
    default:
      break;
  }
  fields_.push_back(FieldSpan{Offset(std::string_view(name_text)),
                              static_cast<std::uint32_t>(name_text.size()),
                              Offset(std::string_view(value)),
                              static_cast<std::uint32_t>(value.size())});
}

void RequestParser::on_header_impl(beast::error_code& ec) {
  FramingVerdict verdict = ValidateFraming(facts_);
  if (verdict.status != 0) {
    Fail(verdict.status, verdict.reason, ec);
    return;
  }
  std::string_view target(base_ + target_offset_, target_size_);
  std::optional<TargetParts> parts = SplitTarget(target);
  if (!parts) {
    Fail(400, "request target must be an absolute path", ec);
    return;
  }
  const auto offset_in_target = [&](std::string_view part) {
    return static_cast<std::uint32_t>(part.data() - target.data());
  };
  root_path_ = !InTarget(parts->path, target);
  path_offset_ = root_path_ ? 0 : offset_in_target(parts->path);
  path_size_ = static_cast<std::uint32_t>(parts->path.size());
  query_offset_ = parts->query.empty() ? 0 : offset_in_target(parts->query);
  query_size_ = static_cast<std::uint32_t>(parts->query.size());
  // Valid framing with Transfer-Encoding means exactly "chunked"; Beast
  // must have seen the same, or the two would disagree on the body's end.
  chunked_ = facts_.transfer_encoding_headers > 0;
  if (chunked_ != chunked()) {
    Fail(400, "ambiguous Transfer-Encoding", ec);
  }
}

// Beast reads only Content-Length bodies (a chunked one is decoded by
// ChunkedBodyDecoder), so its chunk callbacks are never called.
void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>&,
                                      beast::error_code&) {}

std::size_t RequestParser::on_body_impl(BeastView body, beast::error_code&) {
  // A Content-Length body arrives in order and stays where it is in the
  // buffer, so the first piece's offset and the total size describe it.
  if (body_size_ == 0) body_offset_ = Offset(std::string_view(body));
  body_size_ += static_cast<std::uint32_t>(body.size());
  return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t, BeastView,
                                         beast::error_code& ec) {
  ec = bhttp::error::bad_chunk;
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, BeastView,
                                              beast::error_code& ec) {
  ec = bhttp::error::bad_chunk;
  return 0;
}

void RequestParser::on_finish_impl(beast::error_code&) {}

void RequestParser::Fill(const char* request, std::vector<HeaderField>& headers,
                         Request& out) const {
  headers.clear();
  for (const FieldSpan& span : fields_) {
    headers.push_back(HeaderField{
        std::string_view(request + span.name_offset, span.name_size),
        std::string_view(request + span.value_offset, span.value_size)});
  }
  out.method = std::string_view(request + method_offset_, method_size_);
  out.target = std::string_view(request + target_offset_, target_size_);
  out.path = root_path_ ? std::string_view("/")
                        : out.target.substr(path_offset_, path_size_);
  out.query = out.target.substr(query_offset_, query_size_);
  out.version = facts_.version;
  out.headers = headers;
  out.body = chunked_body_
                 ? std::string_view(chunked_body_->body())
                 : std::string_view(request + body_offset_, body_size_);
}

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
              c == ':';
    if (!ok) return false;
  }
  return true;
}

std::optional<TargetParts> SplitTarget(std::string_view target) {
  if (target.starts_with("http://") || target.starts_with("https://")) {
    std::size_t authority = target.find("//") + 2;
    std::size_t slash = target.find_first_of("/?", authority);
    if (slash == std::string_view::npos) return TargetParts{"/", {}};
    target.remove_prefix(slash);
    if (target.front() == '?') return TargetParts{"/", target.substr(1)};
  }
  if (target.empty() || target.front() != '/') return std::nullopt;
  std::size_t mark = target.find('?');
  return TargetParts{target.substr(0, mark), mark == std::string_view::npos
                                                 ? std::string_view()
                                                 : target.substr(mark + 1)};
}

}  // namespace twelve::http
