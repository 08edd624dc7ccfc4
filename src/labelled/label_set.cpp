#include "labelled/label_set.h"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "errors/errors.h"

namespace bertforge {
using json = nlohmann::json;

namespace {
bool is_integer(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}
}  // namespace

LabelSet::LabelSet(std::vector<std::string> names) : names_(std::move(names)) {}

LabelSet LabelSet::from_examples(const std::vector<LabelledExample>& examples,
                                 const std::string& task) {
  if (task == "regression") return LabelSet();
  std::set<std::string> seen;
  for (const auto& ex : examples) {
    if (task == "token_classification")
      seen.insert(ex.tags.begin(), ex.tags.end());
    else
      seen.insert(ex.label);
  }
  std::vector<std::string> names(seen.begin(), seen.end());
  if (std::all_of(names.begin(), names.end(), is_integer))
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
      return std::strtoll(a.c_str(), nullptr, 10) < std::strtoll(b.c_str(), nullptr, 10);
    });
  return LabelSet(names);
}

int LabelSet::id(const std::string& name) const {
  auto it = std::find(names_.begin(), names_.end(), name);
  return it == names_.end() ? -1 : static_cast<int>(it - names_.begin());
}

void LabelSet::check_known(const std::vector<LabelledExample>& examples, const std::string& task,
                           const std::string& path) const {
  if (task == "regression") return;
  auto known = [&](const std::string& l, long line) {
    if (id(l) >= 0) return;
    std::string list;
    for (const auto& n : names_) list += (list.empty() ? "" : ", ") + n;
    throw InputError(path, line, "label '" + l + "' does not occur in the training data",
                     "the training labels: " + list);
  };
  for (const auto& ex : examples) {
    if (task == "token_classification")
      for (const auto& t : ex.tags) known(t, ex.line);
    else
      known(ex.label, ex.line);
  }
}

json labels_to_json(const std::string& task, const LabelSet& labels) {
  return json{{"task", task}, {"labels", labels.names()}};
}

LabelSet labels_from_json(const json& j, const std::string& path, std::string* task) {
  try {
    *task = j.at("task").get<std::string>();
    return LabelSet(j.at("labels").get<std::vector<std::string>>());
  } catch (const json::exception& e) {
    throw InputError(path, 0, std::string("malformed labels: ") + e.what());
  }
}

}  // namespace bertforge
