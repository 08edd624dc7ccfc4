#include "model/model.h"

#include "model/bert.h"
#include "model/modernbert.h"
#include "model/roberta.h"

namespace bertforge {

torch::Tensor PackedLayout::attention_bias(torch::ScalarType dtype, double masked_value,
                                           int64_t window) const {
  const int64_t R = segment_ids.size(0), T = segment_ids.size(1);
  auto keys = segment_ids.unsqueeze(1);                           // (R, 1, T)
  auto allowed = segment_ids.unsqueeze(2).eq(keys) & keys.ge(0);  // (R, T, T)
  if (window > 0) {
    auto pos = torch::arange(T, segment_ids.options());
    allowed = allowed & (pos.unsqueeze(0) - pos.unsqueeze(1)).abs().le(window / 2).unsqueeze(0);
  }
  if (causal) allowed = allowed & causal_keys(T, segment_ids.device()).unsqueeze(0);
  auto opts = torch::TensorOptions().dtype(dtype).device(segment_ids.device());
  return torch::where(allowed, torch::zeros({}, opts), torch::full({}, masked_value, opts))
      .view({R, 1, T, T});
}

torch::Tensor gather_head_rows(const torch::Tensor& sequence, const torch::Tensor& positions) {
  const int64_t M = positions.size(0);
  const int64_t padded = (M + kHeadRowBucket - 1) / kHeadRowBucket * kHeadRowBucket;
  auto index = padded == M ? positions
                           : torch::cat({positions, positions.slice(0, 0, 1).expand({padded - M})});
  return sequence.reshape({-1, sequence.size(2)}).index_select(0, index);  // (M', H)
}

namespace {
// The first M rows of (M', V) logits. Autograd's own slice backward zeroed a whole (M', V)
// gradient and copied the (M, V) one into it (on a tiny BERT's bf16 step, 5% of the time); here
// only the at most kHeadRowBucket - 1 padding rows are zeroed.
struct LeadingRows : torch::autograd::Function<LeadingRows> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& logits,
                               int64_t rows) {
    ctx->saved_data["all"] = logits.size(0);
    return logits.narrow(0, 0, rows);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    const auto& g = grad_out[0];
    const int64_t all = ctx->saved_data["all"].toInt(), rows = g.size(0);
    auto full = torch::empty({all, g.size(1)}, g.options());
    full.narrow(0, 0, rows).copy_(g);
    full.narrow(0, rows, all - rows).zero_();
    return {full, torch::Tensor()};
  }
};
}  // namespace

torch::Tensor head_rows(const torch::Tensor& logits, const torch::Tensor& positions) {
  const int64_t M = positions.size(0);
  if (M == logits.size(0)) return logits;
  if (!logits.requires_grad()) return logits.narrow(0, 0, M);  // (M, V)
  return LeadingRows::apply(logits, M);
}

torch::Tensor causal_keys(int64_t T, const torch::Device& device) {
  auto pos = torch::arange(T, torch::TensorOptions().dtype(torch::kInt64).device(device));
  return pos.unsqueeze(0).le(pos.unsqueeze(1));  // [i][j]: j <= i
}

ModelPtr make_model(const ModelShape& shape) {
  if (shape.architecture == "modernbert") return std::make_shared<ModernBertForMaskedLMImpl>(shape);
  if (shape.architecture == "roberta") return std::make_shared<RobertaForMaskedLMImpl>(shape);
  return std::make_shared<BertForPreTrainingImpl>(shape);
}

}  // namespace bertforge
