#include "cli/commands.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cctype>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "app/export.h"
#include "app/generate.h"
#include "app/pipeline.h"
#include "app/predict.h"
#include "checkpoint/pretrained.h"
#include "config/config.h"
#include "console/logging.h"
#include "data/inspect.h"
#include "data/prepare.h"
#include "distributed/dist_env.h"
#include "errors/errors.h"
#include "errors/suggest.h"
#include "fs/fs.h"
#include "run/run_layout.h"
#include "run/run_lock.h"
#include "tokenizer/tokenize_json.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_growth.h"
#include "train/evaluator.h"
#include "train/trainer.h"

namespace bertforge::cli {
using json = nlohmann::json;

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
  // Records the resolved config in the run directory once a stage has succeeded (rank 0 only: in a
  // distributed launch every rank parses the config, one writes it). `train` records its own.
  static void record(const Config& c) {
    if (!DistEnv::main_process()) return;
    fs::make_dirs(c.run_dir);
    fs::write_file_atomic(run_config_path(c.run_dir), config_to_string(c));
  }
};

std::string fixed(double v, int prec) { return fmt::format("{:.{}f}", v, prec); }

void print_eval(const EvalMetrics& m, bool as_json) {
  if (as_json) {
    std::cout << m.to_json().dump() << std::endl;
    return;
  }
  if (m.examples == 0) {
    std::cout << "none (no validation documents)\n";
    return;
  }
  std::cout << "mlm_loss      " << fixed(m.mlm_loss, 4) << "\n"
            << "mlm_accuracy  " << fixed(m.mlm_accuracy, 4)
            << "  (most frequent token: " << fixed(m.majority_accuracy, 4) << ")\n"
            << "  at [MASK]   " << fixed(m.mask_accuracy, 4)
            << "  (most frequent token: " << fixed(m.mask_majority_accuracy, 4)
            << "; the inputs left unchanged, which a model can copy, are not counted)\n"
            << "  baselines   "
            << (m.has_baselines
                    ? "unigram " + fixed(m.baseline_unigram, 4) + ", left " +
                          fixed(m.baseline_left, 4) + ", bidirectional " +
                          fixed(m.baseline_bidirectional, 4) +
                          " (counts of the training shards at the same [MASK] positions)"
                    : std::string("n/a (no training shards of this model at hand)"))
            << "\n"
            << "perplexity    " << fixed(m.perplexity, 2) << "\n"
            << "nsp_accuracy  "
            << (m.nsp_pairs > 0 ? fixed(m.nsp_accuracy, 4)
                                : "n/a (MLM-only data: data.nsp is false)")
            << "\n"
            << "examples      " << m.examples << " (" << m.masked_tokens << " masked tokens)\n";
}

// The run directory's lock for a command that writes into it (the main process only).
std::optional<RunLock> lock_run(const Config& c) {
  if (!DistEnv::main_process()) return std::nullopt;
  return RunLock::acquire(c.run_dir);
}

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
      if (*docs) {
        std::cout << "| key | type | default | meaning |\n|---|---|---|---|\n";
        for (const auto& k : config_keys()) {
          std::string doc;  // a "|" inside a cell would end it
          for (char ch : k.doc) doc += ch == '|' ? std::string("\\|") : std::string(1, ch);
          std::cout << "| `" << k.key << "` | " << k.type << " | `" << k.fallback << "` | " << doc
                    << " |\n";
        }
        std::cout
            << "\nModel presets (`model.preset`; the four sizes can still be set one by one):\n\n"
            << "| preset | layers | hidden | heads | intermediate |\n|---|---|---|---|---|\n";
        for (const ModelPreset& p : model_presets())
          std::cout << "| " << p.name << " | " << p.layers << " | " << p.hidden << " | " << p.heads
                    << " | " << p.intermediate << " |\n";
      } else {
        std::cout << config_to_string(args->load());
      }
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
  cmd->callback([&action, args, checkpoint, text, lines, as_json, specials] {
    if (checkpoint->empty() == args->path.empty())
      throw UsageError("tokenize takes one of --checkpoint P or --config C");
    if (text->empty() == lines->empty())
      throw UsageError("tokenize takes one of a text or --lines FILE");
    action = [=] {
      std::string file;
      if (!checkpoint->empty()) {
        file = pretrained_tokenizer_file(*checkpoint);
      } else {
        const Config c = args->load();
        file = tokenizer_model_path(c.run_dir);
        if (!fs::exists(file) && !c.tokenizer.model.empty()) file = c.tokenizer.model;
        if (!fs::exists(file))
          throw InputError(file, 0, "no tokenizer", "run `bertforge tokenizer` first");
      }
      const Tokenizer tok = Tokenizer::load(file);
      if (!lines->empty()) return tokenize_lines(tok, *lines, *specials);
      if (*specials && !tok.hf()) throw UsageError("--specials needs a tokenizer.json tokenizer");
      const json j = tokenize_json(tok, *text, *specials);
      const std::vector<int> ids = j["ids"].get<std::vector<int>>();
      const std::vector<std::string> pieces = j["pieces"].get<std::vector<std::string>>();
      if (*as_json) {
        std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
        return 0;
      }
      std::cout << "tokens " << ids.size() << " (" << tok.kind() << ", vocab " << tok.vocab_size()
                << ")\nids    ";
      for (int id : ids) std::cout << " " << id;
      std::cout << "\npieces";
      for (const auto& piece : pieces) std::cout << " " << piece;
      std::cout << "\n";
      return 0;
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
    action = [=] {
      const Tokenizer tok = Tokenizer::load(pretrained_tokenizer_file(*checkpoint));
      std::cout << "word\tcount\tpieces\tsplit as\n";
      for (const VocabCandidate& c : vocab_candidates(tok, *files, *top)) {
        std::string split;
        for (int id : tok.encode(c.word)) split += (split.empty() ? "" : " ") + tok.id_to_piece(id);
        std::cout << c.word << "\t" << c.count << "\t" << c.pieces << "\t" << split << "\n";
      }
      return 0;
    };
  });
}

// `tokenizer` and `prepare`: a stage that reads the config, holds the run lock, runs, and records
// the resolved config.
void add_stage(CLI::App& app, std::function<int()>& action, const char* name, const char* help,
               const char* section, void (*stage)(const Config&)) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->footer(keys_footer({"", section}));
  auto args = std::make_shared<ConfigArgs>();
  args->add(cmd);
  cmd->callback([&action, args, stage] {
    action = [args, stage] {
      Config c = args->load();
      const auto lock = lock_run(c);
      stage(c);
      ConfigArgs::record(c);
      return 0;
    };
  });
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
      if (!opts->resume.empty() && !opts->init_from.empty())
        throw UsageError(
            "--resume and --init-from exclude each other: --resume continues a "
            "run, --init-from starts a new one from a model");
      // Not recorded yet: run_train writes config.json once the run has passed its checks, so a
      // refused start (say, a forgotten --resume) leaves the old run's config.json alone.
      Config cfg = args->load();
      const auto lock = lock_run(cfg);
      if (pipeline) {
        PipelineResult r = run_pipeline(cfg, *opts);
        std::cout << "run directory: " << cfg.run_dir << "\n"
                  << "checkpoints:   " << checkpoints_dir(cfg.run_dir) << "\n"
                  << "final model:   " << r.train.final_dir << "\n"
                  << (fs::exists(fs::join(best_dir(cfg.run_dir), ckpt_file::kDone))
                          ? "best model:    " + best_dir(cfg.run_dir) +
                                " (lowest validation MLM loss)\n"
                          : std::string())
                  << "logs:          " << train_log_path(cfg.run_dir) << ", "
                  << eval_log_path(cfg.run_dir) << "\n"
                  << (cfg.train.tensorboard ? "tensorboard:   tensorboard --logdir " +
                                                  tensorboard_dir(cfg.run_dir) + "\n"
                                            : std::string())
                  << "validation:\n";
        print_eval(r.final_eval, false);
        return 0;
      }
      run_train_command(cfg, *opts);
      return 0;
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
    action = [=] {
      print_eval(evaluate_checkpoint(*checkpoint, *data, *batches, *sets), *as_json);
      return 0;
    };
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
    action = [=] {
      auto result = fill_mask(*checkpoint, *text, *top_k);
      if (*as_json) {
        json out = json::array();
        for (const auto& preds : result) {
          json list = json::array();
          for (const auto& p : preds)
            list.push_back({{"token", p.token}, {"id", p.id}, {"probability", p.probability}});
          out.push_back(list);
        }
        std::cout << out.dump() << std::endl;
      } else {
        for (size_t m = 0; m < result.size(); ++m) {
          std::cout << "[MASK] #" << (m + 1) << ":\n";
          for (const auto& p : result[m])
            std::cout << "  " << std::left << std::setw(20) << ("'" + p.token + "'") << " "
                      << fixed(p.probability, 4) << "  (id " << p.id << ")\n";
        }
      }
      return 0;
    };
  });
}

void print_generation(const Generation& g, bool as_json) {
  if (!as_json) {
    std::cout << g.text << std::endl;
    return;
  }
  json out = {{"text", g.text},   {"continuation", g.continuation}, {"prompt_ids", g.prompt_ids},
              {"ids", g.new_ids}, {"pieces", g.new_pieces},         {"stop", g.stop}};
  std::cout << out.dump() << std::endl;
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
    action = [=] {
      print_generation(generate(*checkpoint, *prompt, *o), *as_json);
      return 0;
    };
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
    action = [=] {
      int n = export_huggingface(*checkpoint, *out, *force);
      std::cout << "exported " << n << " tensors to " << *out << "\n";
      return 0;
    };
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
            [](const Config& c) { run_tokenizer_stage(c); });
  add_stage(app, action, "prepare", "Encode the corpus into train/valid token shards", "data",
            [](const Config& c) { run_prepare(c); });
  add_inspect(app, action);
  for (const char* name : {"train", "pipeline"}) add_train(app, action, name);
  add_evaluate(app, action);
  add_fill_mask(app, action);
  add_generate(app, action);
  add_export(app, action);
  add_finetune_commands(app, action);
}

}  // namespace bertforge::cli
