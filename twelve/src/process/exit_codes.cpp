#include "twelve/process/exit_codes.hpp"

namespace twelve {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
      return kExitConfig;
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
    case StatusCode::kAmbiguous:
      return kExitUnavailable;
    case StatusCode::kNotFound:
    case StatusCode::kInternal:
      break;
  }
  return kExitFailure;
}

}  // namespace twelve
