#include "finetune/batches.h"

namespace bertforge {

LabelledBatch make_batch(const std::vector<EncodedExample>& examples,
                         const std::vector<size_t>& order, size_t begin, size_t end, int64_t pad,
                         const std::string& task) {
  const int64_t B = static_cast<int64_t>(end - begin);
  int64_t T = 0;
  for (size_t i = begin; i < end; ++i)
    T = std::max<int64_t>(T, static_cast<int64_t>(examples[order[i]].ids.size()));
  LabelledBatch b;
  b.ids = torch::full({B, T}, pad, torch::kInt64);
  b.types = torch::zeros({B, T}, torch::kInt64);
  b.mask = torch::zeros({B, T}, torch::kInt64);
  const bool tokens = task == "token_classification";
  if (tokens)
    b.labels = torch::full({B, T}, static_cast<int64_t>(kIgnore), torch::kInt64);
  else
    b.labels = torch::zeros({B}, task == "regression" ? torch::kFloat32 : torch::kInt64);
  auto ids = b.ids.accessor<int64_t, 2>(), types = b.types.accessor<int64_t, 2>(),
       mask = b.mask.accessor<int64_t, 2>();
  for (int64_t r = 0; r < B; ++r) {
    const EncodedExample& ex = examples[order[begin + static_cast<size_t>(r)]];
    for (size_t t = 0; t < ex.ids.size(); ++t) {
      ids[r][t] = ex.ids[t];
      types[r][t] = ex.types[t];
      mask[r][t] = 1;
    }
    if (tokens) {
      auto lab = b.labels.accessor<int64_t, 2>();
      for (size_t t = 0; t < ex.tag_ids.size(); ++t) lab[r][t] = ex.tag_ids[t];
    } else if (task == "regression") {
      b.labels[r] = static_cast<float>(ex.value);
    } else {
      b.labels[r] = static_cast<int64_t>(ex.label);
    }
  }
  return b;
}

torch::Tensor task_loss(const torch::Tensor& logits, const LabelledBatch& batch,
                        const std::string& task) {
  if (task == "regression")
    return torch::mse_loss(logits.squeeze(-1).to(torch::kFloat32),
                           batch.labels.to(logits.device()));
  const int64_t L = logits.size(-1);
  if (task == "token_classification" && (batch.labels != kIgnore).sum().item<int64_t>() == 0)
    return logits.sum() * 0.0;  // no labelled word survived truncation: no signal, not NaN
  return torch::nn::functional::cross_entropy(
      logits.reshape({-1, L}).to(torch::kFloat32), batch.labels.reshape({-1}).to(logits.device()),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnore));
}

}  // namespace bertforge
