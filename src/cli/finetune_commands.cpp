// `bertforge finetune` and `bertforge predict`: option parsing and dispatch only (the use cases
// are app/finetune.h and app/predict.h).
#include <memory>
#include <sstream>

#include "app/finetune.h"
#include "app/predict.h"
#include "cli/commands.h"
#include "config/config.h"

namespace bertforge::cli {

namespace {
std::string finetune_footer() {
  std::ostringstream ss;
  ss << "Config keys it reads (default) - set them in --config or with --set:\n";
  for (const auto& k : config_keys()) {
    if (k.key.rfind("finetune.", 0) != 0 && k.key != "run_dir" && k.key != "seed") continue;
    std::string head = "  " + k.key + " (" + k.fallback + ")";
    if (head.size() < 40) head += std::string(40 - head.size(), ' ');
    ss << head << " " << k.doc << "\n";
  }
  ss << "Also train.threads, train.device, train.save_every, train.tensorboard; "
        "all keys: bertforge config --docs";
  return ss.str();
}

void add_finetune(CLI::App& app, std::function<int()>& action) {
  auto* cmd = app.add_subcommand(
      "finetune", "Fine-tune a model on a labelled task (classification, regression, tags)");
  cmd->footer(finetune_footer());
  auto path = std::make_shared<std::string>();
  auto sets = std::make_shared<std::vector<std::string>>();
  auto opts = std::make_shared<FinetuneOptions>();
  cmd->add_option("--config,-c", *path, "JSON config file with a finetune section");
  cmd->add_option("--set,-s", *sets, "Override a config key: --set finetune.epochs=5")
      ->allow_extra_args(false);
  cmd->add_option("--init-from", opts->init_from,
                  "The model to fine-tune (run directory, checkpoint, final/, export, HuggingFace "
                  "directory); overrides finetune.init_from");
  cmd->add_option("--resume", opts->resume,
                  "Continue this run exactly: 'auto' (newest complete checkpoint) or a path");
  cmd->add_flag("--overwrite", opts->overwrite, "Start afresh even if run_dir has checkpoints");
  cmd->add_option("--seeds", opts->seeds,
                  "Repeat with seeds seed..seed+N-1 (run_dir/seed-S/) and report mean and spread")
      ->check(CLI::PositiveNumber);
  cmd->callback([&action, path, sets, opts] {
    action = [path, sets, opts] { return finetune_command(load_config(*path, *sets), *opts); };
  });
}

void add_predict(CLI::App& app, std::function<int()>& action) {
  auto* cmd = app.add_subcommand("predict", "Label new examples with a fine-tuned model (JSONL)");
  cmd->footer(
      "The model, its labels and how it reads and tokenizes data come from the checkpoint.");
  auto checkpoint = std::make_shared<std::string>();
  auto data = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("--checkpoint", *checkpoint,
                  "A finetune run directory (its best/, else final/), or a checkpoint of one")
      ->required();
  cmd->add_option("--data", *data, "Examples (.jsonl, .csv, .tsv) in the run's field names")
      ->required();
  cmd->add_option("--out,-o", *out, "Write the JSON Lines here (default: stdout)");
  cmd->callback([&action, checkpoint, data, out] {
    action = [=] {
      predict_labels(*checkpoint, *data, *out);
      return 0;
    };
  });
}
}  // namespace

void add_finetune_commands(CLI::App& app, std::function<int()>& action) {
  add_finetune(app, action);
  add_predict(app, action);
}

}  // namespace bertforge::cli
