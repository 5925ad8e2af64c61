import { createHash, createHmac } from 'node:crypto';
import { RegoNumber } from '../wasm/rego-value.ts';
import { BuiltinError, objectArg, typeName, type HostBuiltin } from './builtin-types.ts';
import { goJsonMarshal } from './go-json.ts';
import { escape, parseUrl } from './uri.ts';

/**
 * OPA's providers.aws.sign_req (topdown/providers.go, internal/providers/aws/signing_v4.go):
 * AWS Signature Version 4 of an http.send-style request object at a given time, returned as the
 * request with its signed headers. Pure computation: nothing is sent.
 */
const NAME = 'providers.aws.sign_req';
const REQUEST_KEYS = new Set(['method', 'url', 'body', 'enable_redirect', 'force_json_decode', 'force_yaml_decode', 'headers', 'raw_body', 'tls_use_system_certs', 'tls_ca_cert', 'tls_ca_cert_file',
  'tls_ca_cert_env_variable', 'tls_client_cert', 'tls_client_cert_file', 'tls_client_cert_env_variable', 'tls_client_key', 'tls_client_key_file', 'tls_client_key_env_variable',
  'tls_insecure_skip_verify', 'tls_server_name', 'timeout', 'cache', 'force_cache', 'force_cache_duration_seconds', 'raise_error', 'caching_mode', 'max_retry_attempts', 'cache_ignored_headers']);
const CONFIG_KEYS = ['aws_service', 'aws_access_key', 'aws_secret_access_key', 'aws_region'];
const IGNORED = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const hmac = (key: Buffer | string, msg: string): Buffer => createHmac('sha256', key).update(msg).digest();
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function escapedPath(path: string, rawPath: string): string {
  if (rawPath !== '' && /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@[\]/]|%[0-9A-Fa-f]{2})*$/.test(rawPath)) return rawPath;
  return path === '*' ? '*' : escape(path, 'path');
}

const signReq: HostBuiltin = (args) => {
  const req = objectArg(NAME, args, 0);
  const cfg = objectArg(NAME, args, 1);
  const missing = CONFIG_KEYS.filter((k) => !Object.hasOwn(cfg, k));
  if (missing.length) throw new BuiltinError(NAME, `operand 2 missing required AWS config parameters(s): ${missing.join(', ')}`);
  if (CONFIG_KEYS.some((k) => typeof cfg[k] !== 'string')) throw new BuiltinError(NAME, 'operand 2 invalid values for required AWS config parameters(s)');
  const ts = args[2];
  if (!(ts instanceof RegoNumber)) throw new BuiltinError(NAME, `operand 3 must be number but got ${typeName(ts)}`);
  if (!/^-?\d+$/.test(ts.text)) throw new BuiltinError(NAME, 'operand 3 could not convert time_ns value into a unix timestamp');
  const unknown = Object.keys(req).filter((k) => !REQUEST_KEYS.has(k));
  if (unknown.length) throw new BuiltinError(NAME, `operand 1 invalid request parameters(s): ${unknown.join(', ')}`);
  if (!Object.hasOwn(req, 'method') || !Object.hasOwn(req, 'url')) throw new BuiltinError(NAME, 'operand 1 missing required request parameters(s)');
  const headers = req['headers'] ?? {};
  if (typeName(headers) !== 'object') throw new BuiltinError(NAME, `operand 0 must be object but got ${typeName(headers)}`);
  if (typeof req['url'] !== 'string' || typeof req['method'] !== 'string') throw new BuiltinError(NAME, 'operand 1 invalid values for required request parameters(s)');
  const url = parseUrl(NAME, req['url']);
  const body = Object.hasOwn(req, 'raw_body') ? str(req['raw_body']) : Object.hasOwn(req, 'body') ? goJsonMarshal(req['body']) : '';
  let unsigned = false;
  if (Object.hasOwn(cfg, 'disable_payload_signing')) {
    if (typeof cfg['disable_payload_signing'] !== 'boolean') throw new BuiltinError(NAME, "operand 2 invalid value for 'disable_payload_signing' in AWS config");
    unsigned = cfg['disable_payload_signing'];
  }
  const [service, access, secret, region] = CONFIG_KEYS.map((k) => cfg[k] as string) as [string, string, string, string];
  const iso = new Date(Number(BigInt(ts.text) / 1_000_000n)).toISOString();
  const amzDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const day = amzDate.slice(0, 8);
  const contentHash = unsigned ? 'UNSIGNED-PAYLOAD' : sha256(Buffer.from(body));
  const aws: Record<string, string> = { host: url.host, 'x-amz-date': amzDate };
  if (service === 's3' || service === 'glacier') aws['x-amz-content-sha256'] = contentHash;
  const token = str(cfg['aws_session_token']);
  if (token !== '') aws['x-amz-security-token'] = token;
  const toSign = new Map<string, string>(Object.entries(aws));
  const given = headers as Record<string, unknown>;
  for (const [k, v] of Object.entries(given)) if (!IGNORED.has(k.toLowerCase())) toSign.set(k.toLowerCase(), str(v));
  const keys = [...toSign.keys()].sort();
  const canonical = `${req['method']}\n${escapedPath(url.path, url.rawPath)}\n${url.rawQuery}\n${keys.map((k) => `${k}:${toSign.get(k)}\n`).join('')}\n${keys.join(';')}\n${contentHash}`;
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
  const signature = hmac(key, stringToSign).toString('hex');
  const signed: Record<string, unknown> = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, str(v)]));
  signed['Authorization'] = `AWS4-HMAC-SHA256 Credential=${access}/${scope},SignedHeaders=${keys.join(';')},Signature=${signature}`;
  Object.assign(signed, aws);
  return { ...req, headers: signed };
};

export const awsBuiltins: Record<string, HostBuiltin> = { [NAME]: Object.assign(signReq, { numberText: true }) };
