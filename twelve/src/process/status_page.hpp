#pragma once
// The status page (issue 14): GET /status (HTML) and /status.json on the
// admin listener only, never on the service port.
//
// Self-contained: inline CSS and a few lines of inline JS, no external
// asset (not even a favicon request), readable on a 375-px phone screen.
// The JS fetches /status.json every two seconds and replaces the live
// figures; without JS a meta refresh reloads the page.

#include <string>

#include "process/status_snapshot.hpp"
#include "twelve/http/router.hpp"

namespace twelve {

std::string StatusHtml(const StatusSnapshot& snapshot);

// GET /status and /status.json; `sources` must outlive the router's use.
void AddStatusRoutes(Router& router, const StatusSources& sources);

}  // namespace twelve
