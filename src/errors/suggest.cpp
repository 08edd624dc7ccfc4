#include "errors/suggest.h"

#include <algorithm>

namespace bertforge {
namespace {

constexpr size_t kMaxKeyDistance = 3;

// The first candidate with the smallest distance(word, candidate) <= max_distance, or "".
template <class Distance>
std::string nearest(const std::string& word, const std::vector<std::string>& candidates,
                    size_t max_distance, Distance distance) {
  std::string best;
  size_t best_d = max_distance + 1;
  for (const auto& c : candidates) {
    const size_t d = distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

// How far dotted `key` is from candidate `k` (see closest_key).
size_t key_distance(const std::string& key, const std::string& k) {
  size_t d = edit_distance(key, k);
  const auto dot = k.rfind('.');
  if (dot == std::string::npos) return d;
  const std::string last = k.substr(dot + 1);
  d = std::min(d, edit_distance(key, last) + 1);
  const auto key_dot = key.rfind('.');
  const std::string key_section = key_dot == std::string::npos ? "" : key.substr(0, key_dot);
  const std::string key_last = key.substr(key_dot == std::string::npos ? 0 : key_dot + 1);
  if (key_section == k.substr(0, dot) && key_last.size() >= 3 &&
      (last.rfind(key_last, 0) == 0 || key_last.rfind(last, 0) == 0))
    d = std::min<size_t>(d, 2);
  return d;
}

}  // namespace

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates,
                    size_t max_distance) {
  return nearest(word, candidates, max_distance, edit_distance);
}

std::string closest_key(const std::string& key, const std::vector<std::string>& keys) {
  return nearest(key, keys, kMaxKeyDistance, key_distance);
}

std::string did_you_mean(const std::string& near) {
  return near.empty() ? "" : "did you mean '" + near + "'?";
}

}  // namespace bertforge
