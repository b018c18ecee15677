// A loopback SMTP sink that accepts and discards, in its own process (so it does not share a CPU
// thread with what is measured). Prints its port, then a count on SIGTERM.
import { SMTPServer } from 'smtp-server';

let count = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('end', () => {
      count++;
      callback();
    });
    stream.resume();
  },
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.server.address().port}\n`));
process.on('SIGTERM', () => {
  process.stdout.write(`received ${count}\n`);
  server.close(() => process.exit(0));
});
