// Loader throughput benchmark (not a test): prepares a corpus (tokenizer + shards, skipped when
// already done) and times the data loader alone, with nothing consuming the batches.
//
//   loader_bench --work DIR [--corpus FILE] [--batches N] [--seq 128] [--batch 32]
//                [--strategy token|whole_word|span] [--no-nsp]
//
// Without --corpus it generates a small synthetic corpus in DIR. Prints, for the synchronous
// loader (one thread, no prefetch) and the prefetching loader (one background worker): batches/s,
// real tokens/s and padded positions/s.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "config/config.h"
#include "console/logging.h"
#include "data/dataset.h"
#include "data/loader.h"
#include "data/prepare.h"
#include "errors/errors.h"
#include "fs/fs.h"
#include "testutil.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_stage.h"

using namespace bertforge;

namespace {

struct Args {
  std::string work, corpus, strategy = "token";
  int batches = 2000, seq = 128, batch = 32;
  bool nsp = true;
};

[[noreturn]] void usage() {
  std::cerr << "usage: loader_bench --work DIR [--corpus FILE] [--batches N] [--seq 128] "
               "[--batch 32] [--strategy token|whole_word|span] [--no-nsp]\n";
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (k == "--work")
      a.work = value();
    else if (k == "--corpus")
      a.corpus = value();
    else if (k == "--batches")
      a.batches = std::atoi(value().c_str());
    else if (k == "--seq")
      a.seq = std::atoi(value().c_str());
    else if (k == "--batch")
      a.batch = std::atoi(value().c_str());
    else if (k == "--strategy")
      a.strategy = value();
    else if (k == "--no-nsp")
      a.nsp = false;
    else
      usage();
  }
  if (a.work.empty() || a.batches <= 0) usage();
  return a;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void time_loader(const char* name, const Dataset& data, const Config& c, const Tokenizer& tok,
                 int threads, int batches) {
  LoaderOptions o;
  o.seed = c.seed;
  o.batch_size = c.train.batch_size;
  o.prefetch_threads = threads;
  o.vocab_size = tok.vocab_size();
  o.word_start = tok.word_start_table();
  auto t0 = std::chrono::steady_clock::now();
  Loader loader(data, c.data, c.masking, o);
  const int64_t examples = loader.examples_in_epoch(0);  // builds epoch 0's plan
  const double setup = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  int64_t real = 0, positions = 0;
  for (int k = 0; k < batches; ++k) {
    const Batch b = loader.next();
    real += b.num_real_tokens;
    positions += b.batch_size * b.seq_len;
  }
  const double s = seconds_since(t0);
  std::printf(
      "%-28s %8.0f batches/s %11.0f tokens/s %11.0f positions/s  (plan: %lld examples, %.3f s; %d "
      "batches "
      "in %.2f s)\n",
      name, batches / s, real / s, positions / s, (long long)examples, setup, batches, s);
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  try {
    log::set_level(log::Level::kWarn);
    fs::make_dirs(a.work);
    Config c;
    c.run_dir = fs::join(a.work, "run");
    std::string corpus = a.corpus;
    if (corpus.empty()) {
      corpus = fs::join(a.work, "synthetic.txt");
      if (!fs::exists(corpus)) testing::write_corpus(corpus, 4000, 7);
      c.tokenizer.vocab_size = 320;  // the synthetic grammar has a small vocabulary
    }
    c.data.train_files = {corpus};
    c.data.max_seq_len = a.seq;
    c.data.nsp = a.nsp;
    c.train.batch_size = a.batch;
    c.masking.strategy = a.strategy;
    auto t0 = std::chrono::steady_clock::now();
    run_tokenizer_stage(TokenizerJob::of(c));
    run_prepare(PrepareJob::of(c));
    const Tokenizer tok = Tokenizer::load(tokenizer_model_path(c.run_dir));
    const Dataset data = Dataset::open(data_dir(c.run_dir), "train", tok.checksum());
    std::printf(
        "corpus %s: %llu documents, %llu tokens (prepared in %.1f s); seq %d, batch %d, "
        "masking %s, %s\n",
        corpus.c_str(), (unsigned long long)data.num_docs(), (unsigned long long)data.num_tokens(),
        seconds_since(t0), a.seq, a.batch, a.strategy.c_str(), a.nsp ? "NSP" : "packed");
    time_loader("synchronous (1 thread):", data, c, tok, 0, a.batches);
    time_loader("prefetch, 1 worker thread:", data, c, tok, 1, a.batches);
  } catch (const Error& e) {
    std::cerr << "loader_bench: " << e.what() << "\n";
    return e.exit_code();
  }
  return 0;
}
