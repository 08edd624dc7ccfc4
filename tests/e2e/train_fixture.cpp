#include "e2e/train_fixture.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace bertforge::testing {

TinyRun::TinyRun(int docs, int style, int steps, const std::string& extra) {
  write_corpus(dir.file("corpus.txt"), docs, 1234 + style, style);
  run_dir = dir.file("run");
  config = dir.file("config.json");
  std::ostringstream c;
  c << R"({"run_dir": ")" << run_dir << R"(", "seed": 7,
  "tokenizer": {"vocab_size": 90, "type": "unigram", "byte_fallback": false},
  "data": {"train_files": [")"
    << dir.file("corpus.txt") << R"("], "valid_fraction": 0.1,
           "max_seq_len": 48, "threads": 2},
  "model": {"preset": "tiny", "layers": 2, "hidden": 32, "heads": 2, "intermediate": 64,
            "max_position": 64},
  "train": {"steps": )"
    << steps << R"(, "batch_size": 8, "lr": 0.002, "warmup_steps": 5,
            "log_every": 5, "eval_every": 20, "eval_batches": 4, "save_every": 10,
            "keep_last": 3, "threads": 1})"
    << extra << "}\n";
  write_text(config, c.str());
}

RunResult TinyRun::run(const std::string& command, const std::string& args) const {
  return run_bertforge(command + " --config " + config + " " + args);
}

std::vector<double> jsonl_field(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::vector<double> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line).at(key).get<double>());
  return out;
}

}  // namespace bertforge::testing
