import { test } from 'node:test';
import assert from 'node:assert/strict';
import { areaOf, summarizeProfile, type CpuProfile } from '../src/report/summarize-profile.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

// root -> handler (src/decision) -> jwtVerify (jose) ; root -> (idle)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 4] },
    { id: 2, callFrame: frame('authorize', 'file:///repo/src/decision/authorize.ts', 42), children: [3] },
    { id: 3, callFrame: frame('jwtVerify', 'file:///repo/node_modules/jose/dist/webapi/jwt/verify.js', 3) },
    { id: 4, callFrame: frame('(idle)') },
  ],
  samples: [2, 3, 3, 3, 4, 4],
  timeDeltas: [1000, 1000, 1000, 1000, 3000, 3000],
  startTime: 0,
  endTime: 10000,
};

test('areas name packages, sidecar folders, node internals and V8 pseudo-frames', () => {
  assert.equal(areaOf(frame('x', 'file:///r/node_modules/@open-policy-agent/opa-wasm/src/opa.js')), 'npm @open-policy-agent/opa-wasm');
  assert.equal(areaOf(frame('x', 'file:///r/src/token/verify-token.ts')), 'sidecar src/token');
  assert.equal(areaOf(frame('x', 'node:internal/crypto/util')), 'node internal/crypto');
  assert.equal(areaOf(frame('(garbage collector)')), '(garbage collector)');
});

test('self time is split by area as a share of busy time, idle excluded', () => {
  const text = summarizeProfile(profile, 'title');
  assert.match(text, /busy \(not idle\) 0\.0 s = 40\.0% of the time/);
  assert.match(text, /75\.0%\s+3 ms\s+npm jose/);
  assert.match(text, /25\.0%\s+1 ms\s+sidecar src\/decision/);
});

test('total time of a sidecar function includes its callees', () => {
  const text = summarizeProfile(profile, 'title');
  const section = text.split('Sidecar functions (src/) by total time, callees included:')[1]!;
  assert.match(section, /100\.0%\s+4 ms\s+authorize src\/decision\/authorize\.ts:43/);
});
