#!/usr/bin/env -S node --
// The hup-reload command of the npm package: `npx hup-reload --help`.
import process from "node:process";
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv.slice(2));
