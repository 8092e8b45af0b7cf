/* A small persistent thread pool for splitting one kernel call over a few cores.
 *
 * Work is cut into chunks that every participant, the caller included, claims from a shared
 * counter, so a worker that the OS has not scheduled (a loaded 2-core box) costs nothing: the
 * caller simply runs the remaining chunks itself. The counter carries a round number in its high
 * half so a late worker can never claim a chunk of a round it has not seen. Idle workers spin
 * briefly (layers follow each other within microseconds), then yield, then sleep. */
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

enum { SPIN_ROUNDS = 4000, YIELD_ROUNDS = 200, CHUNKS_PER_THREAD = 4 };

struct i8k_pool {
    int threads;
    pthread_t *handles;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    _Atomic uint64_t state; /* round << 32 | next chunk */
    _Atomic int finished;   /* chunks of the current round done */
    _Atomic int stop;
    /* parameters of the current round, written before its state is published */
    i8k_task_fn fn;
    void *ctx;
    int tasks;
    _Atomic int chunks; /* read racily by late workers, hence atomic */
};

/* Claims and runs chunks of `round` until none is left. */
static void participate(i8k_pool *p, uint64_t round) {
    for (;;) {
        uint64_t s = atomic_load_explicit(&p->state, memory_order_acquire);
        int chunks = atomic_load_explicit(&p->chunks, memory_order_relaxed);
        if (s >> 32 != round || (uint32_t)s >= (uint32_t)chunks) return;
        if (!atomic_compare_exchange_weak_explicit(&p->state, &s, s + 1, memory_order_acq_rel, memory_order_acquire))
            continue;
        int k = (int)(uint32_t)s;
        int begin = (int)((int64_t)p->tasks * k / chunks), end = (int)((int64_t)p->tasks * (k + 1) / chunks);
        if (begin < end) p->fn(p->ctx, begin, end);
        atomic_fetch_add_explicit(&p->finished, 1, memory_order_acq_rel);
    }
}

static void *worker_main(void *raw) {
    i8k_pool *p = raw;
    /* Round 0 is never published: a worker that starts late joins the current round at once
     * (and sees `stop` if the pool is already being destroyed). */
    uint64_t seen = 0;
    for (;;) {
        uint64_t round = atomic_load_explicit(&p->state, memory_order_acquire) >> 32;
        for (int i = 0; round == seen && i < SPIN_ROUNDS + YIELD_ROUNDS; i++) {
            if (i < SPIN_ROUNDS) I8K_RELAX();
            else sched_yield();
            round = atomic_load_explicit(&p->state, memory_order_acquire) >> 32;
        }
        if (round == seen) {
            pthread_mutex_lock(&p->mutex);
            while ((round = atomic_load_explicit(&p->state, memory_order_acquire) >> 32) == seen &&
                   !atomic_load_explicit(&p->stop, memory_order_acquire))
                pthread_cond_wait(&p->wake, &p->mutex);
            pthread_mutex_unlock(&p->mutex);
        }
        seen = round;
        if (atomic_load_explicit(&p->stop, memory_order_acquire)) return NULL;
        participate(p, round);
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
    for (int i = 1; i < threads; i++)
        if (pthread_create(&p->handles[i], NULL, worker_main, p) != 0) {
            p->threads = i; /* run with the workers that did start */
            break;
        }
    return p;
}

int i8k_pool_threads(const i8k_pool *pool) { return pool ? pool->threads : 1; }

/* Starts a new round (its parameters already written) and wakes sleeping workers. */
static uint64_t publish(i8k_pool *p) {
    pthread_mutex_lock(&p->mutex);
    uint64_t round = (atomic_load_explicit(&p->state, memory_order_relaxed) >> 32) + 1;
    atomic_store_explicit(&p->state, round << 32, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mutex);
    return round;
}

void i8k_pool_destroy(i8k_pool *p) {
    if (!p) return;
    atomic_store_explicit(&p->stop, 1, memory_order_release);
    atomic_store_explicit(&p->chunks, 0, memory_order_relaxed);
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
    /* Close the previous round before touching its parameters: a late worker that read them
     * still sees an index no count exceeds, and its claim fails because the state moved. */
    uint64_t previous = atomic_load_explicit(&p->state, memory_order_relaxed) >> 32;
    atomic_store_explicit(&p->state, previous << 32 | UINT32_MAX, memory_order_release);
    int chunks = p->threads * CHUNKS_PER_THREAD;
    p->fn = fn;
    p->ctx = ctx;
    p->tasks = tasks;
    atomic_store_explicit(&p->chunks, chunks < tasks ? chunks : tasks, memory_order_relaxed);
    atomic_store_explicit(&p->finished, 0, memory_order_relaxed);
    uint64_t round = publish(p);
    participate(p, round);
    /* Only chunks a worker has already claimed remain; wait for them. */
    for (int i = 0; atomic_load_explicit(&p->finished, memory_order_acquire) != atomic_load_explicit(&p->chunks, memory_order_relaxed); i++) {
        if (i < SPIN_ROUNDS) I8K_RELAX();
        else sched_yield();
    }
}
