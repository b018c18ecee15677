/** Bounce and complaint messages as mail systems write them, reduced to what the classifier reads. */

/** An RFC 3464 report about one recipient, with the returned original's headers. */
export function dsn(o: {
  rcpt: string;
  status: string;
  diag: string;
  to?: string;
  originalId?: string;
  action?: string;
}) {
  return Buffer.from(
    [
      'From: MAILER-DAEMON@mx.example.org',
      `To: ${o.to ?? 'bounces@bounce.lettre.example'}`,
      'Subject: Undelivered Mail Returned to Sender',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
      '',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      '',
      `Final-Recipient: rfc822; ${o.rcpt}`,
      `Action: ${o.action ?? 'failed'}`,
      `Status: ${o.status}`,
      `Diagnostic-Code: smtp; ${o.diag}`,
      '',
      '--B',
      'Content-Type: text/rfc822-headers',
      '',
      `To: ${o.rcpt}`,
      ...(o.originalId ? [`Message-ID: ${o.originalId}`] : []),
      '',
      '--B--',
      '',
    ].join('\r\n'),
  );
}

/** An RFC 5965 (ARF) abuse report about one recipient, with the original's headers. */
export function arf(rcpt: string, originalId: string) {
  return Buffer.from(
    [
      'From: fbl@isp.example',
      'To: fbl@lettre.example',
      'Subject: complaint',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="F"',
      '',
      '--F',
      'Content-Type: message/feedback-report',
      '',
      'Feedback-Type: abuse',
      `Original-Rcpt-To: ${rcpt}`,
      '',
      '--F',
      'Content-Type: text/rfc822-headers',
      '',
      `To: ${rcpt}`,
      `Message-ID: ${originalId}`,
      '',
      '--F--',
      '',
    ].join('\r\n'),
  );
}
