import { Metadata, Server, ServerCredentials, status as grpcStatus, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition, type UntypedHandleCall } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type protobuf from 'protobufjs';
import type { Config, Listen } from '../config/config.ts';
import { OK, statusOf, type Component } from '../lib/component.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import { decisionAnswer, errorAnswerOf, type GrpcAnswer } from './check-response.ts';
import { CHECK_PATH, envoyProtos } from './envoy-protos.ts';
import { decideCheck, type ExtAuthzApi } from './ext-authz-check.ts';
import { checkOfGrpc } from './grpc-check.ts';

/** What the listener reads from the generation in service, once per Check. */
export type GrpcApi = ExtAuthzApi & { whyNotReady(): string | undefined; readonly log: ProcessLog; enter(): () => void };

export interface GrpcListenerOptions {
  readonly listen: Listen;
  readonly maxReceiveBytes: number;
  readonly shutdown: Config['shutdown'];
  readonly current: () => GrpcApi;
  readonly log: ProcessLog;
}

export interface GrpcListener extends Component {
  /** `127.0.0.1:9191` or `unix:/path`, once started. */
  readonly address: string | undefined;
  reconfigure(shutdown: Config['shutdown']): void;
}

const AUTHORIZATION = 'envoy.service.auth.v3.Authorization';
/** How often the gRPC health status follows `/ready` (cheap: one loop over the component statuses). */
const HEALTH_REFRESH_MS = 250;

/**
 * Envoy's ext_authz gRPC service (`envoy.service.auth.v3.Authorization/Check`) and the standard
 * gRPC health service, on their own listener (`extAuthz.grpc.listen`), as a process-wide
 * component (status `ext_authz_grpc`). Each Check reads the generation in service once and runs
 * its authorizer (ext-authz-check.ts). Health answers SERVING for "" and the Authorization service
 * exactly when `/ready` would answer 200. `stop` refuses new calls and lets running ones finish
 * for up to `shutdown.timeoutMs`; the API listener, stopped first, has already waited
 * `shutdown.drainDelayMs` while this one kept serving.
 */
export function createExtAuthzGrpcListener(options: GrpcListenerOptions): GrpcListener {
  const { log } = options;
  let shutdown = options.shutdown;
  let server: Server | undefined;
  let address: string | undefined;
  let stopping: Promise<void> | undefined;
  let closing = false;
  let timer: NodeJS.Timeout | undefined;
  const health = new HealthImplementation({ '': 'NOT_SERVING', [AUTHORIZATION]: 'NOT_SERVING' });
  let served: ServingStatus = 'NOT_SERVING';
  const refresh = (): void => {
    const next: ServingStatus = !closing && options.current().whyNotReady() === undefined ? 'SERVING' : 'NOT_SERVING';
    if (next === served) return;
    served = next;
    health.setStatus('', next);
    health.setStatus(AUTHORIZATION, next);
  };

  async function check(call: ServerUnaryCall<protobuf.Message, Record<string, unknown>>, callback: sendUnaryData<Record<string, unknown>>): Promise<void> {
    const api = options.current();
    // Counted on the generation that decides it, so a reload waits for this call (src/runtime/runtime.ts).
    const leave = api.enter();
    let answer: GrpcAnswer;
    try {
      answer = decisionAnswer(await decideCheck(api, checkOfGrpc(call.request, envoyProtos().CheckRequest)));
    } catch (err) {
      answer = errorAnswerOf(err, api.log);
    } finally {
      leave();
    }
    if ('response' in answer) callback(null, answer.response);
    else {
      const metadata = new Metadata();
      if (answer.error.decisionId) metadata.set('x-authz-decision-id', answer.error.decisionId);
      callback({ code: answer.error.code, details: answer.error.details, metadata });
    }
  }

  return {
    name: 'ext_authz_grpc',
    get address() {
      return address;
    },
    reconfigure(next) {
      shutdown = next;
    },
    async start() {
      if (server) return;
      const protos = envoyProtos();
      server = new Server({ 'grpc.max_receive_message_length': options.maxReceiveBytes });
      server.addService(serviceDefinition(protos.CheckRequest, protos.CheckResponse), {
        Check: (call: ServerUnaryCall<protobuf.Message, Record<string, unknown>>, callback: sendUnaryData<Record<string, unknown>>) => {
          check(call, callback).catch((err: unknown) => callback({ code: grpcStatus.INTERNAL, details: String(err) }));
        },
      });
      // Check and Watch refresh the status first: the timer alone let the health service answer NOT_SERVING for
      // up to HEALTH_REFRESH_MS after /ready said ready (the gRPC listener starts before the API listener), so a
      // probe right after start was told the opposite of /ready (test/ext-authz/go-client.test.ts).
      const into = server;
      health.addToServer({
        addService: (service: ServiceDefinition, impl: Record<string, UntypedHandleCall>) => {
          const fresh = (name: string): UntypedHandleCall =>
            ((...args: unknown[]) => {
              refresh();
              (impl[name] as (...a: unknown[]) => void)(...args);
            }) as UntypedHandleCall;
          into.addService(service, { ...impl, check: fresh('check'), watch: fresh('watch') });
        },
      } as unknown as Server);
      const target = options.listen.kind === 'unix' ? `unix:${options.listen.path}` : `${options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host}:${options.listen.port}`;
      const port = await new Promise<number>((resolve, reject) => server!.bindAsync(target, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
      address = options.listen.kind === 'unix' ? target : target.replace(/:\d+$/, `:${port}`);
      refresh();
      timer = setInterval(refresh, HEALTH_REFRESH_MS).unref();
      log.info('ext_authz gRPC listening', { address, services: [AUTHORIZATION, 'grpc.health.v1.Health'] });
    },
    stop() {
      stopping ??= (async () => {
        closing = true;
        clearInterval(timer);
        refresh();
        const s = server;
        if (!s) return;
        const drained = new Promise<void>((resolve) => s.tryShutdown(() => resolve()));
        let cut: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (cut = setTimeout(resolve, shutdown.timeoutMs, 'late')));
        if ((await Promise.race([drained, late])) === 'late') {
          log.error('shutdown timeout: ext_authz gRPC calls cut before they were answered', { timeout_ms: shutdown.timeoutMs });
          s.forceShutdown();
        }
        clearTimeout(cut);
      })();
      return stopping;
    },
    status: () => ({ ext_authz_grpc: closing ? statusOf('NOT_READY', 'shutting down') : server && address ? OK : statusOf('NOT_READY', 'not listening yet') }),
  };
}

/** The Authorization service for grpc-js, (de)serialised by protobufjs with Envoy's own types (envoy-protos.ts). */
function serviceDefinition(request: protobuf.Type, response: protobuf.Type): ServiceDefinition {
  return {
    Check: {
      path: CHECK_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: (m: protobuf.Message) => Buffer.from(request.encode(m).finish()),
      requestDeserialize: (b: Buffer) => request.decode(b),
      responseSerialize: (o: Record<string, unknown>) => Buffer.from(response.encode(response.fromObject(o)).finish()),
      responseDeserialize: (b: Buffer) => response.decode(b),
      originalName: 'check',
    },
  } as ServiceDefinition;
}
