// Labelled examples for `bertforge finetune` and `predict`: JSON Lines, CSV or TSV (a header row
// naming the columns), with configurable field names. Torch-free; tests/fuzz/labelled_fuzz.cpp
// fuzzes parse_labelled.
//   classification        text (+ text pair), label: a string or an integer (true/false too)
//   regression            text (+ text pair), label: a number
//   token_classification  tokens: a list of words, tags: a list of as many strings (jsonl only)
// Every problem is an InputError naming the file and line: a missing field, a label of the wrong
// type, an empty text, invalid UTF-8, a line that is not a JSON object, a row with the wrong
// number of columns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/finetune_config.h"

namespace bertforge {

struct LabelledExample {
  std::string text, text_pair;      // sequence tasks
  std::vector<std::string> tokens;  // token_classification: the words
  std::vector<std::string> tags;    // token_classification: one tag a word
  std::string label;                // classification: the label as text ("3", "pos")
  double value = 0;                 // regression
  long line = 0;                    // where it is in its file (1-based)
};

// How to read a file: the task, format and field names of a FinetuneConfig.
struct LabelledFormat {
  std::string task = "classification", format = "jsonl";
  std::string text_field = "text", text_pair_field, label_field = "label";
  std::string tokens_field = "tokens", tags_field = "tags";
  bool need_labels = true;  // false for `predict`: the label, when present, is ignored
  static LabelledFormat from(const FinetuneConfig& f);
};

// The examples in `content` (the text of `path`). Throws InputError naming path:line. A file with
// no example is an error.
std::vector<LabelledExample> parse_labelled(std::string_view content, const std::string& path,
                                            const LabelledFormat& format);
// Reads `path` and parses it.
std::vector<LabelledExample> read_labelled(const std::string& path, const LabelledFormat& format);

}  // namespace bertforge
