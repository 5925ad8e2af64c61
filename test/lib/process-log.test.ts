import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createProcessLog } from '../../src/lib/process-log.ts';
import { redactSecrets, scrubString } from '../../src/lib/redact-secrets.ts';

const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6MTc5NTAwMDAwMH0.c2lnbmF0dXJlLWJ5dGVzLWxvbmctZW5vdWdoLXRvLWxvb2stcmVhbA';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = [];
  const log = createProcessLog(level, (l) => lines.push(l));
  return { log, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), raw: () => lines.join('') };
}

describe('process log (pino)', () => {
  it('writes one JSON object per line: level, ISO time, pid, msg, then the fields', () => {
    const { log, raw, lines } = capture();
    log.info('listening', { url: 'http://127.0.0.1:8181' });
    assert.match(raw(), /^\{"level":"info","time":"\d{4}-\d\d-\d\dT[^"]+Z","pid":\d+,"msg":"listening","url":"http:\/\/127\.0\.0\.1:8181"\}\n$/);
    assert.equal(lines().length, 1);
  });

  it('filters by level and changes level at run time', () => {
    const { log, lines } = capture('warn');
    log.info('hidden');
    log.warn('shown');
    log.setLevel('debug');
    log.debug('now shown');
    assert.deepEqual(lines().map((l) => [l['level'], l['msg']]), [['warn', 'shown'], ['debug', 'now shown']]);
  });

  it('never writes a token or a secret, in the message, in a field value, or under a secret key', () => {
    const { log, raw } = capture();
    log.warn(`userinfo answered for Bearer ${JWT}`, {
      detail: `upstream said: token=${JWT}`,
      nested: { list: [JWT, 'ok'], authorization: 'Basic dXNlcjpwYXNz', hmacSecret: 'a'.repeat(40) },
      token: 'opaque-token-value-0123456789',
      err: Object.assign(new Error(`bad ${JWT}`), { code: 'E1' }),
    });
    const out = raw();
    for (const secret of [JWT, JWT.split('.')[2]!, 'dXNlcjpwYXNz', 'a'.repeat(40), 'opaque-token-value']) {
      assert.ok(!out.includes(secret), `leaked ${secret.slice(0, 12)}…`);
    }
    const line = JSON.parse(out) as Record<string, any>;
    assert.equal(line['nested'].list[1], 'ok', 'other values stay');
    assert.equal(line['err'].code, 'E1');
    assert.match(line['msg'], /^userinfo answered for Bearer \[REDACTED\]$/);
  });

  it('redaction leaves ordinary values alone', () => {
    assert.equal(scrubString('https://keycloak-prod.example-corp.internal/realms/acme'), 'https://keycloak-prod.example-corp.internal/realms/acme');
    assert.equal(scrubString('revision 05fe476b60d6 activated'), 'revision 05fe476b60d6 activated');
    assert.deepEqual(redactSecrets({ attempt: 3, delay_ms: 250, kid: 'k1' }), { attempt: 3, delay_ms: 250, kid: 'k1' });
  });

  it('flush() resolves once the line is out', async () => {
    const { log, lines } = capture();
    log.error('stopping');
    await log.flush();
    assert.equal(lines().length, 1);
  });
});
