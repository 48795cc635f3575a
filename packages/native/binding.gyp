{
  "targets": [
    {
      "target_name": "seccomp_scopes_native",
      "sources": [
        "src/addon.cc",
        "src/seccomp.cc",
        "src/linux/proc.cc", "src/linux/owned-file.cc",
        "src/landlock/landlock-js.cc", "src/landlock/threads.cc", "src/landlock/setxid.cc", "src/landlock/unveil-state.cc",
        "src/supervise/supervise-js.cc", "src/supervise/supervisor.cc", "src/supervise/launcher.cc",
        "src/supervise/listener.cc", "src/supervise/loader-window.cc", "src/supervise/penalty.cc", "src/supervise/process-names.cc",
        "src/report/reporter-js.cc", "src/report/tables-view.cc", "src/report/format.cc", "src/report/sigsys-handler.cc",
        "src/ring-replay.cc",
        "src/process-state.cc",
        "src/learn.cc",
        "src/first-call.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"]
    },
    {
      "comment": "The `pledge` command's native launcher (src/launch/): runs a program from a policy cache entry without Node, else executes Node; build/Release/pledge-launch",
      "target_name": "pledge-launch",
      "type": "executable",
      "sources": [
        "src/launch/main.cc", "src/launch/policy-entry.cc", "src/launch/native-client.cc", "src/launch/bpf-run.cc",
        "src/supervise/supervisor.cc", "src/supervise/launcher.cc", "src/supervise/listener.cc", "src/supervise/loader-window.cc",
        "src/supervise/penalty.cc", "src/supervise/process-names.cc",
        "src/linux/proc.cc", "src/linux/owned-file.cc", "src/report/tables-view.cc", "src/report/format.cc"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
      "ldflags": ["-static-libstdc++", "-static-libgcc"]
    },
    {
      "comment": "The `pledge` command's LD_PRELOAD object (src/preload/preload.c): plain C, libc only; build/Release/pledge_preload.so",
      "target_name": "pledge_preload",
      "type": "shared_library",
      "product_prefix": "",
      "product_extension": "so",
      "sources": ["src/preload/preload.c"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-fvisibility=hidden"]
    }
  ]
}
