// Precompiled header for the torch half of bertforge (src/model, src/train).
#pragma once
#include <torch/torch.h>
