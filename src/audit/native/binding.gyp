{
  "targets": [{
    "target_name": "sha256_batch",
    "sources": ["sha256_batch.c"],
    "cflags": ["-O2", "-Wno-deprecated-declarations"],
    "ldflags": ["-Wl,-z,now"]
  }]
}
