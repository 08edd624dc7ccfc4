// `bertforge predict`: a fine-tuned model's labels for new examples, one JSON object a line:
//   classification        {"label": "pos", "probabilities": {"neg": 0.1, "pos": 0.9}}
//   regression            {"label": 3.7}
//   token_classification  {"tokens": [...], "label": [one tag a word]} (a word cut off by
//                         truncation gets null)
// The data is read with the run's field names, its format from the file's extension (.jsonl,
// .csv, .tsv; else the run's finetune.format); labels in it are ignored. Tokenization and
// truncation are the training run's (labelled/encode.h).
#pragma once

#include <string>

namespace bertforge {

// Writes the predictions to `out` (temp file, fsync, rename) or, when `out` is empty, to stdout.
// Returns the number of examples.
int64_t predict_labels(const std::string& checkpoint, const std::string& data,
                       const std::string& out);

}  // namespace bertforge
