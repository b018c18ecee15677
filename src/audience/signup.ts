import { randomBytes } from 'node:crypto';
import MailChecker from 'mailchecker';
import { parseAddress } from '../_shared/address.ts';
import type { Db } from '../store/audience.ts';
import { membershipsOf, subscribersByNormalized, suppressedAmong } from '../store/audience.ts';
import { type ListSettings, listSettingsById, publicLists } from '../store/list-settings.ts';
import type { OptIn } from '../store/schema.ts';
import {
  deleteUnconfirmed,
  findSignup,
  insertConsent,
  insertSignup,
  markConfirmed,
  type SignupRow,
  signupsForAddressSince,
  signupsFromIpSince,
} from '../store/signups.ts';
import { listWelcome, queueWelcome } from '../store/welcomes.ts';
import { confirmTokenValid, readConfirmToken } from './confirm-token.ts';
import { inTransaction, subscribe } from './membership.ts';

/**
 * Readers join by themselves: a signup form's request, and the confirmation link that makes it a
 * subscription. What the requester is told never depends on the address's standing (new, pending,
 * active, unsubscribed, suppressed): only a malformed request, a disposable domain or a client over
 * its hourly limit get another answer, and none of those says anything about an address.
 */
export interface SignupRequest {
  email: string;
  name: string | null;
  /** List names; empty means every public list when there is only one. */
  lists: readonly string[];
  /** The page the form was on (Referer or Origin), or `api`. */
  form: string;
  ip: string | null;
  userAgent: string | null;
  /** The words shown beside the button, recorded with the consent. */
  consentText: string;
}

export interface SignupLimits {
  /** Signups from one client address per hour. */
  perIpPerHour: number;
}

/** A refusal the requester may be told: about the request itself, never about the address's standing. */
export type SignupRefusal = { kind: 'refused'; field: 'email' | 'name' | 'lists'; reason: string };

export type SignupOutcome =
  | SignupRefusal
  | { kind: 'too-many' }
  /**
   * Whatever the effect, the requester is told the same thing for the same lists: "check your inbox"
   * when `optin` is double, "subscribed if it can be" when single.
   */
  | ({ kind: 'accepted'; optin: OptIn } & (
      | { effect: 'confirmation-queued'; signupId: number }
      | { effect: 'subscribed'; subscriberId: number; listIds: number[] }
      | { effect: 'ignored'; why: string }
    ));

export const MAX_EMAIL = 254;
export const MAX_NAME = 100;
const HOUR_MS = 3_600_000;

/** Lists the request names, all public; a refusal when one is unknown or private, or none is given. */
async function requestedLists(db: Db, names: readonly string[]): Promise<ListSettings[] | SignupRefusal> {
  const offered = await publicLists(db);
  if (!names.length) {
    if (offered.length === 1) return offered;
    return { kind: 'refused', field: 'lists', reason: 'choose at least one list' };
  }
  const byName = new Map(offered.map((l) => [l.name, l]));
  const chosen: ListSettings[] = [];
  for (const n of new Set(names)) {
    const l = byName.get(n);
    if (!l) return { kind: 'refused', field: 'lists', reason: `no public list "${n.slice(0, 64)}"` };
    chosen.push(l);
  }
  return chosen;
}

type ParsedAddress = Extract<ReturnType<typeof parseAddress>, { ok: true }>;

/** The request's own faults (syntax, length, a throwaway domain), or its address parsed. */
function checkSignupFields(email: string, name: string | null): SignupRefusal | ParsedAddress {
  if (email.length > MAX_EMAIL)
    return { kind: 'refused', field: 'email', reason: `longer than ${MAX_EMAIL} characters` };
  const parsed = parseAddress(email);
  if (!parsed.ok) return { kind: 'refused', field: 'email', reason: parsed.reason };
  if (!MailChecker.isValid(`check@${parsed.domain}`))
    return { kind: 'refused', field: 'email', reason: `${parsed.domain} gives out throwaway addresses` };
  if (name !== null && name.length > MAX_NAME)
    return { kind: 'refused', field: 'name', reason: `longer than ${MAX_NAME} characters` };
  return parsed;
}

/**
 * A signup form's request. Double opt-in (any chosen list asking for it) stores a signup and calls
 * `queueConfirmation` once it is committed; single opt-in subscribes at once, with its consent.
 * At most one signup per address an hour: more within the hour change nothing and send nothing.
 */
export async function requestSignup(
  db: Db,
  r: SignupRequest,
  limits: SignupLimits,
  nowMs = Date.now(),
): Promise<SignupOutcome> {
  const name = r.name?.trim() || null;
  const parsed = checkSignupFields(r.email, name);
  if ('kind' in parsed) return parsed;
  const lists = await requestedLists(db, r.lists);
  if (!Array.isArray(lists)) return lists;
  const since = new Date(nowMs - HOUR_MS).toISOString();
  if (r.ip && (await signupsFromIpSince(db, r.ip, since)) >= limits.perIpPerHour) return { kind: 'too-many' };
  const optin: OptIn = lists.some((l) => l.optin === 'double') ? 'double' : 'single';
  if ((await suppressedAmong(db, [parsed.normalized])).size)
    return { kind: 'accepted', optin, effect: 'ignored', why: 'suppressed' };
  if ((await signupsForAddressSince(db, parsed.normalized, since)) > 0)
    return { kind: 'accepted', optin, effect: 'ignored', why: 'a signup for this address within the hour' };
  const listIds = lists.map((l) => l.id);
  const lang = lists[0]?.lang ?? 'fr';
  const askedAt = new Date(nowMs).toISOString();
  // A reader who left one of these lists comes back only by confirming, even on a single opt-in list
  // (the answer stays the single opt-in one: it must not tell that they had left).
  if (optin === 'double' || (await leftOneOf(db, parsed.normalized, listIds))) {
    const signupId = await insertSignup(db, {
      email: parsed.address,
      emailNormalized: parsed.normalized,
      name,
      listIds,
      nonce: randomBytes(16).toString('base64url'),
      lang,
      form: r.form.slice(0, 500),
      consentText: r.consentText,
      ip: r.ip,
      userAgent: r.userAgent?.slice(0, 500) ?? null,
    });
    return { kind: 'accepted', optin, effect: 'confirmation-queued', signupId };
  }
  const joined = await join(db, {
    address: parsed,
    name,
    listIds,
    consent: {
      method: 'single',
      form: r.form,
      text: r.consentText,
      ip: r.ip,
      userAgent: r.userAgent,
      askedAt,
    },
  });
  if (joined === null) return { kind: 'accepted', optin, effect: 'ignored', why: 'suppressed' };
  return {
    kind: 'accepted',
    optin,
    effect: 'subscribed',
    subscriberId: joined.subscriberId,
    listIds: joined.listIds,
  };
}

/** Whether the address's reader has left (unsubscribed from) one of these lists. */
async function leftOneOf(db: Db, normalized: string, listIds: readonly number[]): Promise<boolean> {
  const [reader] = await subscribersByNormalized(db, [normalized]);
  if (!reader) return false;
  for (const listId of listIds)
    if ((await membershipsOf(db, listId, [reader.id])).get(reader.id) === 'unsubscribed') return true;
  return false;
}

type Consent = {
  method: 'double' | 'single';
  form: string;
  text: string;
  ip: string | null;
  userAgent: string | null;
  askedAt: string;
};

/**
 * Makes the reader active on each list (a reader who had unsubscribed comes back: they asked again
 * and confirmed; a bounced or complained standing stays) and records the consent, in one
 * transaction. Null when the address is suppressed.
 */
async function join(
  db: Db,
  o: {
    address: ParsedAddress;
    name: string | null;
    listIds: readonly number[];
    consent: Consent;
  },
): Promise<{ subscriberId: number; listIds: number[] } | null> {
  return inTransaction(db, async (trx) => {
    let subscriberId: number | null = null;
    const joined: number[] = [];
    for (const listId of o.listIds) {
      const out = await subscribe(trx, {
        listId,
        address: o.address,
        name: o.name,
        source: `signup (${o.consent.method} opt-in)`,
        resubscribe: true,
      });
      if (out.kind === 'suppressed') return null;
      subscriberId = out.subscriberId;
      if (out.kind !== 'kept') joined.push(listId);
    }
    if (subscriberId === null) return null;
    await insertConsent(trx, {
      subscriberId,
      listIds: o.listIds,
      method: o.consent.method,
      form: o.consent.form.slice(0, 500),
      text: o.consent.text,
      ip: o.consent.ip,
      userAgent: o.consent.userAgent?.slice(0, 500) ?? null,
      askedAt: o.consent.askedAt,
    });
    return { subscriberId, listIds: joined };
  });
}

export type ConfirmOutcome =
  | { kind: 'confirmed'; subscriberId: number; listIds: number[]; signup: SignupRow }
  /** Already used, or the address is suppressed now: nothing changes, the reader is told it is done. */
  | { kind: 'done' }
  /** Forged, altered, for a signup that no longer exists, or expired: nothing changes. */
  | { kind: 'invalid' }
  | { kind: 'expired' };

/** The signup a confirmation token names, when the token is genuine (expired or not). */
export async function signupOfToken(
  db: Db,
  token: string,
  secret: string,
  nowMs = Date.now(),
): Promise<{ signup: SignupRow; expired: boolean } | null> {
  const read = readConfirmToken(token);
  if (!read) return null;
  const signup = await findSignup(db, read.signupId);
  if (!signup) return null;
  if (confirmTokenValid(read, signup.nonce, secret, nowMs)) return { signup, expired: false };
  // Genuine but past its time? Checked with the expiry moved back, so a forgery is never "expired".
  return confirmTokenValid(read, signup.nonce, secret, read.expires * 1000)
    ? { signup, expired: true }
    : null;
}

/** The confirmation link, posted: once, within its time. */
export async function confirmSignup(
  db: Db,
  token: string,
  secret: string,
  nowMs = Date.now(),
): Promise<ConfirmOutcome> {
  const found = await signupOfToken(db, token, secret, nowMs);
  if (!found) return { kind: 'invalid' };
  if (found.signup.confirmed_at) return { kind: 'done' };
  if (found.expired) return { kind: 'expired' };
  const s = found.signup;
  const address = parseAddress(s.email);
  if (!address.ok) return { kind: 'invalid' };
  return inTransaction(db, async (trx): Promise<ConfirmOutcome> => {
    if (!(await markConfirmed(trx, s.id))) return { kind: 'done' };
    const lists = await listSettingsById(trx, JSON.parse(s.list_ids) as number[]);
    const joined = await join(trx, {
      address,
      name: s.name,
      listIds: lists.map((l) => l.id),
      consent: {
        method: 'double',
        form: s.form,
        text: s.consent_text,
        ip: s.ip,
        userAgent: s.user_agent,
        askedAt: s.created_at,
      },
    });
    if (!joined) return { kind: 'done' };
    return { kind: 'confirmed', subscriberId: joined.subscriberId, listIds: joined.listIds, signup: s };
  });
}

/** Deletes signups never confirmed and older than `days`: their address and IP were kept for nothing. */
export async function prunePending(db: Db, days: number, nowMs = Date.now()): Promise<number> {
  return deleteUnconfirmed(db, new Date(nowMs - days * 86_400_000).toISOString());
}

/**
 * The lists among `listIds` that have a welcome numéro this reader was never owed: owed now (once
 * ever per reader and list), for the caller to queue.
 */
export async function oweWelcomes(
  db: Db,
  subscriberId: number,
  listIds: readonly number[],
): Promise<number[]> {
  const owed: number[] = [];
  for (const listId of listIds) {
    const w = await listWelcome(db, listId);
    if (w?.welcome_compiled && (await queueWelcome(db, listId, subscriberId))) owed.push(listId);
  }
  return owed;
}
