#include "int8kernels.h"
const char *i8k_active_kernel_name(void) { return "scalar"; }
