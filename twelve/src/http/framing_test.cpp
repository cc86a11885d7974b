#include "http/framing.hpp"

#include <gtest/gtest.h>

namespace twelve::http {
namespace {

FramingFacts Http11WithHost() {
  FramingFacts facts;
  facts.version = 11;
  facts.host_headers = 1;
  return facts;
}

FramingFacts WithCodings(std::string_view value) {
  FramingFacts facts = Http11WithHost();
  AddTransferCodings(value, facts);
  return facts;
}

TEST(Framing, AcceptsPlainRequest) {
  EXPECT_EQ(ValidateFraming(Http11WithHost()).status, 0);
}

TEST(Framing, AcceptsChunked) {
  EXPECT_EQ(ValidateFraming(WithCodings("chunked")).status, 0);
  EXPECT_EQ(ValidateFraming(WithCodings("Chunked")).status, 0);
}

TEST(Framing, RejectsMissingHostOnHttp11) {
  FramingFacts facts;
  facts.version = 11;
  EXPECT_EQ(ValidateFraming(facts).status, 400);
}

TEST(Framing, AllowsMissingHostOnHttp10) {
  FramingFacts facts;
  facts.version = 10;
  EXPECT_EQ(ValidateFraming(facts).status, 0);
}

TEST(Framing, RejectsTwoHostHeaders) {
  FramingFacts facts = Http11WithHost();
  facts.host_headers = 2;
  EXPECT_EQ(ValidateFraming(facts).status, 400);
}

TEST(Framing, RejectsTwoContentLengthHeaders) {
  FramingFacts facts = Http11WithHost();
  facts.content_length_headers = 2;
  EXPECT_EQ(ValidateFraming(facts).status, 400);
}

TEST(Framing, RejectsFinalCodingNotChunked) {
  EXPECT_EQ(ValidateFraming(WithCodings("gzip")).status, 400);
  EXPECT_EQ(ValidateFraming(WithCodings("chunked, gzip")).status, 400);
}

TEST(Framing, RejectsChunkedTwice) {
  EXPECT_EQ(ValidateFraming(WithCodings("chunked, chunked")).status, 400);
}

TEST(Framing, CombinesCodingsAcrossHeaders) {
  FramingFacts facts = WithCodings("chunked");
  AddTransferCodings("gzip", facts);
  EXPECT_EQ(ValidateFraming(facts).status, 400);
}

TEST(Framing, RejectsEmptyCoding) {
  EXPECT_EQ(ValidateFraming(WithCodings("")).status, 400);
  EXPECT_EQ(ValidateFraming(WithCodings("gzip, , chunked")).status, 400);
}

TEST(Framing, RejectsChunkedOnHttp10) {
  FramingFacts facts;
  facts.version = 10;
  AddTransferCodings("chunked", facts);
  EXPECT_EQ(ValidateFraming(facts).status, 400);
}

TEST(Framing, RejectsTransferEncodingWithContentLength) {
  FramingFacts facts = WithCodings("chunked");
  facts.content_length_headers = 1;
  EXPECT_EQ(ValidateFraming(facts).status, 400);
}

TEST(Framing, UnsupportedCodingBeforeChunkedIsNotImplemented) {
  EXPECT_EQ(ValidateFraming(WithCodings("gzip, chunked")).status, 501);
}

}  // namespace
}  // namespace twelve::http
