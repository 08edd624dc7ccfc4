#include "data/prepare.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/config.h"
#include "common/errors.h"
#include "common/fs.h"
#include "common/logging.h"
#include "common/progress.h"
#include "common/random.h"
#include "data/context_counts.h"
#include "data/corpus_reader.h"
#include "data/dataset.h"
#include "data/manifest.h"
#include "data/shard.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {
using json = nlohmann::json;

namespace {

constexpr size_t kMaxChunkBytes = 1 << 20;   // text per encoding job: at most 1 MiB, at least
constexpr size_t kMinChunkBytes = 4 << 10;   // 4 KiB, aiming at 8 jobs per thread for small inputs
constexpr size_t kChunkSentences = 1 << 16;  // sentences per encoding job
constexpr uint64_t kSplitKey = 0x73706c6974ULL;  // "split": the key of the train/valid decision
enum Split { kTrain = 0, kValid = 1 };
const char* const kSplitNames[2] = {"train", "valid"};

// A fixed set of worker threads running jobs in submission order of pickup.
class WorkerPool {
 public:
  explicit WorkerPool(int n) {
    for (int i = 0; i < n; ++i) workers_.emplace_back([this, i] { loop(i); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  // `f(worker)` runs on one of the workers, `worker` in [0, n).
  template <class F>
  std::future<void> submit(F f) {
    auto task = std::make_shared<std::packaged_task<void(int)>>(std::move(f));
    std::future<void> fut = task->get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.emplace_back([task](int worker) { (*task)(worker); });
    }
    cv_.notify_one();
    return fut;
  }

 private:
  void loop(int worker) {
    for (;;) {
      std::function<void(int)> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job(worker);
    }
  }
  std::vector<std::thread> workers_;
  std::deque<std::function<void(int)>> jobs_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

// Sentences read from the corpus, then their encoding (filled by a worker).
struct Chunk {
  int source = 0;              // index into the sources (train files, valid files)
  std::string text;            // the sentences back to back
  std::vector<uint32_t> ends;  // end offset of each sentence in `text`
  std::vector<uint64_t> docs;  // document index (within the source) of each sentence
  int64_t bytes_done = 0;      // corpus bytes consumed up to the end of this chunk (all sources)
  std::vector<int> tokens;
  std::vector<uint64_t> token_ends;
  uint64_t unknown = 0;
};

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

struct Source {
  std::vector<std::string> files;
  int forced_split = -1;  // kValid for data.valid_files; -1 = decided per document
};

// Where each document of the train source goes: by a hash of (seed, document index), with the
// guarantee of at least one validation and one training document when there are two or more.
class SplitPlan {
 public:
  SplitPlan(uint64_t seed, double fraction) : seed_(seed), fraction_(fraction) {}
  double draw(uint64_t doc) const {
    return static_cast<double>(mix_seed(seed_, {kSplitKey, doc}) >> 11) * 0x1.0p-53;
  }
  // Called once per document, in order, during the scan.
  void observe(uint64_t doc) {
    const double u = draw(doc);
    if (u < fraction_) ++valid_;
    if (n_ == 0 || u < min_u_) min_u_ = u, min_doc_ = doc;
    if (n_ == 0 || u > max_u_) max_u_ = u, max_doc_ = doc;
    ++n_;
  }
  void finalize() {
    if (fraction_ <= 0 || n_ < 2) return;
    if (valid_ == 0) force_valid_ = min_doc_;
    if (valid_ == n_) force_train_ = max_doc_;
  }
  Split split(uint64_t doc) const {
    if (fraction_ <= 0) return kTrain;
    if (n_ < 2) return kTrain;
    if (doc == force_valid_) return kValid;
    if (doc == force_train_) return kTrain;
    return draw(doc) < fraction_ ? kValid : kTrain;
  }

 private:
  uint64_t seed_;
  double fraction_;
  uint64_t n_ = 0, valid_ = 0, min_doc_ = 0, max_doc_ = 0;
  double min_u_ = 0, max_u_ = 0;
  uint64_t force_valid_ = UINT64_MAX, force_train_ = UINT64_MAX;
};

json file_stamps(const std::vector<std::string>& files) {
  json a = json::array();
  for (const auto& f : files)
    a.push_back({{"path", f}, {"size", fs::file_size(f)}, {"mtime_ns", fs::mtime_ns(f)}});
  return a;
}

std::string fmt_count(uint64_t v) { return Progress::format_count(static_cast<double>(v), ""); }

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

// Removes temporary files (of an interrupted run) and shards that the new manifest does not list.
void remove_stale(const std::string& dir, const std::vector<std::string>& keep) {
  std::error_code ec;
  std::vector<std::string> doomed;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const bool temp = name.find(".tmp-") != std::string::npos;
    const bool shard = (name.rfind("train-", 0) == 0 || name.rfind("valid-", 0) == 0) &&
                       name.size() > 4 && name.compare(name.size() - 4, 4, ".bin") == 0;
    if ((temp || shard) && std::find(keep.begin(), keep.end(), name) == keep.end())
      doomed.push_back(e.path().string());
  }
  for (const auto& p : doomed) fs::remove_all(p);
}

// Accumulates the encoded stream into shards of both splits.
class SplitWriter {
 public:
  SplitWriter(const std::string& dir, uint32_t vocab, const std::string& checksum,
              int64_t shard_tokens)
      : dir_(dir),
        shard_tokens_(static_cast<uint64_t>(shard_tokens)),
        writers_{ShardWriter(vocab, checksum), ShardWriter(vocab, checksum)} {}

  void begin_document(Split s) {
    end_document();
    cur_ = s;
    open_ = true;
  }
  void add_sentence(const int* ids, size_t n) {
    if (n == 0) return;
    has_tokens_ = true;
    ShardWriter& w = writers_[cur_];
    w.add_sentence(ids, n);
    ++sentences_[cur_];
    tokens_[cur_] += n;
    // A document longer than a shard is continued in the next shard (memory stays bounded).
    if (w.num_tokens() >= shard_tokens_ && w.open_doc_tokens() >= shard_tokens_) {
      w.end_document();
      flush(cur_);
      ++split_documents_;
    }
  }
  void end_document() {
    if (!open_) return;
    open_ = false;
    ShardWriter& w = writers_[cur_];
    w.end_document();
    if (has_tokens_) ++documents_[cur_];
    has_tokens_ = false;
    if (w.num_tokens() >= shard_tokens_) flush(cur_);
  }
  void finish() {
    end_document();
    for (int s : {kTrain, kValid})
      if (writers_[s].num_tokens() > 0) flush(static_cast<Split>(s));
  }
  json split_json(int s) const {
    return {{"documents", shard_documents_[s]},
            {"sentences", sentences_[s]},
            {"tokens", tokens_[s]},
            {"shards", shards_[s]}};
  }
  const std::vector<std::string>& written() const { return written_; }
  uint64_t documents(int s) const { return documents_[s]; }
  uint64_t sentences(int s) const { return sentences_[s]; }
  uint64_t tokens(int s) const { return tokens_[s]; }
  uint64_t split_documents() const { return split_documents_; }

 private:
  void flush(Split s) {
    ShardWriter& w = writers_[s];
    char name[32];
    std::snprintf(name, sizeof name, "%s-%05zu.bin", kSplitNames[s], shards_[s].size());
    const uint64_t docs = w.num_docs(), sents = w.num_sentences(), toks = w.num_tokens();
    const std::string path = fs::join(dir_, name);
    const std::string sha = w.write(path);
    written_.push_back(name);
    shard_documents_[s] += docs;
    shards_[s].push_back({{"file", name},
                          {"bytes", fs::file_size(path)},
                          {"sha256", sha},
                          {"documents", docs},
                          {"sentences", sents},
                          {"tokens", toks}});
  }

  std::string dir_;
  uint64_t shard_tokens_;
  ShardWriter writers_[2];
  Split cur_ = kTrain;
  bool open_ = false, has_tokens_ = false;
  json shards_[2] = {json::array(), json::array()};
  std::vector<std::string> written_;
  uint64_t documents_[2] = {0, 0}, shard_documents_[2] = {0, 0}, sentences_[2] = {0, 0},
           tokens_[2] = {0, 0};
  uint64_t split_documents_ = 0;
};

}  // namespace

PrepareSummary run_prepare(const Config& c, const std::string& tokenizer_model) {
  const auto t0 = std::chrono::steady_clock::now();
  const DataConfig& d = c.data;
  if (d.train_files.empty())
    throw ConfigError("data.train_files", "is empty", "set it to your corpus files");
  std::vector<Source> sources(1);
  sources[0].files = fs::expand_globs(d.train_files, "data.train_files");
  if (!d.valid_files.empty()) {
    sources.push_back({fs::expand_globs(d.valid_files, "data.valid_files"), kValid});
    sources[0].forced_split = kTrain;
  }

  const std::string model_path =
      tokenizer_model.empty() ? tokenizer_model_path(c.run_dir) : tokenizer_model;
  if (!fs::exists(model_path))
    throw InputError(model_path, 0, "no tokenizer model", "run `bertforge tokenizer` first");
  const Tokenizer tok = Tokenizer::load(model_path);
  if (tokenizer_model.empty() && read_tokenizer_checksum(c.run_dir) != tok.checksum())
    throw InputError(model_path, 0,
                     "does not match the checksum in tokenizer.json (interrupted tokenizer stage?)",
                     "re-run `bertforge tokenizer`");
  const uint32_t vocab = static_cast<uint32_t>(tok.vocab_size());

  json config = {{"format", d.format},
                 {"text_field", d.text_field},
                 {"invalid_utf8", d.invalid_utf8},
                 {"shard_tokens", d.shard_tokens}};
  if (d.valid_files.empty()) {
    config["valid_fraction"] = d.valid_fraction;
    config["seed"] = c.seed;
  }
  const json inputs = {
      {"train_files", file_stamps(sources[0].files)},
      {"valid_files",
       file_stamps(sources.size() > 1 ? sources[1].files : std::vector<std::string>{})},
      {"config", config}};

  const std::string dir = data_dir(c.run_dir);
  PrepareSummary summary;
  json old;
  if (up_to_date(dir, inputs, tok.checksum(), &old)) {
    log::info("prepare: up to date, skipping (" + fs::join(dir, kManifestName) + ")");
    summary.skipped = true;
    const json& st = old["stats"];
    summary.documents = st.value("documents", uint64_t{0});
    summary.sentences = st.value("sentences", uint64_t{0});
    summary.tokens = st.value("tokens", uint64_t{0});
    summary.unknown_tokens = st.value("unknown_tokens", uint64_t{0});
    summary.train_documents = old["splits"]["train"].value("documents", uint64_t{0});
    summary.valid_documents = old["splits"]["valid"].value("documents", uint64_t{0});
    return summary;
  }

  // Pass 1: read everything once (fast, no encoding) to validate the input before any output
  // exists, and to count documents for the split guarantee.
  const CorpusOptions options = CorpusOptions::from(d);
  SplitPlan plan(c.seed, d.valid_files.empty() ? d.valid_fraction : 0.0);
  int64_t total_bytes = 0;
  for (size_t i = 0; i < sources.size(); ++i) {
    CorpusReader reader(sources[i].files, options);
    total_bytes += reader.total_bytes();
    std::string_view s;
    uint64_t doc, last = UINT64_MAX, sentences = 0;
    while (reader.next(&s, &doc)) {
      ++sentences;
      if (i == 0 && doc != last) plan.observe(doc);
      last = doc;
    }
    if (sentences == 0) {
      const char* key = i == 0 ? "data.train_files" : "data.valid_files";
      throw InputError(sources[i].files.front(), 0,
                       std::string("the corpus is empty (no sentences in ") + key + ")");
    }
  }
  plan.finalize();

  // Pass 2: encode in parallel, write in order.
  const bool created_dir = !fs::exists(dir);
  fs::make_dirs(dir);
  fs::remove_all(fs::join(dir, kManifestName));  // from here on the directory is incomplete
  remove_stale(dir, {});
  const int threads = resolve_threads(d.threads);
  log::info("prepare: encoding " + Progress::format_count(static_cast<double>(total_bytes), "B") +
            " with " + std::to_string(threads) + " thread(s) into " + dir);
  const size_t chunk_bytes =
      std::clamp(static_cast<size_t>(total_bytes) / (8 * threads), kMinChunkBytes, kMaxChunkBytes);
  SplitWriter out(dir, vocab, tok.checksum(), d.shard_tokens);
  uint64_t unknown = 0, documents = 0;
  try {
    // Declared before the pool: its destructor finishes every queued job first.
    std::vector<WordCache> caches(static_cast<size_t>(threads));  // one per worker
    std::deque<std::pair<std::unique_ptr<Chunk>, std::future<void>>> inflight;
    WorkerPool pool(threads);
    Progress progress("prepare", total_bytes, "B");
    const size_t max_inflight = static_cast<size_t>(threads) * 2 + 1;
    int cur_source = -1;
    uint64_t cur_doc = UINT64_MAX;

    auto consume = [&] {
      auto& [chunk, fut] = inflight.front();
      fut.get();
      const Chunk& ch = *chunk;
      for (size_t i = 0; i < ch.docs.size(); ++i) {
        if (ch.source != cur_source || ch.docs[i] != cur_doc) {
          cur_source = ch.source;
          cur_doc = ch.docs[i];
          const int forced = sources[static_cast<size_t>(ch.source)].forced_split;
          out.begin_document(forced >= 0 ? static_cast<Split>(forced) : plan.split(cur_doc));
          ++documents;
        }
        const uint64_t b = i == 0 ? 0 : ch.token_ends[i - 1], e = ch.token_ends[i];
        out.add_sentence(ch.tokens.data() + b, e - b);
      }
      unknown += ch.unknown;
      progress.update(ch.bytes_done);
      inflight.pop_front();
    };

    int64_t bytes_before = 0;
    for (size_t si = 0; si < sources.size(); ++si) {
      CorpusReader reader(sources[si].files, options);
      std::string_view s;
      uint64_t doc;
      bool more = true;
      while (more) {
        auto chunk = std::make_unique<Chunk>();
        chunk->source = static_cast<int>(si);
        chunk->text.reserve(chunk_bytes + 4096);
        while (chunk->text.size() < chunk_bytes && chunk->ends.size() < kChunkSentences) {
          if (!reader.next(&s, &doc)) {
            more = false;
            break;
          }
          chunk->text.append(s.data(), s.size());
          chunk->ends.push_back(static_cast<uint32_t>(chunk->text.size()));
          chunk->docs.push_back(doc);
        }
        chunk->bytes_done = bytes_before + reader.bytes_read();
        if (chunk->ends.empty()) break;
        Chunk* raw = chunk.get();
        auto fut = pool.submit(
            [&tok, &caches, raw](int worker) { encode_chunk(tok, *raw, &caches[worker]); });
        inflight.emplace_back(std::move(chunk), std::move(fut));
        if (inflight.size() >= max_inflight) consume();
      }
      bytes_before += reader.total_bytes();
    }
    while (!inflight.empty()) consume();
    out.finish();
    progress.finish();

    remove_stale(dir, out.written());
    fs::remove_all(fs::join(dir, kContextCountsName));  // counts of the old data (also keyed)
    const uint64_t sentences = out.sentences(kTrain) + out.sentences(kValid);
    const uint64_t tokens = out.tokens(kTrain) + out.tokens(kValid);
    json manifest = {
        {"format_version", kManifestVersion},
        {"tokenizer_checksum", tok.checksum()},
        {"tokenizer_model", model_path},
        {"vocab_size", vocab},
        {"token_bytes", vocab <= 65536 ? 2 : 4},
        {"inputs", inputs},
        {"splits", {{"train", out.split_json(kTrain)}, {"valid", out.split_json(kValid)}}},
        {"stats",
         {{"documents", documents},
          {"sentences", sentences},
          {"tokens", tokens},
          {"unknown_tokens", unknown},
          {"input_bytes", total_bytes}}}};
    fs::write_file_atomic(fs::join(dir, kManifestName), manifest.dump(2) + "\n");

    summary.documents = documents;
    summary.sentences = sentences;
    summary.tokens = tokens;
    summary.unknown_tokens = unknown;
    summary.train_documents = out.documents(kTrain);
    summary.valid_documents = out.documents(kValid);
  } catch (...) {
    // Nothing half-written may look complete: drop this run's shards (there is no manifest).
    remove_stale(dir, {});
    if (created_dir) fs::remove_all(dir);
    throw;
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  char line[512];
  std::snprintf(line, sizeof line,
                "prepare: %s documents, %s sentences, %s tokens, %.2f tokens/sentence, "
                "unknown-token rate %.4f%% | train %s docs, valid %s docs | %.1fs",
                fmt_count(summary.documents).c_str(), fmt_count(summary.sentences).c_str(),
                fmt_count(summary.tokens).c_str(),
                summary.sentences ? double(summary.tokens) / summary.sentences : 0.0,
                summary.tokens ? 100.0 * summary.unknown_tokens / summary.tokens : 0.0,
                fmt_count(summary.train_documents).c_str(),
                fmt_count(summary.valid_documents).c_str(), summary.seconds);
  log::info(line);
  if (d.valid_files.empty() && d.valid_fraction > 0 && summary.valid_documents == 0)
    log::warn("prepare: the validation split is empty (the corpus has a single document)");
  if (out.split_documents() > 0)
    log::info(
        "prepare: documents longer than data.shard_tokens were continued in the next "
        "shard " +
        std::to_string(out.split_documents()) + " time(s)");
  return summary;
}

}  // namespace bertforge
