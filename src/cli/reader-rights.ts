import type { Command } from 'commander';
import { forgetReader } from '../audience/forget.ts';
import type { Config } from '../config.ts';
import { openStore } from '../store/db.ts';
import { requireAddress } from './output.ts';

/** `subscribers forget`: a reader's erasure request (`subscribers show` answers an access request). */
export function registerReaderRights(program: Command, config: () => Config): void {
  const subs = program.commands.find((c) => c.name() === 'subscribers');
  if (!subs) throw new Error('no subscribers command');
  subs
    .command('forget')
    .description(
      'erase a reader (an erasure request): address, name, lists, consents, reports; keep only a hashed suppression so they are never mailed again',
    )
    .argument('<email>')
    .action(async (email: string) => {
      const parsed = requireAddress(email);
      const store = await openStore(config());
      try {
        const s = await forgetReader(store.db, parsed.normalized);
        console.log(
          s.reader
            ? `${parsed.address} forgotten: ${s.memberships} membership(s), ${s.consents} consent(s), ${s.signups} signup(s) and ${s.reports} report(s) erased; ${s.tracked} tracked message(s) cut from them; ${s.deliveries} delivery(ies) and ${s.events} event(s) kept without a name; suppression ${s.suppression}`
            : `${parsed.address}: no reader with this address; ${s.signups} signup(s) erased; suppression ${s.suppression}`,
        );
      } finally {
        await store.close();
      }
    });
}
