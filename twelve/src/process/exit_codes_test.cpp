#include "twelve/process/exit_codes.hpp"

#include <gtest/gtest.h>

namespace twelve {
namespace {

TEST(ExitCodeFor, MapsEachKindOfFailure) {
  EXPECT_EQ(ExitCodeFor(Status::Ok()), 0);
  EXPECT_EQ(ExitCodeFor(Status::InvalidArgument("bad PORT")), 78);
  EXPECT_EQ(ExitCodeFor(Status::Unavailable("refused")), 69);
  EXPECT_EQ(ExitCodeFor(Status::Timeout("slow")), 69);
  EXPECT_EQ(ExitCodeFor(Status::Ambiguous("cut")), 69);
  EXPECT_EQ(ExitCodeFor(Status::Internal("no table")), 1);
  EXPECT_EQ(ExitCodeFor(Status::NotFound("none")), 1);
}

}  // namespace
}  // namespace twelve
