// A loopback SMTP sink that accepts and discards, in its own process (so it does not share a CPU
// thread with what is measured). Prints its port, then answers on standard input: `reset` forgets
// what it counted, `stats` prints `stats COUNT FIRST LAST` (the wall-clock times, in ms since the
// epoch, of the first and last message accepted since the reset). A count on SIGTERM.
import readline from 'node:readline';
import { SMTPServer } from 'smtp-server';

let count = 0;
let first = 0;
let last = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('end', () => {
      count++;
      last = Date.now();
      if (!first) first = last;
      callback();
    });
    stream.resume();
  },
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.server.address().port}\n`));
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'reset') {
    count = 0;
    first = 0;
    last = 0;
    process.stdout.write('reset\n');
  } else if (line === 'stats') process.stdout.write(`stats ${count} ${first} ${last}\n`);
});
process.on('SIGTERM', () => {
  process.stdout.write(`received ${count}\n`);
  server.close(() => process.exit(0));
});
