#include "checkpoint/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "console/logging.h"
#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"
#include "hf/safetensors.h"
#include "run/staged_dir.h"

namespace bertforge {
using json = nlohmann::json;
namespace stdfs = std::filesystem;

namespace {
// The files state.json records with their sha256 (model.pt: checkpoints written by
// bertforge before model.safetensors, which still load).
const char* const kFiles[] = {ckpt_file::kModelSafetensors, ckpt_file::kModel,
                              ckpt_file::kOptimizer, ckpt_file::kTokenizer, ckpt_file::kConfig};

// The weights file a checkpoint's state.json records: model.safetensors, or model.pt.
std::string weights_file(const json& files) {
  if (files.contains(ckpt_file::kModelSafetensors)) return ckpt_file::kModelSafetensors;
  if (files.contains(ckpt_file::kModel)) return ckpt_file::kModel;
  return "";
}

// The shape in state.json: the model section as the config table writes it (every model.* key but
// the preset) and vocab_size.
json shape_to_json(const ModelShape& s) {
  Config c;
  c.model = s;
  json j = config_to_json(c)["model"];
  j.erase("preset");
  j["vocab_size"] = s.vocab_size;
  if (s.architecture == "roberta") j["pad_id"] = s.pad_id;
  return j;
}

// Read back through the config table: each key's type checked, and a key that an older checkpoint
// lacks takes its default (checkpoints from before model.architecture are BERT).
ModelShape shape_from_json(const json& j) {
  json model = j;
  const int64_t vocab = model.at("vocab_size").get<int64_t>();
  const int64_t pad = model.value("pad_id", int64_t{0});
  model.erase("vocab_size");
  model.erase("pad_id");
  return ModelShape(config_from_json(json{{"model", model}}, false).model, vocab, pad);
}

int64_t step_of(const std::string& name) {
  const size_t n = std::strlen(kStepPrefix);
  if (name.rfind(kStepPrefix, 0) != 0) return -1;
  try {
    size_t used = 0;
    int64_t v = std::stoll(name.substr(n), &used);
    return used == name.size() - n ? v : -1;
  } catch (...) {
    return -1;
  }
}

// Complete step-N directories under checkpoints/, newest first (by step).
std::vector<std::pair<int64_t, std::string>> step_dirs(const std::string& ckpt_dir) {
  std::vector<std::pair<int64_t, std::string>> out;
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(ckpt_dir, ec)) {
    int64_t s = step_of(e.path().filename().string());
    if (s >= 0 && e.is_directory()) out.emplace_back(s, e.path().string());
  }
  std::sort(out.rbegin(), out.rend());
  return out;
}

}  // namespace

bool is_checkpoint_dir(const std::string& dir) {
  return fs::exists(fs::join(dir, ckpt_file::kDone)) ||
         fs::exists(fs::join(dir, ckpt_file::kState));
}

namespace {
template <class T>
std::string serialize(const T& value) {
  std::ostringstream out;
  torch::save(value, out);
  return out.str();
}
}  // namespace

void write_checkpoint(const std::string& dir, ModelPtr& model, torch::optim::Optimizer* optimizer,
                      const json& state, const Config& config, const std::string& tokenizer_model) {
  write_checkpoint(dir, *model, model->shape(), optimizer, state, config, tokenizer_model);
}

void write_checkpoint(const std::string& dir, const torch::nn::Module& model,
                      const ModelShape& shape, torch::optim::Optimizer* optimizer,
                      const json& state, const Config& config, const std::string& tokenizer_model,
                      const ExtraFiles& extra) {
  try {
    StagedDir staged(dir);
    const std::string& tmp = staged.path();
    staged.write_files([&] {  // errors name the files in `dir`, not in `tmp`
      // Serialised in memory, then written with checked, fsynced writes: LibTorch's file writer
      // reports a full disk by throwing from a destructor, which terminates the process.
      std::vector<std::pair<std::string, torch::Tensor>> weights;
      for (const auto& item : model.named_parameters())
        weights.emplace_back(item.key(), item.value());
      write_safetensors(fs::join(tmp, ckpt_file::kModelSafetensors), weights, {{"format", "pt"}});
      for (const auto& [name, bytes] : extra) fs::write_file_atomic(fs::join(tmp, name), bytes);
      if (optimizer)
        fs::write_file_atomic(fs::join(tmp, ckpt_file::kOptimizer), serialize(*optimizer));
      fs::write_file_atomic(fs::join(tmp, ckpt_file::kTokenizer), fs::read_file(tokenizer_model));
      fs::write_file_atomic(fs::join(tmp, ckpt_file::kConfig), config_to_string(config));
      json files = json::object();
      for (const char* f : kFiles)
        if (fs::exists(fs::join(tmp, f))) files[f] = sha256_file(fs::join(tmp, f));
      for (const auto& e : extra) files[e.first] = sha256_file(fs::join(tmp, e.first));
      json j = state;
      j.update(json{{"format_version", kCheckpointFormat},
                    {"shape", shape_to_json(shape)},
                    {"tokenizer_checksum", files[ckpt_file::kTokenizer]},
                    {"files", files},
                    {"saved_at", static_cast<int64_t>(::time(nullptr))}});
      fs::write_file_atomic(fs::join(tmp, ckpt_file::kState), j.dump(2) + "\n");
      fs::write_file_atomic(fs::join(tmp, ckpt_file::kDone),
                            sha256_file(fs::join(tmp, ckpt_file::kState)) + "\n");
    });
    staged.publish();  // final/ written again: replaced only once the new one is whole
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw RuntimeError("cannot write checkpoint " + dir + ": " + e.what());
  }
}

std::vector<std::string> drop_checkpoints_after(const std::string& run_dir, int64_t step) {
  std::vector<std::string> dropped;
  for (const auto& [s, path] : step_dirs(checkpoints_dir(run_dir))) {
    if (s <= step) continue;
    fs::remove_all(path);
    dropped.push_back(path);
  }
  return dropped;
}

namespace {
// True when the model in `dir` (best/) was saved at a step after `step`, or cannot be read.
bool best_saved_after(const std::string& dir, int64_t step) {
  try {
    return json::parse(fs::read_file(fs::join(dir, ckpt_file::kState))).at("step").get<int64_t>() >
           step;
  } catch (const std::exception&) {
    return true;
  }
}
}  // namespace

void prepare_run_dir(const std::string& run_dir, int64_t resumed_from_step, bool overwrite) {
  fs::make_dirs(run_dir);
  tidy_run_dir(run_dir);
  const bool resume = resumed_from_step >= 0;
  if (!resume && overwrite) {
    log::warn("--overwrite: removing the checkpoints, final/ and best/ models and logs of {}",
              run_dir);
    fs::remove_all(checkpoints_dir(run_dir));
    fs::remove_all(final_dir(run_dir));
  }
  if (resume)
    for (const std::string& d : drop_checkpoints_after(run_dir, resumed_from_step))
      log::warn("removing {}: resuming from step {} abandons it", d, resumed_from_step);
  // best/ must belong to this run's path: a fresh run starts without one, and a resume from an
  // older checkpoint drops a best/ saved after it.
  const std::string best = best_dir(run_dir);
  if (fs::exists(best) && (!resume || best_saved_after(best, resumed_from_step))) {
    log::warn("removing {}: it does not belong to this run's path", best);
    fs::remove_all(best);
  }
}

void tidy_run_dir(const std::string& run_dir) {
  for (const std::string& dir : {final_dir(run_dir), best_dir(run_dir)})
    StagedDir::tidy(dir, ckpt_file::kDone);
}

std::string save_step_checkpoint(const std::string& run_dir, ModelPtr& model,
                                 torch::optim::Optimizer& optimizer, const json& state,
                                 const Config& config, const std::string& tokenizer_model) {
  return save_step_checkpoint(run_dir, *model, model->shape(), optimizer, state, config,
                              tokenizer_model);
}

std::string save_step_checkpoint(const std::string& run_dir, const torch::nn::Module& model,
                                 const ModelShape& shape, torch::optim::Optimizer& optimizer,
                                 const json& state, const Config& config,
                                 const std::string& tokenizer_model, const ExtraFiles& extra) {
  const std::string cdir = checkpoints_dir(run_dir);
  const std::string name = step_checkpoint_name(state.at("step").get<int64_t>());
  const std::string dir = fs::join(cdir, name);
  write_checkpoint(dir, model, shape, &optimizer, state, config, tokenizer_model, extra);
  fs::write_file_atomic(fs::join(cdir, kLatestFile), name + "\n");
  // Prune: keep the newest keep_last complete checkpoints; remove leftovers of crashed writes
  // (every .tmp- entry: this process, the run's only writer, has renamed its own by now).
  int kept = 0;
  for (const auto& [step, path] : step_dirs(cdir)) {
    bool complete = fs::exists(fs::join(path, ckpt_file::kDone));
    if (complete && kept < config.train.keep_last) {
      ++kept;
    } else if (step < state.at("step").get<int64_t>()) {
      fs::remove_all(path);
    }
  }
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(cdir, ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind(".tmp-", 0) == 0) fs::remove_all(e.path().string());
  }
  return dir;
}

CheckpointInfo read_checkpoint(const std::string& dir) {
  auto bad = [&](const std::string& what) {
    return InputError(dir, 0, "not a complete checkpoint: " + what,
                      "use --resume auto to fall back to the newest complete one");
  };
  if (!fs::is_dir(dir)) throw InputError(dir, 0, "no such checkpoint directory");
  const std::string done = fs::join(dir, ckpt_file::kDone),
                    state_path = fs::join(dir, ckpt_file::kState);
  if (!fs::exists(done)) throw bad("DONE marker missing (interrupted while saving?)");
  if (!fs::exists(state_path)) throw bad("state.json missing");
  std::string expect = fs::read_file(done);
  while (!expect.empty() && std::isspace(static_cast<unsigned char>(expect.back())))
    expect.pop_back();
  if (sha256_file(state_path) != expect) throw bad("state.json does not match its DONE checksum");
  json j;
  try {
    j = json::parse(fs::read_file(state_path));
  } catch (const std::exception& e) {
    throw bad(std::string("state.json unreadable: ") + e.what());
  }
  CheckpointInfo info;
  info.dir = dir;
  info.config = config_from_json(json::parse(fs::read_file(fs::join(dir, ckpt_file::kConfig))));
  try {
    if (j.at("format_version").get<int>() != kCheckpointFormat)
      throw bad("format version " + j.at("format_version").dump() + ", expected " +
                std::to_string(kCheckpointFormat));
    for (auto& [name, sum] : j.at("files").items()) {
      std::string p = fs::join(dir, name);
      if (!fs::exists(p)) throw bad(name + " missing");
      if (sha256_file(p) != sum.get<std::string>()) throw bad(name + " is corrupt (checksum)");
    }
    if (weights_file(j.at("files")).empty()) throw bad("no weights file recorded");
    info.step = j.at("step");
    if (!j.at("loader").is_object()) throw bad("state.json: loader is not an object");
    info.state = j;
    info.shape = shape_from_json(j.at("shape"));
    info.tokenizer_checksum = j.at("tokenizer_checksum");
    info.model_checksum = j.at("files").at(weights_file(j.at("files")));
  } catch (const json::exception& e) {
    throw bad(std::string("state.json: ") + e.what());
  }
  return info;
}

std::optional<CheckpointInfo> newest_checkpoint(const std::string& run_dir) {
  for (const auto& [step, path] : step_dirs(checkpoints_dir(run_dir))) {
    try {
      return read_checkpoint(path);
    } catch (const Error& e) {
      log::warn("skipping checkpoint: {}", e.what());
    }
  }
  return std::nullopt;
}

CheckpointInfo find_checkpoint(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (is_checkpoint_dir(p)) return read_checkpoint(p);
  if (fs::filename(p) == "checkpoints") p = fs::parent(p);
  if (fs::is_dir(checkpoints_dir(p))) {
    if (auto n = newest_checkpoint(p)) return *n;
  }
  if (is_checkpoint_dir(final_dir(p))) return read_checkpoint(final_dir(p));
  throw InputError(path, 0, "no complete checkpoint found",
                   "pass a checkpoints/step-N directory, a final/ directory or a run directory");
}

void load_weights(const std::string& dir, ModelPtr& model) {
  const std::string st = fs::join(dir, ckpt_file::kModelSafetensors);
  if (fs::exists(st)) return load_weights(dir, *model);
  {  // an older checkpoint: a LibTorch archive
    const std::string pt = fs::join(dir, ckpt_file::kModel);
    try {
      torch::load(model, pt, torch::kCPU);
    } catch (const c10::Error& e) {
      throw InputError(pt, 0, std::string("cannot load weights: ") + e.what_without_backtrace());
    }
  }
}

void load_weights(const std::string& dir, torch::nn::Module& model) {
  const std::string st = fs::join(dir, ckpt_file::kModelSafetensors);
  if (!fs::exists(st)) throw InputError(st, 0, "no such weights file");
  std::map<std::string, torch::Tensor> stored = read_safetensors(st);
  torch::NoGradGuard no_grad;
  for (auto& item : model.named_parameters()) {
    auto it = stored.find(item.key());
    if (it == stored.end()) throw InputError(st, 0, "tensor " + item.key() + " missing");
    if (it->second.sizes() != item.value().sizes())
      throw InputError(st, 0,
                       "tensor " + item.key() + " has shape " + c10::str(it->second.sizes()) +
                           ", the model's is " + c10::str(item.value().sizes()));
    item.value().copy_(it->second);
    stored.erase(it);
  }
  if (!stored.empty())
    throw InputError(st, 0, "tensor " + stored.begin()->first + " is not a parameter of the model");
}

void load_optimizer(const std::string& dir, torch::optim::Optimizer& optimizer) {
  const std::string p = fs::join(dir, ckpt_file::kOptimizer);
  if (!fs::exists(p))
    throw InputError(p, 0, "optimizer state missing (a final/ model cannot be resumed)",
                     "resume from checkpoints/step-N, or use --init-from");
  // Onto the parameters' device: a checkpoint written on a GPU resumes on the CPU and back.
  torch::Device device = torch::kCPU;
  for (const auto& group : optimizer.param_groups())
    if (!group.params().empty()) {
      device = group.params().front().device();
      break;
    }
  try {
    torch::load(optimizer, p, device);
  } catch (const c10::Error& e) {
    throw InputError(p, 0,
                     std::string("cannot load optimizer state: ") + e.what_without_backtrace());
  }
}

}  // namespace bertforge
