// @eddy-world map-operator
// Uppercases ASCII letters of each record's value: the C twin of guest.as.ts.
#define EDDY_OPERATOR_IMPLEMENTATION
#include "eddy_operator.h"

EDDY_EXPORT("eddy:operator/map@0.1.0#process-batch")
uint8_t *process_batch(uint8_t *ptr, uint32_t len) {
  eddy_batch_reader in = eddy_batch_begin(ptr, len);
  eddy_output out;
  eddy_output_begin(&out, len + 64);
  eddy_record r;
  while (eddy_batch_next(&in, &r)) {
    uint8_t *dst = eddy_emit_space(&out, r.key, r.key_len, r.timestamp, r.value_len);
    for (uint32_t i = 0; i < r.value_len; i++) {
      uint8_t c = r.value[i];
      dst[i] = (uint8_t)(c - 'a') < 26 ? c - 32 : c;
    }
  }
  return eddy_finish(&out);
}

EDDY_POST_RETURN("cabi_post_eddy:operator/map@0.1.0#process-batch", process_batch_post)
