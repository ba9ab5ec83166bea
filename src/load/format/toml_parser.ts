import type * as SmolToml from "smol-toml";
import { type LazyModule, lazyModule } from "./lazy.ts";

// smol-toml, imported when a TOML file is first loaded.
export const smolToml: LazyModule<typeof SmolToml> = lazyModule(
  "TOML",
  () => import("smol-toml"),
);
