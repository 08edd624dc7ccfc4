#include "train/loss.h"

namespace bertforge {

LossParts pretraining_loss(const torch::Tensor& mlm_logits, const torch::Tensor& mlm_labels,
                           const torch::Tensor& nsp_logits, const torch::Tensor& nsp_labels,
                           double nsp_weight, double mlm_denominator, double nsp_denominator) {
  TORCH_CHECK(
      mlm_logits.dim() == 2 && mlm_labels.dim() == 1 && mlm_logits.size(0) == mlm_labels.size(0),
      "mlm logits (M, V) and labels (M) disagree");
  namespace F = torch::nn::functional;
  LossParts out;
  auto logits = mlm_logits.to(torch::kFloat32);
  // -sum log softmax(logits)[label]: the seed formula's numerator.
  auto mlm_sum =
      F::cross_entropy(logits, mlm_labels, F::CrossEntropyFuncOptions().reduction(torch::kSum));
  out.mlm_count = mlm_labels.size(0);
  double mden = mlm_denominator > 0 ? mlm_denominator : std::max<int64_t>(1, out.mlm_count);
  out.mlm_loss = mlm_sum / mden;
  {
    torch::NoGradGuard ng;
    out.mlm_correct = logits.argmax(-1).eq(mlm_labels).sum().item<int64_t>();
  }
  if (nsp_labels.defined() && nsp_labels.numel() > 0) {
    auto nl = nsp_logits.to(torch::kFloat32);
    auto nsp_sum =
        F::cross_entropy(nl, nsp_labels, F::CrossEntropyFuncOptions().reduction(torch::kSum));
    out.nsp_count = nsp_labels.size(0);
    double nden = nsp_denominator > 0 ? nsp_denominator : std::max<int64_t>(1, out.nsp_count);
    out.nsp_loss = nsp_sum / nden;
    out.loss = out.mlm_loss + nsp_weight * out.nsp_loss;
    torch::NoGradGuard ng;
    out.nsp_correct = nl.argmax(-1).eq(nsp_labels).sum().item<int64_t>();
  } else {
    out.nsp_loss = torch::zeros({}, logits.options());
    out.loss = out.mlm_loss;
  }
  return out;
}

}  // namespace bertforge
