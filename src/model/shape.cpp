#include "model/shape.h"

#include <nlohmann/json.hpp>

namespace bertforge {
using json = nlohmann::json;

ModelShape::ModelShape(const ModelConfig& m, int64_t vocab, int64_t pad)
    : ModelConfig(m), vocab_size(vocab), pad_id(m.architecture == "roberta" ? pad : 0) {}

std::string ModelShape::difference(const ModelShape& o) const {
  Config a, b;
  a.model = *this, b.model = o;
  json ja = config_to_json(a)["model"], jb = config_to_json(b)["model"];
  ja["vocab_size"] = vocab_size, jb["vocab_size"] = o.vocab_size;
  ja["pad_id"] = pad_id, jb["pad_id"] = o.pad_id;
  std::vector<std::string> keys = model_shape_keys();
  keys.insert(keys.begin() + 1, "vocab_size");  // after architecture, as the messages always read
  keys.push_back("pad_id");
  for (const std::string& k : keys) {
    if (ja[k] == jb[k]) continue;
    auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
    return k + " " + text(ja[k]) + " vs " + text(jb[k]);
  }
  return "";
}

}  // namespace bertforge
