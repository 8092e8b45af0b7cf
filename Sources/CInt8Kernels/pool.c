/* A tiny persistent thread pool for splitting one kernel call over a few cores. Workers spin
 * briefly on a generation counter (layers follow each other within microseconds, and a futex
 * wake-up per layer would cost more than small layers take), then sleep on a condition. */
#include "int8kernels.h"
#include "pool_internal.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define I8K_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define I8K_RELAX() __asm__ __volatile__("yield")
#else
#define I8K_RELAX() ((void)0)
#endif

enum { SPIN_ROUNDS = 20000 };

struct i8k_pool {
    int threads;
    pthread_t *handles;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    _Atomic uint64_t generation;
    _Atomic int pending;
    _Atomic int stop;
    i8k_task_fn fn;
    void *ctx;
    int tasks;
};

typedef struct {
    i8k_pool *pool;
    int index;
} worker_arg;

static void run_chunk(i8k_pool *p, int index) {
    int begin = (int)((int64_t)p->tasks * index / p->threads);
    int end = (int)((int64_t)p->tasks * (index + 1) / p->threads);
    if (begin < end) p->fn(p->ctx, begin, end);
}

static void *worker_main(void *raw) {
    worker_arg arg = *(worker_arg *)raw;
    free(raw);
    i8k_pool *p = arg.pool;
    uint64_t seen = 0;
    for (;;) {
        uint64_t g = atomic_load_explicit(&p->generation, memory_order_acquire);
        for (int i = 0; g == seen && i < SPIN_ROUNDS; i++) {
            I8K_RELAX();
            g = atomic_load_explicit(&p->generation, memory_order_acquire);
        }
        if (g == seen) {
            pthread_mutex_lock(&p->mutex);
            while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen)
                pthread_cond_wait(&p->wake, &p->mutex);
            pthread_mutex_unlock(&p->mutex);
        }
        seen = g;
        if (atomic_load_explicit(&p->stop, memory_order_acquire)) return NULL;
        run_chunk(p, arg.index);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel);
    }
}

i8k_pool *i8k_pool_create(int threads) {
    if (threads < 1 || threads > 64) return NULL;
    i8k_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->threads = threads;
    pthread_mutex_init(&p->mutex, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->handles = calloc((size_t)threads, sizeof(pthread_t));
    if (!p->handles) {
        free(p);
        return NULL;
    }
    for (int i = 1; i < threads; i++) {
        worker_arg *arg = malloc(sizeof *arg);
        if (arg) *arg = (worker_arg){p, i};
        if (!arg || pthread_create(&p->handles[i], NULL, worker_main, arg) != 0) {
            free(arg);
            p->threads = i; /* run with the workers that did start */
            break;
        }
    }
    return p;
}

int i8k_pool_threads(const i8k_pool *pool) { return pool ? pool->threads : 1; }

static void publish(i8k_pool *p) {
    pthread_mutex_lock(&p->mutex);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_acq_rel);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mutex);
}

void i8k_pool_destroy(i8k_pool *p) {
    if (!p) return;
    atomic_store_explicit(&p->stop, 1, memory_order_release);
    publish(p);
    for (int i = 1; i < p->threads; i++) pthread_join(p->handles[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mutex);
    free(p->handles);
    free(p);
}

void i8k_parallel(i8k_pool *p, int tasks, i8k_task_fn fn, void *ctx) {
    if (tasks <= 0) return;
    if (!p || p->threads == 1 || tasks == 1) {
        fn(ctx, 0, tasks);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->tasks = tasks;
    atomic_store_explicit(&p->pending, p->threads - 1, memory_order_release);
    publish(p);
    run_chunk(p, 0);
    while (atomic_load_explicit(&p->pending, memory_order_acquire) != 0) I8K_RELAX();
}
