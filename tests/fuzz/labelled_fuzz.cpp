// Fuzz target: the labelled-data reader of `bertforge finetune` and `predict` (parse_labelled, in
// memory). The first byte picks the format (jsonl | csv | tsv) and the task (classification,
// regression, token_classification; with or without a text pair; labelled or not); the rest is
// the file. A refusal is a bertforge::Error. What it accepts must keep its contract (a non-blank
// text; as many tags as words; a label set that knows every training label), else the target
// traps.
#include <cstdint>
#include <string>
#include <string_view>

#include "errors/errors.h"
#include "labelled/label_set.h"
#include "labelled/labelled_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  bertforge::LabelledFormat f;
  static const char* const kFormats[] = {"jsonl", "csv", "tsv"};
  static const char* const kTasks[] = {"classification", "regression", "token_classification"};
  f.format = kFormats[mode % 3];
  f.task = kTasks[(mode / 3) % 3];
  if (f.task == "token_classification") f.format = "jsonl";
  if (mode & 0x10) f.text_pair_field = "text_pair";
  f.need_labels = !(mode & 0x20);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const auto examples = bertforge::parse_labelled(text, "fuzz", f);
    if (examples.empty()) __builtin_trap();
    for (const auto& ex : examples) {
      if (f.task == "token_classification") {
        if (ex.tokens.empty()) __builtin_trap();
        if (f.need_labels && ex.tags.size() != ex.tokens.size()) __builtin_trap();
      } else if (ex.text.find_first_not_of(" \t\r\n\f\v") == std::string::npos) {
        __builtin_trap();
      }
      if (ex.line < 1) __builtin_trap();
    }
    if (f.need_labels) {
      const auto labels = bertforge::LabelSet::from_examples(examples, f.task);
      labels.check_known(examples, f.task, "fuzz");  // must not throw for its own data
    }
  } catch (const bertforge::Error&) {
    return 0;
  }
  return 0;
}
