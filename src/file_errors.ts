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
    default:
      return `cannot be read (${
        typeof code === "string" ? code : "unknown error"
      })`;
  }
}
