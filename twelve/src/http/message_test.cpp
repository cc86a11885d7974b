#include "twelve/http/message.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace twelve {
namespace {

Request WithQuery(std::string_view query) {
  Request request;
  request.query = query;
  return request;
}

TEST(RequestParam, GivesTheNamedParameter) {
  const std::vector<PathParam> params = {{"user", "ann"}, {"id", "a b"}};
  Request request;
  request.params = params;
  EXPECT_EQ(request.Param("user"), "ann");
  EXPECT_EQ(request.Param("id"), "a b");
  EXPECT_EQ(request.Param("ID"), std::nullopt);
  EXPECT_EQ(request.Param("missing"), std::nullopt);
}

TEST(RequestParam, NoneOnAnExactRoute) {
  EXPECT_EQ(Request{}.Param("id"), std::nullopt);
}

TEST(QueryParam, FindsAValueByName) {
  Request request = WithQuery("limit=20&order=new");
  EXPECT_EQ(request.QueryParam("limit"), "20");
  EXPECT_EQ(request.QueryParam("order"), "new");
}

TEST(QueryParam, AbsentNameIsNullopt) {
  EXPECT_EQ(WithQuery("limit=20").QueryParam("offset"), std::nullopt);
  EXPECT_EQ(WithQuery("").QueryParam("limit"), std::nullopt);
  EXPECT_EQ(WithQuery("limit=20").QueryParam("lim"), std::nullopt);
  EXPECT_EQ(WithQuery("limit=20").QueryParam("limit=20"), std::nullopt);
}

TEST(QueryParam, FirstValueWins) {
  EXPECT_EQ(WithQuery("a=1&b=2&a=3").QueryParam("a"), "1");
}

TEST(QueryParam, NameWithoutValueIsEmpty) {
  Request request = WithQuery("flag&empty=&x=1");
  EXPECT_EQ(request.QueryParam("flag"), "");
  EXPECT_EQ(request.QueryParam("empty"), "");
  EXPECT_EQ(request.QueryParam("x"), "1");
}

TEST(QueryParam, ValuesArePercentDecodedWithPlusAsSpace) {
  Request request = WithQuery("q=a+b%20c%2Bd&path=%2Fnotes%2F1&e=%C3%A9");
  EXPECT_EQ(request.QueryParam("q"), "a b c+d");
  EXPECT_EQ(request.QueryParam("path"), "/notes/1");
  EXPECT_EQ(request.QueryParam("e"), "\xC3\xA9");
}

TEST(QueryParam, NamesArePercentDecodedToo) {
  Request request = WithQuery("first+name=ann&last%20name=lee");
  EXPECT_EQ(request.QueryParam("first name"), "ann");
  EXPECT_EQ(request.QueryParam("last name"), "lee");
}

TEST(QueryParam, EqualsSignsAfterTheFirstBelongToTheValue) {
  EXPECT_EQ(WithQuery("expr=a=b").QueryParam("expr"), "a=b");
}

TEST(QueryParam, EmptyPairsAreSkipped) {
  Request request = WithQuery("&&a=1&&");
  EXPECT_EQ(request.QueryParam("a"), "1");
  EXPECT_EQ(request.QueryParam(""), std::nullopt);
}

TEST(QueryParam, MalformedPairIsAbsent) {
  EXPECT_EQ(WithQuery("limit=%zz").QueryParam("limit"), std::nullopt);
  EXPECT_EQ(WithQuery("limit=5%").QueryParam("limit"), std::nullopt);
  EXPECT_EQ(WithQuery("limit=%4").QueryParam("limit"), std::nullopt);
  EXPECT_EQ(WithQuery("lim%zzit=5").QueryParam("lim%zzit"), std::nullopt);
}

TEST(QueryParam, MalformedPairIsSkippedForALaterOne) {
  Request request = WithQuery("limit=%zz&limit=5&other=%");
  EXPECT_EQ(request.QueryParam("limit"), "5");
  EXPECT_EQ(request.QueryParam("other"), std::nullopt);
}

}  // namespace
}  // namespace twelve
