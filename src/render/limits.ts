/** Gmail clips messages whose HTML is larger than about 102 KB; we count 102,000 bytes to be safe. */
export const CLIP_LIMIT_BYTES = 102_000;
