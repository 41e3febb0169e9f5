// @eddy-world map-operator
// Uppercases ASCII letters of each record's value: the JavaScript (QuickJS) twin.
import { readBatch, writeBatch } from "../../sdk/js/batch.js";

export const map = {
  processBatch(batch) {
    return writeBatch(
      readBatch(batch).map((r) => {
        const v = new Uint8Array(r.value.length);
        for (let i = 0; i < v.length; i++) {
          const c = r.value[i];
          v[i] = c >= 97 && c <= 122 ? c - 32 : c;
        }
        return { key: r.key, timestamp: r.timestamp, value: v };
      }),
    );
  },
};
