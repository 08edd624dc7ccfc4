#include "labelled/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace bertforge {

double accuracy(const std::vector<int>& gold, const std::vector<int>& pred) {
  if (gold.empty()) return 0;
  size_t hit = 0;
  for (size_t i = 0; i < gold.size(); ++i) hit += gold[i] == pred[i];
  return static_cast<double>(hit) / static_cast<double>(gold.size());
}

double macro_f1(const std::vector<int>& gold, const std::vector<int>& pred) {
  std::set<int> classes(gold.begin(), gold.end());
  classes.insert(pred.begin(), pred.end());
  if (classes.empty()) return 0;
  double sum = 0;
  for (int c : classes) {
    double tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < gold.size(); ++i) {
      tp += gold[i] == c && pred[i] == c;
      fp += gold[i] != c && pred[i] == c;
      fn += gold[i] == c && pred[i] != c;
    }
    sum += tp == 0 ? 0.0 : 2 * tp / (2 * tp + fp + fn);
  }
  return sum / static_cast<double>(classes.size());
}

double mcc(const std::vector<int>& gold, const std::vector<int>& pred) {
  // R_K = (c s - sum_k p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2)), with t_k / p_k the
  // times class k is true / predicted, c the correct predictions and s the samples.
  std::map<int, double> t, p;
  double c = 0;
  const double s = static_cast<double>(gold.size());
  for (size_t i = 0; i < gold.size(); ++i) {
    t[gold[i]] += 1;
    p[pred[i]] += 1;
    c += gold[i] == pred[i];
  }
  double pt = 0, pp = 0, tt = 0;
  for (const auto& [k, v] : p) {
    pp += v * v;
    auto it = t.find(k);
    if (it != t.end()) pt += v * it->second;
  }
  for (const auto& [k, v] : t) tt += v * v;
  const double denom = std::sqrt((s * s - pp) * (s * s - tt));
  return denom == 0 ? 0.0 : (c * s - pt) / denom;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  if (n < 2) return 0;
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx == 0 || syy == 0 ? 0.0 : sxy / std::sqrt(sxx * syy);
}

namespace {
// 1-based ranks, ties sharing their mean rank.
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double mean = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) r[order[k]] = mean;
    i = j + 1;
  }
  return r;
}

// A tag's prefix (B, I, E, S or O) and type.
std::pair<char, std::string> split_tag(const std::string& tag) {
  if (tag == "O") return {'O', ""};
  if (tag.size() >= 2 && tag[1] == '-' && std::string("BIES").find(tag[0]) != std::string::npos)
    return {tag[0], tag.substr(2)};
  return {'I', tag};
}

bool ends_chunk(char prev, char cur, const std::string& prev_type, const std::string& type) {
  if (prev == 'E' || prev == 'S') return true;
  if ((prev == 'B' || prev == 'I') && (cur == 'B' || cur == 'S' || cur == 'O')) return true;
  return prev != 'O' && prev_type != type;
}

bool starts_chunk(char prev, char cur, const std::string& prev_type, const std::string& type) {
  if (cur == 'B' || cur == 'S') return true;
  if ((prev == 'E' || prev == 'S' || prev == 'O') && (cur == 'I' || cur == 'E')) return true;
  return cur != 'O' && prev_type != type;
}
}  // namespace

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  return pearson(ranks(x), ranks(y));
}

std::vector<Chunk> chunks(const std::vector<std::string>& tags) {
  std::vector<Chunk> out;
  char prev = 'O';
  std::string prev_type;
  int begin = -1;
  for (int i = 0; i <= static_cast<int>(tags.size()); ++i) {
    auto [cur, type] = i < static_cast<int>(tags.size()) ? split_tag(tags[i])
                                                         : std::pair<char, std::string>{'O', ""};
    if (begin >= 0 && ends_chunk(prev, cur, prev_type, type)) {
      out.push_back({prev_type, begin, i});
      begin = -1;
    }
    if (starts_chunk(prev, cur, prev_type, type)) begin = i;
    prev = cur;
    prev_type = type;
  }
  return out;
}

EntityScores entity_f1(const std::vector<std::vector<std::string>>& gold,
                       const std::vector<std::vector<std::string>>& pred) {
  EntityScores s;
  for (size_t i = 0; i < gold.size(); ++i) {
    const std::vector<Chunk> g = chunks(gold[i]), p = chunks(pred[i]);
    s.gold += static_cast<long>(g.size());
    s.predicted += static_cast<long>(p.size());
    for (const Chunk& c : p) s.correct += std::find(g.begin(), g.end(), c) != g.end();
  }
  s.precision = s.predicted ? static_cast<double>(s.correct) / s.predicted : 0.0;
  s.recall = s.gold ? static_cast<double>(s.correct) / s.gold : 0.0;
  s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
  return s;
}

}  // namespace bertforge
