#include "data/loader.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "config/config.h"
#include "data/dataset.h"
#include "data/example_builder.h"
#include "data/masking.h"
#include "data/packing.h"
#include "errors/errors.h"
#include "runtime/ordered_pool.h"
#include "runtime/random.h"

namespace bertforge {
namespace {

constexpr uint64_t kShufflePurpose = 0x53485546;  // "SHUF"
constexpr uint64_t kMaskPurpose = 0x4d41534b;     // "MASK"
constexpr size_t kPlansKept = 3;

// One epoch's examples and the order in which they are served.
struct EpochPlan {
  std::vector<ExampleSpec> examples;
  std::vector<uint16_t> source;  // with mixed sources: the source of each example
  std::vector<uint32_t> order;   // plan indices in serving order
  int64_t batches = 0;           // batches per rank
};

// Per-worker buffers reused from batch to batch.
struct BuildScratch {
  std::vector<int32_t> ids, types;
  std::vector<int> lengths;
  MaskScratch mask;
};

// A built batch and where it stands: what the consumer needs to move its position past it.
struct Built {
  Batch batch;
  LoaderPosition pos;
  int64_t batches_in_epoch = 0;
};

LoaderPosition after(const LoaderPosition& pos, int64_t batches_in_epoch) {
  return pos.step + 1 >= batches_in_epoch ? LoaderPosition{pos.epoch + 1, 0}
                                          : LoaderPosition{pos.epoch, pos.step + 1};
}

}  // namespace

struct Loader::Impl {
  const Dataset& data;
  DataConfig dcfg;
  LoaderOptions opts;
  ExampleBuilder builder;
  Masker masker;

  // Plans, built on demand and shared by the workers.
  std::mutex plan_mu;
  std::map<int64_t, std::shared_ptr<const EpochPlan>> plans;

  std::mutex position_mu;
  LoaderPosition position;  // of the next batch next() returns; the pool's jobs are the batches
                            // 0, 1, ... after it
  std::vector<BuildScratch> scratch;  // one per worker (declared before the pool: they use it)
  OrderedPool<Built> pool;

  Impl(const Dataset& d, const DataConfig& dc, const MaskingConfig& mc, LoaderOptions o)
      : data(d),
        dcfg(dc),
        opts(std::move(o)),
        builder(d, dc, opts.seed, PairTemplate::of(opts.architecture, opts.specials)),
        masker(mc, opts.vocab_size, opts.word_start, opts.specials),
        scratch(static_cast<size_t>(std::max(threads(), 1))),
        pool(threads(), static_cast<size_t>(threads() > 0 ? depth() : 1)) {}

  int64_t data_epoch(int64_t epoch) const { return opts.shuffle ? epoch : 0; }
  int depth() const { return std::max(dcfg.prefetch, 1); }
  // Background workers: none (each batch built inside next()) without prefetch.
  int threads() const {
    return opts.prefetch_threads > 0 && dcfg.prefetch > 0 ? opts.prefetch_threads : 0;
  }

  std::shared_ptr<const EpochPlan> plan(int64_t epoch) {
    const int64_t e = data_epoch(epoch);
    std::lock_guard<std::mutex> lock(plan_mu);
    auto it = plans.find(e);
    if (it != plans.end()) return it->second;
    auto p = std::make_shared<EpochPlan>();
    if (opts.mix.empty()) {
      p->examples = builder.plan(e);
    } else {
      MixedPlan m = mixture_plan(builder, opts.mix, opts.seed, e);
      p->examples = std::move(m.examples);
      p->source = std::move(m.source);
    }
    if (p->examples.size() > UINT32_MAX) throw RuntimeError("too many examples in one epoch");
    p->order.resize(p->examples.size());
    for (size_t i = 0; i < p->order.size(); ++i) p->order[i] = static_cast<uint32_t>(i);
    if (opts.shuffle) {
      Rng rng = Rng::derive(opts.seed, {kShufflePurpose, static_cast<uint64_t>(e)});
      shuffle(p->order, rng);
    }
    const int64_t global = int64_t{opts.world_size} * opts.batch_size;
    p->batches = static_cast<int64_t>(p->examples.size()) / global;
    while (plans.size() >= kPlansKept) plans.erase(plans.begin());
    plans.emplace(e, p);
    return p;
  }

  // The plan of `epoch`; throws when it cannot fill one global batch.
  std::shared_ptr<const EpochPlan> plan_with_batches(int64_t epoch) {
    auto p = plan(epoch);
    if (p->batches == 0)
      throw RuntimeError("the data makes " + std::to_string(p->examples.size()) +
                             " examples, fewer than one global batch of " +
                             std::to_string(int64_t{opts.world_size} * opts.batch_size),
                         "use more data or a smaller train.batch_size");
    return p;
  }

  // The batch `pos.step` of this rank in epoch `pos.epoch`: a pure function of the plan and pos.
  Batch build(const EpochPlan& p, const LoaderPosition& pos, BuildScratch& s) const {
    const int B = opts.batch_size, W = opts.world_size, L = builder.max_seq_len();
    s.ids.resize(static_cast<size_t>(B) * L);
    s.types.resize(static_cast<size_t>(B) * L);
    s.lengths.resize(B);
    Batch b;
    b.batch_size = B;
    b.example_ids.resize(B);
    b.nsp_labels.resize(B);
    int longest = 0;
    for (int i = 0; i < B; ++i) {
      const int64_t k = (pos.step * B + i) * W + opts.rank;  // rank r serves perm[r], perm[r+W]...
      const uint32_t ex = p.order[static_cast<size_t>(k)];
      const ExampleSpec& spec = p.examples[ex];
      b.example_ids[i] = ex;
      b.nsp_labels[i] = spec.nsp_label;
      s.lengths[i] = builder.materialize(spec, &s.ids[size_t(i) * L], &s.types[size_t(i) * L]);
      longest = std::max(longest, s.lengths[i]);
    }
    const int T = dcfg.pad_to_max ? L : longest;
    b.seq_len = T;
    const size_t total = static_cast<size_t>(B) * T;
    b.input_ids.assign(total, opts.specials.pad);
    b.token_type_ids.assign(total, 0);
    b.attention_mask.assign(total, 0);
    b.mlm_labels.assign(total, kIgnoreLabel);
    const uint64_t epoch_key = static_cast<uint64_t>(data_epoch(pos.epoch));
    if (!p.source.empty()) b.source_tokens.assign(opts.mix.size(), 0);
    for (int i = 0; i < B; ++i) {
      const int n = s.lengths[i];
      int32_t* ids = &b.input_ids[size_t(i) * T];
      std::copy_n(&s.ids[size_t(i) * L], n, ids);
      std::copy_n(&s.types[size_t(i) * L], n, &b.token_type_ids[size_t(i) * T]);
      std::fill_n(&b.attention_mask[size_t(i) * T], n, uint8_t{1});
      Rng rng = Rng::derive(opts.seed, {kMaskPurpose, epoch_key, uint64_t(b.example_ids[i])});
      b.num_masked += masker.mask(ids, &b.mlm_labels[size_t(i) * T], n, rng, s.mask);
      b.num_real_tokens += n;
      if (!p.source.empty()) b.source_tokens[p.source[b.example_ids[i]]] += n;
    }
    if (!dcfg.pack) return b;
    Batch packed = pack_batch(b, dcfg.pad_to_max ? L : best_row_len(b, L), opts.specials.pad);
    packed.source_tokens = std::move(b.source_tokens);
    return packed;
  }

  // The position `offset` batches after `pos` (which may be past its epoch's last batch), and the
  // plan of its epoch.
  LoaderPosition advance(LoaderPosition pos, int64_t offset,
                         std::shared_ptr<const EpochPlan>* plan) {
    auto p = plan_with_batches(pos.epoch);
    if (pos.step >= p->batches) pos = {pos.epoch + 1, 0}, p = plan_with_batches(pos.epoch);
    while (pos.step + offset >= p->batches) {  // into the next epoch
      offset -= p->batches - pos.step;
      pos = {pos.epoch + 1, 0};
      p = plan_with_batches(pos.epoch);
    }
    pos.step += offset;
    *plan = std::move(p);
    return pos;
  }

  // Keeps the pool full: the batches after those in flight, each a pure function of its position.
  void refill(const LoaderPosition& from) {
    while (!pool.full()) {
      const int64_t offset = static_cast<int64_t>(pool.in_flight());
      pool.submit([this, from, offset](int worker) {
        std::shared_ptr<const EpochPlan> p;
        const LoaderPosition pos = advance(from, offset, &p);
        return Built{build(*p, pos, scratch[static_cast<size_t>(worker)]), pos, p->batches};
      });
    }
  }
};

Loader::Loader(const Dataset& data, const DataConfig& dcfg, const MaskingConfig& mcfg,
               LoaderOptions options) {
  if (options.world_size < 1) throw RuntimeError("world size must be >= 1");
  if (options.rank < 0 || options.rank >= options.world_size)
    throw RuntimeError("rank " + std::to_string(options.rank) + " is outside world size " +
                       std::to_string(options.world_size));
  if (options.batch_size < 1) throw ConfigError("train.batch_size", "must be >= 1");
  if (options.prefetch_threads < 0) throw RuntimeError("prefetch threads must be >= 0");
  if (options.vocab_size <= 0) options.vocab_size = static_cast<int>(data.vocab_size());
  impl_ = std::make_unique<Impl>(data, dcfg, mcfg, std::move(options));
  impl_->refill(impl_->position);
}

Loader::~Loader() = default;

Batch Loader::next() {
  Impl& m = *impl_;
  LoaderPosition pos = position();
  m.refill(pos);  // after an error the pool is empty
  Built built;
  try {
    built = m.pool.next();
  } catch (...) {
    m.pool.clear();  // the same error again on the next call
    throw;
  }
  pos = after(built.pos, built.batches_in_epoch);
  {
    std::lock_guard<std::mutex> lock(m.position_mu);
    m.position = pos;
  }
  m.refill(pos);
  return std::move(built.batch);
}

LoaderPosition Loader::position() const {
  std::lock_guard<std::mutex> lock(impl_->position_mu);
  return impl_->position;
}

void Loader::set_position(const LoaderPosition& pos) {
  if (pos.epoch < 0 || pos.step < 0)
    throw RuntimeError("invalid loader position (epoch " + std::to_string(pos.epoch) + ", step " +
                       std::to_string(pos.step) + ")");
  Impl& m = *impl_;
  m.pool.clear();  // batches built ahead from the old position
  {
    std::lock_guard<std::mutex> lock(m.position_mu);
    m.position = pos;
  }
  m.refill(pos);
}

int64_t Loader::batches_per_epoch() const { return impl_->plan(position().epoch)->batches; }

std::vector<std::string> Loader::source_names() const {
  std::vector<std::string> out;
  for (const auto& s : impl_->opts.mix) out.push_back(s.name);
  return out;
}

int64_t Loader::examples_in_epoch(int64_t epoch) const {
  return static_cast<int64_t>(impl_->plan(epoch)->examples.size());
}

}  // namespace bertforge
