// Traefik (built from the Go module proxy by scripts/install-traefik.sh) in front of
// examples/demo-service, with the ForwardAuth middleware to the sidecar's /forward-auth, configured
// by the committed deploy/traefik/traefik.yml and dynamic.yml. The cases are the ones every proxy
// runs (helpers/proxy-suite.ts).
import { findTraefik, startTraefik } from './helpers/proxies.ts';
import { describeProxy } from './helpers/proxy-suite.ts';

const traefik = findTraefik();
describeProxy({
  name: 'Traefik ForwardAuth',
  start: traefik ? (vars) => startTraefik(traefik, vars) : undefined,
  skip: traefik || process.env['CI'] ? false : 'traefik could not be built (scripts/install-traefik.sh needs Go and the Go module proxy)',
  decisionIdToClient: false,
  // ForwardAuth answers 500 when it cannot reach the authorization server.
  downStatus: [500, 502, 503],
  // Traefik passes both headers on (authRequestHeaders); the sidecar refuses them and Traefik returns its 400.
  duplicateStatus: [400],
});
