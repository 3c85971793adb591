{
  "variables": {
    "openssl_fips": "",
    "simsimd_dir": "<!(node -p \"require('path').relative(process.cwd(), require('path').resolve(require.resolve('simsimd'), '../../../..'))\")"
  },
  "targets": [
    {
      "target_name": "vexfs_simd",
      "sources": ["vexfs_simd.c", "<(simsimd_dir)/c/lib.c"],
      "include_dirs": ["<(simsimd_dir)/include"],
      "defines": ["SIMSIMD_NATIVE_F16=0", "SIMSIMD_NATIVE_BF16=0", "SIMSIMD_DYNAMIC_DISPATCH=1", "NAPI_VERSION=8"],
      "cflags": ["-std=c11", "-O3", "-ffast-math", "-Wno-unknown-pragmas", "-Wno-maybe-uninitialized", "-Wno-cast-function-type", "-Wno-switch"]
    }
  ]
}
