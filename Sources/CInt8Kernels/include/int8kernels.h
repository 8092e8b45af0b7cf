#pragma once
#include <stdint.h>
/* int8 kernels with runtime CPU dispatch; filled in by the recognition engine. */
const char *i8k_active_kernel_name(void);
