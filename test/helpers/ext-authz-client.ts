import { credentials, makeGenericClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { CHECK_PATH, envoyProtos } from '../../src/ext-authz/envoy-protos.ts';

/** CheckResponse as protobufjs' toObject gives it (proto field names, enums and longs as numbers). */
export type CheckResponse = Record<string, any>;
export type CheckOutcome = { readonly response: CheckResponse } | { readonly error: { readonly code: number; readonly details: string; readonly decisionId: string | undefined } };

export interface ExtAuthzClient {
  /** Sends a CheckRequest given as a plain object (proto field names), as Envoy would. */
  check(request: Record<string, unknown>): Promise<CheckOutcome>;
  /** grpc.health.v1.Health/Check for a service name ("" for the server). */
  health(service?: string): Promise<string>;
  close(): void;
}

const TO_OBJECT: protobuf.IConversionOptions = { enums: Number, longs: Number, defaults: false, oneofs: false, bytes: String };

/** A grpc-js client of the sidecar's ext_authz listener, with Envoy's own types (the vendored protos the server loads too). */
export function extAuthzClient(address: string): ExtAuthzClient {
  const { CheckRequest, CheckResponse } = envoyProtos();
  const Ctor = makeGenericClientConstructor(
    {
      Check: {
        path: CHECK_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: (o: Record<string, unknown>) => Buffer.from(CheckRequest.encode(CheckRequest.fromObject(o)).finish()),
        requestDeserialize: (b: Buffer) => CheckRequest.decode(b),
        responseSerialize: (m: protobuf.Message) => Buffer.from(CheckResponse.encode(m).finish()),
        responseDeserialize: (b: Buffer) => CheckResponse.toObject(CheckResponse.decode(b), TO_OBJECT),
      },
    },
    'Authorization',
  );
  const client = new Ctor(address, credentials.createInsecure()) as Client & Record<string, Function>;
  const health = makeGenericClientConstructor(
    {
      Check: {
        path: '/grpc.health.v1.Health/Check',
        requestStream: false,
        responseStream: false,
        requestSerialize: (service: string) => healthRequest(service),
        requestDeserialize: () => '',
        responseSerialize: () => Buffer.alloc(0),
        responseDeserialize: (b: Buffer) => healthStatus(b),
      },
    },
    'Health',
  );
  const healthClient = new health(address, credentials.createInsecure()) as Client & Record<string, Function>;
  return {
    check: (request) =>
      new Promise((resolve) => {
        client['Check']!(request, (err: ServiceError | null, response: CheckResponse) =>
          resolve(err ? { error: { code: err.code, details: err.details, decisionId: err.metadata?.get('x-authz-decision-id')[0]?.toString() } } : { response }),
        );
      }),
    health: (service = '') =>
      new Promise((resolve, reject) => {
        healthClient['Check']!(service, (err: ServiceError | null, status: string) => (err ? reject(err) : resolve(status)));
      }),
    close() {
      client.close();
      healthClient.close();
    },
  };
}

/**
 * grpc.health.v1 by hand on the wire (field 1 of each message), so the test client does not
 * share the server's health implementation: HealthCheckRequest{service}, HealthCheckResponse{status}.
 */
const HEALTH_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
function healthRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  return s.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, s.length]), s]);
}
function healthStatus(b: Buffer): string {
  return b.length >= 2 && b[0] === 0x08 ? (HEALTH_STATUS[b[1]!] ?? String(b[1])) : 'UNKNOWN';
}

/** A CheckRequest for `method target` with headers given as pairs (a repeated name is joined with commas, as Envoy does). */
export function checkRequest(method: string, target: string, headers: readonly (readonly [string, string])[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const map: Record<string, string> = {};
  for (const [k, v] of headers) {
    const key = k.toLowerCase();
    map[key] = map[key] === undefined ? v : `${map[key]},${v}`;
  }
  return {
    attributes: {
      request: { http: { id: '1', method, path: target, host: 'orders.example', scheme: 'http', protocol: 'HTTP/1.1', headers: { ':method': method, ':path': target, ':authority': 'orders.example', ...map }, ...extra } },
      source: { address: { socket_address: { address: '127.0.0.1', port_value: 50000 } } },
    },
  };
}
