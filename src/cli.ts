import { parseArgs } from 'node:util';
import { SidecarError } from './errors/sidecar-error.ts';
import { DEMO_DECISION_LOG, DEMO_IDP_PORT } from './demo/demo-users.ts';
import { waitForSignals } from './lifecycle/wait-for-signals.ts';

// Each command imports what it needs when it runs: `demo token`, `--help` and the audit tools
// must not pay for loading express, prom-client, opa-wasm and the rest of the server (~1 s).

const HELP: Record<string, string> = {
  main: `authz-sidecar: verifies subject-only JWTs, fetches roles from OIDC userinfo, evaluates Rego
compiled to WebAssembly, and answers allow or deny on localhost.

Usage: authz-sidecar <command> [options]

Commands:
  serve        run the sidecar with a config file and/or AUTHZ_* environment variables
  demo         run the embedded demo (loopback IdP with demo users + the sample bundle)
  demo token   print a demo user's access token from the running demo
  init         set the sidecar up for your service: config, starter policy, checks against your IdP
  check        evaluate a token or an input file against a bundle locally and explain the decision
  audit        verify, query, summarise and replay decision logs ('audit --help')

Run 'authz-sidecar <command> --help' for a command's options.`,
  demo: `Usage: authz-sidecar demo [--idp-port <port>]
       authz-sidecar demo token <user> [--idp <url>]

'demo' starts an OIDC provider on 127.0.0.1:${DEMO_IDP_PORT} (oauth2-mock-server) with the users
alice (admin), bob (orders-viewer) and carol (5,000 roles), and the sidecar on 127.0.0.1:8181
with bundles/authz.tar.gz. Decisions are logged to ${DEMO_DECISION_LOG}. AUTHZ_* variables apply.

'demo token <user>' prints that user's access token (and nothing else) on stdout.

Options:
  --idp-port <port>   port of the demo IdP (default ${DEMO_IDP_PORT}, or AUTHZ_DEMO_IDP_PORT)
  --idp <url>         demo IdP to ask for a token (default http://127.0.0.1:${DEMO_IDP_PORT})
  -h, --help          show this help`,
};

/** Runs one command line; resolves to the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(`${HELP['main']}\n`);
        return command === undefined ? 2 : 0;
      case 'serve':
        return await (await import('./main.ts')).serve(rest);
      case 'demo':
        return rest[0] === 'token' ? await demoToken(rest.slice(1)) : await demo(rest);
      case 'init':
        return await (await import('./init/run-init.ts')).runInit(rest);
      case 'check':
        return await (await import('./check/run-check.ts')).runCheck(rest);
      case 'audit':
        return await (await import('./audit/audit-cli.ts')).runAudit(rest);
      default:
        process.stderr.write(`authz-sidecar: unknown command '${command}'\n\n${HELP['main']}\n`);
        return 2;
    }
  } catch (err) {
    if (err instanceof SidecarError && err.code === 'config_error') {
      process.stderr.write(`authz-sidecar: invalid configuration: ${err.message}\n`);
      return 2;
    }
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`authz-sidecar: ${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`authz-sidecar: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}

async function demo(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { 'idp-port': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return help('demo');
  process.stderr.write('authz-sidecar demo: starting the identity provider and the sidecar...\n');
  const port = values['idp-port'] === undefined ? undefined : Number(values['idp-port']);
  const { runDemo, demoBanner } = await import('./demo/run-demo.ts');
  const running = await runDemo(port === undefined ? {} : { idpPort: port });
  const config = running.runtime.current.config;
  process.stdout.write(demoBanner(running, config.policy.bundle, config.decisionLog.target));
  await stopOnSignal(() => running.stop());
  return 0;
}

async function demoToken(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { idp: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return help('demo');
  const user = positionals[0];
  if (user === undefined || positionals.length > 1) {
    process.stderr.write('usage: authz-sidecar demo token <user>   (alice, bob or carol)\n');
    return 2;
  }
  const idp = values.idp ?? `http://127.0.0.1:${process.env['AUTHZ_DEMO_IDP_PORT'] ?? DEMO_IDP_PORT}`;
  try {
    const { requestDemoToken } = await import('./demo/request-token.ts');
    process.stdout.write(`${await requestDemoToken(idp, user)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`authz-sidecar demo token: cannot get a token from ${idp} (is 'npm start' running?): ${(err as Error).message}\n`);
    return 1;
  }
}

function help(name: string): number {
  process.stdout.write(`${HELP[name]}\n`);
  return 0;
}

/** Waits for SIGTERM or SIGINT, then stops once; a second signal exits at once. */
function stopOnSignal(stop: () => Promise<void>): Promise<void> {
  return waitForSignals({ stop, reload: async () => undefined }).done;
}
