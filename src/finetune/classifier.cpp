#include "finetune/classifier.h"

#include "errors/errors.h"

namespace bertforge {

std::string resolve_pooling(const std::string& pooling, const std::string& architecture) {
  if (pooling != "auto") return pooling;
  return architecture == "modernbert" ? "mean" : "cls";
}

ClassifierModelImpl::ClassifierModelImpl(const ModelPtr& backbone, const HeadSpec& spec)
    : shape_(backbone->shape()), spec_(spec) {
  if (auto* b = dynamic_cast<BertForPreTrainingImpl*>(backbone.get())) {
    bert = register_module("bert", b->bert);
  } else if (auto* m = dynamic_cast<ModernBertForMaskedLMImpl*>(backbone.get())) {
    model = register_module("model", m->model);
    head = register_module("head", m->head);
  } else {
    throw ConfigError("model.architecture",
                      "fine-tuning has no head for architecture '" + shape_.architecture + "'",
                      "fine-tune a bert or modernbert model");
  }
  drop = register_module("drop", Dropout(spec.dropout));
  classifier = register_module("classifier", Linear(shape_.hidden, spec.num_labels));
}

namespace {
// Mean of `seq` (B, T, H) over the positions where `mask` (B, T) is 1.
torch::Tensor masked_mean(const torch::Tensor& seq, const torch::Tensor& mask) {
  auto m = mask.unsqueeze(-1).to(seq.scalar_type());
  return (seq * m).sum(1) / m.sum(1).clamp_min(1.0);
}
}  // namespace

torch::Tensor ClassifierModelImpl::forward(const torch::Tensor& ids, const torch::Tensor& types,
                                           const torch::Tensor& attention_mask) {
  const bool mean = spec_.pooling == "mean";
  torch::Tensor features;
  if (bert) {
    auto [seq, pooled] = bert->forward(ids, types, attention_mask);
    if (spec_.token_level())
      features = seq;
    else
      features = mean ? masked_mean(seq, attention_mask) : pooled;
  } else {
    torch::Tensor seq = model->forward(ids, attention_mask);
    if (!spec_.token_level()) seq = mean ? masked_mean(seq, attention_mask) : seq.select(1, 0);
    features = head->forward(seq);
  }
  return classifier(drop(features));
}

void ClassifierModelImpl::init_head(at::Generator gen) {
  torch::NoGradGuard ng;
  classifier->weight.normal_(0.0, shape_.initializer_range, gen);
  classifier->bias.zero_();
}

std::vector<std::pair<std::string, torch::Tensor>> ClassifierModelImpl::export_tensors() {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : named_parameters()) {
    if (spec_.token_level() && item.key().rfind("bert.pooler.", 0) == 0) continue;
    out.emplace_back(item.key(), item.value());
  }
  return out;
}

}  // namespace bertforge
