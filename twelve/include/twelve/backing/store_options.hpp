#pragma once
// StoreOptions: the timeouts and reconnection backoff every backing-service
// client follows (redis::Client, sql::Client), from the app's settings
// (STORE_CONNECT_TIMEOUT, STORE_TIMEOUT).

#include <chrono>

namespace twelve {

struct StoreOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds operation_timeout{1000};
  // Reconnect backoff: from `min_backoff`, doubling up to `max_backoff`,
  // each wait jittered by +-50%.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

}  // namespace twelve
