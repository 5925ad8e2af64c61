import { extAuthzClient, checkRequest, type ExtAuthzClient } from './ext-authz-client.ts';
import { rawRequest } from './raw-http.ts';
import type { TestSidecar } from './test-sidecar.ts';

/**
 * Every way a check reaches the sidecar, behind one interface, so the attack, normalisation and
 * fault suites run each case through each front door: `POST /authorize`, forward-auth, Envoy's
 * ext_authz over gRPC (a real grpc-js client with Envoy's types) and ext_authz's HTTP service.
 * Requests are sent as bytes (HTTP) or as a CheckRequest (gRPC) exactly as given: repeated
 * headers stay repeated, URIs stay unnormalised.
 */
export interface DoorRequest {
  readonly method: string;
  /** The original request's path and query, as the client sent it. */
  readonly target: string;
  /** Header pairs; a name may repeat. */
  readonly headers: readonly (readonly [string, string])[];
}

export interface DoorAnswer {
  readonly allowed: boolean;
  /** The HTTP status the caller (or, behind Envoy, the client) gets: 200, or the denial's/error's status. */
  readonly status: number;
  /** The stable error code, when the answer is an error. */
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly decisionId: string | undefined;
  /** The `WWW-Authenticate` challenge, when there is one. */
  readonly challenge: string | undefined;
}

export interface FrontDoor {
  readonly name: string;
  send(sc: TestSidecar, req: DoorRequest): Promise<DoorAnswer>;
}

/** The config that opens both ext_authz doors (gRPC on an ephemeral port); the others are always open. */
export const EXT_AUTHZ_DOORS = { 'extAuthz.grpc.listen': '127.0.0.1:0', 'extAuthz.http.pathPrefix': '/ext-authz' } as const;

const clients = new WeakMap<TestSidecar, ExtAuthzClient>();
/** The gRPC client of a test sidecar (closed by closeDoors). */
export function grpcClientOf(sc: TestSidecar): ExtAuthzClient {
  let c = clients.get(sc);
  if (!c) {
    const address = sc.sidecar.grpcAddress;
    if (!address) throw new Error('this sidecar has no ext_authz gRPC listener: start it with EXT_AUTHZ_DOORS');
    c = extAuthzClient(address);
    clients.set(sc, c);
  }
  return c;
}

export function closeDoors(sc: TestSidecar): void {
  clients.get(sc)?.close();
  clients.delete(sc);
}

const headerLines = (headers: DoorRequest['headers']): string => headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');

async function http(sc: TestSidecar, head: string, body = ''): Promise<{ status: number; headers: Map<string, string>; json: any }> {
  const res = await rawRequest(sc.url, `${head}Host: x\r\nConnection: close\r\n${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`);
  const end = res.text.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of res.text.slice(0, end).split('\r\n').slice(1)) {
    const c = line.indexOf(':');
    headers.set(line.slice(0, c).toLowerCase(), line.slice(c + 1).trim());
  }
  const text = Buffer.from(res.text.slice(end + 4), 'latin1').toString('utf8');
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status ?? 0, headers, json };
}

function fromHttp(r: { status: number; headers: Map<string, string>; json: any }, allowed: boolean, status = r.status): DoorAnswer {
  return {
    allowed,
    status,
    code: r.json?.code,
    message: r.json?.message,
    decisionId: r.headers.get('x-authz-decision-id') ?? r.json?.decision_id,
    challenge: r.headers.get('www-authenticate'),
  };
}

export const AUTHORIZE: FrontDoor = {
  name: 'POST /authorize',
  async send(sc, req) {
    const body = JSON.stringify({ method: req.method, path: req.target });
    const r = await http(sc, `POST /authorize HTTP/1.1\r\nContent-Type: application/json\r\n${headerLines(req.headers)}`, body);
    const allowed = r.status === 200 && r.json?.allow === true;
    return fromHttp(r, allowed, r.status === 200 && !allowed ? 403 : r.status);
  },
};

export const FORWARD_AUTH: FrontDoor = {
  name: 'forward-auth',
  async send(sc, req) {
    const r = await http(sc, `GET /forward-auth HTTP/1.1\r\nX-Forwarded-Method: ${req.method}\r\nX-Forwarded-Uri: ${req.target}\r\n${headerLines(req.headers)}`);
    return fromHttp(r, r.status === 200);
  },
};

export const EXT_AUTHZ_HTTP: FrontDoor = {
  name: 'ext_authz HTTP',
  async send(sc, req) {
    const r = await http(sc, `${req.method} /ext-authz${req.target} HTTP/1.1\r\n${headerLines(req.headers)}`);
    return fromHttp(r, r.status === 200);
  },
};

export const EXT_AUTHZ_GRPC: FrontDoor = {
  name: 'ext_authz gRPC',
  async send(sc, req) {
    const out = await grpcClientOf(sc).check(checkRequest(req.method, req.target, req.headers));
    if ('error' in out) {
      // A failed call: Envoy denies with its status_on_error; the sidecar's code leads the details.
      const code = /^([a-z_]+): /.exec(out.error.details)?.[1];
      return { allowed: false, status: out.error.code === 14 ? 503 : 500, code, message: out.error.details.slice((code?.length ?? -2) + 2), decisionId: out.error.decisionId, challenge: undefined };
    }
    const res = out.response;
    const allowed = (res['status']?.code ?? 0) === 0 && res['ok_response'] !== undefined;
    const denied = res['denied_response'];
    const headers = new Map<string, string>(((allowed ? res['ok_response']?.headers : denied?.headers) ?? []).map((h: any) => [String(h.header.key).toLowerCase(), h.header.value]));
    let json: any;
    try {
      json = denied?.body ? JSON.parse(denied.body) : undefined;
    } catch {
      json = undefined;
    }
    const status = allowed ? 200 : Number(denied?.status?.code ?? 0);
    return { allowed, status, code: json?.code, message: json?.message, decisionId: headers.get('x-authz-decision-id'), challenge: headers.get('www-authenticate') };
  },
};

export const FRONT_DOORS: readonly FrontDoor[] = [AUTHORIZE, FORWARD_AUTH, EXT_AUTHZ_GRPC, EXT_AUTHZ_HTTP];
