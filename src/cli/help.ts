// The --help texts. Kept short enough for a terminal; docs/cli.md has the rest.

const EXIT_CODES = `Exit codes:
  0   success: the file loads (check), the pass ended full_success, a dry
      run would apply (would_apply)
  1   check: the file does not load
  10  partial_applied: the new config is in effect, a hook failed to apply it
  11  validation_failed: a hook's check refused the file; nothing changed
  12  load_failed: the file did not load; nothing changed
  64  bad command line; a token over http: to a host not loopback (--insecure)
  66  a file or variable an option names cannot be read or used, or a token
      FIFO was not written within --timeout
  69  the service cannot be reached (down, refused, reset)
  70  an internal error
  75  no answer within --timeout (a pass may still be running)
  76  the answer is not from the reload handler (wrong --url, a proxy), or
      its HTTP status does not go with its result (see reload --help); a
      dry run asked of a service that does not know dry runs
  77  the service refused the request (HTTP 401, 403, 421)
`;

/** `hup-reload --help`. */
export const MAIN_HELP: string = `Usage: hup-reload <command> [options]

Check a service's config file, or reload the running service and wait for
the verdict.

Commands:
  check <file>...   Load the file (or layers) as a reload would; exit 1 if not
  reload --url URL  Run a reload pass over HTTP and report its result
                    (--url more than once, or --targets FILE: many services)
  status --url URL  Report the generation and the last pass's result

Options:
  -h, --help        Show this help (hup-reload <command> --help for a command's)
  --version         Show the version

${EXIT_CODES}`;

/** `hup-reload check --help`. */
export const CHECK_HELP: string =
  `Usage: hup-reload check <file>... [--schema MODULE#EXPORT] [--format FORMAT]
                           [--env-file FILE]...

Load the config file exactly as a reload pass would: read it, parse it
(YAML, JSON or TOML), expand \${VARIABLES} and \${file:SECRET} in its
strings, and validate it with the schema. Several files are layers, base
first: later ones override earlier ones, mapping by mapping. Prints
"<file>: OK (sha256:...)" when it loads, or the load error (file, line,
column, field; never a value from the file) on stderr and exits 1.

Options:
  --schema MODULE#EXPORT  Validate with the Standard Schema (zod, valibot,
                          arktype, ...) exported as EXPORT (default: default)
                          by MODULE, a path or a URL; the last # separates them
  --format FORMAT         yaml, json or toml, for every file (default: by
                          each file's name: .json is JSON, .toml TOML,
                          anything else YAML)
  --env-file FILE         Take variables from FILE (NAME=value lines, as
                          systemd's EnvironmentFile=) before the environment;
                          may be given more than once, later files win
  -h, --help              Show this help

Exit codes: 0 loads, 1 does not load, 64 bad command line, 66 the env file or
schema module cannot be read or used.
`;

// What reload and status say alike of many services.
const FLEET =
  `Many services (a fleet): give --url more than once, or --targets FILE.
Each is asked as one would be, --parallel at a time, with the one token;
each gets one line (URL, outcome, generation, digest, drift, time; the
error when there is no verdict) and a summary follows. The exit code is
the worst one: the largest of theirs (0 < 10 < 11 < 12 < 69 < 75 < 76 <
77: no verdict outranks any verdict). With a token, one target over http:
to a host that is not loopback refuses them all (64), before any is asked.

Fleet options:
  --url URL           Once per service (at most 1000 targets in all)
  --targets FILE      Read the services from FILE (at most 1 MiB): one URL
                      a line (# starts a comment line), or Prometheus'
                      file_sd JSON, [{"targets": ["host:port"], "labels":
                      {...}}], each made scheme://host:port/path with the
                      group's __scheme__ and __hup_reload_path__ labels
  --scheme SCHEME     For file_sd targets without __scheme__ (default: http)
  --path PATH         For file_sd targets without __hup_reload_path__
                      (default: /-/reload)
  --parallel N        Ask at most N services at once, 1 to 64 (default: 8)
`;

/** `hup-reload reload --help`. */
export const RELOAD_HELP: string =
  `Usage: hup-reload reload --url URL [--token-file FILE | --token-env NAME]
                         [--timeout SECONDS] [--json] [--insecure] [--dry-run]
       hup-reload reload (--url URL... | --targets FILE) [--parallel N]
                         [--rolling [--batch N]] [options above]

POST to the service's reload handler, which runs one reload pass and answers
when it ends; print the result and exit with its status. For systemd's
ExecReload=: systemctl reload then waits for the verdict and fails when the
reload fails. The exit code agrees with the HTTP status: 200 full_success 0,
500 partial_applied 10, 422 validation_failed 11 or load_failed 12; a result
under any other status (full_success with 500, say) exits 76.

With --dry-run, the service loads and checks the file against the running
config but applies nothing: it prints what would change and what would need
a restart, and exits 0 when a reload would apply it (200 would_apply), 11 or
12 when a reload would fail as above. A service too old to know dry runs is
refused (76) before anything is asked of it.

Options:
  --url URL           The handler's address, e.g. http://127.0.0.1:9090/-/reload
  --token-file FILE   Send the bearer token held in FILE (one final newline
                      is dropped; a FIFO is read within --timeout; a file
                      others can read gets a warning: chmod 600 it)
  --token-env NAME    Send the bearer token held in the variable NAME
                      (without either: HUP_RELOAD_TOKEN, when set; the token
                      is never taken from the command line, where ps shows it)
  --timeout SECONDS   Give up after SECONDS (default: 60), reading the token
                      file, then waiting for the answer
  --json              Print the result as JSON
  --insecure          Send the token over plain http: to a host that is not
                      loopback (localhost, 127.0.0.0/8, [::1]); refused
                      otherwise. It turns off no certificate check
  --dry-run           Load and check only, against the running config:
                      apply nothing, change nothing
  -h, --help          Show this help

${FLEET}  --rolling           One service at a time, in order; stop after the
                      first that does not end full_success (would_apply
                      for --dry-run): the rest are not asked (a canary)
  --batch N           With --rolling: N at a time (default: 1)

--timeout bounds each service's exchange. --json prints one document:
{"targets": [...], "summary": {...}}.

${EXIT_CODES}`;

/** `hup-reload status --help`. */
export const STATUS_HELP: string =
  `Usage: hup-reload status --url URL [--token-file FILE | --token-env NAME]
                         [--timeout SECONDS] [--json] [--insecure]
       hup-reload status (--url URL... | --targets FILE) [--parallel N]
                         [--wait-digest D | --wait-converged]
                         [--interval SECONDS] [options above]

GET the service's reload status: the generation in effect, the config's
digest, the pass in progress (if one has not ended yet), the drift (while
the config's sources differ from the config in effect) and the last
pass's result. Exits as reload would have for the last pass (0 before
the first one), and 12 while drifting, so a monitoring check fails while
the last reload has failed or the service runs a config that is not its
source's.

Options:
  --url URL           The handler's address, e.g. http://127.0.0.1:9090/-/reload
  --token-file FILE   Send the bearer token held in FILE (needed when the
                      service protects its reads; read as reload does)
  --token-env NAME    Send the bearer token held in the variable NAME
                      (without either: HUP_RELOAD_TOKEN, when set)
  --timeout SECONDS   Give up after SECONDS (default: 10), reading the token
                      file, then waiting for the answer
  --json              Print the status as JSON
  --insecure          Send the token over plain http: to a host that is not
                      loopback; refused otherwise
  -h, --help          Show this help

${FLEET}  --wait-digest D     Read again every --interval until every service
                      serves config D (sha256:...); 75 at --timeout
  --wait-converged    Read again until all serve one digest and none
                      drifts; 75 at --timeout
  --interval SECONDS  How often to read again, 0.05 to 60 (default: 1)

--timeout bounds each read, and with --wait-... the whole wait (default:
60). --json prints one document: {"targets": [...], "summary": {...}}.

${EXIT_CODES}`;
