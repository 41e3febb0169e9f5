#!/usr/bin/env node
// Launcher for the `eddy` command: lets Node run the TypeScript CLI through tsx.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
