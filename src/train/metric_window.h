// The metric sums of the steps since the last train.jsonl line. A checkpoint stores them, so a
// resumed run logs exactly the lines the uninterrupted run would. Torch-free.
#pragma once

#include <nlohmann/json.hpp>

namespace bertforge {

// Sums of the metrics since the last log line (kept in checkpoints for exact logs after resume).
struct Window {
  double loss = 0, mlm_loss = 0, nsp_loss = 0, mlm_correct = 0, mlm_count = 0, nsp_correct = 0,
         nsp_count = 0, steps = 0, tokens = 0, positions = 0;
  nlohmann::json to_json() const {
    return {{"loss", loss},           {"mlm_loss", mlm_loss},
            {"nsp_loss", nsp_loss},   {"mlm_correct", mlm_correct},
            {"mlm_count", mlm_count}, {"nsp_correct", nsp_correct},
            {"nsp_count", nsp_count}, {"steps", steps},
            {"tokens", tokens},       {"positions", positions}};
  }
  static Window from_json(const nlohmann::json& j) {
    Window w;
    if (j.is_null() || j.empty()) return w;
    w.loss = j.at("loss"), w.mlm_loss = j.at("mlm_loss"), w.nsp_loss = j.at("nsp_loss");
    w.mlm_correct = j.at("mlm_correct"), w.mlm_count = j.at("mlm_count");
    w.nsp_correct = j.at("nsp_correct"), w.nsp_count = j.at("nsp_count");
    w.steps = j.at("steps"), w.tokens = j.at("tokens"), w.positions = j.at("positions");
    return w;
  }
};

}  // namespace bertforge
