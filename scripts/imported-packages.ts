/**
 * The packages a JavaScript or TypeScript module imports by name: static imports and
 * re-exports, side-effect imports, literal dynamic imports and requires. Relative paths and
 * URLs with a scheme (`node:`, `data:`) are not packages. Used by the manifest tests.
 */
export function importedPackages(code: string): Set<string> {
  const specifiers = [
    ...code.matchAll(/^\s*(?:import|export)\s[^;"'()]*?\sfrom\s*["']([^"']+)["']/gm),
    ...code.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
    ...code.matchAll(/\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]!);
  const names = new Set<string>();
  for (const s of specifiers) {
    if (s.startsWith(".") || s.startsWith("/") || s.includes(":")) continue;
    names.add(s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!);
  }
  return names;
}
