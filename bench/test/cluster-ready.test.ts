import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workersListening } from '../src/targets/cluster-ready.ts';

test('workers listening are the distinct pids of "listening" lines; other listeners and cut lines do not count', () => {
  const log = [
    '{"level":"info","time":"t","pid":100,"msg":"cluster starting","workers":2}',
    '{"level":"info","time":"t","pid":101,"msg":"listening","url":"http://127.0.0.1:18181"}',
    '{"level":"info","time":"t","pid":101,"msg":"ext_authz listening"}',
    '{"level":"info","time":"t","pid":100,"msg":"diagnostics listening"}',
    '{"level":"info","time":"t","pid":101,"msg":"listening","url":"again"}',
    '{"level":"info","time":"t","pid":102,"msg":"listening","ur',
  ].join('\n');
  assert.equal(workersListening(log), 1);
  assert.equal(workersListening(`${log}\n{"level":"info","time":"t","pid":102,"msg":"listening"}\n`), 2);
});
