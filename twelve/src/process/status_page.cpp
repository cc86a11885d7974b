#include "process/status_page.hpp"

#include <string_view>

namespace twelve {
namespace {

constexpr std::string_view kStyle = R"(
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;
background:#f4f5f7;color:#1d2430}
header{background:#1d2430;color:#fff;padding:14px 16px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c9d1dc;font-size:13px}
main{max-width:960px;margin:0 auto;padding:12px}
section{background:#fff;border-radius:8px;padding:12px 14px;margin:0 0 12px;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:16px;margin:0 0 8px}
table{width:100%;border-collapse:collapse;table-layout:fixed}
th,td{text-align:left;vertical-align:top;padding:5px 6px;
border-top:1px solid #e6e8ec;overflow-wrap:anywhere;word-break:break-word}
th{width:38%;font-weight:600;color:#4a5566}
.factors th{width:30%}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));
gap:8px}
.fig{background:#f4f5f7;border-radius:6px;padding:8px}
.fig b{display:block;font-size:20px;overflow-wrap:anywhere}
.fig span{font-size:12px;color:#4a5566}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;
font-size:12px;font-weight:600}
.pass{background:#d5f5df;color:#145c2c}.fail{background:#fde0e0;color:#8a1c1c}
code{font-size:13px}
@media (max-width:560px){
table,tbody,tr,th,td{display:block;width:auto}
th,.factors th{width:auto;padding-bottom:0}
td{border-top:none;padding-top:0}
}
)";

// Replaces the live figures from /status.json every two seconds and shows
// requests per second from the difference of two snapshots.
constexpr std::string_view kScript = R"(
(function(){
var last=null;
function set(id,text){var e=document.getElementById(id);if(e)e.textContent=text;}
function tick(){
fetch('/status.json',{cache:'no-store'}).then(function(r){return r.json();})
.then(function(s){
for(var id in s.live)set(id,s.live[id]);
set('phase',s.phase);
var badge=document.getElementById('readiness');
badge.textContent=s.ready?'ready':'not ready';
badge.className='badge '+(s.ready?'pass':'fail');
var now=Date.now();
if(last&&now>last.t){set('rps',((s.requests-last.n)*1000/(now-last.t)).toFixed(1));}
last={t:now,n:s.requests};
set('updated',new Date().toLocaleTimeString());
}).catch(function(){set('updated','unreachable');});
}
tick();setInterval(tick,2000);
})();
)";

void AppendEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

void AppendTable(std::string& out, std::string_view title,
                 const StatusSnapshot::Rows& rows) {
  out += "<section><h2>";
  AppendEscaped(out, title);
  out += "</h2><table>";
  for (const auto& [name, value] : rows) {
    out += "<tr><th>";
    AppendEscaped(out, name);
    out += "</th><td><code>";
    AppendEscaped(out, value);
    out += "</code></td></tr>";
  }
  out += "</table></section>";
}

struct Figure {
  std::string_view id, label;
};

void AppendFigure(std::string& out, const StatusSnapshot& snapshot,
                  const Figure& figure) {
  std::string text = "-";
  for (const auto& [id, shown] : snapshot.live) {
    if (id == figure.id) text = shown;
  }
  out += "<div class=\"fig\"><b id=\"";
  AppendEscaped(out, figure.id);
  out += "\">";
  AppendEscaped(out, text);
  out += "</b><span>";
  AppendEscaped(out, figure.label);
  out += "</span></div>";
}

void AppendFigures(std::string& out, const StatusSnapshot& snapshot) {
  static constexpr Figure kFigures[] = {
      {"requests", "requests served"},
      {"rps", "requests / s"},
      {"errors", "5xx answers"},
      {"rejected", "requests rejected"},
      {"store_errors", "store errors"},
      {"connections", "open connections"},
      {"uptime", "uptime"},
      {"rss", "resident memory"},
      {"fds", "open descriptors"},
      {"cpu", "CPU time"},
      {"os_threads", "OS threads"},
      {"store_operations", "store round trips"},
      {"store_reconnects", "store reconnects"},
  };
  out += "<section><h2>Live</h2><div class=\"grid\">";
  for (const Figure& figure : kFigures) AppendFigure(out, snapshot, figure);
  // The app's own counters (AppMetrics), labelled with their help.
  for (const auto& [id, label] : snapshot.app_figures) {
    AppendFigure(out, snapshot, {id, label});
  }
  out +=
      "</div><p><small>updated <span id=\"updated\">at load</span>"
      "</small></p></section>";
}

void AppendFactors(std::string& out, const StatusSnapshot& snapshot) {
  out +=
      "<section><h2>The twelve factors in this process</h2>"
      "<table class=\"factors\">";
  for (const StatusSnapshot::Factor& factor : snapshot.factors) {
    out += "<tr class=\"factor\"><th>";
    AppendEscaped(out, factor.number + " " + factor.name);
    out += "</th><td>";
    AppendEscaped(out, factor.here);
    out += "</td></tr>";
  }
  out += "</table></section>";
}

}  // namespace

std::string StatusHtml(const StatusSnapshot& snapshot) {
  std::string out;
  out.reserve(16 * 1024);
  out +=
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,"
      "initial-scale=1\"><link rel=\"icon\" href=\"data:,\">"
      "<noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>"
      "<title>";
  AppendEscaped(out, snapshot.app_name);
  out += " status</title><style>";
  out += kStyle;
  out += "</style></head><body><header><h1>";
  AppendEscaped(out, snapshot.app_name);
  out += " <span id=\"readiness\" class=\"badge ";
  out += snapshot.ready ? "pass\">ready" : "fail\">not ready";
  out += "</span></h1><p>phase <span id=\"phase\">";
  AppendEscaped(out, snapshot.phase);
  out += "</span></p></header><main>";
  AppendFigures(out, snapshot);
  AppendFactors(out, snapshot);
  AppendTable(out, "Release", snapshot.release);
  AppendTable(out, "Attached store", snapshot.store);
  AppendTable(out, "Process", snapshot.process);
  AppendTable(out, "Config (secrets masked)", snapshot.config);
  out += "</main><script>";
  out += kScript;
  out += "</script></body></html>";
  return out;
}

void AddStatusRoutes(Router& router, const StatusSources& sources) {
  router.Get("/status", [&sources](const Request&) {
    return Response::Html(StatusHtml(TakeStatusSnapshot(sources)))
        .With("Cache-Control", "no-store");
  });
  router.Get("/status.json", [&sources](const Request&) {
    return Response::Json(StatusJson(TakeStatusSnapshot(sources)))
        .With("Cache-Control", "no-store");
  });
}

}  // namespace twelve
