import { buildGuest } from "../build/build-guest.ts";
import { exportNames } from "./wasm-binary.ts";
for (const g of ["guests/uppercase-map/guest.as.ts", "guests/keyed-running-sum/guest.as.ts", "guests/uppercase-map/guest.c"]) {
  const b = await buildGuest({ source: `operators-wasm/${g}` });
  console.log(g, exportNames(b.core));
}
