/**
 * `fn` remembering its last answer: what a campaign's messages share (sender, subject without merge
 * fields, list headers, the signing key, the date within a second) is worked out once, not once
 * per reader. One entry: the next different argument replaces it.
 */
export function remembered<K, V>(fn: (k: K) => V): (k: K) => V {
  let asked = false;
  let lastIn: K | undefined;
  let lastOut: V | undefined;
  return (k) => {
    if (!asked || k !== lastIn) {
      lastOut = fn(k);
      lastIn = k;
      asked = true;
    }
    return lastOut as V;
  };
}
