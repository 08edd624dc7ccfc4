#include "corpus/csv_record.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bertforge {
namespace {

using Fields = std::vector<std::string>;

// Feeds `lines` and returns the records (each as its fields); "ERROR: ..." for an error.
std::vector<Fields> parse(const std::vector<std::string>& lines, char delim = ',') {
  CsvRecordParser p(delim);
  std::vector<Fields> out;
  for (const auto& l : lines) {
    switch (p.feed(l)) {
      case CsvRecordParser::kRecord:
        out.push_back(p.fields());
        break;
      case CsvRecordParser::kError:
        out.push_back({"ERROR: " + p.error()});
        break;
      default:
        break;
    }
  }
  if (p.in_record()) out.push_back({"OPEN"});
  return out;
}

TEST(CsvRecordTest, PlainFieldsAndEmptyOnes) {
  EXPECT_EQ(parse({"a,b,c"}), (std::vector<Fields>{{"a", "b", "c"}}));
  EXPECT_EQ(parse({"a,,c,"}), (std::vector<Fields>{{"a", "", "c", ""}}));
  EXPECT_EQ(parse({","}), (std::vector<Fields>{{"", ""}}));
  EXPECT_EQ(parse({" a , b "}), (std::vector<Fields>{{" a ", " b "}}));  // spaces are data
}

TEST(CsvRecordTest, QuotedFieldsHoldDelimitersQuotesAndLineBreaks) {
  EXPECT_EQ(parse({R"("a,b","say ""hi""",c)"}), (std::vector<Fields>{{"a,b", "say \"hi\"", "c"}}));
  EXPECT_EQ(parse({R"("")"}), (std::vector<Fields>{{""}}));
  EXPECT_EQ(parse({R"("""")"}), (std::vector<Fields>{{"\""}}));
  // A quoted field across three lines, an empty line inside it included.
  EXPECT_EQ(
      parse({R"(1,"first line)", "", R"(third" ,x)"}),
      (std::vector<Fields>{{"ERROR: unexpected character after a closing quote (column 7): "
                            "a quoted field must end at a delimiter or the end of the line"}}));
  EXPECT_EQ(parse({R"(1,"first line)", "", R"(third",x)"}),
            (std::vector<Fields>{{"1", "first line\n\nthird", "x"}}));
}

TEST(CsvRecordTest, BlankLinesBetweenRecordsAreSkipped) {
  EXPECT_EQ(parse({"a,b", "", "c,d"}), (std::vector<Fields>{{"a", "b"}, {"c", "d"}}));
}

TEST(CsvRecordTest, QuoteInsideAnUnquotedFieldIsLiteral) {
  EXPECT_EQ(parse({R"(5" tall,x)"}), (std::vector<Fields>{{"5\" tall", "x"}}));
}

TEST(CsvRecordTest, TsvUsesTabsAndTheSameQuoting) {
  EXPECT_EQ(parse({"a\tb,c\t\"d\te\""}, '\t'), (std::vector<Fields>{{"a", "b,c", "d\te"}}));
}

TEST(CsvRecordTest, UnterminatedQuoteStaysOpen) {
  EXPECT_EQ(parse({R"(a,"never closed)", "more"}), (std::vector<Fields>{{"OPEN"}}));
}

TEST(CsvRecordTest, RecordsLongerThanTheLimitAreErrors) {
  CsvRecordParser p(',', 1 << 20);
  const std::string line(600000, 'x');
  EXPECT_EQ(p.feed("\"" + line), CsvRecordParser::kNeedMore);
  EXPECT_EQ(p.feed(line), CsvRecordParser::kError);
  EXPECT_NE(p.error().find("longer than 1 MiB"), std::string::npos) << p.error();
  // The parser is usable again after an error.
  EXPECT_EQ(p.feed("a,b"), CsvRecordParser::kRecord);
  EXPECT_EQ(p.fields(), (Fields{"a", "b"}));
}

}  // namespace
}  // namespace bertforge
