#pragma once
// The environment a test gives the servers and tools it starts (redis-server,
// initdb, pg_ctl, postgres): a fixed PATH and locale and nothing of the test
// process's own, so a developer's shell (PGHOST, PGPASSWORD, PGOPTIONS,
// LANG, ...) cannot change what a test sees.

#include <string>
#include <vector>

namespace twelve::test_support {

class ServerEnvironment {
 public:
  // HOME is `home`: the server's temp dir, so no dotfile of the user's is read.
  explicit ServerEnvironment(const std::string& home)
      : variables_{"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C.UTF-8",
                   "HOME=" + home} {
    for (std::string& variable : variables_) {
      pointers_.push_back(variable.data());
    }
    pointers_.push_back(nullptr);
  }
  ServerEnvironment(const ServerEnvironment&) = delete;
  ServerEnvironment& operator=(const ServerEnvironment&) = delete;

  // For posix_spawn's envp: valid while this object lives.
  char* const* envp() const { return pointers_.data(); }

 private:
  std::vector<std::string> variables_;
  std::vector<char*> pointers_;
};

}  // namespace twelve::test_support
