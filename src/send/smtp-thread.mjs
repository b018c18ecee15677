// The SMTP side of a send worker, in a thread of its own (started by smtp-thread.ts). Nodemailer's
// work per message (its dot-stuffing stream, the socket writes, the SMTP dialogue) is half of a
// worker's CPU; here it runs beside the ledger, Redis and the message builder instead of taking
// turns with them on one core, so `numero worker` sends as fast as a bare Nodemailer loop
// (README, "End to end, as a sender waits").
//
// Plain JavaScript, so the tests and `numero demo` load it without a TypeScript loader; the worker
// bundle builds it beside worker.js (bin/worker-bundle.mjs).
//
// Protocol, over parentPort: in, `{ id, from, to, bytes, length, messageId }` (one message: its
// `length` bytes at the start of the SharedArrayBuffer `bytes`, which stays untouched until the answer) or `{ close: true }`;
// out, `{ id, response }` when the relay accepted, `{ id, error: { message, code, responseCode,
// response, command } }` when it did not (what classifySmtpError reads), `{ closed: true }` once the
// pool is closed.
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import nodemailer from 'nodemailer';
import DKIM from 'nodemailer/lib/dkim';

const options = workerData;
const transport = nodemailer.createTransport(options);
// The pool itself: the message is already MIME (numero's own builder), so it goes to the transport
// through Nodemailer's transport interface (`send(mail, callback)`, what sendMail ends with), without
// the MailMessage and MimeNode that sendMail would build around it per message. DKIM signs the same
// stream sendMail would have signed.
const pool = transport.transporter;
const dkim = options.dkim ? new DKIM(options.dkim) : null;
/** An envelope address Nodemailer would pass through unchanged: ASCII, no brackets, no controls. */
const PLAIN = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$/;

function send(m, callback) {
  if (!PLAIN.test(m.from) || !PLAIN.test(m.to)) {
    // Anything unusual takes Nodemailer's whole road, which normalises it.
    transport
      .sendMail({
        envelope: { from: m.from, to: m.to },
        raw: Buffer.from(m.bytes, 0, m.length),
        messageId: m.messageId,
      })
      .then((info) => callback(null, info), callback);
    return;
  }
  const raw = Buffer.from(m.bytes, 0, m.length);
  pool.send(
    {
      data: {},
      message: {
        getEnvelope: () => ({ from: m.from, to: [m.to] }),
        messageId: () => m.messageId,
        getHeader: (key) => (String(key).toLowerCase() === 'message-id' ? m.messageId : undefined),
        createReadStream: () => {
          const stream = Readable.from([raw], { objectMode: false });
          return dkim ? dkim.sign(stream) : stream;
        },
      },
    },
    callback,
  );
}

const port = parentPort;
port.on('message', (m) => {
  if (m.close) {
    transport.close();
    port.postMessage({ closed: true });
    return;
  }
  send(m, (err, info) => {
    if (!err) {
      port.postMessage({ id: m.id, response: String(info?.response ?? '') });
      return;
    }
    port.postMessage({
      id: m.id,
      error: {
        message: String(err.message ?? err),
        code: err.code,
        responseCode: err.responseCode,
        response: err.response,
        command: err.command,
      },
    });
  });
});
