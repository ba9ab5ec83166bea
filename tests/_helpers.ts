// Shared test helpers: temp config files, a fake signal source, deferreds.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SignalSource } from "hup-reload";

/** A temp directory with one config file in it. */
export interface TempConfig {
  dir: string;
  path: string;
  write(text: string | Uint8Array): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function tempConfig(
  text: string | Uint8Array = "",
): Promise<TempConfig> {
  const dir = await mkdtemp(join(tmpdir(), "hup-reload-test-"));
  const path = join(dir, "config.yaml");
  const write = (t: string | Uint8Array) => writeFile(path, t);
  await write(text);
  return {
    dir,
    path,
    write,
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A signal source whose SIGHUP is fired by hand. */
export interface FakeSignals extends SignalSource {
  readonly count: number;
  fire(): void;
}

export function fakeSignals(): FakeSignals {
  const listeners = new Set<() => void>();
  return {
    get count() {
      return listeners.size;
    },
    fire() {
      for (const listener of [...listeners]) listener();
    },
    addSignalListener(_signal, listener) {
      listeners.add(listener);
    },
    removeSignalListener(_signal, listener) {
      listeners.delete(listener);
    },
  };
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (no timers involved). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** An env lookup backed by a plain object. */
export function envOf(
  vars: Record<string, string>,
): (name: string) => string | undefined {
  return (name) => Object.hasOwn(vars, name) ? vars[name] : undefined;
}
