// The label set of a classification or token-classification task: the labels (tags) of the
// training data, in a fixed order (numerically when every label is an integer, else by text),
// each one's index its class id. Saved as labels.json in every finetune checkpoint. Torch-free.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "labelled/labelled_data.h"

namespace bertforge {

class LabelSet {
 public:
  LabelSet() = default;
  explicit LabelSet(std::vector<std::string> names);  // in this order
  // The labels of `examples` (classification: label; token_classification: tags); empty for
  // regression.
  static LabelSet from_examples(const std::vector<LabelledExample>& examples,
                                const std::string& task);
  // The id of `name`, or -1.
  int id(const std::string& name) const;
  const std::string& name(int id) const { return names_.at(static_cast<size_t>(id)); }
  int size() const { return static_cast<int>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }
  // Throws InputError naming `path` and the line of the first example whose label (or tag) is not
  // in the set ("a label in validation unseen in training").
  void check_known(const std::vector<LabelledExample>& examples, const std::string& task,
                   const std::string& path) const;

 private:
  std::vector<std::string> names_;
};

// labels.json: {"task": ..., "labels": [...]}.
nlohmann::json labels_to_json(const std::string& task, const LabelSet& labels);
// Reads it back; throws InputError naming `path` when malformed.
LabelSet labels_from_json(const nlohmann::json& j, const std::string& path, std::string* task);

}  // namespace bertforge
