import fs from 'node:fs';
import path from 'node:path';
import { importCsv } from '../audience/import.ts';
import type { Config } from '../config.ts';
import { listIssueFiles } from '../content/load.ts';
import { startRuntime } from '../runtime/services.ts';
import { createList, findList } from '../store/audience.ts';
import { followCampaign, queueCampaign } from './send-run.ts';

const FIRST = [
  'Aigerim',
  'Nursultan',
  'Claire',
  'Dana',
  'Arman',
  'Léa',
  'Timur',
  'Zhanna',
  'Marc',
  'Saule',
  'Yerlan',
  'Inès',
];
const LAST = [
  'Nurlanovna',
  'Abenov',
  'Dubois',
  'Sadykova',
  'Zhaksylykov',
  'Martin',
  'Ospanov',
  'Peeters',
  'Iskakova',
  'Janssens',
];
const CITIES = ['Almaty', 'Astana', 'Bruxelles', 'Chymkent', 'Liège', 'Karaganda'];

/**
 * `numero demo`: the whole job on embedded defaults. A private redis-server, the SMTP capture writing
 * .eml files, SQLite; a list of demo readers; the latest issue sent through a worker in this process.
 */
export async function runDemo(cfg: Config, readers: number): Promise<void> {
  if (!Number.isInteger(readers) || readers < 1) throw new Error('--readers: expected a positive integer');
  const started = Date.now();
  fs.mkdirSync(cfg.dataDir, { recursive: true });
  const rt = await startRuntime(cfg, {
    logName: 'numero-demo',
    logLevel: cfg.logLevel === 'info' ? 'warn' : cfg.logLevel,
    demoSecret: true,
  });
  const { store, redis, smtp, worker } = rt;
  try {
    console.log(
      `numero demo: database ${store.description}; queue on ${redis.description}; mail to ${smtp.description}`,
    );
    if (!(await findList(store.db, 'demo'))) await createList(store.db, 'demo', 'fr');
    const csv = path.join(cfg.dataDir, 'demo-readers.csv');
    const rows = ['email,name,city'];
    for (let i = 1; i <= readers; i++) {
      const n = String(i).padStart(4, '0');
      rows.push(
        `lecteur-${n}@example.org,${FIRST[i % FIRST.length]} ${LAST[i % LAST.length]},${CITIES[i % CITIES.length]}`,
      );
    }
    fs.writeFileSync(csv, `${rows.join('\n')}\n`);
    const imported = await importCsv(store, { file: csv, list: 'demo' });
    console.log(`list demo: ${imported.added} added, ${imported.unchanged} already there`);

    const files = listIssueFiles(cfg.issuesDir);
    const latest = files.at(-1);
    if (!latest) throw new Error(`no issue in ${cfg.issuesDir}`);
    const queued = await queueCampaign(cfg, {
      file: path.relative(process.cwd(), latest),
      list: 'demo',
      at: null,
      again: true,
    });
    try {
      await worker.reconcile();
      await followCampaign(queued.store, queued.campaign.id);
    } finally {
      await queued.close();
    }
    const outbox = smtp.capture?.dir;
    if (outbox) {
      const fresh = fs
        .readdirSync(outbox)
        .filter((f) => f.endsWith('.eml') && fs.statSync(path.join(outbox, f)).mtimeMs >= started).length;
      console.log(
        `\n${fresh} messages written to ${path.relative(process.cwd(), outbox)}/ (open any .eml in a mail client)`,
      );
    }
    console.log('see the issue as editors do:  ./bin/numero.js preview   → http://127.0.0.1:4173/');
    console.log(
      `try an unsubscribe link:      UNSUBSCRIBE_SECRET=$(cat ${path.relative(process.cwd(), path.join(cfg.dataDir, 'demo-unsubscribe-secret'))}) ./bin/numero.js serve`,
    );
    console.log(
      `see it as ops do:             OPS_TOKEN=$(openssl rand -hex 24) UNSUBSCRIBE_SECRET=… ./bin/numero.js serve   → http://127.0.0.1:8080/ops`,
    );
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rt.close();
  }
}
