import assert from 'node:assert/strict';
import { SidecarError, type ErrorCode } from '../../src/errors/sidecar-error.ts';

/**
 * Awaits `promise`, which must reject with a SidecarError of this code and HTTP status (and a
 * message matching `message`, when given); returns the error for further checks.
 */
export async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode, status: number, message?: RegExp): Promise<SidecarError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SidecarError, `expected SidecarError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.status, status);
  if (message) assert.match(caught.message, message);
  return caught;
}
