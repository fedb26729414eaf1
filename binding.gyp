{
  "targets": [
    {
      "target_name": "sip_tls",
      "sources": ["<!@(node -p \"require('fs').readdirSync('native').filter(f => f.endsWith('.cc')).map(f => 'native/' + f).join(' ')\")"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags": ["-Wall", "-Wextra", "-fvisibility=hidden"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "conditions": [
        ["node_shared_openssl==\"true\"", { "libraries": ["-lssl", "-lcrypto"] }]
      ]
    },
    {
      "target_name": "sip_tls_loadgen",
      "sources": ["<!@(node -p \"require('fs').readdirSync('bench/native').filter(f => f.endsWith('.cc')).map(f => 'bench/native/' + f).join(' ')\")", "native/socket_batch.cc", "native/io_uring_ring.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags": ["-Wall", "-Wextra", "-fvisibility=hidden"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "conditions": [
        ["node_shared_openssl==\"true\"", { "libraries": ["-lssl", "-lcrypto"] }]
      ]
    }
  ]
}
