#include "http/request_parser.hpp"

#include <boost/beast/http/error.hpp>

namespace twelve::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

RequestParser::RequestParser(std::uint64_t max_header_bytes,
                             std::uint64_t max_body_bytes,
                             std::vector<FieldSpan>& fields)
    : fields_(fields) {
  fields_.clear();
  header_limit(static_cast<std::uint32_t>(max_header_bytes));
  body_limit(max_body_bytes);
  eager(true);  // parse a whole pipelined batch in one pass
}

RequestParser::State RequestParser::Feed(const char* request,
                                         std::size_t size) {
  base_ = request;
  beast::error_code ec;
  std::size_t used =
      put(boost::asio::const_buffer(request + consumed_, size - consumed_), ec);
  consumed_ += used;
  if (ec == bhttp::error::need_more) return State::kNeedMore;
  if (ec) {
    SetError(ec);
    return State::kError;
  }
  return is_done() ? State::kDone : State::kNeedMore;
}

void RequestParser::SetError(const beast::error_code& ec) {
  if (error_status_ != 0) return;  // our own check failed first
  if (ec == bhttp::error::header_limit) {
    error_status_ = 431;
    error_reason_ = "request header too large";
  } else if (ec == bhttp::error::body_limit) {
    error_status_ = 413;
    error_reason_ = "request body too large";
  } else if (ec == bhttp::error::bad_version) {
    error_status_ = 505;
    error_reason_ = "only HTTP/1.0 and HTTP/1.1 are supported";
  } else {
    error_status_ = 400;
    error_reason_ = "malformed request";
  }
}

std::uint32_t RequestParser::Offset(std::string_view view) const {
  return static_cast<std::uint32_t>(view.data() - base_);
}

void RequestParser::on_request_impl(bhttp::verb, BeastView method,
                                    BeastView target, int version,
                                    beast::error_code& ec) {
  if (version != 10 && version != 11) {
    error_status_ = 505;
    error_reason_ = "only HTTP/1.0 and HTTP/1.1 are supported";
    ec = bhttp::error::bad_version;
    return;
  }
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
                                  BeastView value, beast::error_code&) {
  switch (name) {
    case bhttp::field::host:
      ++facts_.host_headers;
      break;
    case bhttp::field::content_length:
      ++facts_.content_length_headers;
      break;
    case bhttp::field::transfer_encoding:
      AddTransferCodings(std::string_view(value), facts_);
      break;
    case bhttp::field::expect:
      expects_continue_ = beast::iequals(value, "100-continue");
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
    error_status_ = verdict.status;
    error_reason_ = verdict.reason;
    ec = bhttp::error::bad_transfer_encoding;
    return;
  }
  std::string_view path, query;
  std::string_view target(base_ + target_offset_, target_size_);
  if (!SplitTarget(target, path, query)) {
    error_status_ = 400;
    error_reason_ = "request target must be an absolute path";
    ec = bhttp::error::bad_target;
  }
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>&,
                                      beast::error_code&) {
  chunked_ = chunked();
}

std::size_t RequestParser::on_body_impl(BeastView body, beast::error_code&) {
  // A Content-Length body arrives in order and stays where it is in the
  // buffer, so the first piece's offset and the total size describe it.
  if (body_size_ == 0) body_offset_ = Offset(std::string_view(body));
  body_size_ += static_cast<std::uint32_t>(body.size());
  return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t, BeastView,
                                         beast::error_code&) {}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, BeastView body,
                                              beast::error_code&) {
  chunked_body_.append(body.data(), body.size());
  return body.size();
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
  SplitTarget(out.target, out.path, out.query);
  out.version = facts_.version;
  out.headers = headers;
  out.body = chunked_ ? std::string_view(chunked_body_)
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

bool SplitTarget(std::string_view target, std::string_view& path,
                 std::string_view& query) {
  if (target.starts_with("http://") || target.starts_with("https://")) {
    std::size_t authority = target.find("//") + 2;
    std::size_t slash = target.find_first_of("/?", authority);
    if (slash == std::string_view::npos) {
      path = "/";
      query = {};
      return true;
    }
    target.remove_prefix(slash);
    if (target.front() == '?') {
      path = "/";
      query = target.substr(1);
      return true;
    }
  }
  if (target.empty() || target.front() != '/') return false;
  std::size_t mark = target.find('?');
  path = target.substr(0, mark);
  query = mark == std::string_view::npos ? std::string_view()
                                         : target.substr(mark + 1);
  return true;
}

}  // namespace twelve::http
