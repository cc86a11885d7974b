#pragma once
// The client side of `<app> healthcheck`: asks the local server's /readyz,
// for container health checks on images without curl.

#include <chrono>
#include <cstdint>
#include <string>

#include "twelve/status.hpp"

namespace twelve {

// OK when GET /readyz on host:port answers 200 within `timeout`; otherwise
// why not ("answered 503", "connection refused", ...).
Status ProbeReadiness(const std::string& host, std::uint16_t port,
                      std::chrono::milliseconds timeout);

// The address to probe for a server bound to `bind`: the loopback address
// of the same family when it listens on every address.
std::string ProbeHost(const std::string& bind);

}  // namespace twelve
