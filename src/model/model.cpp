#include "model/model.h"

#include "model/bert.h"
#include "model/modernbert.h"

namespace bertforge {

ModelPtr make_model(const BertShape& shape) {
  if (shape.architecture == "modernbert") return std::make_shared<ModernBertForMaskedLMImpl>(shape);
  return std::make_shared<BertForPreTrainingImpl>(shape);
}

}  // namespace bertforge
