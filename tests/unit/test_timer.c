/* The timer heap (src/io/timer.c): order, moves, cancels, callbacks that
 * arm and cancel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "io/timer.h"

struct rec {
    struct tmr t;
    int id;
};

static int fired[1024];
static int nfired;
static uint64_t fired_at[1024];

static void on_fire(struct tmr *t, uint64_t now)
{
    struct rec *r = (struct rec *)t;
    fired_at[nfired] = t->at;
    fired[nfired++] = r->id;
    (void)now;
}

static void fires_in_deadline_order(void **state)
{
    (void)state;
    struct tmr_heap h;
    struct rec r[5];
    uint64_t at[5] = { 50, 10, 40, 20, 30 };
    assert_int_equal(tmr_heap_init(&h, 5), 0);
    nfired = 0;
    for (int i = 0; i < 5; i++) {
        tmr_init(&r[i].t, on_fire);
        r[i].id = i;
        tmr_arm(&h, &r[i].t, at[i]);
    }
    assert_int_equal(tmr_next(&h), 10);
    assert_int_equal(tmr_run(&h, 25), 2);
    assert_int_equal(fired[0], 1);
    assert_int_equal(fired[1], 3);
    assert_false(tmr_armed(&r[1].t));
    assert_true(tmr_armed(&r[0].t));
    assert_int_equal(tmr_next(&h), 30);
    assert_int_equal(tmr_run(&h, 1000), 3);
    assert_int_equal(fired[2], 4);
    assert_int_equal(fired[3], 2);
    assert_int_equal(fired[4], 0);
    assert_int_equal(tmr_next(&h), UINT64_MAX);
    tmr_heap_free(&h);
}

static void cancel_and_move_keep_the_order(void **state)
{
    (void)state;
    struct tmr_heap h;
    struct rec r[4];
    assert_int_equal(tmr_heap_init(&h, 4), 0);
    nfired = 0;
    for (int i = 0; i < 4; i++) {
        tmr_init(&r[i].t, on_fire);
        r[i].id = i;
        tmr_arm(&h, &r[i].t, (uint64_t)(i + 1) * 10);
    }
    tmr_cancel(&h, &r[0].t);   /* the root */
    tmr_cancel(&h, &r[0].t);   /* twice is harmless */
    tmr_arm(&h, &r[3].t, 5);   /* moved earlier */
    tmr_arm(&h, &r[1].t, 100); /* moved later */
    assert_int_equal(tmr_run(&h, 1000), 3);
    assert_int_equal(fired[0], 3);
    assert_int_equal(fired[1], 2);
    assert_int_equal(fired[2], 1);
    tmr_heap_free(&h);
}

/* Random arms, moves and cancels against a plain array: whatever fires,
 * fires in order and exactly when due. */
static void random_operations_match_a_model(void **state)
{
    (void)state;
    enum { N = 200 };
    struct tmr_heap h;
    struct rec r[N];
    uint64_t model[N]; /* 0 = not armed */
    assert_int_equal(tmr_heap_init(&h, N), 0);
    srand(7);
    for (int i = 0; i < N; i++) {
        tmr_init(&r[i].t, on_fire);
        r[i].id = i;
        model[i] = 0;
    }
    uint64_t now = 0;
    for (int step = 0; step < 20000; step++) {
        int i = rand() % N;
        int what = rand() % 4;
        if (what < 2) {
            uint64_t at = now + 1 + (uint64_t)(rand() % 1000);
            tmr_arm(&h, &r[i].t, at);
            model[i] = at;
        } else if (what == 2) {
            tmr_cancel(&h, &r[i].t);
            model[i] = 0;
        } else {
            now += (uint64_t)(rand() % 50);
            nfired = 0;
            tmr_run(&h, now);
            for (int k = 0; k < nfired; k++) {
                assert_true(model[fired[k]] != 0 && model[fired[k]] <= now);
                assert_int_equal(fired_at[k], model[fired[k]]);
                if (k > 0)
                    assert_true(fired_at[k - 1] <= fired_at[k]);
                model[fired[k]] = 0;
            }
            uint64_t min = UINT64_MAX;
            for (int k = 0; k < N; k++) {
                assert_true(model[k] == 0 || model[k] > now);
                if (model[k] && model[k] < min)
                    min = model[k];
            }
            assert_int_equal(tmr_next(&h), min);
        }
    }
    tmr_heap_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fires_in_deadline_order),
        cmocka_unit_test(cancel_and_move_keep_the_order),
        cmocka_unit_test(random_operations_match_a_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
