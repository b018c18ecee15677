import { PassThrough } from 'node:stream';
import { stringify } from 'csv-stringify';
import { exportMembers } from '../../src/audience/export.ts';
import type { Store } from '../../src/store/db.ts';

/** A list exported as `subscribers export` writes it, as a string. */
export async function exportCsv(store: Store, listId: number): Promise<string> {
  const chunks: string[] = [];
  await exportMembers(store, listId, undefined, (columns) => {
    const out = stringify({ header: true, columns });
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => chunks.push(c.toString()));
    out.pipe(sink);
    return out;
  });
  return chunks.join('');
}
