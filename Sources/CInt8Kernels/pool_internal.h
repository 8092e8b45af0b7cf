#pragma once
#include "int8kernels.h"
/** fn(ctx, begin, end) over [0, tasks) split into one contiguous chunk per pool thread. */
typedef void (*i8k_task_fn)(void *ctx, int begin, int end);
void i8k_parallel(i8k_pool *pool, int tasks, i8k_task_fn fn, void *ctx);
