import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { busyOf, coreList, cpuOfStat, descendants, processTree, statFields, treeCpuSeconds } from '../src/lib/proc-stats.ts';

// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
const stat = (comm: string, ppid: number, utime: number, stime: number, cutime: number, cstime: number): string =>
  `4242 (${comm}) S ${ppid} 4242 4242 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 5 0 0\n`;

test('stat fields are read after the last parenthesis: a command name may hold spaces and parentheses', () => {
  const f = statFields(stat('node (worker) x', 17, 1, 2, 3, 4));
  assert.equal(f[0], 'S');
  assert.equal(f[1], '17');
  assert.equal(cpuOfStat(stat('a) b', 1, 150, 50, 0, 0)), 2);
});

test('a process counts the children it has reaped (cutime, cstime), so a tree sum does not drop when a worker exits', () => {
  assert.equal(cpuOfStat(stat('node', 1, 100, 100, 300, 100)), 6);
});

test('the tree of a primary holds its workers and their children, not its siblings or parent', () => {
  const parentOf = new Map([
    [1, 0],
    [10, 1], // the harness
    [20, 10], // the sidecar's primary
    [21, 20], // worker 1
    [22, 20], // worker 2
    [23, 22], // a child of worker 2
    [30, 10], // wrk: a sibling
  ]);
  assert.deepEqual(descendants(20, parentOf).sort((a, b) => a - b), [20, 21, 22, 23]);
  assert.deepEqual(descendants(30, parentOf), [30]);
});

test('taskset lists: single cores, ranges, commas; undefined is every core', () => {
  assert.deepEqual(coreList('1', 2), [1]);
  assert.deepEqual(coreList('0-1', 2), [0, 1]);
  assert.deepEqual(coreList('0,2-3', 4), [0, 2, 3]);
  assert.deepEqual(coreList(undefined, 3), [0, 1, 2]);
  assert.equal(busyOf([1, 2, 4], '1-2'), 6);
  assert.equal(busyOf([1, 2, 4], undefined), 7);
});

test('processTree and treeCpuSeconds read a real child from /proc', async () => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
  try {
    assert.ok(child.pid);
    const deadline = Date.now() + 5000;
    while (!processTree(process.pid).includes(child.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(processTree(process.pid).includes(child.pid), 'the child is in our tree');
    assert.ok(treeCpuSeconds(process.pid) >= treeCpuSeconds(child.pid));
  } finally {
    child.kill();
    await once(child, 'exit');
  }
});
