// Validation metrics of fine-tuning, as the usual libraries define them. Torch-free.
//   accuracy   share of exact matches
//   macro_f1   unweighted mean of the per-class F1 over the classes that occur in the gold or the
//              predicted labels (scikit-learn's f1_score(average="macro"))
//   mcc        Matthews correlation, multiclass (Gorodkin's R_K, scikit-learn's
//              matthews_corrcoef); 0 when undefined
//   pearson    Pearson's r; 0 when a side is constant
//   spearman   Pearson's r of the ranks (ties take their mean rank)
//   entity f1  micro F1 over exact (type, start, end) chunks of BIO/IOBES tags, read like
//              conlleval and seqeval's default mode (an I- after O or after another type starts a
//              chunk); a tag without a B-/I-/E-/S- prefix is its own type, as I-
#pragma once

#include <string>
#include <vector>

namespace bertforge {

double accuracy(const std::vector<int>& gold, const std::vector<int>& pred);
double macro_f1(const std::vector<int>& gold, const std::vector<int>& pred);
double mcc(const std::vector<int>& gold, const std::vector<int>& pred);
double pearson(const std::vector<double>& x, const std::vector<double>& y);
double spearman(const std::vector<double>& x, const std::vector<double>& y);

// A chunk of a tag sequence: its type and the words [begin, end).
struct Chunk {
  std::string type;
  int begin = 0, end = 0;
  bool operator==(const Chunk& o) const {
    return type == o.type && begin == o.begin && end == o.end;
  }
};
std::vector<Chunk> chunks(const std::vector<std::string>& tags);

struct EntityScores {
  double precision = 0, recall = 0, f1 = 0;
  long gold = 0, predicted = 0, correct = 0;
};
// Over all sentences (gold[i] and pred[i] the tags of sentence i, of equal length).
EntityScores entity_f1(const std::vector<std::vector<std::string>>& gold,
                       const std::vector<std::vector<std::string>>& pred);

}  // namespace bertforge
