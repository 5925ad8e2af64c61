// Caddy (Debian's caddy package) in front of examples/demo-service, with forward_auth to the
// sidecar's /forward-auth, configured by the committed deploy/caddy/Caddyfile. The cases are the
// ones every proxy runs (helpers/proxy-suite.ts).
import { findCaddy, startCaddy } from './helpers/proxies.ts';
import { describeProxy } from './helpers/proxy-suite.ts';

const caddy = findCaddy();
describeProxy({
  name: 'Caddy forward_auth',
  start: caddy ? (vars) => startCaddy(caddy, vars) : undefined,
  skip: caddy || process.env['CI'] ? false : 'caddy is not installed (apt-get install caddy, or run scripts/e2e.sh)',
  decisionIdToClient: false,
  // forward_auth is a reverse proxy: an unreachable sidecar is a 502.
  downStatus: [502],
  // Caddy passes both headers on; the sidecar refuses them and Caddy returns its 400.
  duplicateStatus: [400],
});
