/**
 * The worlds of `eddy:operator@0.1.0` (wit/operator.wit) as data: what each exports and
 * may import, and the core-wasm names the canonical ABI gives its functions.
 */

/** Version of the WIT package this host speaks. */
export const WIT_PACKAGE = "eddy:operator";
export const WIT_VERSION = "0.1.0";

/** Shape of a lowered export: `(list<u8>) -> list<u8>` or `(u32) -> list<u8>`. */
export type ExportSignature = "bytes->bytes" | "u32->bytes";

export interface WorldFunction {
  /** WIT function name, e.g. `process-batch`. */
  readonly name: string;
  readonly signature: ExportSignature;
}

export interface WorldSpec {
  /** WIT world name, e.g. `map-operator`. */
  readonly world: string;
  /** The one interface the world exports, e.g. `map`. */
  readonly exportInterface: string;
  readonly functions: readonly WorldFunction[];
  /** Interfaces of `eddy:operator` the world imports (everything else is refused). */
  readonly imports: readonly string[];
}

const bytes = (name: string): WorldFunction => ({ name, signature: "bytes->bytes" });

/** The worlds of the package, one per operator kind. */
export type WorldName =
  | "map-operator"
  | "filter-operator"
  | "flat-map-operator"
  | "key-selector-operator"
  | "timestamp-extractor-operator"
  | "keyed-process-operator"
  | "window-aggregate-operator";

/** All worlds, keyed by world name. */
export const WORLDS: Readonly<Record<WorldName, WorldSpec>> = {
  "map-operator": { world: "map-operator", exportInterface: "map", functions: [bytes("process-batch")], imports: [] },
  "filter-operator": { world: "filter-operator", exportInterface: "filter", functions: [bytes("process-batch")], imports: [] },
  "flat-map-operator": { world: "flat-map-operator", exportInterface: "flat-map", functions: [bytes("process-batch")], imports: [] },
  "key-selector-operator": { world: "key-selector-operator", exportInterface: "key-selector", functions: [bytes("select-keys")], imports: [] },
  "timestamp-extractor-operator": {
    world: "timestamp-extractor-operator", exportInterface: "timestamp-extractor",
    functions: [bytes("extract-timestamps")], imports: [],
  },
  "keyed-process-operator": {
    world: "keyed-process-operator", exportInterface: "keyed-process",
    functions: [bytes("process-batch"), bytes("on-timers")], imports: ["keyed-state", "timer-service"],
  },
  "window-aggregate-operator": {
    world: "window-aggregate-operator", exportInterface: "window-aggregate",
    functions: [{ name: "create-accumulators", signature: "u32->bytes" }, bytes("add"), bytes("merge"), bytes("get-results")],
    imports: [],
  },
};

/** `eddy:operator/map@0.1.0` */
export function qualifiedInterface(iface: string): string {
  return `${WIT_PACKAGE}/${iface}@${WIT_VERSION}`;
}

/** Core export name the canonical ABI uses: `eddy:operator/map@0.1.0#process-batch`. */
export function coreExportName(spec: WorldSpec, fn: string): string {
  return `${qualifiedInterface(spec.exportInterface)}#${fn}`;
}

/**
 * Identifier-safe alias used by guests whose compiler cannot spell `:`, `/`, `@`, `#`
 * in export names (AssemblyScript): `eddy_map_process_batch`. The build renames it.
 */
export function aliasExportName(spec: WorldSpec, fn: string): string {
  return `eddy_${spec.exportInterface}_${fn}`.replaceAll("-", "_");
}

export function isWorldName(name: string): name is WorldName {
  return Object.hasOwn(WORLDS, name);
}

/** The world whose export interface is `iface` (unqualified), if any. */
export function worldByExport(iface: string): WorldSpec | undefined {
  return Object.values(WORLDS).find((w) => w.exportInterface === iface);
}
