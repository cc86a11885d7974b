// Parsing and framing validation of one request, as a connection does it.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "http/request_parser.hpp"

namespace {

const std::string kWrkRequest =
    "GET / HTTP/1.1\r\nHost: 127.0.0.1:5000\r\n\r\n";
const std::string kBrowserRequest =
    "GET /readyz?verbose=1 HTTP/1.1\r\nHost: example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
    "Accept: text/html,application/xhtml+xml\r\nAccept-Language: en\r\n"
    "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n"
    "X-Request-ID: 3fa2c1d0-42\r\n\r\n";
// The rarer shapes: a higher minor version (its request line is parsed
// again from a copy) and the empty line an old client sends after a body.
const std::string kHttp12Request =
    "GET / HTTP/1.2\r\nHost: 127.0.0.1:5000\r\n\r\n";
const std::string kAfterEmptyLine = "\r\n" + kWrkRequest;

void ParseOne(benchmark::State& state, const std::string& bytes) {
  std::vector<twelve::http::FieldSpan> spans;
  std::vector<twelve::HeaderField> headers;
  for (auto _ : state) {
    twelve::http::RequestParser parser(16 * 1024, 1024 * 1024, spans);
    auto parsed = parser.Feed(bytes.data(), bytes.size());
    twelve::Request request;
    parser.Fill(bytes.data(), headers, request);
    benchmark::DoNotOptimize(parsed);
    benchmark::DoNotOptimize(request);
  }
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

void BM_ParseWrkRequest(benchmark::State& state) {
  ParseOne(state, kWrkRequest);
}
void BM_ParseBrowserRequest(benchmark::State& state) {
  ParseOne(state, kBrowserRequest);
}

void BM_ParseHttp12Request(benchmark::State& state) {
  ParseOne(state, kHttp12Request);
}
void BM_ParseAfterEmptyLine(benchmark::State& state) {
  ParseOne(state, kAfterEmptyLine);
}

BENCHMARK(BM_ParseWrkRequest);
BENCHMARK(BM_ParseBrowserRequest);
BENCHMARK(BM_ParseHttp12Request);
BENCHMARK(BM_ParseAfterEmptyLine);

}  // namespace
