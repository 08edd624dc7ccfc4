#include "labelled/labelled_data.h"

#include <gtest/gtest.h>

#include "errors/errors.h"
#include "labelled/csv.h"
#include "labelled/label_set.h"

namespace bertforge {
namespace {

LabelledFormat fmt(const std::string& format, const std::string& task = "classification") {
  LabelledFormat f;
  f.format = format;
  f.task = task;
  return f;
}

// The message of the InputError parse_labelled throws ("" when it accepts the text).
std::string error_of(const std::string& text, const LabelledFormat& f) {
  try {
    parse_labelled(text, "d.jsonl", f);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitRuntime);
    return e.what();
  }
  return "";
}

TEST(Csv, Rfc4180Quoting) {
  const auto r =
      parse_delimited("a,b\n\"x, \"\"y\"\"\",2\r\n\"multi\nline\",3\n\nlast,\"\"\n", ',', "f");
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[1].fields, (std::vector<std::string>{"x, \"y\"", "2"}));
  EXPECT_EQ(r[2].fields, (std::vector<std::string>{"multi\nline", "3"}));
  EXPECT_EQ(r[2].line, 3);
  EXPECT_EQ(r[3].line, 6);  // after the two-line record and the blank line
  EXPECT_EQ(r[3].fields, (std::vector<std::string>{"last", ""}));
  // TSV: a quote inside an unquoted field is literal.
  EXPECT_EQ(parse_delimited("a\tsay \"hi\"\n", '\t', "f")[0].fields[1], "say \"hi\"");
  EXPECT_THROW(parse_delimited("a\n\"open\n", ',', "f"), InputError);
  EXPECT_THROW(parse_delimited("\"a\"b,c\n", ',', "f"), InputError);
}

TEST(LabelledData, JsonlClassification) {
  const auto ex = parse_labelled(
      "{\"text\": \"good\", \"label\": \"pos\"}\n\n{\"text\": \"bad\", \"label\": 0}\n", "f",
      fmt("jsonl"));
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[0].label, "pos");
  EXPECT_EQ(ex[1].label, "0");
  EXPECT_EQ(ex[1].line, 3);
}

TEST(LabelledData, CsvPairAndRegression) {
  LabelledFormat f = fmt("csv", "regression");
  f.text_pair_field = "b";
  f.text_field = "a";
  f.label_field = "score";
  const auto ex = parse_labelled("score,a,b\n2.5,\"x, y\",z\n-1e1,p,q\n", "f", f);
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[0].text, "x, y");
  EXPECT_EQ(ex[0].text_pair, "z");
  EXPECT_DOUBLE_EQ(ex[1].value, -10.0);
}

TEST(LabelledData, Tokens) {
  const auto ex =
      parse_labelled("{\"tokens\": [\"John\", \"runs\"], \"tags\": [\"B-PER\", \"O\"]}\n", "f",
                     fmt("jsonl", "token_classification"));
  EXPECT_EQ(ex[0].tags[0], "B-PER");
  EXPECT_NE(error_of("{\"tokens\": [\"a\", \"b\"], \"tags\": [\"O\"]}\n",
                     fmt("jsonl", "token_classification")),
            "");
}

TEST(LabelledData, ErrorsNameFileAndLine) {
  const auto jsonl = fmt("jsonl");
  EXPECT_EQ(error_of("{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\"}\n", jsonl),
            "d.jsonl:2: no label field 'label'");
  EXPECT_NE(error_of("{\"text\": \"a\", \"label\": 1.5}\n", jsonl).find("d.jsonl:1: label"),
            std::string::npos);  // a fractional class
  EXPECT_NE(error_of("{\"text\": \"  \", \"label\": 1}\n", jsonl).find("d.jsonl:1: empty text"),
            std::string::npos);
  EXPECT_NE(error_of("text,label\na,b\n", jsonl).find("d.jsonl:1: not a JSON object"),
            std::string::npos);  // a CSV read as jsonl
  EXPECT_NE(error_of("{\"text\": \"a\", \"label\": \"x\"}\n", fmt("jsonl", "regression"))
                .find("expected a number"),
            std::string::npos);
  EXPECT_NE(error_of("text,label\na,b,c\n", fmt("csv")).find("d.jsonl:2: 3 columns"),
            std::string::npos);
  EXPECT_NE(error_of("txt,label\na,b\n", fmt("csv")).find("no column 'text'"), std::string::npos);
  EXPECT_NE(error_of("text,label\na,\n", fmt("csv")).find("d.jsonl:2: empty label"),
            std::string::npos);
  EXPECT_NE(error_of("", jsonl).find("no examples"), std::string::npos);
  EXPECT_NE(error_of("{\"text\": \"\xff\", \"label\": 1}\n", jsonl).find("invalid UTF-8"),
            std::string::npos);
}

TEST(LabelSet, OrderAndUnseen) {
  std::vector<LabelledExample> train(3);
  train[0].label = "10";
  train[1].label = "2";
  train[2].label = "2";
  const LabelSet s = LabelSet::from_examples(train, "classification");
  EXPECT_EQ(s.names(), (std::vector<std::string>{"2", "10"}));  // numeric order
  std::vector<LabelledExample> valid(1);
  valid[0].label = "3";
  valid[0].line = 7;
  try {
    s.check_known(valid, "classification", "v.jsonl");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("v.jsonl:7: label '3' does not occur", 0), 0u);
  }
}

}  // namespace
}  // namespace bertforge
