/*
 * Checks a batch of hash-chained records in one native call: each record's last 32 bytes must
 * be the SHA-256 of the bytes before them. node:crypto's one-shot hash costs ~1.5 us per small
 * message on the machines we measured, nearly all of it per-call overhead; one call per batch
 * leaves only the hashing (OpenSSL's SHA256_*, which Node itself exports: no extra library).
 * Linked with -z now: if a Node build did not export those symbols, loading fails (and the
 * verifier falls back to node:crypto) instead of the first call aborting the process.
 */
#include <node_api.h>
#include <openssl/sha.h>
#include <string.h>

/* firstBad(records: Uint8Array[]) -> index of the first record shorter than 32 bytes or whose
   trailing 32 bytes differ from SHA-256 of the rest; -1 when all match. */
static napi_value first_bad(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  uint32_t n = 0;
  bool is_array = false;
  int32_t bad = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[0], &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "firstBad expects an array of Uint8Array");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value el;
    napi_typedarray_type type;
    size_t len = 0;
    void *data = NULL;
    bool is_ta = false;
    if (napi_get_element(env, argv[0], i, &el) != napi_ok || napi_is_typedarray(env, el, &is_ta) != napi_ok || !is_ta ||
        napi_get_typedarray_info(env, el, &type, &len, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
      napi_throw_type_error(env, NULL, "firstBad expects an array of Uint8Array");
      return NULL;
    }
    if (len < 32) { bad = (int32_t)i; break; }
    const unsigned char *b = (const unsigned char *)data;
    unsigned char d[32];
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, b, len - 32);
    SHA256_Final(d, &c);
    if (memcmp(d, b + len - 32, 32) != 0) { bad = (int32_t)i; break; }
  }
  napi_create_int32(env, bad, &result);
  return result;
}

/* firstBadIn(buf: Uint8Array, offs: Int32Array, count: number) -> the same over records located in
   one buffer: record i spans buf[offs[4i+1], offs[4i+2]) (the verifier's RecordBatch layout). */
static napi_value first_bad_in(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_value result;
  napi_typedarray_type t1, t2;
  size_t len = 0, olen = 0;
  void *data = NULL, *odata = NULL;
  bool ta1 = false, ta2 = false;
  int32_t count = 0, bad = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 ||
      napi_is_typedarray(env, argv[0], &ta1) != napi_ok || !ta1 || napi_is_typedarray(env, argv[1], &ta2) != napi_ok || !ta2 ||
      napi_get_typedarray_info(env, argv[0], &t1, &len, &data, NULL, NULL) != napi_ok || t1 != napi_uint8_array ||
      napi_get_typedarray_info(env, argv[1], &t2, &olen, &odata, NULL, NULL) != napi_ok || t2 != napi_int32_array ||
      napi_get_value_int32(env, argv[2], &count) != napi_ok || count < 0 || (size_t)count * 4 > olen) {
    napi_throw_type_error(env, NULL, "firstBadIn expects (Uint8Array, Int32Array, count)");
    return NULL;
  }
  const unsigned char *b = (const unsigned char *)data;
  const int32_t *o = (const int32_t *)odata;
  for (int32_t i = 0; i < count; i++) {
    int32_t s = o[4 * i + 1], e = o[4 * i + 2];
    if (s < 0 || e < s + 32 || (size_t)e > len) { bad = i; break; }
    unsigned char d[32];
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, b + s, (size_t)(e - 32 - s));
    SHA256_Final(d, &c);
    if (memcmp(d, b + e - 32, 32) != 0) { bad = i; break; }
  }
  napi_create_int32(env, bad, &result);
  return result;
}

/* seal(buf: Uint8Array, start: number, end: number) -> end + 32: writes SHA-256 of buf[start, end)
   into buf[end, end + 32) (the event codec's hash chain value, without node:crypto's per-call
   overhead and allocation). Returns -1 when the range or the 32 bytes after it do not fit. */
static napi_value seal(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_value result;
  int32_t s = 0, e = 0, out = -1;
  void *data = NULL;
  size_t len = 0;
  napi_typedarray_type t;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == 3 && napi_get_typedarray_info(env, argv[0], &t, &len, &data, NULL, NULL) == napi_ok &&
      t == napi_uint8_array && napi_get_value_int32(env, argv[1], &s) == napi_ok &&
      napi_get_value_int32(env, argv[2], &e) == napi_ok && s >= 0 && e >= s && (size_t)e + 32 <= len) {
    unsigned char *b = (unsigned char *)data;
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, b + s, (size_t)(e - s));
    SHA256_Final(b + e, &c);
    out = e + 32;
  }
  napi_create_int32(env, out, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "firstBad", NAPI_AUTO_LENGTH, first_bad, NULL, &f);
  napi_set_named_property(env, exports, "firstBad", f);
  napi_create_function(env, "firstBadIn", NAPI_AUTO_LENGTH, first_bad_in, NULL, &f);
  napi_set_named_property(env, exports, "firstBadIn", f);
  napi_create_function(env, "seal", NAPI_AUTO_LENGTH, seal, NULL, &f);
  napi_set_named_property(env, exports, "seal", f);
  return exports;
}
