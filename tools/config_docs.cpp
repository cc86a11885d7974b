// config_docs: docs/config.md and .env.example are generated from the settings
// table, so the docs cannot drift from the code. `check` is what CI runs.
//
//   config_docs markdown                      print docs/config.md
//   config_docs env                           print .env.example
//   config_docs check <config.md> <.env.example>
//                                             exit 1 if either file differs
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "settings.hpp"  // welcome/settings.hpp
#include "twelve/config/kit_config.hpp"
#include "twelve/config/settings.hpp"

namespace {

constexpr int kExitDiffers = 1;
constexpr int kExitUsage = 2;

twelve::SettingsTable FullTable() {
  twelve::SettingsTable table;
  twelve::AddKitSettings(table);
  // As welcome's main() does, so the docs cover every variable it reads.
  welcome::AddSettings(table);
  return table;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// Reports where `actual` first departs from `expected`, like a diff hunk.
void ReportDifference(const std::string& path, const std::string& actual,
                      const std::string& expected) {
  const std::vector<std::string> have = Lines(actual);
  const std::vector<std::string> want = Lines(expected);
  std::size_t line = 0;
  while (line < have.size() && line < want.size() && have[line] == want[line]) {
    ++line;
  }
  std::cerr << path << " is out of date (first difference at line " << line + 1
            << "):\n";
  if (line < have.size()) std::cerr << "- " << have[line] << "\n";
  if (line < want.size()) std::cerr << "+ " << want[line] << "\n";
  if (line >= have.size() && line >= want.size()) {
    std::cerr << "  (only the final newline differs)\n";
  }
}

// True when the file at `path` holds exactly `expected`.
bool Matches(const std::string& path, const std::string& expected,
             std::string_view regenerate) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << path << ": cannot be read\n";
  } else {
    std::ostringstream actual;
    actual << file.rdbuf();
    if (actual.str() == expected) return true;
    ReportDifference(path, actual.str(), expected);
  }
  std::cerr << "Regenerate it with: " << regenerate << "\n";
  return false;
}

int Usage() {
  std::cerr << "usage: config_docs markdown | env | "
               "check <docs/config.md> <.env.example>\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const twelve::SettingsTable table = FullTable();
  if (args.size() == 1 && args[0] == "markdown") {
    std::cout << table.RenderMarkdown();
    return 0;
  }
  if (args.size() == 1 && args[0] == "env") {
    std::cout << table.RenderEnvExample();
    return 0;
  }
  if (args.size() == 3 && args[0] == "check") {
    // Both files are checked, so one run reports every stale file.
    const bool markdown_ok =
        Matches(std::string(args[1]), table.RenderMarkdown(),
                "config_docs markdown > docs/config.md");
    const bool env_ok = Matches(std::string(args[2]), table.RenderEnvExample(),
                                "config_docs env > .env.example");
    return markdown_ok && env_ok ? 0 : kExitDiffers;
  }
  return Usage();
}
