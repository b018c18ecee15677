import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../_shared/log.ts';
import type { InboundConfig } from '../config.ts';
import { type InboundSettings, processInbound } from '../events/pipeline.ts';
import { mailgunReports, postmarkReports, sesReports } from '../events/providers.ts';
import { type FetchText, fetchFromSns, isSnsUrl, parseSnsMessage, snsVerifier } from '../events/sns.ts';
import type { Store } from '../store/db.ts';
import { sameSecret } from './guard.ts';
import { mailgunSignatureProblem, ReplayGuard } from './mailgun-signature.ts';

/**
 * Provider webhooks on `numero serve`, each authenticated before anything is read into the store:
 * Amazon SES through SNS (`POST /webhooks/ses`: the SNS signature against its signing certificate,
 * an SNS host's, and an allowed topic), Postmark (`POST /webhooks/postmark`: HTTP basic auth, as
 * Postmark documents) and Mailgun (`POST /webhooks/mailgun`: the HMAC-SHA256 signature with the
 * webhook signing key, a timestamp within 5 minutes, a token never seen before). A failed check is
 * 403 and changes nothing. Off unless configured (404).
 */
export interface WebhookOptions {
  store: Store;
  inbound: InboundConfig;
  settings: InboundSettings;
  log: Logger;
  /** How SNS certificates and subscription URLs are fetched (HTTPS, SNS hosts only). */
  fetchText?: FetchText;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The body as a JSON object, or why not: any JSON (null, a list, a string) is not an event, a 400 never a 500. */
async function jsonObject(c: Context): Promise<Record<string, unknown> | string> {
  let parsed: unknown;
  try {
    parsed = await c.req.json();
  } catch {
    return 'Not JSON';
  }
  return isObject(parsed) ? parsed : 'Not an object';
}

export function webhookRoutes(o: WebhookOptions): Hono {
  const app = new Hono();
  const fetchText = o.fetchText ?? fetchFromSns;
  const verify = snsVerifier(fetchText);
  const limit = bodyLimit({ maxSize: 256 * 1024, onError: (c) => c.text('413 Request body too large', 413) });

  app.post('/webhooks/ses', limit, async (c) => {
    const topics = o.inbound.sesTopicArns;
    if (!topics) return c.text('404 Not found', 404);
    const body = await c.req.text();
    const m = parseSnsMessage(body);
    if (!m) return c.text('400 Not an SNS message', 400);
    const problem = await verify(m);
    if (problem) {
      o.log.warn({ problem, topic: m.TopicArn }, 'webhook.ses refused');
      return c.text(`403 ${problem}`, 403);
    }
    if (!topics.includes(m.TopicArn)) return c.text('403 Topic not allowed (SES_SNS_TOPIC_ARNS)', 403);
    if (m.Type === 'SubscriptionConfirmation') {
      // Confirming is a GET of the SubscribeURL, an SNS address like the certificate's.
      if (!m.SubscribeURL || !isSnsUrl(m.SubscribeURL))
        return c.text('403 SubscribeURL is not an SNS address', 403);
      await fetchText(m.SubscribeURL);
      o.log.info({ topic: m.TopicArn }, 'webhook.ses subscription confirmed');
      return c.text('subscription confirmed');
    }
    if (m.Type === 'UnsubscribeConfirmation') return c.text('ok');
    const r = await processInbound(
      o.store,
      {
        raw: Buffer.from(body),
        source: 'ses',
        eventId: m.MessageId,
        reports: sesReports(m.Message),
        trusted: true,
      },
      o.settings,
    );
    o.log.info(
      { duplicate: r.duplicate, reports: r.reports.map((x) => ({ kind: x.kind, action: x.action })) },
      'webhook.ses',
    );
    return c.text(r.duplicate ? 'already processed' : 'ok');
  });

  const replays = new ReplayGuard();
  app.post('/webhooks/mailgun', limit, async (c) => {
    const key = o.inbound.mailgunSigningKey;
    if (!key) return c.text('404 Not found', 404);
    const body = await jsonObject(c);
    if (typeof body === 'string') return c.text(`400 ${body} (a Mailgun event is an object)`, 400);
    const { signature, 'event-data': data } = body as { signature?: unknown; 'event-data'?: unknown };
    const problem = mailgunSignatureProblem(signature, key, Date.now(), replays);
    if (problem) {
      o.log.warn({ problem }, 'webhook.mailgun refused');
      return c.text(`403 ${problem}`, 403);
    }
    if (!isObject(data)) return c.text('400 No event-data', 400);
    const event = data as Record<string, unknown>;
    const id = typeof event.id === 'string' ? event.id.slice(0, 200) : '';
    const r = await processInbound(
      o.store,
      {
        raw: Buffer.from(JSON.stringify(body)),
        source: 'mailgun',
        trusted: true,
        ...(id ? { eventId: id } : {}),
        reports: mailgunReports(event),
      },
      o.settings,
    );
    return c.text(r.duplicate ? 'already processed' : 'ok');
  });

  app.post('/webhooks/postmark', limit, async (c) => {
    const creds = o.inbound.postmark;
    if (!creds) return c.text('404 Not found', 404);
    const auth = c.req.header('authorization') ?? '';
    const given = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : '';
    if (!sameSecret(given, `${creds.user}:${creds.password}`)) {
      o.log.warn('webhook.postmark refused: bad credentials');
      return c.text('403 Bad credentials', 403);
    }
    const body = await jsonObject(c);
    if (typeof body === 'string') return c.text(`400 ${body} (a Postmark event is an object)`, 400);
    const id = String(body.ID ?? body.MessageID ?? '');
    const r = await processInbound(
      o.store,
      {
        raw: Buffer.from(JSON.stringify(body)),
        source: 'postmark',
        trusted: true,
        ...(id ? { eventId: `${body.RecordType ?? ''}:${id}` } : {}),
        reports: postmarkReports(body),
      },
      o.settings,
    );
    return c.text(r.duplicate ? 'already processed' : 'ok');
  });
  return app;
}
