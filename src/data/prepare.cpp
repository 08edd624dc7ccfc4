#include "data/prepare.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "console/logging.h"
#include "console/progress.h"
#include "corpus/corpus_reader.h"
#include "corpus/corpus_sources.h"
#include "data/context_counts.h"
#include "data/dataset.h"
#include "data/manifest.h"
#include "data/split_plan.h"
#include "data/split_writer.h"
#include "errors/errors.h"
#include "fs/fs.h"
#include "run/staged_dir.h"
#include "runtime/ordered_pool.h"
#include "runtime/random.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {
using json = nlohmann::json;

namespace {

constexpr size_t kMaxChunkBytes = 1 << 20;   // text per encoding job: at most 1 MiB, at least
constexpr size_t kMinChunkBytes = 4 << 10;   // 4 KiB, aiming at 8 jobs per thread for small inputs
constexpr size_t kChunkSentences = 1 << 16;  // sentences per encoding job
constexpr uint64_t kSplitSeedPurpose = 0x53504c54;  // "SPLT": a named source's train/valid split

// ---- the plan: what the output is made from -----------------------------------------------------

// A run of files read in one go: one source's training files, or its validation files.
struct Group {
  size_t source = 0;      // index into PrepareInputs::sources
  bool valid = false;     // the source's valid_files, else its train_files
  int forced_split = -1;  // kValid for validation files, kTrain beside them; -1 = by SplitPlan
  std::string key;        // the config key of the files, for messages
};

// The corpus sources, the tokenizer, and the manifest's "inputs" (what up_to_date compares).
struct PrepareInputs {
  std::vector<CorpusSource> sources;  // one unnamed (data.train_files) or data.sources
  std::vector<Group> groups;          // each source's training files, then its validation files
  std::string model_path;
  Tokenizer tok;
  json stamp;
  bool named() const { return !sources[0].name.empty(); }
  const std::vector<std::string>& files(const Group& g) const {
    return g.valid ? sources[g.source].valid_files : sources[g.source].train_files;
  }
};

// `all_valid`: a named validation set (data.valid_sets), every document in the valid split.
std::vector<Group> plan_groups(const std::vector<CorpusSource>& sources, bool all_valid) {
  std::vector<Group> groups;
  for (size_t i = 0; i < sources.size(); ++i) {
    const CorpusSource& s = sources[i];
    const bool valid = !s.valid_files.empty();
    groups.push_back({i, false, all_valid ? kValid : valid ? kTrain : -1, s.files_key});
    if (valid) groups.push_back({i, true, kValid, s.valid_key});
  }
  return groups;
}

// The run's tokenizer (checked against tokenizer.json), or `tokenizer_model` when non-empty.
Tokenizer load_tokenizer(const PrepareJob& c, const std::string& tokenizer_model,
                         std::string* model_path) {
  *model_path = tokenizer_model.empty() ? tokenizer_model_path(c.run_dir) : tokenizer_model;
  if (!fs::exists(*model_path))
    throw InputError(*model_path, 0, "no tokenizer model", "run `bertforge tokenizer` first");
  Tokenizer tok = Tokenizer::load(*model_path);
  if (tokenizer_model.empty() && read_tokenizer_checksum(c.run_dir) != tok.checksum())
    throw InputError(*model_path, 0,
                     "does not match the checksum in tokenizer.json (interrupted tokenizer stage?)",
                     "re-run `bertforge tokenizer`");
  return tok;
}

json file_stamps(const std::vector<std::string>& files) {
  json a = json::array();
  for (const auto& f : files)
    a.push_back({{"path", f}, {"size", fs::file_size(f)}, {"mtime_ns", fs::mtime_ns(f)}});
  return a;
}

// The input files (with sizes and times) and the settings the shards depend on. Without named
// sources, the same object as before data.sources existed (older outputs stay up to date).
json input_stamp(const PrepareJob& c, const std::vector<CorpusSource>& sources) {
  const DataConfig& d = c.data;
  json config = {{"format", d.format},
                 {"text_field", d.text_field},
                 {"invalid_utf8", d.invalid_utf8},
                 {"shard_tokens", d.shard_tokens}};
  bool split = false;
  for (const auto& s : sources) split = split || s.valid_files.empty();
  if (split) {
    config["valid_fraction"] = d.valid_fraction;
    config["seed"] = c.seed;
  }
  if (sources[0].name.empty())
    return {{"train_files", file_stamps(sources[0].train_files)},
            {"valid_files", file_stamps(sources[0].valid_files)},
            {"config", config}};
  json named = json::array();
  for (const auto& s : sources)
    named.push_back({{"name", s.name},
                     {"train_files", file_stamps(s.train_files)},
                     {"valid_files", file_stamps(s.valid_files)}});
  return {{"sources", named}, {"config", config}};
}

// What one prepare writes: the run's data/ (set "") or a named validation set's directory.
struct Target {
  std::string dir, set;
  std::string label() const { return set.empty() ? "prepare" : "prepare valid set '" + set + "'"; }
};

// `sources`: corpus_sources(c.data), or a validation set's files as one unnamed source.
PrepareInputs plan_inputs(const PrepareJob& c, const std::string& tokenizer_model,
                          std::vector<CorpusSource> sources, const Target& target) {
  std::vector<Group> groups = plan_groups(sources, !target.set.empty());
  std::string model_path;
  Tokenizer tok = load_tokenizer(c, tokenizer_model, &model_path);
  json stamp = input_stamp(c, sources);
  if (!target.set.empty()) stamp["valid_set"] = target.set;
  return {std::move(sources), std::move(groups), std::move(model_path), std::move(tok),
          std::move(stamp)};
}

// ---- the existing output ------------------------------------------------------------------------

// Is the existing output complete and made from exactly these inputs?
bool up_to_date(const std::string& dir, const json& inputs, const std::string& checksum,
                json* manifest) {
  if (!fs::exists(fs::join(dir, kManifestName))) return false;
  try {
    json m = read_manifest(dir);
    if (m.value("inputs", json()) != inputs || m.value("tokenizer_checksum", "") != checksum)
      return false;
    for (const char* split : kSplitNames)
      for (const auto& s : m["splits"][split]["shards"]) {
        const std::string path = fs::join(dir, s["file"].get<std::string>());
        if (fs::file_size(path) != s["bytes"].get<int64_t>()) return false;
      }
    *manifest = std::move(m);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// The summary of an up-to-date output, from its manifest.
PrepareSummary skipped_summary(const Target& t, const json& manifest) {
  log::info("{}: up to date, skipping ({})", t.label(), fs::join(t.dir, kManifestName));
  PrepareSummary summary;
  summary.skipped = true;
  const json& st = manifest["stats"];
  summary.documents = st.value("documents", uint64_t{0});
  summary.sentences = st.value("sentences", uint64_t{0});
  summary.tokens = st.value("tokens", uint64_t{0});
  summary.unknown_tokens = st.value("unknown_tokens", uint64_t{0});
  summary.train_documents = manifest["splits"]["train"].value("documents", uint64_t{0});
  summary.valid_documents = manifest["splits"]["valid"].value("documents", uint64_t{0});
  return summary;
}

// ---- pass 1: the scan ---------------------------------------------------------------------------

struct CorpusScan {
  int64_t total_bytes = 0;
  std::vector<SplitPlan> plans;  // per source, finalized
};

// Reads everything once (fast, no encoding) to validate the input before any output exists, and
// to count documents for the split guarantee. Throws InputError when a group of files has no
// sentences (an empty source).
CorpusScan scan_corpus(const PrepareJob& c, const PrepareInputs& in, const CorpusOptions& options) {
  CorpusScan scan;
  for (size_t i = 0; i < in.sources.size(); ++i) {
    const bool split = in.sources[i].valid_files.empty();
    // The unnamed source keeps the run's seed (the same split as before data.sources existed).
    const uint64_t seed = in.named() ? mix_seed(c.seed, {kSplitSeedPurpose, i}) : c.seed;
    scan.plans.emplace_back(seed, split ? c.data.valid_fraction : 0.0);
  }
  for (const Group& g : in.groups) {
    CorpusReader reader(in.files(g), options);
    scan.total_bytes += reader.total_bytes();
    std::string_view s;
    uint64_t doc, last = UINT64_MAX, sentences = 0;
    while (reader.next(&s, &doc)) {
      ++sentences;
      if (g.forced_split < 0 && doc != last) scan.plans[g.source].observe(doc);
      last = doc;
    }
    if (sentences == 0) {
      const std::string& name = in.sources[g.source].name;
      throw InputError(in.files(g).front(), 0,
                       "the corpus is empty (no sentences in " + g.key +
                           (name.empty() ? "" : ", source '" + name + "'") + ")");
    }
  }
  for (auto& p : scan.plans) p.finalize();
  return scan;
}

// ---- pass 2: encode in parallel, write in order -------------------------------------------------

// Sentences read from the corpus, then their encoding (filled by a worker).
struct Chunk {
  int group = 0;               // index into PrepareInputs::groups
  std::string text;            // the sentences back to back
  std::vector<uint32_t> ends;  // end offset of each sentence in `text`
  std::vector<uint64_t> docs;  // document index (within the source) of each sentence
  int64_t bytes_done = 0;      // corpus bytes consumed up to the end of this chunk (all sources)
  std::vector<int> tokens;
  std::vector<uint64_t> token_ends;
  uint64_t unknown = 0;
};

// The next chunk of `reader` (group index `group`; `bytes_before`: the bytes of the earlier
// groups); null when the group has no more sentences. `*more` turns false at its end.
std::unique_ptr<Chunk> read_chunk(CorpusReader& reader, int group, size_t chunk_bytes,
                                  int64_t bytes_before, bool* more) {
  auto chunk = std::make_unique<Chunk>();
  chunk->group = group;
  chunk->text.reserve(chunk_bytes + 4096);
  std::string_view s;
  uint64_t doc;
  while (chunk->text.size() < chunk_bytes && chunk->ends.size() < kChunkSentences) {
    if (!reader.next(&s, &doc)) {
      *more = false;
      break;
    }
    chunk->text.append(s.data(), s.size());
    chunk->ends.push_back(static_cast<uint32_t>(chunk->text.size()));
    chunk->docs.push_back(doc);
  }
  chunk->bytes_done = bytes_before + reader.bytes_read();
  if (chunk->ends.empty()) return nullptr;
  return chunk;
}

void encode_chunk(const Tokenizer& tok, Chunk& c, WordCache* cache) {
  std::vector<int> ids;
  c.tokens.reserve(c.text.size() / 3);
  c.token_ends.reserve(c.ends.size());
  uint32_t begin = 0;
  for (uint32_t end : c.ends) {
    tok.encode_into(std::string_view(c.text.data() + begin, end - begin), &ids, cache);
    for (int id : ids) c.unknown += id == tok.specials().unk;
    c.tokens.insert(c.tokens.end(), ids.begin(), ids.end());
    c.token_ends.push_back(c.tokens.size());
    begin = end;
  }
  c.text = std::string();  // release the text early
}

// Takes the encoded chunks in corpus order: starts each document in its split, adds the sentences.
// With named sources, a new source starts new shards (a shard holds one source's documents).
class ChunkSink {
 public:
  ChunkSink(const PrepareInputs& in, const std::vector<SplitPlan>& plans, SplitWriter& out,
            Progress& progress)
      : in_(in), plans_(plans), out_(out), progress_(progress) {}

  void consume(const Chunk& ch) {
    const Group& g = in_.groups[static_cast<size_t>(ch.group)];
    for (size_t i = 0; i < ch.docs.size(); ++i) {
      if (ch.group != cur_group_ || ch.docs[i] != cur_doc_) {
        if (in_.named() && g.source != cur_source_) out_.begin_source(in_.sources[g.source].name);
        cur_group_ = ch.group;
        cur_source_ = g.source;
        cur_doc_ = ch.docs[i];
        out_.begin_document(g.forced_split >= 0 ? static_cast<Split>(g.forced_split)
                                                : plans_[g.source].split(cur_doc_));
        ++documents;
      }
      const uint64_t b = i == 0 ? 0 : ch.token_ends[i - 1], e = ch.token_ends[i];
      out_.add_sentence(ch.tokens.data() + b, e - b);
    }
    unknown += ch.unknown;
    progress_.update(ch.bytes_done);
  }

  uint64_t documents = 0;  // documents started (including those without tokens)
  uint64_t unknown = 0;    // [UNK] tokens

 private:
  const PrepareInputs& in_;
  const std::vector<SplitPlan>& plans_;
  SplitWriter& out_;
  Progress& progress_;
  int cur_group_ = -1;
  size_t cur_source_ = SIZE_MAX;
  uint64_t cur_doc_ = UINT64_MAX;
};

struct EncodeTotals {
  uint64_t documents = 0, unknown = 0;
};

// Encodes every source on `threads` workers and writes the shards in corpus order (finished).
EncodeTotals encode_corpus(const PrepareInputs& in, const CorpusScan& scan,
                           const CorpusOptions& options, int threads, SplitWriter& out) {
  const size_t chunk_bytes = std::clamp(static_cast<size_t>(scan.total_bytes) / (8 * threads),
                                        kMinChunkBytes, kMaxChunkBytes);
  std::vector<WordCache> caches(static_cast<size_t>(threads));  // one per worker, before the pool
  OrderedPool<std::shared_ptr<Chunk>> pool(threads, static_cast<size_t>(threads) * 2 + 1);
  Progress progress("prepare", scan.total_bytes, "B");
  ChunkSink sink(in, scan.plans, out, progress);
  const Tokenizer& tok = in.tok;
  int64_t bytes_before = 0;
  for (size_t gi = 0; gi < in.groups.size(); ++gi) {
    CorpusReader reader(in.files(in.groups[gi]), options);
    bool more = true;
    while (more) {
      std::shared_ptr<Chunk> chunk =
          read_chunk(reader, static_cast<int>(gi), chunk_bytes, bytes_before, &more);
      if (!chunk) break;
      pool.submit([&tok, &caches, chunk](int worker) {
        encode_chunk(tok, *chunk, &caches[static_cast<size_t>(worker)]);
        return chunk;
      });
      if (pool.full()) sink.consume(*pool.next());
    }
    bytes_before += reader.total_bytes();
  }
  while (!pool.empty()) sink.consume(*pool.next());
  out.finish();
  progress.finish();
  return {sink.documents, sink.unknown};
}

// ---- the manifest and the summary ---------------------------------------------------------------

// With named sources: each source's counts per split, summed over its shards (whose "source" field
// names it), in the order of data.sources.
json source_stats(const PrepareInputs& in, const json& splits) {
  json out = json::array();
  for (const CorpusSource& src : in.sources) {
    json entry = {{"name", src.name}};
    for (const char* split : kSplitNames) {
      json st = {{"documents", 0}, {"sentences", 0}, {"tokens", 0}, {"shards", 0}};
      for (const json& sh : splits[split]["shards"]) {
        if (sh.value("source", "") != src.name) continue;
        for (const char* k : {"documents", "sentences", "tokens"})
          st[k] = st[k].get<uint64_t>() + sh[k].get<uint64_t>();
        st["shards"] = st["shards"].get<uint64_t>() + 1;
      }
      entry[split] = st;
    }
    out.push_back(entry);
  }
  return out;
}

json build_manifest(const PrepareInputs& in, const SplitWriter& out, const EncodeTotals& totals,
                    int64_t total_bytes) {
  const uint32_t vocab = static_cast<uint32_t>(in.tok.vocab_size());
  const json splits = {{"train", out.split_json(kTrain)}, {"valid", out.split_json(kValid)}};
  json m = {{"format_version", kManifestVersion},
            {"tokenizer_checksum", in.tok.checksum()},
            {"tokenizer_model", in.model_path},
            {"vocab_size", vocab},
            {"token_bytes", vocab <= 65536 ? 2 : 4},
            {"inputs", in.stamp},
            {"splits", splits},
            {"stats",
             {{"documents", totals.documents},
              {"sentences", out.sentences(kTrain) + out.sentences(kValid)},
              {"tokens", out.tokens(kTrain) + out.tokens(kValid)},
              {"unknown_tokens", totals.unknown},
              {"input_bytes", total_bytes}}}};
  if (in.named()) m["sources"] = source_stats(in, splits);
  return m;
}

PrepareSummary summarize(const SplitWriter& out, const EncodeTotals& totals) {
  PrepareSummary summary;
  summary.documents = totals.documents;
  summary.sentences = out.sentences(kTrain) + out.sentences(kValid);
  summary.tokens = out.tokens(kTrain) + out.tokens(kValid);
  summary.unknown_tokens = totals.unknown;
  summary.train_documents = out.documents(kTrain);
  summary.valid_documents = out.documents(kValid);
  return summary;
}

// Pass 2: the shards, then manifest.json, into a staged directory that replaces `dir` only once it
// is whole. On failure (a bad document, a full disk) the previous output is left as it was and
// nothing of this run remains.
PrepareSummary write_output(const PrepareJob& c, const Target& t, const PrepareInputs& in,
                            const CorpusScan& scan, const CorpusOptions& options,
                            uint64_t* split_documents) {
  StagedDir::tidy(t.dir, kManifestName);
  StagedDir staged(t.dir);
  const int threads = resolve_threads(c.data.threads);
  log::info("{}: encoding {} with {} thread(s) into {}", t.label(),
            Progress::format_count(static_cast<double>(scan.total_bytes), "B"), threads, t.dir);
  SplitWriter out(staged.path(), static_cast<uint32_t>(in.tok.vocab_size()), in.tok.checksum(),
                  c.data.shard_tokens);
  EncodeTotals totals;
  staged.write_files([&] {
    totals = encode_corpus(in, scan, options, threads, out);
    const json manifest = build_manifest(in, out, totals, scan.total_bytes);
    fs::write_file_atomic(staged.file(kManifestName), manifest.dump(2) + "\n");
  });
  staged.publish();  // the old data/ (and its context counts) goes only now
  *split_documents = out.split_documents();
  return summarize(out, totals);
}

std::string fmt_count(uint64_t v) { return Progress::format_count(static_cast<double>(v), ""); }

void log_summary(const PrepareSummary& summary, const Target& t, const DataConfig& d,
                 uint64_t split_documents) {
  char line[512];
  std::snprintf(line, sizeof line,
                "%s: %s documents, %s sentences, %s tokens, %.2f tokens/sentence, "
                "unknown-token rate %.4f%% | train %s docs, valid %s docs | %.1fs",
                t.label().c_str(), fmt_count(summary.documents).c_str(),
                fmt_count(summary.sentences).c_str(), fmt_count(summary.tokens).c_str(),
                summary.sentences ? double(summary.tokens) / summary.sentences : 0.0,
                summary.tokens ? 100.0 * summary.unknown_tokens / summary.tokens : 0.0,
                fmt_count(summary.train_documents).c_str(),
                fmt_count(summary.valid_documents).c_str(), summary.seconds);
  log::info(line);
  if (t.set.empty() && d.valid_files.empty() && d.valid_fraction > 0 &&
      summary.valid_documents == 0)
    log::warn("prepare: the validation split is empty (the corpus has a single document)");
  if (split_documents > 0)
    log::info(
        "prepare: documents longer than data.shard_tokens were continued in the next shard {} "
        "time(s)",
        split_documents);
}

// Prepares `target` from `sources`, unless its output is up to date.
PrepareSummary prepare_target(const PrepareJob& c, const std::string& tokenizer_model,
                              std::vector<CorpusSource> sources, const Target& target) {
  const auto t0 = std::chrono::steady_clock::now();
  const PrepareInputs in = plan_inputs(c, tokenizer_model, std::move(sources), target);
  json old;
  if (up_to_date(target.dir, in.stamp, in.tok.checksum(), &old))
    return skipped_summary(target, old);
  const CorpusOptions options = CorpusOptions::from(c.data);
  const CorpusScan scan = scan_corpus(c, in, options);
  uint64_t split_documents = 0;
  PrepareSummary summary = write_output(c, target, in, scan, options, &split_documents);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log_summary(summary, target, c.data, split_documents);
  return summary;
}

}  // namespace

PrepareSummary run_prepare(const PrepareJob& c) {
  const std::string& tokenizer_model = c.tokenizer_model;
  PrepareSummary summary =
      prepare_target(c, tokenizer_model, corpus_sources(c.data), {data_dir(c.run_dir), ""});
  // After data/: a re-made data/ took the sets' old output with it.
  for (const ValidSetConfig& set : c.data.valid_sets) {
    CorpusSource s;
    s.files_key = "data.valid_sets." + set.name;
    s.train_files = expand_corpus_files(set.files, s.files_key);
    prepare_target(c, tokenizer_model, {std::move(s)},
                   {valid_set_dir(c.run_dir, set.name), set.name});
  }
  return summary;
}

}  // namespace bertforge
