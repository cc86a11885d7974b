#pragma once
// Names the kit's threads, so that `top -H`, `ps -L`, perf and gdb tell a
// web worker from the log's flusher, and the bench can split a server's CPU
// by thread ("web-0" and "web-1", "admin-0", "log-flush", "sqlite").

#include <cstddef>
#include <string>
#include <string_view>

namespace twelve {

// Linux keeps 15 bytes of a thread's name: a longer one is cut to them.
inline constexpr std::size_t kMaxThreadNameBytes = 15;

// Names the calling thread. Best effort: a name is for people and tools, so
// a refusal is ignored.
void NameThisThread(std::string_view name);

// The calling thread's name, as the kernel has it.
std::string ThisThreadName();

}  // namespace twelve
