import { Command } from 'commander';
import { type Config, loadConfig } from '../config.ts';
import { NumeroError } from '../errors.ts';
import { registerAudience } from './audience.ts';
import { registerBounces } from './bounces.ts';
import { registerCheck } from './check.ts';
import { registerDoctor } from './doctor.ts';
import { registerPreview } from './preview.ts';
import { registerReaderRights } from './reader-rights.ts';
import { registerRender } from './render.ts';
import { registerSend } from './send.ts';
import { registerServe } from './serve.ts';
import { registerSignup } from './signup.ts';
import { registerStore } from './store.ts';

// `numero … | head` closes stdout early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

// `--debug` (anywhere on the line) or NUMERO_DEBUG=1: failures print their stack and causes too.
const debugAt = process.argv.indexOf('--debug');
if (debugAt > 1) process.argv.splice(debugAt, 1);
const debug = debugAt > 1 || process.env.NUMERO_DEBUG === '1';

let config: Config | undefined;
const getConfig = (): Config => {
  config ??= loadConfig();
  return config;
};

const program = new Command('numero')
  .description('numero: write a newsletter issue in Markdown, render it, send it to every reader once')
  .showHelpAfterError();
registerRender(program, getConfig);
registerCheck(program, getConfig);
registerPreview(program, getConfig);
registerAudience(program, getConfig);
registerSignup(program, getConfig);
registerReaderRights(program, getConfig);
registerServe(program, getConfig);
registerSend(program, getConfig);
registerDoctor(program, getConfig);
registerStore(program, getConfig);
registerBounces(program, getConfig);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (debug) console.error(e);
  else if (e instanceof NumeroError) {
    // A user error: the message says what and where; a stack would only hide it.
    console.error(e.message);
  } else {
    // numero's own fault: one line, and how to get the rest.
    const message = e instanceof Error ? e.message : String(e);
    console.error(
      `numero: unexpected error: ${message.split('\n')[0]} (run again with --debug for the stack; please report it)`,
    );
  }
  process.exitCode = e instanceof NumeroError ? 1 : 2;
  // Whatever a failed command had opened (a pool, a server, a signal handler) must not keep the
  // process waiting: it has said why, it ends now.
  process.exit(process.exitCode);
}
