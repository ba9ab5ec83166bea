import { lstat, readlink } from "node:fs/promises";
import { dirname, isAbsolute, join, parse, sep } from "node:path";

// As many links as Linux follows in one path (MAXSYMLINKS) before ELOOP.
const MAX_LINKS = 40;

/** Where a path leads, and which directories decide it. */
export interface LinkChain {
  /**
   * The real directories that hold a name the path goes through: the one
   * holding each symlink of the chain (at any level, and of each link's own
   * target), and the one holding the final file. When the path does not
   * lead anywhere yet, the deepest directory that exists on the way, so the
   * creation of the next name raises an event.
   */
  readonly dirs: ReadonlySet<string>;
  /** The real path of the final file, or `null` when nothing is there. */
  readonly target: string | null;
}

/**
 * Follows `path` one name at a time, as the kernel does, and records every
 * directory in which renaming, replacing or retargeting a name would change
 * where the path leads: `ln -sfn releases/v2 current` on the way to
 * `current/config.yaml` is in the directory holding `current`, not in
 * either release.
 *
 * @param path An absolute path.
 * @returns The directories and the final file.
 */
export async function linkChain(path: string): Promise<LinkChain> {
  const dirs = new Set<string>();
  const root = parse(path).root || sep;
  let current = root;
  let pending = names(path);
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === ".") continue;
    if (name === "..") {
      // The directory is real, so its parent is the one `..` leads to.
      current = dirname(current);
      continue;
    }
    const next = join(current, name);
    let link = false;
    let directory = false;
    try {
      const info = await lstat(next);
      link = info.isSymbolicLink();
      directory = info.isDirectory();
    } catch {
      // Missing (or unreadable): wait for it where it would appear.
      dirs.add(current);
      return { dirs, target: null };
    }
    if (link) {
      dirs.add(current);
      if (++links > MAX_LINKS) return { dirs, target: null };
      let to: string;
      try {
        to = await readlink(next);
      } catch {
        // Replaced between the two calls: the next look follows it.
        return { dirs, target: null };
      }
      if (isAbsolute(to)) current = parse(to).root || sep;
      pending = [...names(to), ...pending];
      continue;
    }
    if (pending.length === 0) {
      // Not its parent: a directory replaced by another is an event of the
      // directory's own watch (its move or removal) on every runtime, while
      // a parent such as /tmp or /etc is busy with unrelated events.
      dirs.add(current);
      return { dirs, target: next };
    }
    if (!directory) {
      dirs.add(current);
      return { dirs, target: null };
    }
    current = next;
  }
  // The path names a directory (or the root): nothing to read there.
  dirs.add(current === root ? root : dirname(current));
  return { dirs, target: null };
}

// The names of a path, without its root (a drive letter on Windows).
function names(path: string): string[] {
  const parts = sep === "/" ? path.split("/") : path.split(/[\\/]/);
  return parts.filter((name, i) =>
    name !== "" && !(i === 0 && /^[A-Za-z]:$/.test(name))
  );
}
