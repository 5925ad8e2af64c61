// nginx (the Debian package) in front of examples/demo-service, with auth_request to the
// sidecar's /forward-auth, configured by the same template docker-compose.yml uses
// (deploy/nginx/authz.conf). Tokens come from the Keycloak started by global-setup.ts. The cases
// are the ones every proxy runs (helpers/proxy-suite.ts).
import { findNginx, startNginx } from './helpers/nginx.ts';
import { describeProxy } from './helpers/proxy-suite.ts';

const nginxBin = findNginx();
describeProxy({
  name: 'nginx auth_request',
  start: nginxBin ? (vars) => startNginx(nginxBin, vars) : undefined,
  // Outside CI a missing nginx skips this file; in CI (scripts/e2e.sh installs it) it fails.
  skip: nginxBin || process.env['CI'] ? false : 'nginx is not installed (apt-get install nginx, or run scripts/e2e.sh)',
  decisionIdToClient: true,
  // auth_request turns anything but 2xx/401/403 from the subrequest into a 500.
  downStatus: [500],
  // nginx refuses a repeated Authorization header itself ("client sent duplicate header line").
  duplicateStatus: [400],
});
