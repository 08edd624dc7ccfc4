#include "train/train_state.h"

#include <stdexcept>
#include <string>

#include "checkpoint/checkpoint.h"
#include "errors/errors.h"

namespace bertforge {
using json = nlohmann::json;

json TrainState::to_json() const {
  return {{"step", step},
          {"loader", {{"epoch", loader.epoch}, {"step", loader.step}}},
          {"elapsed_sec", elapsed_sec},
          {"tokens_seen", tokens_seen},
          {"source_tokens", source_tokens},
          {"skipped_steps", skipped_steps},
          {"window", window},
          {"metrics", last_metrics},
          {"init_from", init_from},
          {"nsp_head_trained", nsp_head_trained},
          {"best", best.to_json()},
          {"guard", guard.to_json()},
          {"world_size", world_size}};
}

TrainState TrainState::from_json(const json& j, bool nsp) {
  TrainState s;
  s.step = j.at("step");
  s.loader.epoch = j.at("loader").at("epoch");
  s.loader.step = j.at("loader").at("step");
  s.elapsed_sec = j.at("elapsed_sec");
  s.tokens_seen = j.at("tokens_seen");
  s.source_tokens = j.value("source_tokens", json::object());
  if (!s.source_tokens.is_object()) throw std::invalid_argument("source_tokens is not an object");
  for (const auto& [name, n] : s.source_tokens.items())
    if (!n.is_number_integer())
      throw std::invalid_argument("source_tokens." + name + " not an integer");
  s.skipped_steps = j.at("skipped_steps");
  s.window = j.at("window");
  s.last_metrics = j.value("metrics", json::object());
  s.init_from = j.value("init_from", json());
  s.nsp_head_trained = j.value("nsp_head_trained", nsp);
  s.best = BestLoss::from_json(j.value("best", json()));
  s.guard = GuardState::from_json(j.value("guard", json()));
  s.world_size = j.value("world_size", 0);
  return s;
}

TrainState TrainState::of(const CheckpointInfo& checkpoint) {
  try {
    return from_json(checkpoint.state, checkpoint.config.data.nsp);
  } catch (const std::exception& e) {
    throw InputError(checkpoint.dir, 0,
                     std::string("not a complete checkpoint: state.json: ") + e.what(),
                     "use --resume auto to fall back to the newest complete one");
  }
}

}  // namespace bertforge
