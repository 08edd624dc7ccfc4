#include "app/inspect.h"

#include <cstdio>
#include <string>

#include "config/config.h"
#include "data/batch.h"
#include "data/dataset.h"
#include "data/loader.h"
#include "data/packing.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {
namespace {

struct Counts {
  int64_t examples = 0, real = 0, padded = 0, maskable = 0;
  int64_t masked = 0, as_mask = 0, as_random = 0, kept = 0;
  int64_t is_next = 0, not_next = 0;
};

std::string percent(int64_t part, int64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", whole > 0 ? 100.0 * part / whole : 0.0);
  return buf;
}

// One token as shown to the user: plain, [MASK], {orig->replacement} or <kept>.
std::string render(const Tokenizer& tok, int32_t input, int32_t label) {
  if (label == kIgnoreLabel) return tok.id_to_piece(input);
  if (input == tok.specials().mask) return "[MASK]";
  if (input != label) return "{" + tok.id_to_piece(label) + "->" + tok.id_to_piece(input) + "}";
  return "<" + tok.id_to_piece(label) + ">";
}

void print_counts(const Counts& c, std::ostream& out) {
  out << "  examples " << c.examples << ", real tokens " << c.real << " ("
      << percent(c.real, c.real + c.padded) << " of positions, " << c.padded << " padding)\n"
      << "  masked " << c.masked << " of " << c.maskable << " maskable tokens ("
      << percent(c.masked, c.maskable) << "): [MASK] " << c.as_mask << " ("
      << percent(c.as_mask, c.masked) << "), random " << c.as_random << " ("
      << percent(c.as_random, c.masked) << "), kept " << c.kept << " (" << percent(c.kept, c.masked)
      << ")\n";
  if (c.is_next + c.not_next > 0)
    out << "  NSP IsNext " << c.is_next << " (" << percent(c.is_next, c.is_next + c.not_next)
        << "), NotNext " << c.not_next << " (" << percent(c.not_next, c.is_next + c.not_next)
        << ")\n";
}

void add(Counts& total, const Counts& c) {
  total.examples += c.examples;
  total.real += c.real;
  total.padded += c.padded;
  total.maskable += c.maskable;
  total.masked += c.masked;
  total.as_mask += c.as_mask;
  total.as_random += c.as_random;
  total.kept += c.kept;
  total.is_next += c.is_next;
  total.not_next += c.not_next;
}

// One example of batch `b` (the `i`-th, at `span`): its tokens as masked, its labels; adds it to
// `c`.
void print_example(const Tokenizer& tok, const Batch& b, const ExampleSpan& span, int64_t i,
                   std::ostream& out, Counts* counts) {
  Counts& c = *counts;
  const SpecialIds& specials = tok.specials();
  const int32_t* ids = &b.input_ids[span.start];
  const int32_t* labels = &b.mlm_labels[span.start];
  const int32_t* types = &b.token_type_ids[span.start];
  const int32_t nsp = b.nsp_labels[i];
  out << "\n--- example " << i + 1 << " (plan #" << b.example_ids[i] << ")";
  if (nsp == kIsNext) out << "  NSP: IsNext";
  if (nsp == kNotNext) out << "  NSP: NotNext";
  out << "\n";
  std::string seg[2], label_line;
  for (int64_t p = 0; p < span.length; ++p) {
    std::string& s = seg[nsp == kIgnoreLabel ? 0 : types[p]];
    if (!s.empty()) s += ' ';
    s += render(tok, ids[p], labels[p]);
    const int32_t original = labels[p] != kIgnoreLabel ? labels[p] : ids[p];
    if (!specials.is_structural(original)) ++c.maskable;
    if (labels[p] == kIgnoreLabel) continue;
    label_line +=
        (label_line.empty() ? "" : " ") + std::to_string(p) + ":" + tok.id_to_piece(labels[p]);
    ++c.masked;
    if (ids[p] == specials.mask)
      ++c.as_mask;
    else if (ids[p] != labels[p])
      ++c.as_random;
    else
      ++c.kept;
  }
  if (nsp == kIgnoreLabel) {
    out << "  tokens: " << seg[0] << "\n";
  } else {
    out << "  A: " << seg[0] << "\n  B: " << seg[1] << "\n";
  }
  out << "  labels: " << label_line << "\n";
  c.examples += 1;
  c.real += span.length;
  c.is_next += nsp == kIsNext;
  c.not_next += nsp == kNotNext;
}

}  // namespace

void run_inspect(const Config& config, int batches, std::ostream& out) {
  const Tokenizer tok = Tokenizer::load(tokenizer_model_path(config.run_dir));
  const Dataset data = Dataset::open(data_dir(config.run_dir), "train", tok.checksum());
  LoaderOptions opts;
  opts.seed = config.seed;
  opts.batch_size = config.train.batch_size;
  opts.shuffle = true;
  opts.prefetch_threads = 1;
  opts.vocab_size = tok.vocab_size();
  opts.word_start = tok.word_start_table();
  opts.specials = tok.specials();
  opts.architecture = config.model.architecture;
  Loader loader(data, config.data, config.masking, opts);

  out << "data: " << data.num_docs() << " documents, " << data.num_tokens()
      << " tokens; epoch 0: " << loader.examples_in_epoch(0) << " examples, "
      << loader.batches_per_epoch() << " batches of " << opts.batch_size << "; masking "
      << config.masking.strategy << " " << config.masking.probability << "; "
      << (config.data.nsp ? "NSP pairs" : "packed, no NSP") << "\n";
  Counts total;
  for (int k = 0; k < batches; ++k) {
    const LoaderPosition pos = loader.position();
    const Batch b = loader.next();
    const int64_t T = b.seq_len;
    out << "\n=== batch " << k + 1 << " of " << batches << " (epoch " << pos.epoch << ", step "
        << pos.step << "): " << b.batch_size << " examples"
        << (b.packed() ? " packed in " + std::to_string(b.rows()) + " rows" : "") << " x " << T
        << " tokens\n";
    Counts c;
    const std::vector<ExampleSpan> spans = example_spans(b);
    for (int64_t i = 0; i < b.batch_size; ++i)
      print_example(tok, b, spans[static_cast<size_t>(i)], i, out, &c);
    c.padded = b.rows() * T - c.real;
    out << "\nbatch " << k + 1 << " statistics: seq_len " << T << "\n";
    print_counts(c, out);
    add(total, c);
  }
  if (batches > 1) {
    out << "\nall " << batches << " batches:\n";
    print_counts(total, out);
  }
  out << "\nlegend: [MASK] = replaced by the mask token, {orig->repl} = replaced by a random "
         "token, <orig> = selected but kept; labels list position:original\n";
}

}  // namespace bertforge
