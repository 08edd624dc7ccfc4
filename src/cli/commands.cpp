#include "cli/commands.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/config_docs.h"
#include "app/evaluate.h"
#include "app/export.h"
#include "app/fill_mask.h"
#include "app/generate.h"
#include "app/inspect.h"
#include "app/pipeline.h"
#include "app/stage_commands.h"
#include "app/tokenize.h"
#include "config/config.h"
#include "errors/errors.h"
#include "errors/suggest.h"

namespace bertforge::cli {

namespace {

// --config and --set, shared by every command that reads a config.
struct ConfigArgs {
  std::string path;
  std::vector<std::string> overrides;
  void add(CLI::App* cmd) {
    cmd->add_option("--config,-c", path, "JSON config file (see configs/)");
    cmd->add_option("--set,-s", overrides,
                    "Override a config key: --set train.steps=200 (repeatable; value is JSON or a "
                    "plain string)")
        ->allow_extra_args(false);
  }
  // Loads and validates the config (defaults < file < --set).
  Config load() const { return load_config(path, overrides); }
};

// The footer of the commands that use a trained model.
constexpr const char* kCheckpointFooter =
    "The model, its tokenizer and its masking settings come from the checkpoint (its "
    "config.json);\n"
    "these commands take no --config.";

// "Config keys (default):" and the keys of the given sections, for a command's --help.
std::string keys_footer(std::initializer_list<const char*> sections) {
  std::ostringstream ss;
  ss << "Config keys it reads (default) - set them in --config or with --set:\n";
  for (const auto& k : config_keys()) {
    for (const char* sec : sections) {
      if (k.key.rfind(std::string(sec) + ".", 0) == 0 ||
          (std::string(sec).empty() && k.key.find('.') == std::string::npos)) {
        std::string head = "  " + k.key + " (" + k.fallback + ")";
        if (head.size() < 40) head += std::string(40 - head.size(), ' ');
        ss << head << " " << k.doc << "\n";
      }
    }
  }
  ss << "All keys: bertforge config --docs";
  return ss.str();
}

void add_config_docs(CLI::App& app, std::function<int()>& action) {
  auto* cmd = app.add_subcommand("config", "Print the resolved config, or every key's docs");
  auto args = std::make_shared<ConfigArgs>();
  args->add(cmd);
  auto docs = std::make_shared<bool>(false);
  cmd->add_flag("--docs", *docs, "List every config key with its type, default and meaning");
  cmd->callback([&action, args, docs] {
    action = [args, docs] {
      if (*docs)
        print_config_docs(std::cout);
      else
        print_config(args->load(), std::cout);
      return 0;
    };
  });
}

// `bertforge tokenize`: the ids and pieces of a text under a checkpoint's or a run's tokenizer.
void add_tokenize(CLI::App& app, std::function<int()>& action) {
  auto* cmd = app.add_subcommand("tokenize",
                                 "Print the token ids and pieces of a text (no [CLS]/[SEP] added)");
  auto args = std::make_shared<ConfigArgs>();
  args->add(cmd);
  auto checkpoint = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  auto lines = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto specials = std::make_shared<bool>(false);
  auto pair = std::make_shared<std::string>();
  cmd->add_option(
      "--checkpoint", *checkpoint,
      "Checkpoint, final/, run directory, export, HuggingFace directory, or a tokenizer file");
  cmd->add_option("text", *text, "The text");
  cmd->add_option("--lines", *lines,
                  "Tokenize each line of this file (JSON strings, one a line) into one JSON "
                  "object a line (implies --json)");
  cmd->add_flag("--json", *as_json,
                "Print {\"ids\": [...], \"pieces\": [...]} (and \"offsets\", char offsets, for a "
                "tokenizer.json)");
  cmd->add_flag("--specials", *specials,
                "tokenizer.json: add its post-processor's special tokens (as HF's "
                "add_special_tokens=True)");
  cmd->add_option("--pair", *pair,
                  "A second text: print the model input of (text, pair) as fine-tuning builds it, "
                  "JSON {ids, token_types} in the model's layout ([CLS] A [SEP] B [SEP]; roberta: "
                  "<s> A </s></s> B </s>)");
  cmd->callback([&action, args, checkpoint, text, lines, as_json, specials, pair] {
    if (checkpoint->empty() == args->path.empty())
      throw UsageError("tokenize takes one of --checkpoint P or --config C");
    if (text->empty() == lines->empty())
      throw UsageError("tokenize takes one of a text or --lines FILE");
    action = [=] {
      TokenizeRequest r{*checkpoint, std::nullopt, *text, *lines, *as_json, *specials, *pair};
      if (checkpoint->empty()) r.run = args->load();
      return run_tokenize_command(r);
    };
  });
}

// `bertforge vocab-candidates`: the corpus words a model's tokenizer splits the most.
void add_vocab_candidates(CLI::App& app, std::function<int()>& action) {
  auto* cmd = app.add_subcommand("vocab-candidates",
                                 "List frequent corpus words the tokenizer splits into many pieces "
                                 "(for tokenizer.add_tokens)");
  auto checkpoint = std::make_shared<std::string>();
  auto files = std::make_shared<std::vector<std::string>>();
  auto top = std::make_shared<int>(50);
  cmd->add_option(
         "--checkpoint", *checkpoint,
         "Checkpoint, final/, run directory, export, HuggingFace directory, or a tokenizer file")
      ->required();
  cmd->add_option("--data", *files, "Corpus files (text, or JSON Lines for *.jsonl)")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--top", *top, "How many to list")->capture_default_str();
  cmd->callback([&action, checkpoint, files, top] {
    action = [=] { return run_vocab_candidates_command(*checkpoint, *files, *top); };
  });
}

// `tokenizer` and `prepare`: a stage that reads the config (app/stage_commands.h).
void add_stage(CLI::App& app, std::function<int()>& action, const char* name, const char* help,
               const char* section, int (*stage)(const Config&)) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->footer(keys_footer({"", section}));
  auto args = std::make_shared<ConfigArgs>();
  args->add(cmd);
  cmd->callback([&action, args, stage] { action = [args, stage] { return stage(args->load()); }; });
}

void add_inspect(CLI::App& app, std::function<int()>& action) {
  auto* cmd = app.add_subcommand("inspect", "Print decoded, masked training batches");
  cmd->footer(keys_footer({"masking"}));
  auto args = std::make_shared<ConfigArgs>();
  args->add(cmd);
  auto batches = std::make_shared<int>(1);
  cmd->add_option("--batches,-n", *batches, "Batches to print")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([&action, args, batches] {
    action = [args, batches] {
      run_inspect(args->load(), *batches, std::cout);
      return 0;
    };
  });
}

// `train` and `pipeline`: the same options; pipeline runs every stage first.
void add_train(CLI::App& app, std::function<int()>& action, const char* name) {
  const bool pipeline = std::string(name) == "pipeline";
  auto* cmd = app.add_subcommand(
      name, pipeline ? "Run tokenizer, prepare, train and evaluate (skipping finished stages)"
                     : "Pre-train (MLM, + NSP, CLM, CLM then MLM): checkpoints, logs, evaluation");
  cmd->footer(keys_footer({"model", "train"}));
  auto args = std::make_shared<ConfigArgs>();
  args->add(cmd);
  auto opts = std::make_shared<TrainOptions>();
  cmd->add_option("--resume", opts->resume,
                  "Continue this run exactly: 'auto' (newest complete checkpoint) or a path");
  cmd->add_option("--init-from", opts->init_from,
                  "Start a new run from this model's weights and tokenizer (checkpoint, final/, "
                  "run directory or export)");
  cmd->add_flag("--overwrite", opts->overwrite,
                "Start afresh even if run_dir has checkpoints (deletes them)");
  cmd->callback([&action, args, opts, pipeline] {
    action = [args, opts, pipeline] {
      return pipeline ? pipeline_command(args->load(), *opts) : train_command(args->load(), *opts);
    };
  });
}

void add_evaluate(CLI::App& app, std::function<int()>& action) {
  auto* cmd = app.add_subcommand(
      "evaluate", "Score a model on held-out text: MLM (or CLM) loss, accuracy, count baselines");
  cmd->footer(kCheckpointFooter);
  auto checkpoint = std::make_shared<std::string>();
  auto data = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto batches = std::make_shared<int64_t>(0);
  cmd->add_option("--checkpoint", *checkpoint, "Checkpoint, final/, run directory or export")
      ->required();
  cmd->add_option("--data", *data,
                  "Text/jsonl corpus file, prepared data directory or shard file (default: the "
                  "run's validation split)");
  cmd->add_option("--batches", *batches, "Evaluate at most this many batches (0 = all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--json", *as_json, "Print one JSON object");
  auto sets = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--set", *sets,
                  "Evaluate otherwise than the checkpoint's config: masking.*, data.*, seed, "
                  "train.batch_size (e.g. --set masking.probability=0.15)");
  cmd->callback([&action, checkpoint, data, as_json, batches, sets] {
    action = [=] { return evaluate_command(*checkpoint, *data, *batches, *sets, *as_json); };
  });
}

void add_fill_mask(CLI::App& app, std::function<int()>& action) {
  auto* cmd = app.add_subcommand("fill-mask", "Predict the tokens at each [MASK] of a text");
  cmd->footer(kCheckpointFooter);
  auto checkpoint = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  auto top_k = std::make_shared<int>(5);
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("--checkpoint", *checkpoint, "Checkpoint, final/, run directory or export")
      ->required();
  cmd->add_option("text", *text, "Text with one or more [MASK]")->required();
  cmd->add_option("--top-k,-k", *top_k, "Predictions per mask")->capture_default_str();
  cmd->add_flag("--json", *as_json, "Print JSON: per mask, a list of {token, id, probability}");
  cmd->callback([&action, checkpoint, text, top_k, as_json] {
    action = [=] { return fill_mask_command(*checkpoint, *text, *top_k, *as_json); };
  });
}

void add_generate(CLI::App& app, std::function<int()>& action) {
  auto* cmd = app.add_subcommand(
      "generate", "Continue a prompt with a causal-LM model (train.objective clm or clm_then_mlm)");
  cmd->footer(kCheckpointFooter);
  auto checkpoint = std::make_shared<std::string>();
  auto prompt = std::make_shared<std::string>();
  auto o = std::make_shared<GenerateOptions>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("--checkpoint", *checkpoint, "Checkpoint, final/ or run directory")->required();
  cmd->add_option("prompt", *prompt, "The text to continue")->required();
  cmd->add_option("--max-new-tokens", o->max_new_tokens, "Tokens to add at most (stops at [SEP])")
      ->capture_default_str();
  cmd->add_option("--temperature", o->sampling.temperature, "0 = greedy; > 0 samples")
      ->capture_default_str();
  cmd->add_option("--top-k", o->sampling.top_k, "Sample among the k most likely; 0 = all")
      ->capture_default_str();
  cmd->add_option("--top-p", o->sampling.top_p, "Sample within this probability mass (nucleus)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the sampling generator")->capture_default_str();
  cmd->add_flag("--json", *as_json,
                "Print JSON: text, continuation, prompt_ids, ids, pieces, stop (sep | "
                "max_new_tokens | max_position)");
  cmd->callback([&action, checkpoint, prompt, o, as_json] {
    action = [=] { return generate_command(*checkpoint, *prompt, *o, *as_json); };
  });
}

void add_export(CLI::App& app, std::function<int()>& action) {
  auto* cmd = app.add_subcommand(
      "export", "Write a HuggingFace model directory (weights, config.json, tokenizer)");
  cmd->footer(kCheckpointFooter);
  auto checkpoint = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  cmd->add_option("--checkpoint", *checkpoint, "Checkpoint, final/ or run directory")->required();
  cmd->add_option("--out", *out, "Output directory")->required();
  cmd->add_flag("--force", *force, "Overwrite a non-empty output directory");
  cmd->callback([&action, checkpoint, out, force] {
    action = [=] { return export_command(*checkpoint, *out, *force); };
  });
}

}  // namespace

void check_command(const CLI::App& app, int argc, const char* const* argv) {
  if (argc < 2 || argv[1][0] == '-') return;  // --help, --version, or CLI11's own error
  const std::string name = argv[1];
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  if (std::find(names.begin(), names.end(), name) != names.end()) return;
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  std::string lower = name;  // commands are lower case: "TRAIN" -> "train"
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  const std::string near = closest(lower, names, 3);
  throw UsageError("unknown command '" + name + "'" +
                   (near.empty() ? "" : " (" + did_you_mean(near) + ")") + "; the commands are " +
                   list + " (bertforge --help)");
}

void add_commands(CLI::App& app, std::function<int()>& action) {
  add_config_docs(app, action);
  add_tokenize(app, action);
  add_vocab_candidates(app, action);
  add_stage(app, action, "tokenizer",
            "Train a SentencePiece tokenizer, or adopt one (SentencePiece, vocab.txt)", "tokenizer",
            run_tokenizer_command);
  add_stage(app, action, "prepare", "Encode the corpus into train/valid token shards", "data",
            run_prepare_command);
  add_inspect(app, action);
  for (const char* name : {"train", "pipeline"}) add_train(app, action, name);
  add_evaluate(app, action);
  add_fill_mask(app, action);
  add_generate(app, action);
  add_export(app, action);
  add_finetune_commands(app, action);
}

}  // namespace bertforge::cli
