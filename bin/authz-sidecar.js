#!/usr/bin/env node
// The sources are TypeScript run directly by Node 24's type stripping; refuse older Node
// with a clear message instead of a syntax error deep inside an import.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `authz-sidecar needs Node 24 or newer (this is ${process.version}). ` +
      'Run it through npm scripts or npx inside the project, which use the pinned node@24 from node_modules/.bin.\n',
  );
  process.exit(1);
}
const { runCli } = await import('../src/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
