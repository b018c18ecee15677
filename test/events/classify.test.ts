import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyMessage } from '../../src/events/classify.ts';
import { ROOT } from '../helpers/fixtures.ts';

const DIR = path.join(ROOT, 'test/fixtures/bounces');
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  unknown[]
>;
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.eml'));

describe('the bounce classifier on bounces, complaints and auto-replies modelled on real MTAs', () => {
  it('has at least 40 fixtures, each with its expected result', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(expected).sort()).toEqual([...files].sort());
  });

  it.each(files)('%s', (file) => {
    const reports = classifyMessage(fs.readFileSync(path.join(DIR, file)));
    expect(
      reports.map(({ kind, recipient, status, campaign, subscriber }) => ({
        kind,
        recipient,
        status,
        campaign,
        subscriber,
      })),
    ).toEqual(expected[file]);
  });

  it('finds every complaint (ARF in its forms, JMRP, SES by mail) and takes no auto-reply for a bounce', () => {
    const kinds = (f: string) => classifyMessage(fs.readFileSync(path.join(DIR, f))).map((r) => r.kind);
    const complaints = files.filter(
      (f) => /^(arf-|jmrp-|ses-complaint)/.test(f) && !/not-spam|auth-failure/.test(f),
    );
    expect(complaints.length).toBeGreaterThanOrEqual(8);
    for (const f of complaints) expect([f, kinds(f)]).toEqual([f, ['complaint']]);
    const autoreplies = files.filter((f) => f.startsWith('ooo-') || f.startsWith('vacation-'));
    for (const f of autoreplies) expect([f, kinds(f)]).toEqual([f, ['autoreply']]);
  });

  it('takes the VERP address from the envelope when the headers do not carry it', () => {
    const raw = fs.readFileSync(path.join(DIR, 'dsn-message-id-only.eml'));
    const [r] = classifyMessage(raw, { recipients: ['bounces+31.4159@bounce.lettre.example'] });
    expect(r).toMatchObject({ kind: 'hard', campaign: '31', subscriber: '4159' });
  });

  it('never throws on junk: an empty message or binary noise is unknown', () => {
    expect(classifyMessage('')).toMatchObject([{ kind: 'unknown' }]);
    expect(classifyMessage(Buffer.from([0, 1, 2, 255, 254, 10, 10, 13]))).toMatchObject([
      { kind: 'unknown' },
    ]);
    expect(
      classifyMessage(
        'Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x\nContent-Type: message/delivery-status\n\nAction: failed\n',
      ),
    ).toHaveLength(1);
  });
});
