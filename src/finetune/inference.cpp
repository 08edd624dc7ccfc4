#include "finetune/inference.h"

#include <numeric>

#include "finetune/batches.h"
#include "labelled/metrics.h"

namespace bertforge {
using json = nlohmann::json;

Outputs run_model(ClassifierModel& model, const std::vector<EncodedExample>& examples, int64_t pad,
                  int batch_size, const torch::Device& device, bool labelled) {
  model->eval();
  torch::NoGradGuard ng;
  const std::string& task = model->spec().task;
  std::vector<size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  Outputs out;
  double loss_sum = 0;
  size_t batches = 0;
  for (size_t begin = 0; begin < examples.size(); begin += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(examples.size(), begin + static_cast<size_t>(batch_size));
    LabelledBatch b = make_batch(examples, order, begin, end, pad, task);
    torch::Tensor logits =
        model->forward(b.ids.to(device), b.types.to(device), b.mask.to(device)).to(torch::kCPU);
    logits = logits.to(torch::kFloat32);
    if (labelled) {
      loss_sum += task_loss(logits, b, task).item<double>();
      ++batches;
    }
    torch::Tensor values = task == "regression" ? logits : torch::softmax(logits, -1);
    for (size_t i = begin; i < end; ++i) {
      const int64_t r = static_cast<int64_t>(i - begin);
      std::vector<float> row;
      if (task == "token_classification") {
        for (int pos : examples[i].word_positions) {
          torch::Tensor p = values[r][pos].contiguous();
          row.insert(row.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
        }
      } else {
        torch::Tensor p = values[r].contiguous();
        row.assign(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
      }
      out.values.push_back(std::move(row));
    }
  }
  out.loss = batches ? loss_sum / static_cast<double>(batches) : 0.0;
  return out;
}

std::vector<int> argmax_row(const std::vector<float>& probs, int labels) {
  std::vector<int> out;
  for (size_t start = 0; start + static_cast<size_t>(labels) <= probs.size();
       start += static_cast<size_t>(labels)) {
    int best = 0;
    for (int k = 1; k < labels; ++k)
      if (probs[start + k] > probs[start + best]) best = k;
    out.push_back(best);
  }
  return out;
}

json task_metrics(const std::string& task, const Outputs& outputs,
                  const std::vector<EncodedExample>& examples,
                  const std::vector<LabelledExample>& raw, const LabelSet& labels) {
  if (task == "regression") {
    std::vector<double> gold, pred;
    for (size_t i = 0; i < examples.size(); ++i) {
      gold.push_back(examples[i].value);
      pred.push_back(outputs.values[i].at(0));
    }
    return {{"pearson", pearson(gold, pred)}, {"spearman", spearman(gold, pred)}};
  }
  if (task == "classification") {
    std::vector<int> gold, pred;
    for (size_t i = 0; i < examples.size(); ++i) {
      gold.push_back(examples[i].label);
      pred.push_back(argmax_row(outputs.values[i], labels.size()).at(0));
    }
    return {{"accuracy", accuracy(gold, pred)},
            {"macro_f1", macro_f1(gold, pred)},
            {"mcc", mcc(gold, pred)}};
  }
  std::vector<std::vector<std::string>> gold, pred;
  std::vector<int> gold_ids, pred_ids;
  for (size_t i = 0; i < examples.size(); ++i) {
    const std::vector<int> ids = argmax_row(outputs.values[i], labels.size());
    std::vector<std::string> tags;
    for (size_t w = 0; w < raw[i].tags.size(); ++w) {
      tags.push_back(w < ids.size() ? labels.name(ids[w]) : "O");
      gold_ids.push_back(labels.id(raw[i].tags[w]));
      pred_ids.push_back(w < ids.size() ? ids[w] : labels.id("O"));
    }
    gold.push_back(raw[i].tags);
    pred.push_back(std::move(tags));
  }
  const EntityScores s = entity_f1(gold, pred);
  return {{"f1", s.f1},
          {"precision", s.precision},
          {"recall", s.recall},
          {"accuracy", accuracy(gold_ids, pred_ids)}};
}

}  // namespace bertforge
