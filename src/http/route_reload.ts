import { getLogger } from "@logtape/logtape";
import { POST_STATUS, textResponse } from "../http_common.ts";
import { json } from "./respond.ts";
import type { ReloadControl } from "./view.ts";

const log = getLogger(["hup-reload", "http"]);

/**
 * `POST <prefix>` (or `PUT`), once the handler has let it through: runs a
 * pass, or with `?dry_run=1` a dry run, and answers with its result and
 * the status code of {@linkcode POST_STATUS}. A `dry_run` it cannot read
 * gets 400 and runs nothing.
 *
 * @param request The request.
 * @param control What runs the pass.
 * @returns The response.
 */
export async function serveReload(
  request: Request,
  control: ReloadControl,
): Promise<Response> {
  const dryRun = readDryRun(request.url);
  if (dryRun === undefined) {
    return textResponse(
      400,
      "Bad Request: dry_run is given more than once, or is not one of 1, true, 0, false",
    );
  }
  log.info(
    dryRun ? "Dry run requested over HTTP" : "Reload requested over HTTP",
  );
  const result = await control.reload({ trigger: "http", dryRun });
  return json(result, POST_STATUS[result.status]);
}

// `?dry_run=1` (or `true`) asks for a dry run, `0`, `false` or none for a
// pass; anything else, or the parameter twice, is refused (undefined):
// a request that may have meant a dry run must not run a pass.
function readDryRun(url: string): boolean | undefined {
  let values: string[];
  try {
    values = new URL(url).searchParams.getAll("dry_run");
  } catch {
    return undefined;
  }
  if (values.length === 0) return false;
  if (values.length > 1) return undefined;
  const value = values[0].toLowerCase();
  return value === "1" || value === "true"
    ? true
    : value === "0" || value === "false"
    ? false
    : undefined;
}
