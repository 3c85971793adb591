// VexFS batch distance kernels over simsimd's C library (runtime CPU dispatch: AVX-512,
// AVX2+FMA, NEON, SVE or serial). One N-API call computes one query against many rows of a
// contiguous Float32Array, so the per-call N-API cost is paid once per batch, not per pair.
//
//   batch(metric, query, matrix, rows | null, count, out)   metric: 0 = l2sq, 1 = cosine (1 - cos), 2 = ip (1 - dot)
//   distance(metric, a, b) -> number
//   capabilities() -> { isa: string, caps: number }
//
// Every argument is checked (types, lengths, row bounds): a bad call throws, it never reads
// or writes out of bounds.
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <simsimd/simsimd.h>

typedef void (*dense_f32_t)(simsimd_f32_t const *, simsimd_f32_t const *, simsimd_size_t, simsimd_distance_t *);

static dense_f32_t kernel_l2sq, kernel_cos, kernel_dot;
static simsimd_capability_t caps_found, cap_l2sq;

static napi_value fail(napi_env env, const char *msg) {
    napi_throw_type_error(env, "VEXFS_INVALID_ARGUMENT", msg);
    return NULL;
}

static int get_f32(napi_env env, napi_value v, float **data, size_t *len) {
    bool is;
    if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
    napi_typedarray_type t;
    void *p;
    if (napi_get_typedarray_info(env, v, &t, len, &p, NULL, NULL) != napi_ok || t != napi_float32_array) return 0;
    *data = (float *)p;
    return 1;
}

static int get_metric(napi_env env, napi_value v, dense_f32_t *k, int *m) {
    int32_t x;
    if (napi_get_value_int32(env, v, &x) != napi_ok || x < 0 || x > 2) return 0;
    *m = x;
    *k = x == 0 ? kernel_l2sq : x == 1 ? kernel_cos : kernel_dot;
    return 1;
}

static inline double finish(int metric, double d) { return metric == 2 ? 1.0 - d : d; }

static napi_value batch(napi_env env, napi_callback_info info) {
    size_t argc = 6;
    napi_value argv[6];
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc != 6) return fail(env, "batch(metric, query, matrix, rows|null, count, out) takes 6 arguments");
    dense_f32_t k; int metric;
    if (!get_metric(env, argv[0], &k, &metric)) return fail(env, "metric must be 0 (l2), 1 (cosine) or 2 (ip)");
    float *q, *m, *out; size_t dim, mlen, olen;
    if (!get_f32(env, argv[1], &q, &dim) || dim == 0) return fail(env, "query must be a non-empty Float32Array");
    if (!get_f32(env, argv[2], &m, &mlen)) return fail(env, "matrix must be a Float32Array");
    if (!get_f32(env, argv[5], &out, &olen)) return fail(env, "out must be a Float32Array");
    int64_t count;
    if (napi_get_value_int64(env, argv[4], &count) != napi_ok || count < 0) return fail(env, "count must be a non-negative integer");
    if ((size_t)count > olen) return fail(env, "out is shorter than count");
    size_t nrows = mlen / dim;
    napi_valuetype vt;
    napi_typeof(env, argv[3], &vt);
    simsimd_distance_t d;
    if (vt == napi_null || vt == napi_undefined) {
        if ((size_t)count > nrows) return fail(env, "count exceeds the rows of matrix");
        for (int64_t i = 0; i < count; i++) { k(q, m + (size_t)i * dim, dim, &d); out[i] = (float)finish(metric, d); }
        return NULL;
    }
    bool is; napi_typedarray_type t; size_t rlen; void *rp;
    if (napi_is_typedarray(env, argv[3], &is) != napi_ok || !is ||
        napi_get_typedarray_info(env, argv[3], &t, &rlen, &rp, NULL, NULL) != napi_ok || t != napi_int32_array)
        return fail(env, "rows must be an Int32Array or null");
    if ((size_t)count > rlen) return fail(env, "rows is shorter than count");
    const int32_t *rows = (const int32_t *)rp;
    for (int64_t i = 0; i < count; i++) if (rows[i] < 0 || (size_t)rows[i] >= nrows) return fail(env, "a row index is outside matrix");
    for (int64_t i = 0; i < count; i++) { k(q, m + (size_t)rows[i] * dim, dim, &d); out[i] = (float)finish(metric, d); }
    return NULL;
}

static napi_value distance(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    if (argc != 3) return fail(env, "distance(metric, a, b) takes 3 arguments");
    dense_f32_t k; int metric;
    if (!get_metric(env, argv[0], &k, &metric)) return fail(env, "metric must be 0 (l2), 1 (cosine) or 2 (ip)");
    float *a, *b; size_t na, nb;
    if (!get_f32(env, argv[1], &a, &na) || !get_f32(env, argv[2], &b, &nb)) return fail(env, "a and b must be Float32Arrays");
    if (na != nb) return fail(env, "a and b differ in length");
    simsimd_distance_t d = 0;
    if (na > 0) k(a, b, na, &d);
    napi_value r;
    napi_create_double(env, finish(metric, d), &r);
    return r;
}

static const char *isa_name(simsimd_capability_t c) {
    if (c & (simsimd_cap_skylake_k | simsimd_cap_ice_k | simsimd_cap_genoa_k | simsimd_cap_sapphire_k | simsimd_cap_turin_k)) return "avx512";
    if (c & (simsimd_cap_haswell_k | simsimd_cap_sierra_k)) return "avx2";
    if (c & (simsimd_cap_sve_k | simsimd_cap_sve2_k)) return "sve";
    if (c & simsimd_cap_neon_k) return "neon";
    return "scalar";
}

static napi_value capabilities(napi_env env, napi_callback_info info) {
    (void)info;
    napi_value o, isa, used, all;
    napi_create_object(env, &o);
    napi_create_string_utf8(env, isa_name(cap_l2sq), NAPI_AUTO_LENGTH, &isa);
    napi_create_string_utf8(env, isa_name(caps_found), NAPI_AUTO_LENGTH, &all);
    napi_create_uint32(env, (uint32_t)cap_l2sq, &used);
    napi_set_named_property(env, o, "isa", isa);
    napi_set_named_property(env, o, "cpu", all);
    napi_set_named_property(env, o, "kernelCaps", used);
    return o;
}

static dense_f32_t find(simsimd_metric_kind_t kind, simsimd_capability_t *used) {
    simsimd_kernel_punned_t p = NULL;
    simsimd_capability_t c = simsimd_cap_serial_k;
    simsimd_find_kernel_punned(kind, simsimd_datatype_f32_k, caps_found, simsimd_cap_any_k, &p, &c);
    if (used) *used = c;
    return (dense_f32_t)p;
}

static napi_value init(napi_env env, napi_value exports) {
    caps_found = simsimd_capabilities();
    kernel_l2sq = find(simsimd_metric_l2sq_k, &cap_l2sq);
    kernel_cos = find(simsimd_metric_cos_k, NULL);
    kernel_dot = find(simsimd_metric_dot_k, NULL);
    if (!kernel_l2sq || !kernel_cos || !kernel_dot) {
        napi_throw_error(env, NULL, "simsimd has no f32 kernel for this CPU");
        return NULL;
    }
    napi_property_descriptor props[] = {
        {"batch", NULL, batch, NULL, NULL, NULL, napi_default, NULL},
        {"distance", NULL, distance, NULL, NULL, NULL, napi_default, NULL},
        {"capabilities", NULL, capabilities, NULL, NULL, NULL, napi_default, NULL},
    };
    napi_define_properties(env, exports, 3, props);
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
