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

torch::Tensor head_rows(const torch::Tensor& logits, const torch::Tensor& positions) {
  return logits.slice(0, 0, positions.size(0));  // (M, V)
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
