/**
 * What a refusal's words say, family by family: the reply texts mail servers write (Postfix, Exim,
 * Sendmail, qmail, Exchange, Gmail, Yahoo, Domino, Courier, OpenSMTPD, providers' own…), in
 * English and in the languages bounces come in. Each family is a list of plain fragments, matched
 * on the lower-cased text with its runs of spaces folded (no regex over untrusted text: a fragment
 * search is linear). The order of REASONS is the order of precedence: more specific families first.
 *
 * The reasons follow the names bounce analysers use (sisimai's among them), so a figure can be
 * compared with theirs; `policy.ts` turns a reason into a kind and a fault.
 */
export type Reason =
  | 'userunknown'
  | 'hostunknown'
  | 'hasmoved'
  | 'notaccept'
  | 'mailboxfull'
  | 'systemfull'
  | 'suspend'
  | 'systemerror'
  | 'mailererror'
  | 'networkerror'
  | 'expired'
  | 'toomanyconn'
  | 'speeding'
  | 'blocked'
  | 'rejected'
  | 'badreputation'
  | 'requireptr'
  | 'authfailure'
  | 'norelaying'
  | 'spamdetected'
  | 'virusdetected'
  | 'contenterror'
  | 'policyviolation'
  | 'securityerror'
  | 'mesgtoobig'
  | 'exceedlimit'
  | 'syntaxerror'
  | 'filtered'
  | 'undefined';

/** Fragments, or bounded patterns (no nested repetition) for wording with a name inside. */
type Family = readonly [Reason, ReadonlyArray<string | RegExp>];

/** Families checked before the status code: wording that says more than any code does. */
export const STRONG: readonly Family[] = [
  // A provider's own list of addresses that bounced before ("on the Amazon SES suppression list"):
  // about the reader's address, whatever other words ("blacklisted") it uses.
  ['userunknown', ['suppression list', 'suppressed recipient', 'recipient is suppressed']],
  [
    'norelaying',
    [
      'relaying denied',
      'relay access denied',
      'relay not permitted',
      'not configured to relay',
      'relaying not allowed',
      'unable to relay',
      'we do not relay',
      'insecure mail relay',
      'relay denied',
      'relaying mail to',
      'not permitted to relay',
      'no relaying',
      'relay prohibited',
    ],
  ],
  [
    'requireptr',
    [
      'ptr record',
      'reverse dns',
      'reverse lookup',
      'no ptr',
      'rdns',
      'reverse-dns',
      'cannot find your hostname',
      'cannot resolve your address',
      'client host rejected: cannot find your',
      'hostname does not resolve',
      'ip name lookup failed',
    ],
  ],
  [
    'authfailure',
    [
      'dmarc',
      'spf check',
      'spf fail',
      'spf validation',
      'spf record',
      'sender policy framework',
      ' spf ',
      'spf:',
      'dkim',
      'unauthenticated email',
      'not authenticated',
      'authentication results',
      'does not pass authentication',
      'failed authentication',
      'domain authentication',
      'is not authorized to send',
      'not authorized to send mail',
    ],
  ],
  [
    'badreputation',
    ['reputation', 'unexpected volume or user complaints', 'user complaints', 'too many complaints'],
  ],
  [
    'blocked',
    [
      'blocked using',
      'spamhaus',
      'spamcop',
      'barracudacentral',
      'blocklist',
      'blacklist',
      'block list',
      'black list',
      'dnsbl',
    ],
  ],
  ['virusdetected', ['virus', 'malware', 'infected', 'worm detected', 'trojan']],
  [
    'spamdetected',
    [
      'spam',
      'junk mail',
      'unsolicited',
      'bulk mail',
      'looks like spam',
      'content filter',
      'message filtered',
      'considered unsolicited',
      'mail rejete',
      'mail rejeté',
      'identified as spam',
      'classified as spam',
      'scored as spam',
    ],
  ],
  [
    'networkerror',
    [
      'host not found, try again',
      'malformed or unexpected name server reply',
      'temporary failure in name resolution',
      'name server timeout',
      'dns server failure',
    ],
  ],
  [
    'toomanyconn',
    [
      'too many connections',
      'too many simultaneous',
      'too many concurrent',
      'frequency limited',
      'connection limit',
      'too many sessions',
    ],
  ],
  [
    'speeding',
    [
      'rate limit',
      'rate-limit',
      'too many messages',
      'sending rate',
      'throttl',
      'too many emails',
      'exceeded the rate',
    ],
  ],
];

/** Families for the reader's mailbox and domain. */
export const RECIPIENT: readonly Family[] = [
  [
    'mailboxfull',
    [
      'mailbox full',
      'mailbox is full',
      'mailbox was full',
      'mailbox has exceeded',
      'mailbox exceeds',
      'mailbox size limit',
      'mailbox quota',
      'over quota',
      'overquota',
      'over the quota',
      'quota exceeded',
      'exceeded quota',
      'quota exceed',
      'exceeded storage',
      'exceeded the storage',
      'disk quota',
      'storage quota',
      'out of storage',
      'mailbox is over',
      'user is over',
      'is over quota',
      'mailbox is at capacity',
      'exceeded the local limit',
      'maildir over quota',
      'full mailbox',
      'mailbox exceeded',
      'not enough space on the disk',
      'account is full',
      'inbox is full',
      'boite pleine',
      'boîte pleine',
      'boîte aux lettres pleine',
      'boite aux lettres pleine',
      'espace disque',
      'postfach voll',
      'postfach ist voll',
      'speicherplatz',
      'casella piena',
      'buzón lleno',
      'buzon lleno',
      'caixa cheia',
      'переполнен',
      'превышен',
    ],
  ],
  [
    'systemfull',
    ['insufficient system storage', 'mail system full', 'system full', 'disk full', 'no space left'],
  ],
  [
    'hasmoved',
    [
      'has been moved',
      'user has moved',
      'mailbox has moved',
      'address has changed',
      'no longer at this address',
    ],
  ],
  [
    'notaccept',
    [
      'does not accept mail',
      "doesn't accept mail",
      'not accepting network messages',
      'not accepting mail',
      'accepts no mail',
      'null mx',
      'nullmx',
      'domain does not accept',
    ],
  ],
  [
    'hostunknown',
    [
      'host unknown',
      'unknown host',
      'host not found',
      'domain not found',
      'domain does not exist',
      "domain doesn't exist",
      'no such domain',
      'unrouteable address',
      'unroutable address',
      'unrouteable mail domain',
      'host or domain name not found',
      'recipient domain not found',
      'nxdomain',
      'domain name not found',
      'domain is not valid',
      'invalid domain',
      'unknown domain',
      'domain unknown',
      'no mail exchanger',
      "couldn't find a mail exchanger",
      'could not find a mail exchanger',
      "couldn't find any host",
      'could not find any host',
      /\bhost [a-z0-9.-]{1,255} not found/,
      /\bdomain [a-z0-9.-]{1,255} (not found|does not exist)/,
      'domaine inconnu',
      'domaine introuvable',
      'domain existiert nicht',
      'dominio inexistente',
    ],
  ],
  [
    'userunknown',
    [
      'user unknown',
      'unknown user',
      'no such user',
      'no such mailbox',
      'no such recipient',
      'no such address',
      'no such account',
      'no such local user',
      'no such person',
      'unknown recipient',
      'recipient unknown',
      'recipient not found',
      'recipient does not exist',
      'recipient address rejected: user',
      'recipient address rejected: access denied',
      'recipient address rejected: unknown',
      'recipient address rejected: undeliverable',
      'recipient address rejected: invalid',
      'user not found',
      'user does not exist',
      "user doesn't exist",
      'mailbox not found',
      'mailbox does not exist',
      "mailbox doesn't exist",
      'no mailbox here by that name',
      'mailbox unknown',
      'mailbox unavailable',
      'unknown mailbox',
      'invalid recipient',
      'invalid mailbox',
      'invalid address',
      'address not found',
      'address does not exist',
      "address doesn't exist",
      'address unknown',
      'addressee unknown',
      'email account that you tried to reach does not exist',
      'account that you tried to reach does not exist',
      'account does not exist',
      'account not found',
      'no account by that name',
      'not a valid mailbox',
      'not a valid recipient',
      'is not a valid user',
      'not a known user',
      'not our customer',
      'bad recipient',
      'bad destination mailbox',
      'recipient name is not recognized',
      'not listed in public name & address book',
      'not listed in domino directory',
      'not listed in the directory',
      'invalid final delivery userid',
      'unknown local part',
      'unknown local-part',
      'no valid recipients',
      'user account is unavailable',
      'destination addresses were unknown',
      "doesn't have a",
      'does not have an account',
      'recipientnotfound',
      'resolver.adr.recipientnotfound',
      'resolver.adr.exrecipnotfound',
      'utilisateur inconnu',
      'destinataire inconnu',
      'adresse inconnue',
      'adresse introuvable',
      "n'existe pas",
      'benutzer unbekannt',
      'empfänger unbekannt',
      'unbekannter empfänger',
      'existiert nicht',
      'usuario desconocido',
      'destinatario desconocido',
      'no existe',
      'utente sconosciuto',
      'non esiste',
      'destinatario inesistente',
      'не существует',
      'нет такого',
      'пользователь не найден',
    ],
  ],
  [
    'suspend',
    [
      'mailbox disabled',
      'account disabled',
      'account is disabled',
      'account has been disabled',
      'account has been suspended',
      'account is suspended',
      'mailbox is disabled',
      'mailbox is inactive',
      'account inactive',
      'temporarily deactivated',
      'is not active',
    ],
  ],
];

/** Families for the sender, the message and the receiving system, checked after the recipient's. */
export const OTHERS: readonly Family[] = [
  [
    'mesgtoobig',
    [
      'message too large',
      'message is too large',
      'message too big',
      'message size exceeds',
      'message exceeds',
      'exceeds size limit',
      'size limit',
      'too big for',
      'message length exceeds',
      'mail size',
      'message size',
    ],
  ],
  [
    'rejected',
    [
      'sender address rejected',
      'sender rejected',
      'sender domain',
      'sender verify failed',
      'sender not allowed',
      'sender denied',
      'sender is not allowed',
      'invalid sender',
      'envelope sender',
      'mail from',
      'return path',
      'not a member of this',
      'purported responsible address',
      'send mail as',
      'sender address',
      'from address',
      'domain of sender',
    ],
  ],
  [
    'blocked',
    [
      'blocked',
      'blocklist',
      'blacklist',
      'block list',
      'black list',
      'listed in',
      'listed at',
      'listed on',
      'spamhaus',
      'spamcop',
      'barracuda',
      'sorbs',
      'dnsbl',
      ' rbl',
      'your ip',
      'ip address',
      'access denied',
      'connection refused by',
      'client host rejected',
      'not allowed to send',
      'refused to talk',
      'denied by policy',
      'too many unwanted messages',
      '(bl)',
      'banned',
      'rejected due to',
      'not authorized',
      'unauthorized',
    ],
  ],
  [
    'filtered',
    ['filtered', 'domain filter', 'by the domain filter', 'rejected by user', 'refused by recipient'],
  ],
  [
    'contenterror',
    ['header error', 'content rejected', 'message rejected', 'bad content', 'invalid content', 'mime error'],
  ],
  ['policyviolation', ['policy', 'protocol violation', 'not allowed', 'prohibited', 'violat', 'denied']],
  [
    'syntaxerror',
    [
      'syntax error',
      'command parameter not implemented',
      'command not implemented',
      'command unrecognized',
      'bad sequence of commands',
      'unrecognized command',
    ],
  ],

  [
    'expired',
    [
      'delivery time expired',
      'retry timeout exceeded',
      'have been failing for a long time',
      'has been failing for a long time',
      'retry time not reached',
      'in the queue too long',
      'has been in the queue',
      'could not be delivered for',
      'multiple retries',
      'giving up',
      'delivery expired',
      'message expired',
      'queue too long',
      'timed out',
      'timeout',
      'did not accept our requests to connect',
      'could not connect',
      'unable to connect',
      'connection refused',
      'delivery attempts will continue',
      'still trying',
      'has not yet been delivered',
      'message is delayed',
      'delayed for more than',
      'will be retried',
    ],
  ],
  [
    'networkerror',
    [
      'name service error',
      'malformed or unexpected name server reply',
      'network is unreachable',
      'no route to host',
      'temporary failure in name resolution',
      'dns error',
      'dns lookup',
      'loops back to myself',
    ],
  ],
  [
    'mailererror',
    ['mailer error', 'command died', 'x-unix', 'pipe to', 'procmail', 'exit status', 'command failed'],
  ],
  [
    'systemerror',
    [
      'system error',
      'internal error',
      'internal server error',
      'local error',
      'temporary local problem',
      'service unavailable',
      'service currently unavailable',
      'service not available',
      'routing loop',
      'mail loop',
      'too many hops',
      'loop detected',
      'server error',
      'insufficient permission',
      'duplicated message-id',
      'resources temporarily unavailable',
      'unspecified error',
      'temporary error',
      'temporarily unavailable',
      'try later',
    ],
  ],
];

/** The sender's and the message's families only: what a refusal before RCPT can be. */
export const SENDER_FAMILIES: readonly Family[] = OTHERS.filter(([r]) =>
  ['rejected', 'blocked', 'contenterror', 'policyviolation', 'syntaxerror', 'mesgtoobig'].includes(r),
);

/** Lower-cased, runs of white space folded: what the fragments are matched against. */
export function foldText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ');
}

/** The first family (in the order given) with a fragment in `folded`. */
export function reasonIn(folded: string, families: readonly Family[]): Reason | null {
  for (const [reason, fragments] of families) {
    for (const f of fragments) if (typeof f === 'string' ? folded.includes(f) : f.test(folded)) return reason;
  }
  return null;
}

/** Where in the SMTP dialogue the refusal came, when the text says (Postfix, Exim, Sendmail, qmail…). */
export type Stage = 'connect' | 'helo' | 'mail' | 'rcpt' | 'data';

const STAGES: ReadonlyArray<readonly [Stage, readonly string[]]> = [
  [
    'mail',
    [
      'after mail from',
      'in reply to mail from',
      '>>> mail from',
      'did not like our mail from',
      'sender was rejected',
      'error following mail command',
      'after mail command',
      'mail from command',
    ],
  ],
  [
    'helo',
    [
      'after ehlo',
      'after helo',
      'in reply to ehlo',
      'in reply to helo',
      '>>> ehlo',
      '>>> helo',
      'my name was rejected',
      'did not like our ehlo',
      'did not like our helo',
    ],
  ],
  [
    'connect',
    [
      'after initial connection',
      'in reply to initial greeting',
      'greeting failed',
      'did not like our greeting',
      'refused to talk to me',
      'while connected to',
      'before the greeting',
    ],
  ],
  [
    'rcpt',
    [
      'after rcpt',
      'in reply to rcpt',
      '>>> rcpt to',
      'does not like recipient',
      'did not like our rcpt',
      'error following rcpt',
      'rcpt to:',
      'rcpt command',
    ],
  ],
  [
    'data',
    [
      'after end of data',
      'after data',
      'in reply to data',
      'in reply to end of data',
      '>>> data',
      'failed on data command',
      'for text command',
      'after text',
      'end of data command',
    ],
  ],
];

export function stageIn(folded: string): Stage | null {
  for (const [stage, fragments] of STAGES) for (const f of fragments) if (folded.includes(f)) return stage;
  return null;
}
