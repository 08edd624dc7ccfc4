#include "train/batch_tensors.h"

#include <vector>

namespace bertforge {

BatchTensors to_tensors(const Batch& b, const torch::Device& device) {
  const int64_t B = b.batch_size, R = b.rows(), T = b.seq_len;
  auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  std::vector<int64_t> ids(b.input_ids.begin(), b.input_ids.end());
  std::vector<int64_t> types(b.token_type_ids.begin(), b.token_type_ids.end());
  std::vector<int64_t> mask(b.attention_mask.begin(), b.attention_mask.end());
  std::vector<int64_t> positions, labels;
  positions.reserve(static_cast<size_t>(b.num_masked));
  labels.reserve(static_cast<size_t>(b.num_masked));
  for (int64_t i = 0; i < R * T; ++i) {
    if (b.mlm_labels[i] != kIgnoreLabel) {
      positions.push_back(i);
      labels.push_back(b.mlm_labels[i]);
    }
  }
  auto make = [&](std::vector<int64_t>& v, std::vector<int64_t> shape) {
    return torch::from_blob(v.data(), shape, i64).clone().to(device);
  };
  BatchTensors t;
  t.input_ids = make(ids, {R, T});
  t.token_type_ids = make(types, {R, T});
  t.attention_mask = make(mask, {R, T});
  t.positions = make(positions, {static_cast<int64_t>(positions.size())});
  t.mlm_labels = make(labels, {static_cast<int64_t>(labels.size())});
  if (!b.nsp_labels.empty() && b.nsp_labels[0] != kIgnoreLabel) {
    std::vector<int64_t> nsp(b.nsp_labels.begin(), b.nsp_labels.end());
    t.nsp_labels = make(nsp, {B});
  }
  if (b.packed()) {
    std::vector<int64_t> pos(b.position_ids.begin(), b.position_ids.end());
    std::vector<int64_t> seg(b.segment_ids.begin(), b.segment_ids.end());
    std::vector<int64_t> cls(b.cls_positions.begin(), b.cls_positions.end());
    t.packed.position_ids = make(pos, {R, T});
    t.packed.segment_ids = make(seg, {R, T});
    t.packed.cls_positions = make(cls, {B});
  }
  return t;
}

}  // namespace bertforge
