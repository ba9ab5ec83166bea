// Benchmark 9: c12's options for one YAML file and nothing else, shared by
// bench/peer.mjs, bench/peer_watch_child.mjs and
// bench/peer_start_child.mjs.

/**
 * c12 `loadConfig` / `watchConfig` options that read `configFile` in `cwd`
 * and no other source: no rc file (local or global), no `.env`, no
 * package.json key, no `extends` layers, no giget download, no
 * `$<envName>` layer.
 */
export function c12Options(cwd, configFile) {
  return {
    cwd,
    configFile,
    rcFile: false,
    globalRc: false,
    dotenv: false,
    packageJson: false,
    extend: false,
    giget: false,
    envName: false,
  };
}
