import { runtime } from "./runtime/mod.ts";

/**
 * Reads a whole regular file of at most `maxBytes` bytes, opening it once
 * without blocking and checking the open file (never the path), so a path
 * swapped to a pipe or device cannot block or feed the read without end.
 *
 * @param path The file's path.
 * @param maxBytes The largest file read.
 * @returns The bytes.
 * @throws {Error} With `code` `ENOTREG` (not a regular file), `EISDIR` or
 *   `EFBIG` (larger than `maxBytes`), or as the runtime failed to open it:
 *   {@linkcode describeFileError} says which in words.
 */
export async function readSmallFile(
  path: string,
  maxBytes: number,
): Promise<Uint8Array> {
  const { before, bytes } = await runtime().readRegularFile(path, maxBytes);
  const fail = (code: string) => {
    throw Object.assign(new Error(`Cannot read the file: ${code}`), { code });
  };
  if (before.kind === "directory") fail("EISDIR");
  if (before.kind !== "file") fail("ENOTREG");
  if (bytes === undefined || bytes.length > maxBytes) fail("EFBIG");
  return bytes!;
}

/**
 * Says why a file could not be opened or read, from the error a runtime
 * gave (a Node.js `code` or a Deno error `name`), in words that follow "the
 * file": "does not exist", "is a directory", ... Never the path: callers
 * add it where they name the file.
 *
 * @param error What reading threw.
 * @returns The reason.
 */
export function describeFileError(error: unknown): string {
  let code: unknown;
  try {
    const e = error as { code?: unknown; name?: unknown } | null;
    code = e?.code ?? e?.name;
  } catch {
    code = undefined;
  }
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
    case "NotFound":
      return "does not exist";
    case "EISDIR":
    case "IsADirectory":
      return "is a directory";
    case "EACCES":
    case "EPERM":
    case "PermissionDenied":
      return "cannot be read (permission denied)";
    case "NotCapable":
      return "cannot be read (with Deno, allow it with --allow-read)";
    case "ELOOP":
    case "FilesystemLoop":
      return "is a symbolic link loop";
    case "ENOTREG":
      return "is not a regular file (a device, pipe or socket)";
    case "EFBIG":
      return "is too large";
    default:
      return `cannot be read (${
        typeof code === "string" ? code : "unknown error"
      })`;
  }
}
